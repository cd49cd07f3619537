"""kms-key-rotation through the Analyzer protocol, with its remediation."""

from __future__ import annotations

from pack_fixtures import changed, compliant_stack, messages, named, run

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level

POLICY = "kms-key-rotation"


def test_a_rotating_key_passes(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_rotation_off_by_default_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "key", enableKeyRotation=...), POLICY)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "KMS key 'key' never rotates its key material: set `enableKeyRotation` (Python: `enable_key_rotation`) to "
            "true (KMS then rotates it yearly, or every `rotationPeriodInDays` (Python: `rotation_period_in_days`) "
            "days, and keeps old material to decrypt old logs). See https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
        )
    ]


def test_asymmetric_keys_cannot_rotate_and_are_not_judged(pack: PolicyPack) -> None:
    stack = changed(
        compliant_stack(), "key", enableKeyRotation=False, customerMasterKeySpec="RSA_2048", keyUsage="SIGN_VERIFY"
    )

    assert run(pack, stack, POLICY) == []


def test_remediation_turns_rotation_on(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: "remediate"})

    [remediation] = pack.remediate(named(changed(compliant_stack(), "key", enableKeyRotation=False), "key"))

    assert remediation.properties is not None and remediation.properties["enableKeyRotation"] is True
    assert remediation.properties["policy"] == named(compliant_stack(), "key").properties["policy"]
