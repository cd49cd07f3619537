"""The reports people and machines read, and the exit code CI acts on."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from trailguard_gate.model import Finding, Level, TargetResult
from trailguard_gate.report import MARKDOWN_LIMIT, exit_code, fix_text, render_report

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


def test_the_text_report_gives_each_finding_its_message_fix_and_place(in_repository: Path) -> None:
    text = render_report([DEV, CLEAN, BROKEN], "text")

    lines = text.splitlines()
    assert lines[0] == "dev: FAIL (31 resources, stacks/Pulumi.dev.yaml)"
    # mandatory first, then advisory; each with its severity, fix and place
    body = "\n".join(lines[: lines.index("")])
    assert body.index("CKV_AWS_18") < body.index("cloudtrail-trail-log-file-validation") < body.index("advisory")
    assert "  mandatory  cloudtrail-trail-log-file-validation  severity high  org" in lines
    assert "    fix: Set enableLogFileValidation to true on the trail." in lines
    assert "    at: components/trail.py:120" in lines
    assert "  skipped CKV_AWS_145 on access-logs: SSE-S3 on purpose" in lines
    assert "prod: PASS (12 resources, stacks/Pulumi.prod.yaml)" in lines
    assert "broken: ERROR (0 resources, stacks/Pulumi.broken.yaml)" in lines
    assert "  trailguard:organizationId: 'o-123' is not an organization id" in lines
    assert lines[-1] == "3 targets: 2 failing, 1 advisory, 2 skipped, 1 could not be checked"


LONG = Finding(
    tool="policy",
    rule="cloudtrail-trail-cis-monitoring",
    level=Level.ADVISORY,
    message="trail 'org' streams to a log group with no metric filter for CIS controls 5.1 (Ensure unauthorized API "
    "calls are monitored), 5.2 and 5.3. See https://docs.aws.amazon.com/awscloudtrail/latest/userguide/"
    "cloudwatch-alarms-for-cloudtrail.html",
    resource_name="org",
)


@pytest.mark.parametrize("columns", ["40", "80", "200"])
def test_text_folds_long_messages_without_splitting_a_word_or_url(
    in_repository: Path, monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    text = render_report([TargetResult(name="dev", findings=(LONG,), resources=3)], "text")

    url = LONG.message.rsplit(" ", 1)[-1]
    assert any(line.strip() == url or line.endswith(f" {url}") for line in text.splitlines())
    words = set(LONG.message.split())
    printed = {w for line in text.splitlines() for w in line.split()}
    assert words <= printed  # every word whole, on some line
    folded = [line for line in text.splitlines() if line.startswith("    ")]
    assert all(len(line) <= max(int(columns), 60) or url in line for line in folded)


def test_the_remediation_clause_shows_only_where_a_remediation_runs(in_repository: Path) -> None:
    fix = "Set enableLogFileValidation to true on the trail; the remediation does it for you."
    mandatory = Finding(**{**POLICY.__dict__, "fix": fix})
    remediate = Finding(**{**POLICY.__dict__, "fix": fix, "level": Level.REMEDIATE})

    assert fix_text(mandatory) == "Set enableLogFileValidation to true on the trail."
    assert fix_text(remediate) == fix
    assert fix_text(remediate, live=True) == "Set enableLogFileValidation to true on the trail."


FROM_CONFIG = Finding(
    **{
        **POLICY.__dict__,
        "source": "stacks/Pulumi.dev.yaml:47",
        "config_key": "trailguard:trail.enableLogFileValidation",
    }
)


def test_a_value_from_stack_config_is_fixed_at_its_key(in_repository: Path) -> None:
    project = in_repository / "infra"
    result = TargetResult(
        name="dev", findings=(FROM_CONFIG,), resources=3, location="infra/stacks/Pulumi.dev.yaml", root=str(project)
    )

    [entry] = json.loads(render_report([result], "sarif"))["runs"][0]["results"]
    # relative to the repository root, although the project is a folder of it
    assert entry["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/stacks/Pulumi.dev.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 47},
    }
    assert entry["properties"]["configKey"] == "trailguard:trail.enableLogFileValidation"
    [finding] = json.loads(render_report([result], "json"))["targets"][0]["findings"]
    assert finding["source"] == "stacks/Pulumi.dev.yaml:47"  # relative to the project
    text = " ".join(render_report([result], "text").split())
    assert (
        "fix: In stacks/Pulumi.dev.yaml, change `trailguard:trail.enableLogFileValidation` (line 47): Set "
        "enableLogFileValidation to true on the trail. at: stacks/Pulumi.dev.yaml:47 "
        "(trailguard:trail.enableLogFileValidation)" in text
    )


LIVE = Finding(
    tool="policy",
    rule="cloudtrail-trail-log-file-validation",
    level=Level.MANDATORY,
    message="trail 'legacy' does not validate its log files",
    urn="urn:pulumi:111111111111-us-east-1::trailguard-audit::aws:cloudtrail/trail:Trail::legacy",
    resource_name="legacy",
    severity="high",
    fix="Set enableLogFileValidation to true on the trail; the remediation does it for you.",
    details={
        "ARN": "arn:aws:cloudtrail:us-east-1:111111111111:trail/legacy",
        "account": "111111111111",
        "Region": "us-east-1",
        "Security Hub": "CloudTrail.4",
    },
)
AUDITED = TargetResult(name="111111111111/us-east-1", findings=(LIVE,), resources=5, kind="audit")


def test_audit_reports_name_the_live_resource_in_every_format(in_repository: Path) -> None:
    sarif = json.loads(render_report([AUDITED], "sarif"))
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(sarif)
    [entry] = sarif["runs"][0]["results"]
    assert entry["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "aws/111111111111/us-east-1/legacy"
    assert entry["properties"]["arn"] == "arn:aws:cloudtrail:us-east-1:111111111111:trail/legacy"
    assert entry["properties"]["securityHub"] == "CloudTrail.4"
    markdown = render_report([AUDITED], "markdown")
    assert markdown.startswith("## trailguard audit\n")
    text = render_report([AUDITED], "text")
    for report in (markdown, text, json.dumps(json.loads(render_report([AUDITED], "json")))):
        for value in LIVE.details.values():  # type: ignore[union-attr]
            assert value in report
        assert "the remediation does it for you" not in report.replace(str(LIVE.fix), "")
    assert "severity high" in text and "| high |" in markdown


def test_every_sarif_result_has_a_location_github_accepts(in_repository: Path) -> None:
    bare = TargetResult(name="repository", findings=(ADVISORY,), resources=1, kind="repository")
    results = json.loads(render_report([DEV, CLEAN, BROKEN, AUDITED, bare], "sarif"))["runs"][0]["results"]
    for entry in results:
        [where] = entry["locations"]
        uri = where["physicalLocation"]["artifactLocation"]["uri"]
        assert uri and not uri.startswith(("/", "..")) and "://" not in uri, entry


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
        "config_key": None,
        "details": None,
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
    assert "| advisory |  | `cloudtrail-trail-tags` | `org` | trail 'org' has no tags \\| add some |  |" in lines
    assert (
        f"| mandatory |  | [`CKV_AWS_18`]({CHECKOV.url}) | `logs` | {CHECKOV.message} | {CHECKOV.fix} "
        "(at `/usr/lib/python3/site-packages/trailguard/bucket.py:40`) |" in lines
    )
    # what a skip covered, with its reason, in its own section
    suppressed = lines[lines.index("### Suppressed") :]
    assert "| `dev` | `CKV_AWS_145` | `access-logs` | SSE-S3 on purpose |" in suppressed
    assert "| `prod` | `CKV_AWS_145` | `access-logs` | SSE-S3 on purpose |" in suppressed


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


def test_version_prints_the_one_version_string_reports_carry(capsys: pytest.CaptureFixture[str]) -> None:
    from trailguard_gate.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    printed = capsys.readouterr().out.strip()
    sarif = json.loads(render_report([], "sarif"))
    assert (exit_.value.code, printed) == (0, f"trailguard {sarif['runs'][0]['tool']['driver']['semanticVersion']}")
    assert printed.split()[1] in render_report([CLEAN], "markdown")


def test_the_sdks_lead_in_and_made_up_pack_version_are_not_reported(in_repository: Path) -> None:
    note = Finding(
        tool="policy",
        rule="kms-key-policy-service-delivery",
        level=Level.ADVISORY,
        message="can't run policy 'kms-key-policy-service-delivery' from policy pack 'trailguard@v0.0.1' during "
        "preview: the key is not known",
    )
    result = TargetResult(name="dev", findings=(note,), resources=1)
    for fmt in ("text", "json", "markdown", "sarif", "junit"):
        report = render_report([result], fmt)
        assert "v0.0.1" not in report and "can't run policy" not in report, fmt
        assert "The key is not known" in report, fmt


def test_an_audit_never_speaks_of_a_preview(in_repository: Path) -> None:
    note = Finding(
        tool="policy",
        rule="kms-key-policy-cloudtrail-delivery",
        level=Level.ADVISORY,
        message="can't run policy 'kms-key-policy-cloudtrail-delivery' from policy pack 'trailguard@v0.0.1' during "
        "preview: could not check until update, because the key's policy is not known during preview",
    )
    audited = TargetResult(name="111111111111/us-east-1", findings=(note,), resources=1, kind="audit")
    text = render_report([audited], "text")
    assert "preview" not in text
    assert "because the key's policy could not be read from AWS" in " ".join(text.split())
