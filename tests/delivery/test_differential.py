"""The pack's IAM evaluator against an independent one: principalmapper's `local_policy_simulation`.

On generated resource policies x CloudTrail-like requests, both must agree on allow/deny wherever both model the
feature. Each place they are known to differ is a test of its own, citing the AWS sentence that decides it.
"""

from __future__ import annotations

import collections
import collections.abc
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

# principalmapper 1.1.5 imports collections.Mapping and MutableMapping, which moved to collections.abc in Python 3.10.
collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]
collections.MutableMapping = collections.abc.MutableMapping  # type: ignore[attr-defined]

from principalmapper.querying.local_policy_simulation import (  # noqa: E402
    ResourcePolicyEvalResult,
    resource_policy_authorization,
)

from trailguard_policies import iam  # noqa: E402

ACCOUNT = "111111111111"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org"
OTHER_TRAIL = "arn:aws:cloudtrail:us-east-1:222222222222:trail/org"
OBJECT = f"arn:aws:s3:::logs/AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2025/01/01/file.json.gz"
CONTEXT = {
    "aws:SourceArn": TRAIL,
    "aws:SecureTransport": "true",
    "s3:x-amz-acl": "bucket-owner-full-control",
    "aws:PrincipalServiceName": "cloudtrail.amazonaws.com",
}
ABSENT = frozenset({"aws:sourceaccount"})

services = st.sampled_from(["cloudtrail.amazonaws.com", "config.amazonaws.com"])
actions = st.sampled_from(["s3:PutObject", "s3:Put*", "s3:*", "*", "s3:GetObject", "s3:P?tObject", "s3:Get*"])
resources = st.sampled_from(
    [
        "*",
        "arn:aws:s3:::logs/*",
        "arn:aws:s3:::logs/AWSLogs/*",
        f"arn:aws:s3:::logs/AWSLogs/{ACCOUNT}/*",
        "arn:aws:s3:::logs/AWSLogs/2222222222?2/*",
        "arn:aws:s3:::logs/AWSLogs/1111111111?1/CloudTrail/*",
        "arn:aws:s3:::other/*",
        "arn:aws:s3:::logs",
    ]
)
# Operators both evaluators implement the same way: no set operators, no negated *Like (see the disagreements).
condition = st.one_of(
    st.tuples(
        st.sampled_from(["StringEquals", "StringNotEquals"]),
        st.just("aws:SourceArn"),
        st.sampled_from([TRAIL, OTHER_TRAIL]),
    ),
    st.tuples(
        st.sampled_from(["StringLike", "ArnLike", "ArnEquals"]),
        st.just("aws:SourceArn"),
        st.sampled_from(
            [TRAIL, "arn:aws:cloudtrail:*:111111111111:trail/*", "arn:aws:cloudtrail:*:222222222222:trail/*"]
        ),
    ),
    st.tuples(st.just("Bool"), st.just("aws:SecureTransport"), st.sampled_from(["true", "false"])),
    st.tuples(
        st.sampled_from(["StringEquals", "StringEqualsIfExists"]),
        st.just("s3:x-amz-acl"),
        st.sampled_from(["bucket-owner-full-control", "private"]),
    ),
    st.tuples(
        st.sampled_from(["StringEquals", "StringEqualsIfExists", "StringNotEquals"]),
        st.just("aws:SourceAccount"),
        st.just(ACCOUNT),
    ),
    st.tuples(
        st.just("Null"), st.sampled_from(["aws:SourceAccount", "aws:SourceArn"]), st.sampled_from(["true", "false"])
    ),
)


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Principal": draw(st.one_of(st.just("*"), services.map(lambda s: {"Service": s}))),
        "Action": draw(st.lists(actions, min_size=1, max_size=2)),
        "Resource": draw(st.lists(resources, min_size=1, max_size=2)),
    }
    conditions: dict[str, dict[str, str]] = {}
    for operator, key, value in draw(st.lists(condition, max_size=2)):
        conditions.setdefault(operator, {})[key] = value
    if conditions:
        statement["Condition"] = conditions
    return statement


policies = st.lists(statements(), min_size=1, max_size=4).map(lambda s: {"Version": "2012-10-17", "Statement": s})


