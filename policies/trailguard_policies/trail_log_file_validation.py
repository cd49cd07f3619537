"""cloudtrail-trail-log-file-validation: digest files prove that no delivered log was changed or deleted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, resource_policy
from trailguard_policies.resources import TRAIL, Res, arg

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html"

SPEC = Spec(
    name="cloudtrail-trail-log-file-validation",
    description="A CloudTrail trail must have log file integrity validation turned on.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=URL,
    remediation_steps="Set enableLogFileValidation to true on the trail; the remediation does it for you.",
    mappings=Mappings(
        cis=(("1.4.0", "3.2"), ("3.0.0", "3.2")),
        security_hub=("CloudTrail.4",),
        aws_config=("cloud-trail-log-file-validation-enabled",),
        checkov=("CKV_AWS_36",),
    ),
)


def validation_off(trail: Res) -> Iterable[Violation]:
    # The provider's default is false: a trail that does not ask for validation has none.
    if not trail.flag("enableLogFileValidation", default=False):
        yield Violation(
            f"{trail.label} does not validate its log files: set {arg('enableLogFileValidation')} to true so "
            f"CloudTrail delivers signed digest files that reveal any changed or deleted log. See {URL}"
        )


def checks(trail: Res, settings: Settings) -> list[Check]:
    return [lambda: validation_off(trail)]


def fix(trail: Res) -> Mapping[str, Any] | None:
    return None if trail.flag("enableLogFileValidation", default=False) else {"enableLogFileValidation": True}


POLICY = resource_policy(SPEC, [TRAIL], checks, fix)
