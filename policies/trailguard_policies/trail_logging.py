"""cloudtrail-trail-logging: a trail that exists but does not log records nothing."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, resource_policy
from trailguard_policies.resources import TRAIL, Res, arg

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html"

SPEC = Spec(
    name="cloudtrail-trail-logging",
    description="A CloudTrail trail must be logging.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    url=URL,
    remediation_steps="Remove enableLogging from the trail or set it to true (the provider's default).",
    mappings=Mappings(security_hub=("CloudTrail.3",), aws_config=("cloudtrail-enabled",), checkov=("CKV_AWS_251",)),
)


def logging_stopped(trail: Res) -> Iterable[Violation]:
    if not trail.flag("enableLogging", default=True):
        yield Violation(
            f"{trail.label} sets {arg('enableLogging')} to false, so the provider calls StopLogging and the trail "
            f"records nothing: remove the argument or set it to true. See {URL}"
        )


def checks(trail: Res, settings: Settings) -> list[Check]:
    return [lambda: logging_stopped(trail)]


POLICY = resource_policy(SPEC, [TRAIL], checks)
