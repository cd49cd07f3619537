"""s3-bucket-cloudtrail-lifecycle through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

from pack_fixtures import changed, compliant_stack, last_line, messages, run

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level

POLICY = "s3-bucket-cloudtrail-lifecycle"
URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html"


def rule(**fields: object) -> dict[str, object]:
    return {"id": "logs", "status": "Enabled", "filter": {"prefix": ""}, **fields}


def test_long_retention_passes(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_early_expiration_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "bucket-lifecycle", rules=[rule(expiration={"days": 90})]), POLICY)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "bucket lifecycle configuration 'bucket-lifecycle' rules[0] deletes CloudTrail log files after 90 days: "
            f"keep them at least 365 days. See {URL}",
        )
    ]


def test_early_noncurrent_expiration_loses_deleted_logs(pack: PolicyPack) -> None:
    stack = changed(
        compliant_stack(), "bucket-lifecycle", rules=[rule(noncurrentVersionExpiration={"noncurrentDays": 30})]
    )

    assert [last_line(d) for d in run(pack, stack, POLICY)] == [
        "bucket lifecycle configuration 'bucket-lifecycle' rules[0] deletes deleted or overwritten log versions after "
        "30 days: keep them at least 365 days"
    ]


def test_a_disabled_rule_does_not_count(pack: PolicyPack) -> None:
    stack = changed(compliant_stack(), "bucket-lifecycle", rules=[rule(status="Disabled", expiration={"days": 1})])

    assert run(pack, stack, POLICY) == []


def test_a_rule_for_another_prefix_does_not_count(pack: PolicyPack) -> None:
    stack = changed(
        compliant_stack(), "bucket-lifecycle", rules=[rule(filter={"prefix": "tmp/"}, expiration={"days": 1})]
    )

    assert run(pack, stack, POLICY) == []


def test_the_minimum_is_configurable(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: {"minimumRetentionDays": 3000}})

    assert "keep them at least 3000 days" in last_line(run(pack, compliant_stack(), POLICY)[0])


def test_a_fractional_day_count_is_malformed(pack: PolicyPack) -> None:
    stack = changed(compliant_stack(), "bucket-lifecycle", rules=[rule(expiration={"days": 1.5})])

    assert last_line(run(pack, stack, POLICY)[0]) == (
        "bucket lifecycle configuration 'bucket-lifecycle' rules[0].expiration.days is 1.5 (a number); expected a "
        "whole number of days"
    )
