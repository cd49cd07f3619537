"""The delivery model is the components' truth: over every rendered stack, example and configuration, each request
AWS will make is allowed by the policies the components write, and each statement they write for an AWS service
is needed by one of those requests."""

from __future__ import annotations

from typing import Any

import pytest
from delivery_world import CONFIGURATIONS, Outcome, check, documents, for_a_service, with_document

from trailguard_gate.model import Resource


@pytest.fixture(scope="module", params=sorted(CONFIGURATIONS))
def rendered(request: pytest.FixtureRequest) -> tuple[str, list[Resource]]:
    name: str = request.param
    return name, CONFIGURATIONS[name]()


@pytest.fixture(scope="module")
def outcome(rendered: tuple[str, list[Resource]]) -> Outcome:
    return check(rendered[1])


def test_every_request_the_model_lists_is_allowed_by_the_rendered_policies(outcome: Outcome) -> None:
    # Every key the components' policies test is one the model knows: no request is left undecided either.
    assert [(j.policy, j.call.what, j.verdict) for j in outcome.judged if j.verdict is not True] == []


def test_no_delivery_check_reports_anything_on_the_rendered_stacks(outcome: Outcome) -> None:
    assert {name: [f.message for f in found] for name, found in outcome.findings.items() if found} == {}


EXPECTED: dict[str, set[str]] = {
    "dev": {
        "s3-bucket-policy-cloudtrail-delivery",
        "kms-key-policy-cloudtrail-delivery",
        "iam-role-cloudtrail-cloudwatch-delivery",
        "sns-topic-policy-delivery",
        "kms-key-policy-service-delivery (log groups)",
        "kms-key-policy-service-delivery (topics)",
        "s3-bucket-policy-access-log-delivery",
    },
    "dev with EventBridge rules": {"sns-topic-policy-delivery", "kms-key-policy-service-delivery (topics)"},
    "log-archive": {"s3-bucket-policy-access-log-delivery", "iam-role-s3-replication-delivery"},
    "examples/lake": {"kms-key-policy-service-delivery (event data stores)"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_part_of_the_model_is_exercised_by_some_stack(name: str) -> None:
    judged = check(CONFIGURATIONS[name]()).judged

    assert EXPECTED[name] <= {j.policy for j in judged}


def _statements_for_services(resources: list[Resource]) -> list[tuple[int, str, int, str]]:
    found = []
    for index, prop, doc in documents(resources):
        for position, statement in enumerate(doc["Statement"]):
            if for_a_service(statement, resources[index]):
                found.append((index, prop, position, statement.get("Sid", f"#{position}")))
    return found


def _without(resources: list[Resource], index: int, prop: str, position: int) -> list[Resource]:
    doc: dict[str, Any] = dict(next(d for i, p, d in documents(resources) if (i, p) == (index, prop)))
    doc["Statement"] = [s for n, s in enumerate(doc["Statement"]) if n != position]
    return with_document(resources, index, prop, doc)


# The log archive stack alone holds the bucket and key of a trail registered by the management stack: its
# statements for CloudTrail are judged in the two stacks together.
WHOLE = sorted(set(CONFIGURATIONS) - {"log-archive"})


def decorative(resources: list[Resource]) -> list[str]:
    """Statements written for an AWS service whose removal leaves every delivery check silent."""
    found = []
    for index, prop, position, sid in _statements_for_services(resources):
        after = check(_without(resources, index, prop, position))
        if not any(after.findings.values()):
            found.append(f"{resources[index].name}.{prop}: {sid}")
    return found


@pytest.mark.parametrize("name", WHOLE)
def test_every_statement_the_components_write_for_a_service_is_needed(name: str) -> None:
    resources = CONFIGURATIONS[name]()

    assert decorative(resources) == [], f"{name}: removing these statements leaves every delivery request allowed"


def test_a_statement_no_request_needs_is_found() -> None:
    resources = CONFIGURATIONS["dev"]()
    index, prop, doc = next(
        (i, p, d) for i, p, d in documents(resources) if resources[i].name == "log-archive-bucket-policy"
    )
    extra = {
        "Sid": "Decorative",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::acme-dev-cloudtrail-111111111111/*",
    }

    found = decorative(with_document(resources, index, prop, {**doc, "Statement": [*doc["Statement"], extra]}))

    assert found == ["log-archive-bucket-policy.policy: Decorative"]
