"""Delivery health: what GetTrailStatus says, as findings a person acts on, with exact text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from audit_samples import KEY_ARN, NOW, healthy_status, key, trail, trail_description

from trailguard_gate.audit import health
from trailguard_gate.audit.collect import Gap
from trailguard_gate.model import Level

URN = "urn:pulumi:111111111111-us-east-1::trailguard-audit::aws:cloudtrail/trail:Trail::org-trail"


def findings_for(**status_changes: object) -> list[tuple[str, Level, str]]:
    status = {**healthy_status(), **status_changes}
    state = trail(status=status)
    return [(f.rule, f.level, f.message) for f in health.trail_health(state, urn=URN, now=NOW)]


def test_a_healthy_trail_has_no_finding() -> None:
    assert findings_for() == []


def test_a_stopped_trail_says_since_when_and_nothing_else() -> None:
    found = findings_for(IsLogging=False, StopLoggingTime=NOW - timedelta(days=3, hours=4))
    assert found == [
        (
            "cloudtrail-trail-logging-active",
            Level.MANDATORY,
            "trail 'org-trail' has not been logging since 2025-05-29 08:00 UTC, 3 days 4 hours ago: no events are "
            "recorded.",
        )
    ]


def test_an_s3_delivery_error_is_quoted_with_the_last_good_delivery() -> None:
    found = findings_for(LatestDeliveryError="AccessDenied", LatestDeliveryTime=NOW - timedelta(hours=5, minutes=2))
    assert found == [
        (
            "cloudtrail-trail-s3-delivery",
            Level.MANDATORY,
            "trail 'org-trail' cannot deliver log files to bucket 'acme-cloudtrail-logs': AccessDenied "
            "(last successful delivery 2025-06-01 06:58 UTC, 5 hours 2 minutes ago).",
        )
    ]


def test_a_cloudwatch_error_names_the_log_group() -> None:
    found = findings_for(LatestCloudWatchLogsDeliveryError="Role cannot be assumed")
    assert found == [
        (
            "cloudtrail-trail-cloudwatch-delivery",
            Level.MANDATORY,
            "trail 'org-trail' cannot deliver events to log group '/aws/cloudtrail/org-trail': Role cannot be "
            "assumed (last successful delivery 2025-06-01 11:58 UTC, 2 minutes ago).",
        )
    ]


def test_silence_longer_than_the_allowed_age_is_a_failure() -> None:
    found = findings_for(LatestDeliveryTime=NOW - timedelta(days=2), LatestDigestDeliveryTime=NOW - timedelta(hours=25))
    assert found == [
        (
            "cloudtrail-trail-s3-delivery",
            Level.MANDATORY,
            "trail 'org-trail' has not delivered log files to bucket 'acme-cloudtrail-logs' for 2 days (since "
            "2025-05-30 12:00 UTC, 2 days ago), longer than the 1 day allowed (--max-delivery-age).",
        ),
        (
            "cloudtrail-trail-digest-delivery",
            Level.MANDATORY,
            "trail 'org-trail' has not delivered digest files to bucket 'acme-cloudtrail-logs' for 1 day 1 hour "
            "(since 2025-05-31 11:00 UTC, 1 day 1 hour ago), longer than the 1 day allowed (--max-delivery-age).",
        ),
    ]


def test_the_allowed_age_is_configurable() -> None:
    state = trail(status={**healthy_status(), "LatestDeliveryTime": NOW - timedelta(hours=3)})
    assert health.trail_health(state, urn=URN, now=NOW, max_age=timedelta(hours=4)) == []
    late = health.trail_health(state, urn=URN, now=NOW, max_age=timedelta(hours=2))
    assert [f.rule for f in late] == ["cloudtrail-trail-s3-delivery"]
    assert "longer than the 2 hours allowed" in late[0].message


def test_a_trail_that_never_delivered_since_it_started_logging() -> None:
    status = {"IsLogging": True, "StartLoggingTime": NOW - timedelta(days=10)}
    state = trail(status=status, description=trail_description(CloudWatchLogsLogGroupArn=None))
    found = health.trail_health(state, urn=URN, now=NOW)
    assert [f.message for f in found] == [
        "trail 'org-trail' has never delivered log files to bucket 'acme-cloudtrail-logs', though it has been "
        "logging since 2025-05-22 12:00 UTC, 10 days ago.",
        "trail 'org-trail' has never delivered digest files to bucket 'acme-cloudtrail-logs', though it has been "
        "logging since 2025-05-22 12:00 UTC, 10 days ago.",
    ]


def test_a_trail_started_a_minute_ago_is_not_blamed_for_silence() -> None:
    status = {"IsLogging": True, "StartLoggingTime": NOW - timedelta(minutes=1)}
    assert health.trail_health(trail(status=status), urn=URN, now=NOW) == []


def test_channels_the_trail_does_not_use_are_not_judged() -> None:
    description = trail_description(LogFileValidationEnabled=False, CloudWatchLogsLogGroupArn=None)
    status = {"IsLogging": True, "StartLoggingTime": NOW - timedelta(days=5), "LatestDeliveryTime": NOW}
    assert health.trail_health(trail(description=description, status=status), urn=URN, now=NOW) == []


def test_an_sns_error_is_advisory() -> None:
    description = trail_description(SnsTopicARN="arn:aws:sns:us-east-1:111111111111:trail-deliveries")
    status = {**healthy_status(), "LatestNotificationError": "AuthorizationError"}
    found = health.trail_health(trail(description=description, status=status), urn=URN, now=NOW)
    assert [(f.rule, f.level) for f in found] == [("cloudtrail-trail-sns-delivery", Level.ADVISORY)]
    assert found[0].message.startswith(
        "trail 'org-trail' cannot deliver notifications to topic 'arn:aws:sns:us-east-1:111111111111:trail-deliveries'"
    )


def test_findings_point_at_the_trail_and_carry_the_fix() -> None:
    [finding] = health.trail_health(trail(status={**healthy_status(), "LatestDeliveryError": "NoSuchBucket"}),
                                    urn=URN, now=NOW)  # fmt: skip
    assert finding.tool == "audit"
    assert finding.urn == URN
    assert finding.resource_name == "org-trail"
    assert finding.resource_type == "aws:cloudtrail/trail:Trail"
    assert finding.fix is not None and "AWSLogs/" in finding.fix
    assert (
        finding.url
        == "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html"
    )
    assert finding.fails


def test_an_unreadable_status_yields_no_health_verdict() -> None:
    # The read fault is reported on its own; guessing here would invent a failure or hide one.
    assert health.trail_health(trail(status=Gap.UNREAD), urn=URN, now=NOW) == []


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=30), "less than a minute"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=2, minutes=5), "2 hours 5 minutes"),
        (timedelta(days=1, minutes=59), "1 day"),
        (timedelta(days=400, hours=1), "400 days 1 hour"),
    ],
)
def test_ago_reads_naturally(delta: timedelta, text: str) -> None:
    assert health.ago(delta) == text


def test_a_key_scheduled_for_deletion_fails_the_audit() -> None:
    pending = key(
        metadata={"KeyState": "PendingDeletion", "Enabled": False, "DeletionDate": datetime(2025, 6, 8, tzinfo=UTC)}
    )
    [finding] = health.key_health([pending], {KEY_ARN: "urn:key"})
    assert finding.rule == "kms-key-usable"
    assert finding.level is Level.MANDATORY
    assert finding.urn == "urn:key"
    assert finding.message == (
        f"KMS key {KEY_ARN!r} is scheduled for deletion on 2025-06-08: CloudTrail can no longer encrypt with it, "
        "and after deletion every log file it encrypted is unreadable for good."
    )


def test_a_disabled_key_fails_the_audit_and_an_enabled_one_does_not() -> None:
    disabled = key(metadata={"KeyState": "Disabled", "Enabled": False})
    [finding] = health.key_health([disabled], {})
    assert finding.message.startswith(f"KMS key {KEY_ARN!r} is disabled: CloudTrail cannot encrypt log files")
    assert health.key_health([key()], {}) == []
