"""Findings point at what the user changes, and what the policy config's exclusions suppressed is shown, with why."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from gate_testing import TRAIL_PROJECT

from trailguard_gate.cli import main
from trailguard_gate.locate import config_keys, config_origin
from trailguard_gate.model import Finding, Level, Resource


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo" / "infra"
    shutil.copytree(TRAIL_PROJECT, root)
    monkeypatch.chdir(tmp_path / "repo")  # the repository root, with the project in a folder of it
    return root


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, dict, str]:  # type: ignore[type-arg]
    code = main(["check", "--project-dir", "infra", "--stack", "insecure", "--no-checkov", "--quiet",
                 "--output", "json:out/gate.json", "--output", "sarif:out/gate.sarif", "--format", "markdown", *args])  # fmt: skip
    markdown = capsys.readouterr().out
    report = json.loads(Path("out/gate.json").read_text(encoding="utf-8"))
    sarif = json.loads(Path("out/gate.sarif").read_text(encoding="utf-8"))
    return code, report, sarif, markdown


def test_a_value_set_in_the_program_points_at_the_line_that_registered_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, sarif, _ = run(capsys)
    assert code == 1
    [target] = report["targets"]
    validation = next(f for f in target["findings"] if f["rule"] == "cloudtrail-trail-log-file-validation")
    program = (project / "__main__.py").read_text(encoding="utf-8").splitlines()
    path, _, line = validation["source"].rpartition(":")
    assert path == "__main__.py"  # relative to the project
    assert program[int(line) - 1].strip() == "trail = aws.cloudtrail.Trail("
    assert "enable_log_file_validation=False," in [text.strip() for text in program[int(line) : int(line) + 5]]
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "cloudtrail-trail-log-file-validation"]
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/__main__.py", "uriBaseId": "%SRCROOT%"},  # relative to the repository
        "region": {"startLine": int(line)},
    }


def test_an_exclusion_shows_what_it_suppressed_and_why_in_every_format(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = "the legacy trail is replaced by the organization trail in Q3"
    config = {"cloudtrail-trail-multi-region": {"exclude": [{"resource": "trail", "reason": reason}]}}
    Path("policy-config.json").write_text(json.dumps(config), encoding="utf-8")
    code, report, sarif, markdown = run(capsys, "--policy-config", "policy-config.json")
    assert code == 1  # other violations remain
    [target] = report["targets"]
    multi = [f for f in target["findings"] if f["rule"] == "cloudtrail-trail-multi-region"]
    assert [(f["resource_name"], f["suppression"]) for f in multi] == [
        ("trail", f"excluded in the policy config: {reason}")
    ]
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "cloudtrail-trail-multi-region"]
    assert result["suppressions"] == [{"kind": "external", "justification": f"excluded in the policy config: {reason}"}]
    suppressed = markdown[markdown.index("### Suppressed") :]
    assert f"| `insecure` | `cloudtrail-trail-multi-region` | `trail` | excluded in the policy config: {reason} |" in (
        suppressed
    )


def test_a_value_from_stack_config_is_found_at_its_key(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text(
        textwrap.dedent(
            """\
            config:
              aws:region: us-east-1
              trailguard:trail:
                isMultiRegionTrail: true
                enableLogFileValidation: false
              trailguard:tags:
                Owner: security
            """
        ),
        encoding="utf-8",
    )
    keys = config_keys(stack_file)
    trail = Resource(
        urn="urn:pulumi:dev::p::aws:cloudtrail/trail:Trail::t",
        type="aws:cloudtrail/trail:Trail",
        name="t",
        properties={"enableLogFileValidation": False, "isMultiRegionTrail": True},
    )
    finding = Finding(
        tool="policy",
        rule="cloudtrail-trail-log-file-validation",
        level=Level.MANDATORY,
        message="trail 't' does not validate its log files: set `enableLogFileValidation` "
        "(Python: `enable_log_file_validation`) to true",
        urn=trail.urn,
    )
    key = config_origin(finding, trail, keys)
    assert key is not None and (key.path, key.line) == ("trailguard:trail.enableLogFileValidation", 5)
    # A value the resource does not have did not come from that key.
    other = Resource(**{**trail.__dict__, "properties": {"enableLogFileValidation": True}})
    assert config_origin(finding, other, keys) is None


def test_a_fix_for_a_python_program_names_the_python_argument(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report, _, markdown = run(capsys)
    [target] = report["targets"]
    validation = next(f for f in target["findings"] if f["rule"] == "cloudtrail-trail-log-file-validation")
    assert "enableLogFileValidation (Python: enable_log_file_validation)" in validation["fix"]
    row = next(line for line in markdown.splitlines() if "`cloudtrail-trail-log-file-validation`" in line)
    assert "enable_log_file_validation" in row and "remediation does it for you" not in row


def test_a_note_about_a_resource_outside_the_stack_points_at_the_trail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "ext"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: ext\nruntime: python\n", encoding="utf-8")
    (project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-east-1\n", encoding="utf-8")
    (project / "__main__.py").write_text(
        textwrap.dedent(
            """\
            import pulumi_aws as aws

            aws.cloudtrail.Trail(
                "trail",
                name="org",
                s3_bucket_name="central-logs-bucket",
                is_multi_region_trail=True,
                enable_log_file_validation=True,
            )
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(project)
    main(["check", "--no-checkov", "--quiet", "--output", "json:gate.json", "--format", "markdown"])
    markdown = capsys.readouterr().out
    [target] = json.loads(Path("gate.json").read_text(encoding="utf-8"))["targets"]
    [note] = [f for f in target["findings"] if f["rule"] == "s3-bucket-policy-cloudtrail-delivery"]
    assert (note["level"], note["resource_name"], note["source"]) == ("advisory", "trail", "__main__.py:3")
    assert note["message"].startswith("Did not check the bucket policy's delivery checks for trail 'trail'")
    assert "central-logs-bucket is not in this stack" in note["message"]
    row = next(line for line in markdown.splitlines() if "`s3-bucket-policy-cloudtrail-delivery`" in line)
    assert "| `trail` |" in row and "central-logs-bucket is not in this stack" in row
