"""cloudwatch-log-group-cloudtrail-retention and -encryption through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

from pack_fixtures import GROUP_ARN, LOG_GROUP, changed, compliant_stack, last_line, messages, run, urn, with_deps

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level

RETENTION = "cloudwatch-log-group-cloudtrail-retention"
ENCRYPTION = "cloudwatch-log-group-cloudtrail-encryption"


def test_a_year_and_a_key_pass(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), RETENTION) == []
    assert run(pack, compliant_stack(), ENCRYPTION) == []


def test_never_expiring_passes(pack: PolicyPack) -> None:
    assert run(pack, changed(compliant_stack(), "log-group", retentionInDays=0), RETENTION) == []
    assert run(pack, changed(compliant_stack(), "log-group", retentionInDays=...), RETENTION) == []


def test_short_retention_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "log-group", retentionInDays=90), RETENTION)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "log group 'log-group' receives the events of trail 'trail' but keeps them 90 days: set `retentionInDays` "
            "(Python: `retention_in_days`) to at least 365 (or 0 to never expire them). See "
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html",
        )
    ]
    assert found[0].urn == urn(LOG_GROUP, "log-group")


def test_the_delivery_class_keeps_two_days(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "log-group", logGroupClass="DELIVERY"), RETENTION)

    assert "is of class DELIVERY, which keeps events for 2 days only" in last_line(found[0])


def test_no_key_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "log-group", kmsKeyId=...), ENCRYPTION)

    assert [last_line(d) for d in found] == [
        "log group 'log-group' receives the events of trail 'trail' but is not encrypted with a customer-managed key: "
        "set `kmsKeyId` (Python: `kms_key_id`). See https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"
    ]


def test_the_group_is_found_by_value_without_dependencies(pack: PolicyPack) -> None:
    stack = with_deps(changed(compliant_stack(), "log-group", retentionInDays=30), "trail")

    assert len(run(pack, stack, RETENTION)) == 1
    assert GROUP_ARN.endswith("/aws/cloudtrail/org-trail")


def test_a_group_of_another_stack_is_not_judged(pack: PolicyPack) -> None:
    stack = with_deps(
        changed(compliant_stack(), "trail", cloudWatchLogsGroupArn="arn:aws:logs:us-east-1:222222222222:log-group:x:*"),
        "trail",
    )

    assert run(pack, changed(stack, "log-group", retentionInDays=30), RETENTION) == []
