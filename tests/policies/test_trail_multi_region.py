"""cloudtrail-trail-multi-region through the Analyzer protocol: verdicts, remediation, unknowns, config."""

from __future__ import annotations

import pytest
from pack_fixtures import changed, compliant_stack, last_line, named, run

from trailguard_gate.analyzer import PolicyConfigError, PolicyPack
from trailguard_gate.model import UNKNOWN, Level

POLICY = "cloudtrail-trail-multi-region"


def test_a_multi_region_trail_passes(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


@pytest.mark.parametrize("value", [False, ...], ids=["false", "absent (provider default false)"])
def test_a_single_region_trail_is_a_mandatory_violation(pack: PolicyPack, value: object) -> None:
    found = run(pack, changed(compliant_stack(), "trail", isMultiRegionTrail=value), POLICY)

    assert [(d.enforcement_level, d.urn) for d in found] == [(Level.MANDATORY, named(compliant_stack(), "trail").urn)]
    assert last_line(found[0]).startswith(
        "trail 'trail' records only its home Region: set `isMultiRegionTrail` (Python: `is_multi_region_trail`) to true"
    )
    assert found[0].message.startswith("A CloudTrail trail must record events in every AWS Region.\n")


def test_multi_region_without_global_service_events_cannot_be_applied(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", includeGlobalServiceEvents=False), POLICY)

    assert [last_line(d) for d in found] == [
        "trail 'trail' is multi-Region but sets `includeGlobalServiceEvents` (Python: "
        "`include_global_service_events`) to false, which a multi-Region trail cannot do: remove the argument or "
        "set it to true"
    ]


def test_an_unknown_flag_is_an_advisory_note_not_a_violation(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", isMultiRegionTrail=UNKNOWN), POLICY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert "`isMultiRegionTrail` (Python: `is_multi_region_trail`) of trail 'trail' is not known during preview" in (
        found[0].message
    )


def test_a_wrong_type_is_reported_not_raised(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", isMultiRegionTrail="yes"), POLICY)

    assert [(d.enforcement_level, last_line(d)) for d in found] == [
        (
            Level.MANDATORY,
            "`isMultiRegionTrail` (Python: `is_multi_region_trail`) of trail 'trail' is 'yes' (a string); "
            "expected true or false",
        )
    ]


def test_remediation_turns_multi_region_and_global_events_on(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: {"enforcementLevel": "remediate"}})
    trail = named(
        changed(compliant_stack(), "trail", isMultiRegionTrail=False, includeGlobalServiceEvents=False), "trail"
    )

    [remediation] = pack.remediate(trail)

    assert remediation.policy_name == POLICY
    assert remediation.properties is not None
    assert remediation.properties["isMultiRegionTrail"] is True
    assert remediation.properties["includeGlobalServiceEvents"] is True
    assert remediation.properties["s3BucketName"] == trail.properties["s3BucketName"]


def test_preview_applies_the_remediation_before_analyzing(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: "remediate"})
    stack = changed(compliant_stack(), "trail", isMultiRegionTrail=False)

    found = [d for d in pack.preview(stack) if d.policy_name == POLICY]

    assert [(d.enforcement_level, d.message) for d in found] == [
        (Level.REMEDIATE, "remediated: set isMultiRegionTrail")
    ]


def test_remediation_leaves_an_unknown_value_alone(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: "remediate"})
    trail = named(changed(compliant_stack(), "trail", isMultiRegionTrail=UNKNOWN), "trail")

    assert pack.remediate(trail) == []


def test_the_level_can_be_lowered(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: {"enforcementLevel": "advisory"}})

    found = run(pack, changed(compliant_stack(), "trail", isMultiRegionTrail=False), POLICY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]


def test_an_exclusion_with_a_reason_silences_the_trail(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: {"exclude": [{"resource": "trail", "reason": "a Regional trail kept for a legacy SIEM"}]}})

    assert run(pack, changed(compliant_stack(), "trail", isMultiRegionTrail=False), POLICY) == []


def test_an_exclusion_by_urn_pattern(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure(
        {POLICY: {"exclude": [{"resource": "urn:pulumi:test::*::aws:cloudtrail/trail:Trail::*", "reason": "lab"}]}}
    )

    assert run(pack, changed(compliant_stack(), "trail", isMultiRegionTrail=False), POLICY) == []


def test_an_exclusion_without_a_reason_is_refused_by_configure(pack: PolicyPack) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        pack.configure({POLICY: {"exclude": [{"resource": "trail"}]}})

    assert f"{POLICY}.exclude[0]: 'reason' is a required property" in str(raised.value)
    assert '{"resource": "legacy-trail", "reason": "replaced by the organization trail in Q3"}' in str(raised.value)
