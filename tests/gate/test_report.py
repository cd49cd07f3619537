"""The reports people and machines read, and the exit code CI acts on."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from trailguard_gate.model import Finding, Level, TargetResult
from trailguard_gate.report import MARKDOWN_LIMIT, exit_code, render_report

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "gate" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)

POLICY = Finding(
    tool="policy",
    rule="cloudtrail-trail-log-file-validation",
    level=Level.MANDATORY,
    message="trail 'org' does not validate log files: set enableLogFileValidation to true",
    urn="urn:pulumi:dev::trailguard::aws:cloudtrail/trail:Trail::org",
    resource_name="org",
    resource_type="aws:cloudtrail/trail:Trail",
    fix="Set enableLogFileValidation to true on the trail.",
    url="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html",
    severity="high",
    description="A CloudTrail trail must validate its log files.",
    source="components/trail.py:120",
)
ADVISORY = Finding(
    tool="policy",
    rule="cloudtrail-trail-tags",
    level=Level.ADVISORY,
    message="trail 'org' has no tags | add some",
    urn=POLICY.urn,
    resource_name="org",
)
CHECKOV = Finding(
    tool="checkov",
    rule="CKV_AWS_18",
    level=Level.MANDATORY,
    message="Ensure the S3 bucket has access logging enabled (fails on its Terraform twin aws_s3_bucket.logs)",
    urn="urn:pulumi:dev::trailguard::aws:s3/bucket:Bucket::logs",
    resource_name="logs",
    fix="add an aws.s3.BucketLogging for the bucket",
    url="https://www.checkov.io/5.Policy%20Index/terraform.html",
    source="/usr/lib/python3/site-packages/trailguard/bucket.py:40",
)
SKIPPED = Finding(
    tool="checkov",
    rule="CKV_AWS_145",
    level=Level.MANDATORY,
    message="Ensure that S3 buckets are encrypted with KMS by default",
    urn="urn:pulumi:dev::trailguard::aws:s3/bucket:Bucket::access-logs",
    resource_name="access-logs",
    suppression="SSE-S3 on purpose",
)

DEV = TargetResult(
    name="dev", findings=(ADVISORY, CHECKOV, POLICY, SKIPPED), resources=31, location="stacks/Pulumi.dev.yaml"
)
CLEAN = TargetResult(name="prod", findings=(SKIPPED,), resources=12, location="stacks/Pulumi.prod.yaml")
BROKEN = TargetResult(
    name="broken",
    error="trailguard:organizationId: 'o-123' is not an organization id",
    location="stacks/Pulumi.broken.yaml",
)


@pytest.mark.parametrize(
    ("results", "code"),
    [
        ([CLEAN], 0),
        ([TargetResult(name="adv", findings=(ADVISORY,))], 0),
        ([CLEAN, DEV], 1),
        ([CLEAN, DEV, BROKEN], 2),
        ([], 0),
    ],
)
def test_exit_codes(results: list[TargetResult], code: int) -> None:
    assert exit_code(results) == code


@pytest.fixture
def in_repository(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Reports name files relative to the current directory, the repository root in CI."""
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "trail.py").write_text("\n" * 200)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_text_report_is_a_table_per_stack_with_fixes(in_repository: Path) -> None:
    text = render_report([DEV, CLEAN, BROKEN], "text")

    lines = text.splitlines()
    assert lines[0] == "dev: FAIL (31 resources, stacks/Pulumi.dev.yaml)"
    assert lines[1].split() == ["LEVEL", "RULE", "RESOURCE", "MESSAGE", "FIX"]
    # mandatory first, then advisory; the policy row carries its fix
    body = "\n".join(lines[3:])
    assert body.index("CKV_AWS_18") < body.index("cloudtrail-trail-log-file-validation") < body.index("advisory")
    fix_column = lines[1].index("FIX")
    table = lines[3 : lines.index("", 3)]
    assert "Set enableLogFileValidation to true on the trail." in " ".join(row[fix_column:].strip() for row in table)
    assert "  skipped CKV_AWS_145 on access-logs: SSE-S3 on purpose" in lines
    assert "prod: PASS (12 resources, stacks/Pulumi.prod.yaml)" in lines
    assert "broken: ERROR (0 resources, stacks/Pulumi.broken.yaml)" in lines
    assert "  trailguard:organizationId: 'o-123' is not an organization id" in lines
    assert lines[-1] == "3 targets: 2 failing, 1 advisory, 2 skipped, 1 could not be checked"


def test_the_json_report_holds_every_finding(in_repository: Path) -> None:
    document = json.loads(render_report([DEV, BROKEN], "json"))

    assert document["exitCode"] == 2
    dev, broken = document["targets"]
    assert (dev["verdict"], dev["resources"], broken["verdict"]) == ("fail", 31, "error")
    assert broken["error"] == "trailguard:organizationId: 'o-123' is not an organization id"
    assert dev["findings"][0] == {
        "tool": "checkov",
        "rule": "CKV_AWS_18",
        "level": "mandatory",
        "message": CHECKOV.message,
        "urn": CHECKOV.urn,
        "resource_name": "logs",
        "resource_type": None,
        "fix": CHECKOV.fix,
        "url": CHECKOV.url,
        "severity": None,
        "description": None,
        "source": CHECKOV.source,
        "suppression": None,
    }


