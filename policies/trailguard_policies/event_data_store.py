"""cloudtrail-event-data-store-*: a CloudTrail Lake event data store is sealed, kept, and hard to delete.

An event data store is an audit record like a trail's bucket: encrypted with a key the organization controls,
protected from deletion, and kept long enough to answer an auditor. Each property is judged on its own, so a
resource policy (with a remediation where the fix is mechanical) suffices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, resource_policy
from trailguard_policies.resources import EVENT_DATA_STORE, Res, arg
from trailguard_policies.values import Malformed, NotKnown, as_int, describe, is_unknown

ENCRYPTION_URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-10"
TERMINATION_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/query-eds-disable-termination.html"
RETENTION_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/query-event-data-store.html"

# pulumi-aws 7.51 documents both defaults on EventDataStoreArgs: retention_period "Default: `2555`" and
# termination_protection_enabled "Default: `true`" (the Terraform provider sends them when the input is absent).
PROVIDER_RETENTION_DAYS = 2555
PROVIDER_TERMINATION_PROTECTION = True

ENCRYPTION_SPEC = Spec(
    name="cloudtrail-event-data-store-kms-encryption",
    description="A CloudTrail Lake event data store should be encrypted with a customer-managed KMS key.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=ENCRYPTION_URL,
    remediation_steps=(
        "Set kmsKeyId on the event data store to a customer-managed key whose policy lets CloudTrail use it "
        "(trailguard's EventDataStore does this); the key cannot be changed or removed afterwards."
    ),
    mappings=Mappings(security_hub=("CloudTrail.10",), aws_config=("event-data-store-cmk-encryption-enabled",)),
)

TERMINATION_SPEC = Spec(
    name="cloudtrail-event-data-store-termination-protection",
    description="A CloudTrail Lake event data store should keep termination protection on.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=TERMINATION_URL,
    remediation_steps="Set terminationProtectionEnabled to true, or leave it out; the remediation does it for you.",
)

RETENTION_SPEC = Spec(
    name="cloudtrail-event-data-store-retention",
    description="A CloudTrail Lake event data store should keep events for at least the configured minimum.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=RETENTION_URL,
    remediation_steps="Set retentionPeriod on the event data store to minimumRetentionDays (default 365) or more.",
    settings={
        "minimumRetentionDays": {
            "type": "integer",
            "minimum": 7,
            "default": 365,
            "description": "The fewest days an event data store must keep events (CloudTrail accepts 7 to 3653).",
        }
    },
)


def label(store: Res) -> str:
    return f"event data store '{store.name}'"


def where(store: Res, key: str) -> str:
    return f"{arg(key)} of {label(store)}"


def termination_protected(store: Res) -> bool:
    """`terminationProtectionEnabled`, absent meaning the provider's default (on)."""
    value = store.raw("terminationProtectionEnabled")
    if value is None:
        return PROVIDER_TERMINATION_PROTECTION
    if is_unknown(value):
        raise NotKnown(where(store, "terminationProtectionEnabled"))
    if isinstance(value, bool):
        return value
    raise Malformed(f"{where(store, 'terminationProtectionEnabled')} is {describe(value)}; expected true or false")


def retention_days(store: Res) -> int:
    """`retentionPeriod` in days, absent meaning the provider's default."""
    value = store.raw("retentionPeriod")
    if value is None:
        return PROVIDER_RETENTION_DAYS
    if is_unknown(value):
        raise NotKnown(where(store, "retentionPeriod"))
    days = as_int(value)
    if days is None:
        raise Malformed(f"{where(store, 'retentionPeriod')} is {describe(value)}; expected a whole number of days")
    return days


def unencrypted(store: Res) -> Iterable[Violation]:
    # An unknown key id will be set after update: only an absent or empty one means AWS-owned encryption.
    value = store.raw("kmsKeyId")
    if value is not None and not isinstance(value, str):
        raise Malformed(f"{where(store, 'kmsKeyId')} is {describe(value)}; expected a KMS key ARN, id or alias")
    if not value:
        yield Violation(
            f"{label(store)} is encrypted with a key AWS owns: set {arg('kmsKeyId')} to a customer-managed KMS key "
            f"(choose it with care: once set, it can never be changed or removed). See {ENCRYPTION_URL}"
        )


def unprotected(store: Res) -> Iterable[Violation]:
    if not termination_protected(store):
        yield Violation(
            f"{label(store)} can be deleted with all its events: set {arg('terminationProtectionEnabled')} to true. "
            f"See {TERMINATION_URL}"
        )


def short_retention(store: Res, minimum: int) -> Iterable[Violation]:
    days = retention_days(store)
    if days < minimum:
        yield Violation(
            f"{label(store)} keeps events {days} days: set {arg('retentionPeriod')} to at least {minimum}. "
            f"See {RETENTION_URL}"
        )


def encryption_checks(store: Res, settings: Settings) -> list[Check]:
    return [lambda: unencrypted(store)]


def termination_checks(store: Res, settings: Settings) -> list[Check]:
    return [lambda: unprotected(store)]


def retention_checks(store: Res, settings: Settings) -> list[Check]:
    minimum = settings.number("minimumRetentionDays")
    return [lambda: short_retention(store, minimum)]


def protect(store: Res) -> Mapping[str, Any] | None:
    try:
        return None if termination_protected(store) else {"terminationProtectionEnabled": True}
    except (NotKnown, Malformed):
        return None


ENCRYPTION_POLICY = resource_policy(ENCRYPTION_SPEC, [EVENT_DATA_STORE], encryption_checks)
TERMINATION_POLICY = resource_policy(TERMINATION_SPEC, [EVENT_DATA_STORE], termination_checks, protect)
RETENTION_POLICY = resource_policy(RETENTION_SPEC, [EVENT_DATA_STORE], retention_checks)
