"""TrailLogGroup: an encrypted, protected log group and a delivery role scoped to its CloudTrail streams."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trailguard import TrailLogGroup, TrailLogGroupArgs
from trailguard_gate.mocks import Rendering, render

GROUP = "arn:aws:logs:us-east-1:111111111111:log-group:/cloudtrail/organization-trail"
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BASE: TrailLogGroupArgs = {
    "log_group_name": "/cloudtrail/organization-trail",
    "trail_name": "organization-trail",
    "kms_key_arn": KEY_ARN,
    "organization_id": "o-a1b2c3d4e5",
    "tags": {"Owner": "security"},
}


def render_group(**overrides: Any) -> Rendering:
    args: TrailLogGroupArgs = {**BASE, **overrides}  # type: ignore[typeddict-item]
    return render(lambda: TrailLogGroup("delivery", args), config={"aws:region": "us-east-1"})


@pytest.fixture(scope="module")
def rendering() -> Rendering:
    return render_group()


def test_log_group_is_encrypted_retained_and_deletion_protected(rendering: Rendering) -> None:
    group = rendering.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.name == "delivery-log-group"
    assert group.properties == {
        "name": "/cloudtrail/organization-trail",
        "retentionInDays": 365,
        "kmsKeyId": KEY_ARN,
        "deletionProtectionEnabled": True,
        "tags": {"Owner": "security"},
    }
    assert (group.options.protect, group.options.retain_on_delete) == (True, True)


def test_role_trusts_cloudtrail_as_aws_documents_it(
    rendering: Rendering, statements: Callable[..., dict[str, dict[str, Any]]]
) -> None:
    # No aws:SourceArn/aws:SourceAccount: "The role policy doesn't support" them (CloudTrail user guide,
    # cloudtrail-required-policy-for-cloudwatch-logs).
    role = rendering.one("aws:iam/role:Role")
    assert role.properties["tags"] == {"Owner": "security"}
    trust = statements(role, "assumeRolePolicy")["AllowCloudTrailAssumeRole"]
    assert trust["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert "Condition" not in trust


def test_role_may_only_create_streams_and_put_events_in_the_group(
    rendering: Rendering, statements: Callable[..., dict[str, dict[str, Any]]]
) -> None:
    policy_resource = rendering.one("aws:iam/rolePolicy:RolePolicy")
    policy = statements(policy_resource)
    streams = [
        f"{GROUP}:log-stream:111111111111_CloudTrail_us-east-1*",
        f"{GROUP}:log-stream:o-a1b2c3d4e5_*",
    ]
    assert {sid: (s["Action"], s["Resource"]) for sid, s in policy.items()} == {
        "AWSCloudTrailCreateLogStream": ("logs:CreateLogStream", streams),
        "AWSCloudTrailPutLogEvents": ("logs:PutLogEvents", streams),
    }
    assert rendering.one("aws:iam/role:Role").urn in policy_resource.dependencies


def test_a_single_account_trail_writes_only_its_own_streams(
    statements: Callable[..., dict[str, dict[str, Any]]],
) -> None:
    policy = statements(render_group(organization_id=None).one("aws:iam/rolePolicy:RolePolicy"))
    assert policy["AWSCloudTrailPutLogEvents"]["Resource"] == [f"{GROUP}:log-stream:111111111111_CloudTrail_us-east-1*"]


@pytest.mark.parametrize("days", [0, 1, 3653])
def test_retention_accepts_cloudwatch_values(days: int) -> None:
    group = render_group(retention_in_days=days).one("aws:cloudwatch/logGroup:LogGroup")
    assert group.properties["retentionInDays"] == days


def test_retention_cloudwatch_rejects_fails_early() -> None:
    with pytest.raises(ValueError) as raised:
        render_group(retention_in_days=366)
    assert str(raised.value) == (
        "TrailLogGroup 'delivery': retention_in_days: 366 is not a retention CloudWatch Logs accepts; expected 0 "
        "(never expire) or one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, "
        "2192, 2557, 2922, 3288, 3653, e.g. 365"
    )


def test_bad_log_group_name_fails_early() -> None:
    with pytest.raises(ValueError) as raised:
        render_group(log_group_name="cloudtrail logs")
    assert str(raised.value) == (
        "TrailLogGroup 'delivery': log_group_name: 'cloudtrail logs' is not a valid log group name; expected "
        "1-512 letters, digits or . _ / # -, e.g. /cloudtrail/organization-trail"
    )
