"""cloudtrail-trail-global-service-events: events of global services (IAM, STS, CloudFront) are recorded once.

Every trail records them by default, so two trails in one stack deliver each global event twice
(https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-global-service-events).
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import TRAIL, Res, arg
from trailguard_policies.stack import Stack

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-global-service-events"

SPEC = Spec(
    name="cloudtrail-trail-global-service-events",
    description="Exactly one trail in a stack should record global service events, so they are neither missed nor doubled.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    url=URL,
    remediation_steps=(
        "Keep includeGlobalServiceEvents true on the multi-Region trail and set it to false on single-Region trails."
    ),
)


def recorders(trails: list[Res]) -> list[Res]:
    return [t for t in trails if t.flag("includeGlobalServiceEvents", default=True)]


def not_exactly_one(trails: list[Res]) -> Iterable[Violation]:
    found = recorders(trails)
    if not found:
        yield Violation(
            f"no trail records global service events (IAM, STS, CloudFront): set {arg('includeGlobalServiceEvents')} "
            f"to true on the multi-Region trail. See {URL}",
            trails[0].urn,
        )
    elif len(found) > 1:
        names = ", ".join(t.label for t in found)
        multi_region = [t for t in found if t.flag("isMultiRegionTrail", default=False)]
        # A multi-Region trail must record them; when there is exactly one, it is the keeper.
        keeper = multi_region[0] if len(multi_region) == 1 else None
        for trail in found:
            if trail is keeper:
                continue
            fix = (
                "merge the multi-Region trails, which cannot drop them"
                if trail in multi_region
                else f"set {arg('includeGlobalServiceEvents')} to false on {trail.label}"
            )
            yield Violation(
                f"global service events are delivered {len(found)} times, by {names}: {fix}. See {URL}", trail.urn
            )


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    if stack.trails:
        yield stack.trails[0], lambda: not_exactly_one(stack.trails)


POLICY = stack_policy(SPEC, {TRAIL}, checks)
