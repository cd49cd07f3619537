"""cloudtrail-trail-multi-region: a trail records every Region, so activity in unused Regions is not missed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, resource_policy
from trailguard_policies.resources import TRAIL, Res, arg

URL = (
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html"
)

SPEC = Spec(
    name="cloudtrail-trail-multi-region",
    description="A CloudTrail trail must record events in every AWS Region.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=URL,
    remediation_steps=(
        "Set isMultiRegionTrail to true on the trail (and leave includeGlobalServiceEvents at its default, true). "
        "The remediation does both."
    ),
    mappings=Mappings(
        cis=(("1.4.0", "3.1"), ("3.0.0", "3.1")),
        security_hub=("CloudTrail.1",),
        aws_config=("multi-region-cloudtrail-enabled",),
        checkov=("CKV_AWS_67",),
    ),
)


def single_region(trail: Res) -> Iterable[Violation]:
    if not trail.flag("isMultiRegionTrail", default=False):
        yield Violation(
            f"{trail.label} records only its home Region: set {arg('isMultiRegionTrail')} to true so activity in "
            f"every Region, including Regions nobody uses, is recorded. See {URL}"
        )


def multi_region_without_global_events(trail: Res) -> Iterable[Violation]:
    # Multi-Region trails always record global service events (CloudTrail turns them on with multi-Region),
    # so asking for the opposite fails at apply time. See
    # https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-global-service-events
    if trail.flag("isMultiRegionTrail", default=False) and not trail.flag("includeGlobalServiceEvents", default=True):
        yield Violation(
            f"{trail.label} is multi-Region but sets {arg('includeGlobalServiceEvents')} to false, which a multi-Region "
            "trail cannot do: remove the argument or set it to true"
        )


def checks(trail: Res, settings: Settings) -> list[Check]:
    return [lambda: single_region(trail), lambda: multi_region_without_global_events(trail)]


def fix(trail: Res) -> Mapping[str, Any] | None:
    """Turn on multi-Region (and the global service events it requires) unless a value is still unknown."""
    changes: dict[str, Any] = {}
    if not trail.flag("isMultiRegionTrail", default=False):
        changes["isMultiRegionTrail"] = True
    if trail.raw("includeGlobalServiceEvents") is False:
        changes["includeGlobalServiceEvents"] = True
    return changes or None


POLICY = resource_policy(SPEC, [TRAIL], checks, fix)