def test_sarif_is_valid_against_the_official_schema_and_locates_each_result(in_repository: Path) -> None:
    document = json.loads(render_report([DEV, CLEAN, BROKEN], "sarif"))

    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)
    (run,) = document["runs"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    by_rule = {(r["ruleId"], r["properties"].get("stack") if "properties" in r else None): r for r in run["results"]}
    policy = by_rule[("cloudtrail-trail-log-file-validation", "dev")]
    # the component's source line, inside the repository
    assert policy["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "components/trail.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 120},
    }
    assert policy["locations"][0]["logicalLocations"] == [
        {"name": "org", "fullyQualifiedName": POLICY.urn, "kind": "resource"}
    ]
    assert policy["level"] == "error"
    assert run["tool"]["driver"]["rules"][policy["ruleIndex"]]["id"] == policy["ruleId"]
    # a source outside the repository (an installed package) falls back to the stack's config file
    checkov = by_rule[("CKV_AWS_18", "dev")]
    assert checkov["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "stacks/Pulumi.dev.yaml"
    assert by_rule[("cloudtrail-trail-tags", "dev")]["level"] == "warning"
    skipped = by_rule[("CKV_AWS_145", "prod")]
    assert skipped["suppressions"] == [{"kind": "external", "justification": "SSE-S3 on purpose"}]
    error = by_rule[("trailguard-target-error", None)]
    assert error["message"]["text"] == "broken: trailguard:organizationId: 'o-123' is not an organization id"
    assert error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "stacks/Pulumi.broken.yaml"
    assert run["invocations"][0]["executionSuccessful"] is False
    rule = rules["cloudtrail-trail-log-file-validation"]
    assert rule["helpUri"] == POLICY.url
    assert rule["shortDescription"]["text"] == "A CloudTrail trail must validate its log files."
    assert rule["help"]["text"].startswith("Set enableLogFileValidation to true on the trail. See https://")
    assert rule["properties"]["security-severity"] == "8.0"
    fingerprints = [r["partialFingerprints"]["trailguard/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)


def test_an_empty_run_is_valid_sarif(in_repository: Path) -> None:
    document = json.loads(render_report([], "sarif"))

    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(document)
    assert document["runs"][0]["results"] == []


def test_junit_has_a_suite_per_stack_and_fails_only_mandatory_findings(in_repository: Path) -> None:
    root = ET.fromstring(render_report([DEV, CLEAN, BROKEN], "junit"))

    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "8",
        "failures": "2",
        "errors": "1",
        "skipped": "2",
    }
    dev = root.find("testsuite[@name='dev']")
    assert dev is not None
    failures = {
        case.get("name"): case.find("failure") for case in dev.iter("testcase") if case.find("failure") is not None
    }
    assert sorted(failures) == ["CKV_AWS_18 logs", "cloudtrail-trail-log-file-validation org"]
    failure = failures["cloudtrail-trail-log-file-validation org"]
    assert failure is not None and failure.get("type") == "cloudtrail-trail-log-file-validation"
    broken = root.find("testsuite[@name='broken']/testcase/error")
    assert broken is not None and broken.get("message") == BROKEN.error


def test_markdown_is_a_pull_request_comment(in_repository: Path) -> None:
    text = render_report([DEV, CLEAN, BROKEN], "markdown")

    lines = text.splitlines()
    assert lines[0] == "## trailguard check"
    assert "| `dev` | :x: fail | 31 | 2 | 1 | 1 |" in lines
    assert "| `prod` | :white_check_mark: pass | 12 | 0 | 0 | 1 |" in lines
    assert "| `broken` | :warning: error | 0 | 0 | 0 | 0 |" in lines
    # a pipe inside a message cannot break the table
    assert "| advisory | `cloudtrail-trail-tags` | `org` | trail 'org' has no tags \\| add some |  |" in lines
    assert f"| mandatory | [`CKV_AWS_18`]({CHECKOV.url}) | `logs` | {CHECKOV.message} | {CHECKOV.fix} |" in lines


def test_a_huge_markdown_report_is_cut_to_fit_a_comment(in_repository: Path) -> None:
    many = TargetResult(name="big", findings=tuple(CHECKOV for _ in range(2000)), resources=2000)

    text = render_report([many], "markdown")

    assert len(text) <= MARKDOWN_LIMIT + 200
    assert text.endswith("_The report is cut here to fit a comment; the SARIF and JSON reports hold every finding._\n")


def test_an_unknown_format_names_the_valid_ones() -> None:
    with pytest.raises(
        ValueError, match=r"^unknown report format 'html'; expected one of text, json, sarif, junit, markdown"
    ):
        render_report([], "html")
