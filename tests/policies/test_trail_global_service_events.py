"""cloudtrail-trail-global-service-events through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

from pack_fixtures import changed, compliant_stack, last_line, messages, run, verdicts
from trails import another_trail

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level

POLICY = "cloudtrail-trail-global-service-events"
URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-global-service-events"


def test_one_recording_trail_passes(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_a_regional_trail_beside_the_multi_region_one_duplicates_them(pack: PolicyPack) -> None:
    stack = compliant_stack()
    regional = another_trail(stack, "regional", isMultiRegionTrail=False, includeGlobalServiceEvents=...)

    found = run(pack, [*stack, regional], POLICY)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "global service events are delivered 2 times, by trail 'trail', trail 'regional': set "
            f"`includeGlobalServiceEvents` (Python: `include_global_service_events`) to false on trail 'regional'. See {URL}",
        )
    ]
    assert found[0].urn == regional.urn


def test_a_regional_trail_that_drops_them_passes(pack: PolicyPack) -> None:
    stack = compliant_stack()
    regional = another_trail(stack, "regional", isMultiRegionTrail=False, includeGlobalServiceEvents=False)

    assert run(pack, [*stack, regional], POLICY) == []


def test_two_multi_region_trails_should_be_merged(pack: PolicyPack) -> None:
    stack = compliant_stack()
    found = run(pack, [*stack, another_trail(stack, "second")], POLICY)

    assert sorted(verdicts(found)) == [(POLICY, Level.ADVISORY, "second"), (POLICY, Level.ADVISORY, "trail")]
    assert all("merge the multi-Region trails, which cannot drop them" in last_line(d) for d in found)


def test_no_trail_recording_them_is_reported(pack: PolicyPack) -> None:
    stack = changed(compliant_stack(), "trail", isMultiRegionTrail=False, includeGlobalServiceEvents=False)

    assert last_line(run(pack, stack, POLICY)[0]).startswith(
        "no trail records global service events (IAM, STS, CloudFront)"
    )


def test_a_stack_without_trails_is_not_judged(pack: PolicyPack) -> None:
    assert run(pack, [r for r in compliant_stack() if r.name != "trail"], POLICY) == []
