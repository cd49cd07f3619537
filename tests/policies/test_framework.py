"""The layer every policy shares: exclusions, malformed config, unknown notes, and never raising out of the pack."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pack_fixtures import changed, compliant_stack, last_line, messages, run

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level
from trailguard_policies.framework import Violation
from trailguard_policies.framework import run as run_checks
from trailguard_policies.resources import Res

POLICY = "cloudtrail-trail-log-file-validation"
BROKEN = changed(compliant_stack(), "trail", enableLogFileValidation=False)


def test_an_exclusion_without_reason_that_reaches_the_pack_is_reported_not_honoured(pack: PolicyPack) -> None:
    # The CLI refuses such config (see test_trail_multi_region); a pack configured elsewhere must still not obey it.
    pack.configure_raw({POLICY: (Level.MANDATORY, {"exclude": [{"resource": "trail"}]})})
    try:
        found = run(pack, BROKEN, POLICY)
    finally:
        pack.configure({})

    assert [level for level, _ in messages(found)] == [Level.MANDATORY, Level.MANDATORY]
    assert last_line(found[0]).startswith("trail 'trail' does not validate its log files")
    assert last_line(found[1]) == (
        f"exclude entry 0 ('trail') of policy {POLICY} has no `reason`, so it is ignored: every exclusion must say why, "
        'e.g. {"resource": "legacy-trail", "reason": "replaced by the organization trail in Q3"}'
    )


def test_a_blank_reason_is_no_reason(pack: PolicyPack) -> None:
    pack.configure_raw({POLICY: (Level.MANDATORY, {"exclude": [{"resource": "trail", "reason": "  "}]})})
    try:
        found = run(pack, BROKEN, POLICY)
    finally:
        pack.configure({})

    assert len(found) == 2


def test_a_malformed_exclude_list_is_reported(pack: PolicyPack) -> None:
    pack.configure_raw({POLICY: (Level.MANDATORY, {"exclude": "trail"})})
    try:
        found = run(pack, compliant_stack(), POLICY)
    finally:
        pack.configure({})

    assert [last_line(d) for d in found] == [
        f"the configuration of policy {POLICY} is invalid: `exclude` is 'trail' (a string); expected a list such as "
        '[{"resource": "legacy-trail", "reason": "replaced by the organization trail in Q3"}]'
    ]


def test_an_exclusion_matches_only_its_resource(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: {"exclude": [{"resource": "another-trail", "reason": "not ours"}]}})

    assert len(run(pack, BROKEN, POLICY)) == 1


def test_unknowns_in_many_places_make_one_note_per_policy_and_keep_known_findings(pack: PolicyPack) -> None:
    stack = changed(compliant_stack(), "trail", isMultiRegionTrail=UNKNOWN, includeGlobalServiceEvents=False)

    found = run(pack, stack, "cloudtrail-trail-multi-region")

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert found[0].message.startswith(
        "can't run policy 'cloudtrail-trail-multi-region' from policy pack 'trailguard@v"
    )
    assert found[0].message.endswith("is not known during preview; everything else was checked")


def test_nothing_malformed_crashes_the_pack(pack: PolicyPack) -> None:
    # Every property of every resource turned into the wrong shape: the pack answers with violations, never an error.
    for value in (None, 0, "x", [], {}, [None], {"x": None}, True):
        stack = [replace(r, properties=dict.fromkeys(r.properties, value)) for r in compliant_stack()]
        for resource in stack:
            pack.analyze(resource)
        pack.analyze_stack(stack)


def test_a_check_that_raises_is_reported_as_a_bug() -> None:
    subject = Res(urn="urn:x", type="aws:cloudtrail/trail:Trail", name="t", props={})

    def broken() -> Iterable[Violation]:
        yield Violation("first")
        raise KeyError("boom")

    findings, unknown = run_checks([(subject, broken)])

    assert [f.message for f in findings] == [
        "first",
        "trailguard could not evaluate trail 't' (KeyError: 'boom'); this is a bug in the policy pack, please report it "
        "at https://github.com/trailguard/trailguard/issues",
    ]
    assert unknown == []


def test_whatever_escapes_the_checks_is_reported_not_raised() -> None:
    from types import SimpleNamespace

    from pulumi_policy import EnforcementLevel, Severity

    from trailguard_policies.framework import Spec, resource_policy

    def exploding(res: Res, settings: object) -> list[object]:
        raise RuntimeError("kaboom")

    spec = Spec("cloudtrail-trail-test", "Tests.", EnforcementLevel.MANDATORY, Severity.LOW, "https://x", "Nothing.")
    policy = resource_policy(spec, ["aws:cloudtrail/trail:Trail"], exploding)  # type: ignore[arg-type]
    args = SimpleNamespace(
        resource_type="aws:cloudtrail/trail:Trail",
        urn="urn:t",
        name="t",
        props={},
        opts=None,
        provider=None,
        get_config=dict,
    )
    reported: list[str] = []

    policy.validate(args, lambda message, urn=None: reported.append(message))  # type: ignore[arg-type]

    assert reported == [
        "trailguard could not evaluate this policy (RuntimeError: kaboom); this is a bug in the policy pack, please "
        "report it at https://github.com/trailguard/trailguard/issues"
    ]
