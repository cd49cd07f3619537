"""TrailKey: what it registers, its options, and its key policy statement by statement."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from trailguard import TrailKey, TrailKeyArgs
from trailguard_gate.mocks import Rendering, render

KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
TRAIL = "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail"


def render_key(args: TrailKeyArgs, region: str = "us-east-1") -> Rendering:
    return render(lambda: TrailKey("logs", args), config={"aws:region": region})


@pytest.fixture(scope="module")
def rendering() -> Rendering:
    return render_key(
        {
            "trail_name": "organization-trail",
            "trail_account_id": "111111111111",
            "reader_principal_arns": ["arn:aws:iam::333333333333:role/SecurityAudit"],
            "tags": {"Owner": "security"},
        }
    )


def test_registers_a_component_with_a_key_and_an_alias(rendering: Rendering) -> None:
    component = rendering.one("trailguard:index:TrailKey")
    key, alias = rendering.one(KEY), rendering.one(ALIAS)
    assert (key.name, alias.name) == ("logs-key", "logs-alias")
    assert key.parent == alias.parent == component.urn


def test_rotation_on_longest_window_tags(rendering: Rendering) -> None:
    key = rendering.one(KEY).properties
    assert key["enableKeyRotation"] is True
    assert key["deletionWindowInDays"] == 30
    assert key["tags"] == {"Owner": "security"}
    assert key["description"] == "CloudTrail: trail organization-trail"


def test_the_key_is_never_deleted_by_pulumi(rendering: Rendering) -> None:
    options = rendering.one(KEY).options
    assert options.protect is True
    assert options.retain_on_delete is True


def test_alias_names_the_trail_and_targets_the_key(rendering: Rendering) -> None:
    alias = rendering.one(ALIAS).properties
    assert alias["name"] == "alias/cloudtrail/organization-trail/logs"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", alias["targetKeyId"])
    assert rendering.one(KEY).urn in rendering.one(ALIAS).dependencies


def test_key_policy(rendering: Rendering, statements: Callable[..., dict[str, dict[str, Any]]]) -> None:
    policy = statements(rendering.one(KEY))
    assert list(policy) == [
        "EnableRootAccountPermissions",
        "AllowCloudTrailEncryptLogs",
        "AllowCloudTrailDescribeKey",
        "AllowCloudTrailDecryptForBucketKey",
        "AllowLogReadersDecryptThroughS3",
    ]
    # The mocks run as account 111111111111: the key's own account is the one administering it.
    assert policy["EnableRootAccountPermissions"]["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert policy["AllowCloudTrailEncryptLogs"]["Condition"] == {
        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:111111111111:trail/*"},
        "StringEquals": {"aws:SourceArn": TRAIL},
    }
    assert policy["AllowCloudTrailDescribeKey"]["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL}}
    assert policy["AllowCloudTrailDecryptForBucketKey"]["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL}}
    readers = policy["AllowLogReadersDecryptThroughS3"]
    assert readers["Principal"] == {"AWS": ["arn:aws:iam::333333333333:role/SecurityAudit"]}
    assert readers["Condition"] == {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}


def test_a_key_in_another_account_names_the_trail_in_the_management_account(
    statements: Callable[..., dict[str, dict[str, Any]]],
) -> None:
    rendering = render_key(
        {"trail_name": "org", "trail_account_id": "444444444444", "trail_region": "eu-west-1"}, region="eu-west-1"
    )
    policy = statements(rendering.one(KEY))
    assert policy["AllowCloudTrailEncryptLogs"]["Condition"] == {
        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:444444444444:trail/*"},
        "StringEquals": {"aws:SourceArn": "arn:aws:cloudtrail:eu-west-1:444444444444:trail/org"},
    }


def test_a_monitoring_key_serves_the_log_group_and_topic_only(
    statements: Callable[..., dict[str, dict[str, Any]]],
) -> None:
    rendering = render_key(
        {
            "trail_name": "organization-trail",
            "trail_account_id": "111111111111",
            "encrypt_trail_logs": False,
            "log_group_name": "/cloudtrail/organization-trail",
            "sns_topic_name": "organization-trail-log-delivery",
            "alias_name": "alias/cloudtrail/organization-trail/monitoring",
            "deletion_window_in_days": 7,
        }
    )
    policy = statements(rendering.one(KEY))
    assert list(policy) == [
        "EnableRootAccountPermissions",
        "AllowCloudWatchLogsEncryption",
        "AllowCloudTrailPublishToEncryptedTopic",
    ]
    assert policy["AllowCloudWatchLogsEncryption"]["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert policy["AllowCloudWatchLogsEncryption"]["Condition"] == {
        "ArnEquals": {
            "kms:EncryptionContext:aws:logs:arn": (
                "arn:aws:logs:us-east-1:111111111111:log-group:/cloudtrail/organization-trail"
            )
        }
    }
    assert policy["AllowCloudTrailPublishToEncryptedTopic"]["Condition"]["StringEquals"] == {
        "aws:SourceArn": TRAIL,
        "kms:EncryptionContext:aws:sns:topicArn": "arn:aws:sns:us-east-1:111111111111:organization-trail-log-delivery",
    }
    assert rendering.one(KEY).properties["deletionWindowInDays"] == 7
    assert rendering.one(ALIAS).properties["name"] == "alias/cloudtrail/organization-trail/monitoring"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"trail_name": "t!", "trail_account_id": "111111111111"},
            "TrailKey 'logs': trail_name: 't!' is not a valid trail name; expected 3-128 letters, digits, periods, "
            "underscores or hyphens, starting and ending with a letter or digit, with no two symbols in a row, "
            "e.g. organization-trail",
        ),
        (
            {"trail_name": "trail", "trail_account_id": "1111"},
            "TrailKey 'logs': trail_account_id: '1111' is not an AWS account id; expected 12 digits, e.g. 111111111111",
        ),
        (
            {"trail_name": "trail", "trail_account_id": "111111111111", "deletion_window_in_days": 3},
            "TrailKey 'logs': deletion_window_in_days: 3 is out of range; expected 7 to 30 days, e.g. 30",
        ),
        (
            {"trail_name": "trail", "trail_account_id": "111111111111", "alias_name": "alias/aws/s3"},
            "TrailKey 'logs': alias_name: 'alias/aws/s3' is not a valid KMS alias; expected 'alias/' followed by "
            "letters, digits, / _ or -, not under alias/aws/, e.g. alias/cloudtrail/organization-trail",
        ),
        (
            {"trail_name": "trail", "trail_account_id": "111111111111", "reader_principal_arns": ["*"]},
            "TrailKey 'logs': reader_principal_arns[0]: '*' is not an IAM principal ARN; expected an account root, "
            "role or user ARN, e.g. arn:aws:iam::222222222222:role/SecurityAudit",
        ),
    ],
)
def test_bad_arguments_fail_before_anything_is_registered(args: TrailKeyArgs, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        render_key(args)
    assert str(raised.value) == message
