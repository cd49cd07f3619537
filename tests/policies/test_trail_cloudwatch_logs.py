"""cloudtrail-trail-cloudwatch-logs through the Analyzer protocol."""

from __future__ import annotations

from pack_fixtures import changed, compliant_stack, last_line, messages, run

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level

POLICY = "cloudtrail-trail-cloudwatch-logs"


def test_group_and_role_pass(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_unknown_arns_are_outputs_of_this_update(pack: PolicyPack) -> None:
    stack = changed(compliant_stack(), "trail", cloudWatchLogsGroupArn=UNKNOWN, cloudWatchLogsRoleArn=UNKNOWN)

    assert run(pack, stack, POLICY) == []


def test_no_delivery_is_a_mandatory_violation(pack: PolicyPack) -> None:
    found = run(
        pack, changed(compliant_stack(), "trail", cloudWatchLogsGroupArn=..., cloudWatchLogsRoleArn=...), POLICY
    )

    assert messages(found) == [
        (
            Level.MANDATORY,
            "trail 'trail' does not deliver to CloudWatch Logs, so no metric filter or alarm can watch its events: set "
            "`cloudWatchLogsGroupArn` (Python: `cloud_watch_logs_group_arn`) and `cloudWatchLogsRoleArn` (Python: "
            "`cloud_watch_logs_role_arn`). See "
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html",
        )
    ]


def test_a_group_without_role(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", cloudWatchLogsRoleArn=...), POLICY)

    assert [last_line(d) for d in found] == [
        "trail 'trail' names a log group but no role CloudTrail can assume to write to it: set `cloudWatchLogsRoleArn` "
        "(Python: `cloud_watch_logs_role_arn`)"
    ]


def test_a_role_without_group(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", cloudWatchLogsGroupArn=...), POLICY)

    assert [last_line(d) for d in found] == [
        "trail 'trail' names a delivery role but no log group: set `cloudWatchLogsGroupArn` (Python: "
        "`cloud_watch_logs_group_arn`)"
    ]


def test_a_number_is_malformed(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", cloudWatchLogsGroupArn=5), POLICY)

    assert [d.enforcement_level for d in found] == [Level.MANDATORY]
    assert "is 5.0 (a number); expected a string" in last_line(found[0])
