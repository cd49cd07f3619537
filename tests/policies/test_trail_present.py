"""cloudtrail-trail-present: disabled by default, mandatory where a stack is meant to hold the trail."""

from __future__ import annotations

from pack_fixtures import changed, compliant_stack, messages, run, without

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level

POLICY = "cloudtrail-trail-present"
URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html"


def test_disabled_by_default(pack: PolicyPack) -> None:
    assert pack.info().policy(POLICY).enforcement_level is Level.DISABLED
    assert run(pack, without(compliant_stack(), "trail"), POLICY) == []


def test_opted_in_a_stack_without_trail_fails(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: "mandatory"})

    found = run(pack, without(compliant_stack(), "trail"), POLICY)

    assert messages(found) == [
        (
            Level.MANDATORY,
            "this stack is meant to hold the CloudTrail trail but contains no enabled multi-Region trail: add one. "
            f"See {URL}",
        )
    ]
    assert found[0].urn is None


def test_opted_in_a_stopped_trail_does_not_count(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: "mandatory"})

    found = run(pack, changed(compliant_stack(), "trail", enableLogging=False), POLICY)

    assert "(it has trail 'trail', none of them enabled and multi-Region)" in found[0].message


def test_opted_in_the_compliant_stack_passes(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: "mandatory"})

    assert run(pack, compliant_stack(), POLICY) == []
