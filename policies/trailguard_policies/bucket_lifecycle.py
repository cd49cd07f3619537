"""s3-bucket-cloudtrail-lifecycle: lifecycle rules never expire CloudTrail logs before the retention period ends.

Colder storage classes are welcome; expiration is what deletes logs. A rule counts when it is enabled and
its prefix overlaps where CloudTrail writes (`[<s3KeyPrefix>/]AWSLogs/`); noncurrent-version expiration
counts too, because a deleted or overwritten log survives only as a noncurrent version.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import BUCKET_LIFECYCLE, Res, field_of
from trailguard_policies.stack import CORE, Stack
from trailguard_policies.values import Malformed, as_int, describe

URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html"

SPEC = Spec(
    name="s3-bucket-cloudtrail-lifecycle",
    description="Lifecycle rules of a bucket that receives CloudTrail logs should not expire logs before the retention period.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.HIGH,
    url=URL,
    remediation_steps=(
        "Raise expiration.days and noncurrentVersionExpiration.noncurrentDays of the bucket's lifecycle rules to at "
        "least minimumRetentionDays, or drop the expiration and only transition logs to colder storage."
    ),
    settings={
        "minimumRetentionDays": {
            "type": "integer",
            "minimum": 1,
            "default": 365,
            "description": "The fewest days CloudTrail log files must be kept before any lifecycle rule may expire them.",
        }
    },
)


def log_prefixes(stack: Stack, bucket: Res) -> list[str] | None:
    """Where the trails of this stack write in the bucket; None when no trail here says (judge every rule)."""
    prefixes = []
    for trail in stack.trails_of_bucket(bucket):
        prefix = trail.text("s3KeyPrefix")
        prefixes.append(f"{prefix.rstrip('/')}/AWSLogs/" if prefix else "AWSLogs/")
    return prefixes or None


def _days(value: Any, where: str) -> int | None:
    if value is None:
        return None
    days = as_int(value)
    if days is None:
        raise Malformed(f"{where} is {describe(value)}; expected a whole number of days")
    return days


def _rule_prefix(rule: Any, where: str) -> str:
    prefix = field_of(rule, "prefix", where=where)
    rule_filter = field_of(rule, "filter", where=where)
    if rule_filter:
        prefix = field_of(rule_filter, "prefix", where=f"{where}.filter") or prefix
        both = field_of(rule_filter, "and", where=f"{where}.filter")
        if both:
            prefix = field_of(both, "prefix", where=f"{where}.filter.and") or prefix
    return prefix if isinstance(prefix, str) else ""


def early_expirations(
    holder: Res, rules: list[Any], key: str, prefixes: list[str] | None, minimum: int
) -> Iterable[Violation]:
    for index, rule in enumerate(rules):
        where = f"{holder.label} {key}[{index}]"
        enabled = field_of(rule, "status", where=where) == "Enabled" or field_of(rule, "enabled", where=where) is True
        prefix = _rule_prefix(rule, where)
        if not enabled or (
            prefixes is not None and not any(p.startswith(prefix) or prefix.startswith(p) for p in prefixes)
        ):
            continue
        expiration = field_of(rule, "expiration", where=where)
        days = _days(field_of(expiration, "days", where=f"{where}.expiration"), f"{where}.expiration.days")
        if field_of(expiration, "date", where=f"{where}.expiration"):
            yield Violation(
                f"{where} expires every log file on a fixed date: use expiration.days of at least {minimum}", holder.urn
            )
        if days is not None and days < minimum:
            yield Violation(
                f"{where} deletes CloudTrail log files after {days} days: keep them at least {minimum} days. See {URL}",
                holder.urn,
            )
        noncurrent = field_of(rule, "noncurrentVersionExpiration", where=where)
        kept = _days(
            field_of(noncurrent, "noncurrentDays", where=f"{where}.noncurrentVersionExpiration")
            or field_of(noncurrent, "days", where=f"{where}.noncurrentVersionExpiration"),
            f"{where}.noncurrentVersionExpiration.noncurrentDays",
        )
        if kept is not None and kept < minimum:
            yield Violation(
                f"{where} deletes deleted or overwritten log versions after {kept} days: keep them at least {minimum} days",
                holder.urn,
            )


def expires_early(stack: Stack, bucket: Res, minimum: int) -> Iterable[Violation]:
    prefixes = log_prefixes(stack, bucket)
    for config in stack.configs_of(bucket, BUCKET_LIFECYCLE):
        yield from early_expirations(config, config.items("rules"), "rules", prefixes, minimum)
    yield from early_expirations(bucket, bucket.items("lifecycleRules"), "lifecycleRules", prefixes, minimum)


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    minimum = settings.number("minimumRetentionDays")
    for bucket in stack.trail_buckets:
        yield bucket, partial(expires_early, stack, bucket, minimum)


POLICY = stack_policy(SPEC, CORE | BUCKET_LIFECYCLE, checks)
