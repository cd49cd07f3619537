"""kms-key-cloudtrail-deletion-window: a scheduled deletion of a trail key can be cancelled for 30 days."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import Res, arg
from trailguard_policies.stack import CORE, Stack

URL = "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html"
MAXIMUM_DAYS = 30

SPEC = Spec(
    name="kms-key-cloudtrail-deletion-window",
    description="A KMS key that encrypts CloudTrail logs should keep the maximum 30-day deletion waiting period.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=URL,
    remediation_steps="Remove deletionWindowInDays from the key, or set it to 30.",
)


def short_window(key: Res) -> Iterable[Violation]:
    days = key.number("deletionWindowInDays")  # absent: KMS's default, which is the maximum
    if days is not None and days < MAXIMUM_DAYS:
        yield Violation(
            f"{key.label} encrypts CloudTrail logs but sets {arg('deletionWindowInDays')} to {days}: a mistaken "
            f"deletion could then be cancelled for only {days} days; remove the argument or set it to {MAXIMUM_DAYS}. "
            f"See {URL}"
        )


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for key in stack.trail_keys:
        yield key, partial(short_window, key)


POLICY = stack_policy(SPEC, CORE, checks)
