"""cloudtrail-trail-regional-limit: a stack never asks for more trails in a Region than AWS allows.

AWS allows five trails per Region, and a multi-Region trail counts in every Region
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html); the sixth fails at
apply time. Trails in other stacks of the account also count, which this stack cannot see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import TRAIL, Res
from trailguard_policies.stack import Stack, known_text

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html"

SPEC = Spec(
    name="cloudtrail-trail-regional-limit",
    description="A stack should not ask for more trails in any Region than the AWS quota of five.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=URL,
    remediation_steps="Merge trails: one multi-Region organization trail with event selectors replaces most others.",
    settings={
        "maximumTrailsPerRegion": {
            "type": "integer",
            "minimum": 1,
            "default": 5,
            "description": "The trails AWS allows per Region (raise it only if AWS raised your quota).",
        }
    },
)


def region_of(trail: Res) -> str:
    """The Region a single-Region trail lives in: its `region`, else its provider's, else its provider."""
    return known_text(trail.raw("region")) or known_text(trail.provider.get("region")) or "the provider's Region"


def over_quota(trails: list[Res], maximum: int) -> Iterable[Violation]:
    everywhere = [t for t in trails if t.flag("isMultiRegionTrail", default=False)]
    by_region: dict[str, list[Res]] = defaultdict(list)
    for trail in trails:
        if trail not in everywhere:
            by_region[region_of(trail)].append(trail)
    for region, local in sorted(by_region.items()) or [("every Region", [])]:
        counted = everywhere + local
        if len(counted) > maximum:
            yield Violation(
                f"{len(counted)} trails would record {region} ({', '.join(t.label for t in counted)}; multi-Region "
                f"trails count in every Region), more than the {maximum} AWS allows: merge some. See {URL}",
                counted[-1].urn,
            )


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    maximum = settings.number("maximumTrailsPerRegion")
    if stack.trails:
        yield stack.trails[0], lambda: over_quota(stack.trails, maximum)


POLICY = stack_policy(SPEC, {TRAIL}, checks)
