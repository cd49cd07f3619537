"""kms-key-cloudtrail-deletion-window through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

from pack_fixtures import changed, compliant_stack, messages, run

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level

POLICY = "kms-key-cloudtrail-deletion-window"


def test_thirty_days_pass(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_absent_means_the_default_thirty(pack: PolicyPack) -> None:
    assert run(pack, changed(compliant_stack(), "key", deletionWindowInDays=...), POLICY) == []


def test_seven_days_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "key", deletionWindowInDays=7), POLICY)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "KMS key 'key' encrypts CloudTrail logs but sets `deletionWindowInDays` (Python: `deletion_window_in_days`) "
            "to 7: a mistaken deletion could then be cancelled for only 7 days; remove the argument or set it to 30. "
            "See https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html",
        )
    ]


def test_a_key_not_used_by_cloudtrail_is_not_judged(pack: PolicyPack) -> None:
    stack = changed(compliant_stack(), "key", deletionWindowInDays=7, policy=...)
    stack = changed(stack, "trail", kmsKeyId=...)

    assert run(pack, stack, POLICY) == []
