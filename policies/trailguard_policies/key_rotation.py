"""kms-key-rotation: customer-managed symmetric keys rotate their key material every year.

This policy judges every symmetric encryption key in the stack, not only trail keys: CIS and Security Hub
ask it of every customer-managed key, and judging a key on its own is what lets `remediate` fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, resource_policy
from trailguard_policies.resources import KEY, Res, arg

URL = "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"

SPEC = Spec(
    name="kms-key-rotation",
    description="A customer-managed symmetric KMS key should rotate its key material automatically.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=URL,
    remediation_steps="Set enableKeyRotation to true on the key; the remediation does it for you.",
    mappings=Mappings(
        cis=(("1.4.0", "3.8"), ("3.0.0", "3.6")),
        security_hub=("KMS.4",),
        aws_config=("cmk-backing-key-rotation-enabled",),
        checkov=("CKV_AWS_7",),
    ),
)


def rotatable(key: Res) -> bool:
    """Only symmetric encryption keys with KMS-generated material can rotate automatically."""
    return (
        key.text("customerMasterKeySpec") in (None, "SYMMETRIC_DEFAULT")
        and key.text("keyUsage") in (None, "ENCRYPT_DECRYPT")
        and key.text("customKeyStoreId") is None
        and key.text("xksKeyId") is None
    )


def not_rotating(key: Res) -> Iterable[Violation]:
    if rotatable(key) and not key.flag("enableKeyRotation", default=False):
        yield Violation(
            f"{key.label} never rotates its key material: set {arg('enableKeyRotation')} to true (KMS then rotates "
            f"it yearly, or every {arg('rotationPeriodInDays')} days, and keeps old material to decrypt old logs). "
            f"See {URL}"
        )


def checks(key: Res, settings: Settings) -> list[Check]:
    return [lambda: not_rotating(key)]


def fix(key: Res) -> Mapping[str, Any] | None:
    return {"enableKeyRotation": True} if rotatable(key) and not key.flag("enableKeyRotation", default=False) else None


POLICY = resource_policy(SPEC, [KEY], checks, fix)
