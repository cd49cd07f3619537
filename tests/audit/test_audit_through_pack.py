"""Live trails judged by the real trailguard pack, through the Analyzer protocol, end to end from the command line.

The same pack `trailguard check` runs on code judges what the audit reads: a rule is written once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from moto_world import ACCOUNT, REGION, World, deny

from trailguard_gate.audit.aws import EventHook
from trailguard_gate.audit.cli import add_commands
from trailguard_gate.audit.judge import CODE_ONLY_POLICIES
from trailguard_gate.cli import build_parser

pytestmark = pytest.mark.slow  # each test reads a moto world and runs the pack

TARGET = f"{ACCOUNT}/{REGION}"


def audit_json(
    capsys: pytest.CaptureFixture[str], *extra: str, hooks: Sequence[EventHook] = ()
) -> tuple[int, dict[str, Any], str]:
    parser, subparsers = build_parser()
    add_commands(subparsers)
    args = parser.parse_args(["audit", "--format", "json", *extra])
    code = args.func(args, hooks=hooks)
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def findings(report: dict[str, Any], name: str = TARGET) -> list[dict[str, Any]]:
    [target] = [t for t in report["targets"] if t["name"] == name]
    return list(target["findings"])


def test_a_trail_built_as_trailguard_builds_it_passes_the_pack(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    aws.good_trail()
    code, report, err = audit_json(capsys)
    assert code == 0
    assert findings(report) == []
    assert report["targets"][0]["resources"] == 21
    assert (
        "not judged in an audit (Pulumi options, or state the audit does not read): "
        f"{', '.join(CODE_ONLY_POLICIES)}" in err
    )


def test_a_legacy_trail_fails_the_pack_with_what_to_change(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    legacy = aws.broken_trail()
    code, report, _ = audit_json(capsys, "--quiet")
    assert code == 1
    mandatory = {(f["rule"], f["resource_name"]) for f in findings(report) if f["level"] == "mandatory"}
    assert mandatory == {
        ("cloudtrail-trail-multi-region", legacy.name),
        ("cloudtrail-trail-log-file-validation", legacy.name),
        ("cloudtrail-trail-kms-encryption", legacy.name),
        ("cloudtrail-trail-cloudwatch-logs", legacy.name),
        ("s3-bucket-cloudtrail-sse-kms", legacy.bucket),
        ("s3-bucket-cloudtrail-not-public", legacy.bucket),
        ("s3-bucket-cloudtrail-not-public", f"{legacy.bucket}-policy"),
        ("s3-bucket-cloudtrail-dedicated", f"{legacy.bucket}-policy"),
        ("s3-bucket-policy-cloudtrail-delivery", f"{legacy.bucket}-policy"),
    }
    multi_region = next(f for f in findings(report) if f["rule"] == "cloudtrail-trail-multi-region")
    assert multi_region["tool"] == "policy"
    assert f"\ntrail {legacy.name!r} records only its home Region: set `isMultiRegionTrail`" in multi_region["message"]
    assert multi_region["url"] and multi_region["fix"]
    assert (
        multi_region["urn"]
        == f"urn:pulumi:{ACCOUNT}-{REGION}::trailguard-audit::aws:cloudtrail/trail:Trail::{legacy.name}"
    )


def test_the_pack_and_delivery_health_report_side_by_side(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    legacy = aws.broken_trail()
    aws.client("cloudtrail").stop_logging(Name=legacy.name)
    code, report, _ = audit_json(capsys, "--quiet")
    assert code == 1
    by_tool = {(f["tool"], f["rule"]) for f in findings(report)}
    assert ("audit", "cloudtrail-trail-logging-active") in by_tool
    assert ("policy", "cloudtrail-trail-multi-region") in by_tool


def test_an_unreadable_bucket_policy_is_not_judged_as_missing(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    built = aws.good_trail()
    code, report, _ = audit_json(capsys, "--quiet", hooks=[deny("s3", "GetBucketPolicy", only=f"/{built.bucket}?")])
    assert code == 0
    rules = [(f["tool"], f["rule"], f["level"]) for f in findings(report)]
    assert ("audit", "audit-read-complete", "advisory") in rules
    # The pack skipped only what it could not see: no verdict on the unread policy passes as a violation.
    assert not [r for r in rules if r[0] == "policy" and r[2] == "mandatory"]


def test_policy_config_changes_levels_as_for_a_preview(
    aws: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    aws.good_trail(tags=False)
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"cloudtrail-trail-tags": "mandatory"}), encoding="utf-8")
    code, report, _ = audit_json(capsys, "--quiet")
    assert code == 0
    assert [f["level"] for f in findings(report) if f["rule"] == "cloudtrail-trail-tags"] == ["advisory"]
    code, report, _ = audit_json(capsys, "--quiet", "--policy-config", str(config))
    assert code == 1
    assert [f["level"] for f in findings(report) if f["rule"] == "cloudtrail-trail-tags"] == ["mandatory"]


def test_a_pack_that_cannot_run_makes_every_target_an_error(
    aws: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    aws.good_trail()
    broken = tmp_path / "pack"
    broken.mkdir()
    (broken / "PulumiPolicy.yaml").write_text("name: broken\nruntime: python\n", encoding="utf-8")
    (broken / "__main__.py").write_text("raise SystemExit('this pack is broken')\n", encoding="utf-8")
    code, report, _ = audit_json(capsys, "--quiet", "--policy-pack", str(broken))
    assert code == 2
    [target] = report["targets"]
    assert target["error"].startswith(f"policy pack {broken}: ")


def test_live_resources_are_judged_with_their_arns_never_as_not_known(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    built = aws.good_trail()
    # Without CloudWatch Logs, only the trail's own ARN tells the pack the account its delivery requests come from.
    aws.client("cloudtrail").update_trail(Name=built.name, CloudWatchLogsLogGroupArn="", CloudWatchLogsRoleArn="")
    _, report, _ = audit_json(capsys, "--quiet")
    messages = [f["message"] for f in findings(report)]
    assert any(f["rule"] == "cloudtrail-trail-cloudwatch-logs" for f in findings(report))
    assert [m for m in messages if "not known" in m] == []


def test_a_live_finding_names_its_arn_account_region_control_and_cli_fix(
    aws: World, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    legacy = aws.broken_trail()
    markdown = tmp_path / "audit.md"
    _, report, _ = audit_json(capsys, "--quiet", "--output", f"markdown:{markdown}")
    multi_region = next(f for f in findings(report) if f["rule"] == "cloudtrail-trail-multi-region")
    assert multi_region["details"] == {
        "ARN": legacy.arn,
        "account": ACCOUNT,
        "Region": REGION,
        "Security Hub": "CloudTrail.1",
    }
    assert multi_region["fix"].startswith(
        f"Live: `aws cloudtrail update-trail --region {REGION} --name {legacy.arn} --is-multi-region-trail "
        "--include-global-service-events`. In Pulumi: "
    )
    assert "remediation does" not in multi_region["fix"]
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("## trailguard audit\n")
    assert legacy.arn in text and "CloudTrail.1" in text
