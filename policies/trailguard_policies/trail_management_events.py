"""cloudtrail-trail-management-events: a multi-Region trail records every read and write management event.

Judged over the stack: it is enough that one enabled multi-Region trail records both kinds from every event
source. Stacks without a multi-Region trail are left to cloudtrail-trail-multi-region and
cloudtrail-trail-present, so one mistake is reported once.
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, stack_policy
from trailguard_policies.recorded_events import management
from trailguard_policies.resources import TRAIL, Res
from trailguard_policies.stack import Stack

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html"

SPEC = Spec(
    name="cloudtrail-trail-management-events",
    description="At least one multi-Region trail must record read and write management events from every source.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=URL,
    remediation_steps=(
        "On the multi-Region trail, remove eventSelectors and advancedEventSelectors (the default records all "
        "management events), or give it a selector with readWriteType All and includeManagementEvents true, and "
        "no excludeManagementEventSources."
    ),
    mappings=Mappings(
        cis=(("1.4.0", "3.1"), ("3.0.0", "3.1")),
        security_hub=("CloudTrail.1",),
        aws_config=("multi-region-cloudtrail-enabled",),
    ),
    settings={
        "allowedExcludedSources": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": [],
            "description": 'Event sources a trail may exclude, e.g. ["kms.amazonaws.com"] for high-volume KMS events.',
        }
    },
)


def gaps(trail: Res, allowed: frozenset[str]) -> list[str]:
    """What the trail misses, in words; [] when it records every management event it must."""
    if not trail.flag("enableLogging", default=True):
        return ["it is not logging"]
    coverage = management(trail)
    missing = [kind for kind, on in (("read", coverage.read), ("write", coverage.write)) if not on]
    found = [f"it records no {' or '.join(missing)} management events"] if missing else []
    if excluded := sorted(coverage.excluded_sources - allowed):
        found.append(f"it excludes events from {', '.join(excluded)}")
    if coverage.only_sources is not None:
        found.append(f"it records management events from {', '.join(sorted(coverage.only_sources))} only")
    return found


def incomplete(trails: list[Res], allowed: frozenset[str]) -> Iterable[Violation]:
    trails = [t for t in trails if t.flag("isMultiRegionTrail", default=False)]
    reasons = {trail.urn: gaps(trail, allowed) for trail in trails}
    if any(not found for found in reasons.values()):
        return
    for trail in trails:
        yield Violation(
            f"no multi-Region trail records every read and write management event: {trail.label} does not, because "
            f"{' and '.join(reasons[trail.urn])}. Record all management events on at least one. See {URL}",
            trail.urn,
        )


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    allowed = frozenset(settings.strings("allowedExcludedSources"))
    if stack.trails:
        yield stack.trails[0], lambda: incomplete(stack.trails, allowed)


POLICY = stack_policy(SPEC, {TRAIL}, checks)
