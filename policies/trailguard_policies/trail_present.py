"""cloudtrail-trail-present: a stack meant to hold the trail holds an enabled multi-Region trail.

Disabled by default, because most stacks of an organization are not where the trail lives; turn it on
(`enforcementLevel: mandatory`) for the stacks that are.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import TRAIL, Res
from trailguard_policies.stack import Stack

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html"
STACK = Res(urn="", type="stack", name="the stack", props={})

SPEC = Spec(
    name="cloudtrail-trail-present",
    description="The stack must contain an enabled multi-Region CloudTrail trail (opt-in, for stacks that hold the trail).",
    level=EnforcementLevel.DISABLED,
    severity=Severity.HIGH,
    url=URL,
    remediation_steps="Add an aws.cloudtrail.Trail with isMultiRegionTrail true (trailguard's OrganizationTrail does this).",
    mappings=Mappings(
        cis=(("1.4.0", "3.1"), ("3.0.0", "3.1")),
        security_hub=("CloudTrail.1", "CloudTrail.3"),
        aws_config=("cloudtrail-enabled", "multi-region-cloudtrail-enabled"),
    ),
)


def absent(trails: list[Res]) -> Iterable[Violation]:
    enabled = [
        t for t in trails if t.flag("isMultiRegionTrail", default=False) and t.flag("enableLogging", default=True)
    ]
    if not enabled:
        found = (
            f" (it has {', '.join(t.label for t in trails)}, none of them enabled and multi-Region)" if trails else ""
        )
        yield Violation(
            f"this stack is meant to hold the CloudTrail trail but contains no enabled multi-Region trail{found}: "
            f"add one. See {URL}",
            "",
        )


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    yield STACK, lambda: absent(stack.trails)


POLICY = stack_policy(SPEC, {TRAIL}, checks)
