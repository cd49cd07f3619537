"""cloudtrail-trail-logging through the Analyzer protocol."""

from __future__ import annotations

from pack_fixtures import changed, compliant_stack, messages, run

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level

POLICY = "cloudtrail-trail-logging"


def test_logging_by_default_passes(pack: PolicyPack) -> None:
    assert run(pack, changed(compliant_stack(), "trail", enableLogging=...), POLICY) == []


def test_stopped_logging_is_a_mandatory_violation(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", enableLogging=False), POLICY)

    assert messages(found) == [
        (
            Level.MANDATORY,
            "trail 'trail' sets `enableLogging` (Python: `enable_logging`) to false, so the provider calls StopLogging "
            "and the trail records nothing: remove the argument or set it to true. See "
            "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StopLogging.html",
        )
    ]


def test_unknown_is_noted(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", enableLogging=UNKNOWN), POLICY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
