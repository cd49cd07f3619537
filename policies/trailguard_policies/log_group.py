"""cloudwatch-log-group-cloudtrail-retention and -encryption: the CloudWatch copy of the events is kept and sealed."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import LOG_GROUP, Res, arg
from trailguard_policies.stack import CORE, Stack

RETENTION_URL = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html"
ENCRYPTION_URL = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"

RETENTION_SPEC = Spec(
    name="cloudwatch-log-group-cloudtrail-retention",
    description="A log group that receives CloudTrail events should keep them for at least a year.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=RETENTION_URL,
    remediation_steps="Set retentionInDays on the log group to 365 or more (or 0 to never expire events).",
    mappings=Mappings(
        security_hub=("CloudWatch.16",), aws_config=("cw-loggroup-retention-period-check",), checkov=("CKV_AWS_338",)
    ),
    settings={
        "minimumRetentionDays": {
            "type": "integer",
            "minimum": 1,
            "default": 365,
            "description": "The fewest days a log group receiving CloudTrail events must keep them.",
        }
    },
)

ENCRYPTION_SPEC = Spec(
    name="cloudwatch-log-group-cloudtrail-encryption",
    description="A log group that receives CloudTrail events should be encrypted with a customer-managed KMS key.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=ENCRYPTION_URL,
    remediation_steps=(
        "Set kmsKeyId on the log group to a customer-managed key whose policy lets logs.<region>.amazonaws.com "
        "use it for this log group."
    ),
    mappings=Mappings(aws_config=("cloudwatch-log-group-encrypted",), checkov=("CKV_AWS_158",)),
)


def short_retention(group: Res, trail: Res, minimum: int) -> Iterable[Violation]:
    if group.text("logGroupClass") == "DELIVERY":
        yield Violation(
            f"{group.label} receives the events of {trail.label} but is of class DELIVERY, which keeps events for 2 "
            f"days only: use the STANDARD class. See {RETENTION_URL}"
        )
        return
    days = group.number("retentionInDays")  # absent or 0: never expire
    if days and days < minimum:
        yield Violation(
            f"{group.label} receives the events of {trail.label} but keeps them {days} days: set "
            f"{arg('retentionInDays')} to at least {minimum} (or 0 to never expire them). See {RETENTION_URL}"
        )


def unencrypted(group: Res, trail: Res) -> Iterable[Violation]:
    if not group.is_set("kmsKeyId"):
        yield Violation(
            f"{group.label} receives the events of {trail.label} but is not encrypted with a customer-managed key: "
            f"set {arg('kmsKeyId')}. See {ENCRYPTION_URL}"
        )


def retention_checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    minimum = settings.number("minimumRetentionDays")
    for trail, group in stack.trail_log_groups():
        yield group, partial(short_retention, group, trail, minimum)


def encryption_checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for trail, group in stack.trail_log_groups():
        yield group, partial(unencrypted, group, trail)


RETENTION_POLICY = stack_policy(RETENTION_SPEC, CORE | {LOG_GROUP}, retention_checks)
ENCRYPTION_POLICY = stack_policy(ENCRYPTION_SPEC, CORE | {LOG_GROUP}, encryption_checks)
