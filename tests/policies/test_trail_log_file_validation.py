"""cloudtrail-trail-log-file-validation through the Analyzer protocol."""

from __future__ import annotations

import pytest
from pack_fixtures import changed, compliant_stack, last_line, messages, named, run

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level

POLICY = "cloudtrail-trail-log-file-validation"
OFF = (
    "trail 'trail' does not validate its log files: set `enableLogFileValidation` (Python: "
    "`enable_log_file_validation`) to true so CloudTrail delivers signed digest files that reveal any changed or "
    "deleted log. See https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html"
)


def test_a_validating_trail_passes(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


@pytest.mark.parametrize("value", [False, None, ...], ids=["false", "null", "absent (provider default false)"])
def test_validation_off_is_a_mandatory_violation(pack: PolicyPack, value: object) -> None:
    found = run(pack, changed(compliant_stack(), "trail", enableLogFileValidation=value), POLICY)

    assert messages(found) == [(Level.MANDATORY, OFF)]


def test_unknown_is_noted_not_judged(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", enableLogFileValidation=UNKNOWN), POLICY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert "could not check until update, because `enableLogFileValidation`" in found[0].message


def test_a_number_is_malformed(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", enableLogFileValidation=1), POLICY)

    assert [last_line(d) for d in found] == [
        "`enableLogFileValidation` (Python: `enable_log_file_validation`) of trail 'trail' is 1.0 (a number); "
        "expected true or false"
    ]


def test_remediation_turns_validation_on(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: "remediate"})
    trail = named(changed(compliant_stack(), "trail", enableLogFileValidation=...), "trail")

    [remediation] = pack.remediate(trail)

    assert remediation.properties is not None and remediation.properties["enableLogFileValidation"] is True


def test_remediation_does_nothing_to_a_compliant_trail(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: "remediate"})

    assert pack.remediate(named(compliant_stack(), "trail")) == []


def test_remediation_skips_an_excluded_trail(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure(
        {POLICY: {"enforcementLevel": "remediate", "exclude": [{"resource": "trail", "reason": "digest in SIEM"}]}}
    )

    assert pack.remediate(named(changed(compliant_stack(), "trail", enableLogFileValidation=False), "trail")) == []


def test_a_disabled_policy_reports_nothing(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: "disabled"})

    assert run(pack, changed(compliant_stack(), "trail", enableLogFileValidation=False), POLICY) == []