def ours(policy: dict[str, Any], service: str, action: str = "s3:PutObject", resource: str = OBJECT) -> bool | None:
    context: dict[str, iam.Value] = {k.lower(): (v,) for k, v in CONTEXT.items()}
    context["aws:principalservicename"] = (service,)
    request = iam.Request(action, (resource,), service, context, ABSENT)
    return iam.decide(iam.parse_document(policy, where="policy"), request)


def theirs(policy: dict[str, Any], service: str, action: str = "s3:PutObject", resource: str = OBJECT) -> bool:
    context = {**CONTEXT, "aws:PrincipalServiceName": service}
    result = resource_policy_authorization(service, ACCOUNT, policy, action, resource, context)
    return result == ResourcePolicyEvalResult.SERVICE_MATCH


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=policies, service=services)
def test_both_evaluators_agree_on_generated_policies(policy: dict[str, Any], service: str) -> None:
    verdict = ours(policy, service)

    assert verdict is not None, "every key of these requests is known or documented absent"
    assert verdict == theirs(policy, service), policy


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ALLOW = {
    "Effect": "Allow",
    "Principal": {"Service": "cloudtrail.amazonaws.com"},
    "Action": "s3:PutObject",
    "Resource": "*",
}


class TestDocumentedDisagreements:
    def test_negated_like_operators_hold_when_the_key_is_absent(self) -> None:
        # AWS (IAM User Guide, reference_policies_elements_condition_operators): "If the policy condition requires
        # that the key is not matched, such as StringNotLike or ArnNotLike, and the right key is not present, the
        # condition is true." principalmapper returns false for StringNotLike on an absent key.
        policy = _policy({**ALLOW, "Condition": {"StringNotLike": {"aws:SourceAccount": "2222*"}}})

        assert ours(policy, "cloudtrail.amazonaws.com") is True
        assert theirs(policy, "cloudtrail.amazonaws.com") is False

    def test_arn_like_checks_each_component_on_its_own(self) -> None:
        # AWS (same page, ARN condition operators): "Each of the six colon-delimited components of the ARN is checked
        # separately and each can include multi-character match wildcards (*) or single-character match wildcards
        # (?)." A `*` cannot swallow colons; principalmapper matches the ARN as one string.
        policy = _policy({**ALLOW, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:*:111111111111:trail/*"}}})

        assert ours(policy, "cloudtrail.amazonaws.com") is False
        assert theirs(policy, "cloudtrail.amazonaws.com") is True

    def test_resource_arns_are_case_sensitive(self) -> None:
        # AWS (IAM User Guide, reference_policies_elements_resource): Resource ARNs are matched case-sensitively
        # ("Amazon S3 bucket and object names are case sensitive", S3 User Guide, object-keys); principalmapper
        # compiles resource patterns with re.IGNORECASE.
        policy = _policy({**ALLOW, "Resource": "arn:aws:s3:::LOGS/*"})

        assert ours(policy, "cloudtrail.amazonaws.com") is False
        assert theirs(policy, "cloudtrail.amazonaws.com") is True

    def test_a_key_the_model_does_not_set_is_unknown_not_absent(self) -> None:
        # The delivery model's rule, not an AWS rule: principalmapper must decide and takes a missing key as absent;
        # the pack answers None (undecided) for a key AWS does not document either way.
        policy = _policy({**ALLOW, "Condition": {"StringEquals": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}})

        assert ours(policy, "cloudtrail.amazonaws.com") is None
        assert theirs(policy, "cloudtrail.amazonaws.com") is False


@pytest.mark.parametrize(
    ("trail", "expected"),
    [(TRAIL, ResourcePolicyEvalResult.SERVICE_MATCH), (OTHER_TRAIL, ResourcePolicyEvalResult.NO_MATCH)],
)
def test_principalmapper_runs_on_this_python(trail: str, expected: ResourcePolicyEvalResult) -> None:
    # The shim above is what makes it importable; this is the check the issue reports having tried by hand.
    policy = _policy({**ALLOW, "Condition": {"StringEquals": {"aws:SourceArn": trail}}})

    assert (
        resource_policy_authorization("cloudtrail.amazonaws.com", ACCOUNT, policy, "s3:PutObject", OBJECT, CONTEXT)
        == expected
    )
