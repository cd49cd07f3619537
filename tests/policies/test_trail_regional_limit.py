"""cloudtrail-trail-regional-limit through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

from pack_fixtures import compliant_stack, last_line, messages, run
from trails import another_trail

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level

POLICY = "cloudtrail-trail-regional-limit"


def test_five_trails_fit(pack: PolicyPack) -> None:
    stack = compliant_stack()
    extra = [another_trail(stack, f"regional-{i}", isMultiRegionTrail=False, region="eu-west-1") for i in range(4)]

    assert run(pack, [*stack, *extra], POLICY) == []


def test_a_sixth_trail_in_a_region_is_over_the_quota(pack: PolicyPack) -> None:
    stack = compliant_stack()
    extra = [another_trail(stack, f"regional-{i}", isMultiRegionTrail=False, region="eu-west-1") for i in range(5)]

    found = run(pack, [*stack, *extra], POLICY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert last_line(found[0]).startswith("6 trails would record eu-west-1 (trail 'trail', trail 'regional-0'")
    assert "more than the 5 AWS allows: merge some." in last_line(found[0])


def test_multi_region_trails_count_everywhere(pack: PolicyPack) -> None:
    stack = compliant_stack()
    extra = [another_trail(stack, f"org-{i}") for i in range(5)]

    assert last_line(run(pack, [*stack, *extra], POLICY)[0]).startswith("6 trails would record every Region")


def test_the_quota_is_configurable(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: {"maximumTrailsPerRegion": 1}})
    stack = compliant_stack()

    assert len(run(pack, [*stack, another_trail(stack, "second")], POLICY)) == 1


def test_a_bad_quota_setting_is_reported_by_the_pack(pack: PolicyPack) -> None:
    from trailguard_gate.model import Level as L

    pack.configure_raw({POLICY: (L.ADVISORY, {"maximumTrailsPerRegion": "five"})})
    try:
        found = run(pack, compliant_stack(), POLICY)
    finally:
        pack.configure({})

    assert messages(found) == [
        (
            Level.ADVISORY,
            f"the configuration of policy {POLICY} is invalid: setting `maximumTrailsPerRegion` is 'five' (a string); "
            "expected a whole number such as 5",
        )
    ]
