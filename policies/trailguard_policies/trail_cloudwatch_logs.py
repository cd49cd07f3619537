"""cloudtrail-trail-cloudwatch-logs: events also go to CloudWatch Logs, where metric filters and alarms watch them."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, resource_policy
from trailguard_policies.resources import TRAIL, Res, arg
from trailguard_policies.values import is_unknown

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html"

SPEC = Spec(
    name="cloudtrail-trail-cloudwatch-logs",
    description="A CloudTrail trail must deliver its events to a CloudWatch Logs log group through a delivery role.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    url=URL,
    remediation_steps=(
        "Create a log group and a role CloudTrail can assume to write to it, and set cloudWatchLogsGroupArn "
        "(the group's ARN followed by ':*') and cloudWatchLogsRoleArn on the trail."
    ),
    mappings=Mappings(
        cis=(("1.4.0", "3.4"),),
        security_hub=("CloudTrail.5",),
        aws_config=("cloud-trail-cloud-watch-logs-enabled",),
        checkov=("CKV2_AWS_10",),
    ),
)


def missing_destination(trail: Res) -> Iterable[Violation]:
    group, role = _named(trail, "cloudWatchLogsGroupArn"), _named(trail, "cloudWatchLogsRoleArn")
    if not group and not role:
        yield Violation(
            f"{trail.label} does not deliver to CloudWatch Logs, so no metric filter or alarm can watch its events: "
            f"set {arg('cloudWatchLogsGroupArn')} and {arg('cloudWatchLogsRoleArn')}. See {URL}"
        )
    elif not group:
        yield Violation(f"{trail.label} names a delivery role but no log group: set {arg('cloudWatchLogsGroupArn')}")
    elif not role:
        yield Violation(
            f"{trail.label} names a log group but no role CloudTrail can assume to write to it: set "
            f"{arg('cloudWatchLogsRoleArn')}"
        )


def _named(trail: Res, key: str) -> bool:
    """Whether an ARN is given; an unknown one is the output of a group or role created in this update."""
    return is_unknown(trail.raw(key)) or trail.text(key) is not None


def checks(trail: Res, settings: Settings) -> list[Check]:
    return [lambda: missing_destination(trail)]


POLICY = resource_policy(SPEC, [TRAIL], checks)
