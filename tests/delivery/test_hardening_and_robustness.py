"""Hardening AWS recommends passes, breakage AWS refuses is reported, and the pack never fails on its own bugs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from delivery_world import CONFIGURATIONS, PACK_BUG, REPO, check, documents, pack_bugs, with_document

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level, Resource
from trailguard_policies import delivery
from trailguard_policies.framework import run as run_checks
from trailguard_policies.stack import Stack

BUCKET_POLICY = "log-archive-bucket-policy"
TRAIL_KEY = "log-archive-key-key"
MONITORING_KEY = "organization-trail-monitoring-key-key"


@pytest.fixture(scope="module")
def dev() -> list[Resource]:
    return CONFIGURATIONS["dev"]()


def _doc(resources: list[Resource], name: str) -> tuple[int, dict[str, Any]]:
    for index, prop, doc in documents(resources):
        if resources[index].name == name and prop == "policy":
            return index, doc
    raise KeyError(name)


def _edit(resources: list[Resource], name: str, *add: dict[str, Any], drop: str | None = None) -> list[Resource]:
    index, doc = _doc(resources, name)
    statements = [s for s in doc["Statement"] if s.get("Sid") != drop] + list(add)
    return with_document(resources, index, "policy", {**doc, "Statement": statements})


def _findings(resources: list[Resource]) -> list[str]:
    return [f.message for found in check(resources).findings.values() for f in found]


BUCKET = "arn:aws:s3:::acme-dev-cloudtrail-111111111111"
DATA_PERIMETER = {
    # AWS's data-perimeter resource policy: nobody outside the organization, except AWS services on its behalf.
    "Sid": "EnforceResourcePerimeter",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [BUCKET, f"{BUCKET}/*"],
    "Condition": {
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    },
}
KEYS_CONDITION = {
    # A key policy that lets CloudTrail's data keys carry only the trail's encryption context key.
    "Sid": "OnlyTrailEncryptionContext",
    "Effect": "Deny",
    "Principal": {"Service": "cloudtrail.amazonaws.com"},
    "Action": "kms:GenerateDataKey*",
    "Resource": "*",
    "Condition": {"ForAnyValue:StringNotLike": {"kms:EncryptionContextKeys": ["aws:cloudtrail:arn", "aws:s3:arn"]}},
}
TLS_ONLY = {
    "Sid": "DenyOldTls",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [BUCKET, f"{BUCKET}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


class TestHardeningAwsRecommends:
    def test_a_data_perimeter_deny_exempting_aws_services_blocks_no_delivery(self, dev: list[Resource]) -> None:
        assert _findings(_edit(dev, BUCKET_POLICY, DATA_PERIMETER)) == []

    def test_an_encryption_context_keys_condition_blocks_no_delivery(self, dev: list[Resource]) -> None:
        outcome = check(_edit(dev, TRAIL_KEY, KEYS_CONDITION))

        assert [f for found in outcome.findings.values() for f in found] == []

    def test_a_secure_transport_deny_blocks_no_delivery(self, dev: list[Resource]) -> None:
        assert _findings(_edit(dev, BUCKET_POLICY, TLS_ONLY)) == []


class TestBreakageAwsRefuses:
    def test_a_write_grant_without_the_digest_path_is_reported(self, dev: list[Resource]) -> None:
        _, doc = _doc(dev, BUCKET_POLICY)
        write = next(s for s in doc["Statement"] if s["Sid"] == "AWSCloudTrailWrite")
        narrowed = {**write, "Resource": [r.replace("/*", "/CloudTrail/*") for r in write["Resource"]]}

        found = _findings(_edit(dev, BUCKET_POLICY, narrowed, drop="AWSCloudTrailWrite"))

        assert any("digest files" in m and "CloudTrail-Digest" in m for m in found), found
        assert not any("write the account's logs" in m for m in found)

    def test_requiring_sse_kms_uploads_breaks_digest_delivery_with_validation_on(self, dev: list[Resource]) -> None:
        kms_only = {
            "Sid": "DenyUnencryptedUploads",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"{BUCKET}/*",
            "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
        }

        found = _findings(_edit(dev, BUCKET_POLICY, kms_only))

        assert found and all("digest files" in m for m in found), found
        assert "(needed because log file validation is on)" in found[0]

    def test_a_key_in_another_region_than_the_bucket_is_reported(self, dev: list[Resource]) -> None:
        moved = [
            _in_region(r, "eu-west-1")
            if r.name == TRAIL_KEY
            else _in_region(r, "us-east-1")
            if r.name == "log-archive-bucket-bucket"
            else r
            for r in dev
        ]

        found = _findings(moved)

        assert any("is in eu-west-1 but bucket 'log-archive-bucket-bucket' is in us-east-1" in m for m in found)
        assert any("KmsKeyNotFoundException" in m for m in found)

    def test_a_grant_for_another_trail_is_reported(self, dev: list[Resource]) -> None:
        index, doc = _doc(dev, BUCKET_POLICY)
        text = json.dumps(doc).replace("trail/organization-trail", "trail/someone-elses-trail")
        found = _findings(with_document(dev, index, "policy", json.loads(text)))

        assert any("read the bucket ACL (s3:GetBucketAcl)" in m for m in found)
        assert any("InsufficientS3BucketPolicyException" in m for m in found)

    def test_a_source_arn_on_the_cloudwatch_logs_role_trust_is_reported(self, dev: list[Resource]) -> None:
        role = next(i for i, r in enumerate(dev) if r.type == "aws:iam/role:Role" and "log-group" in r.name)
        trust = json.loads(dev[role].properties["assumeRolePolicy"])
        for statement in trust["Statement"]:
            statement["Condition"] = {"StringEquals": {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:1:trail/t"}}

        found = _findings(with_document(dev, role, "assumeRolePolicy", trust))

        assert any("doesn't support the use of aws:SourceArn and aws:SourceAccount" in m for m in found), found

    def test_a_topic_key_bound_to_another_topics_encryption_context_is_reported(self, dev: list[Resource]) -> None:
        # SNS encrypts under the topic's ARN as encryption context; a key policy pinning another topic's refuses it.
        _, doc = _doc(dev, MONITORING_KEY)
        statement = next(s for s in doc["Statement"] if s["Sid"] == "AllowCloudTrailPublishToEncryptedTopic")
        condition = statement["Condition"]["StringEquals"]
        elsewhere = {**condition, "kms:EncryptionContext:aws:sns:topicArn": "arn:aws:sns:us-east-1:1:another-topic"}
        moved = {**statement, "Condition": {"StringEquals": elsewhere}}

        found = _findings(_edit(dev, MONITORING_KEY, moved, drop="AllowCloudTrailPublishToEncryptedTopic"))

        assert any("topic's key" in m for m in found), found


def _in_region(resource: Resource, region: str) -> Resource:
    from dataclasses import replace

    outputs = {**resource.outputs, "region": region} if resource.outputs is not None else None
    return replace(resource, properties={**resource.properties, "region": region}, outputs=outputs)


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPack]:
    with PolicyPack(REPO / "policies") as running:
        running.configure({})
        yield running


class TestRobustness:
    """A diagnostic saying "bug in the policy pack" fails these tests; the injection test proves they can fail."""

    @pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
    def test_the_whole_pack_never_reports_a_bug_of_its_own(self, pack: PolicyPack, name: str) -> None:
        resources = CONFIGURATIONS[name]()
        diagnostics = [*(d for r in resources for d in pack.analyze(r)), *pack.analyze_stack(resources)]

        assert pack_bugs([d.message for d in diagnostics]) == []
        delivery_levels = {d.enforcement_level for d in diagnostics if d.policy_name.endswith("-delivery")}
        assert Level.MANDATORY not in delivery_levels

    def test_an_exception_injected_into_a_policy_is_caught_by_the_robustness_check(
        self, dev: list[Resource], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(stack: Stack, trail: object) -> Iterator[object]:
            raise ZeroDivisionError("injected")
            yield

        monkeypatch.setattr(delivery, "bucket_delivery", broken)
        from delivery_world import to_res

        stack = Stack([to_res(r) for r in dev])
        findings, _ = run_checks([(t, lambda t=t: delivery.bucket_delivery(stack, t)) for t in stack.trails])

        bugs = pack_bugs([f.message for f in findings])
        assert bugs and "ZeroDivisionError: injected" in bugs[0] and PACK_BUG in bugs[0]
