"""`trailguard check` end to end: the real policy pack (its own process, the Analyzer protocol) and the real checkov.

checkov takes seconds per run, so each module-scoped run below is shared by several assertions.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from gate_testing import CHECKOV, REPO, TRAIL_PROJECT

pytestmark = pytest.mark.checkov

TRAILGUARD = str(Path(sys.executable).parent / "trailguard")
SCHEMA = json.loads((REPO / "gate" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


class Run:
    """One `trailguard check` process: its exit code, its streams and the reports it wrote."""

    def __init__(self, cwd: Path, *args: str) -> None:
        out = cwd / "out"
        argv = [TRAILGUARD, "check", "--checkov", str(CHECKOV), *args]
        argv += ["--output", f"json:{out}/gate.json", "--output", f"sarif:{out}/gate.sarif"]
        argv += ["--output", f"junit:{out}/gate.xml", "--output", f"markdown:{out}/gate.md"]
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=900, check=False)
        self.code, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr
        self.json: dict[str, Any] = json.loads((out / "gate.json").read_text())
        self.sarif: dict[str, Any] = json.loads((out / "gate.sarif").read_text())
        self.junit = ET.fromstring((out / "gate.xml").read_text())
        self.markdown = (out / "gate.md").read_text()

    def findings(self, stack: str, tool: str) -> set[tuple[str, str]]:
        (target,) = (t for t in self.json["targets"] if t["name"] == stack)
        return {
            (f["rule"], f["resource_name"])
            for f in target["findings"]
            if f["tool"] == tool and f["level"] == "mandatory" and f["suppression"] is None
        }


@pytest.fixture(scope="module")
def fixture_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e") / "trail_project"
    shutil.copytree(TRAIL_PROJECT, root)
    return root


@pytest.fixture(scope="module")
def every_stack(fixture_copy: Path) -> Run:
    return Run(fixture_copy)


@pytest.fixture(scope="module")
def secure_only(fixture_copy: Path) -> Run:
    return Run(fixture_copy, "--stack", "secure")


def test_a_broken_stack_exits_2_shows_its_message_and_the_others_are_still_judged(every_stack: Run) -> None:
    assert every_stack.code == 2
    verdicts = {t["name"]: t["verdict"] for t in every_stack.json["targets"]}
    assert verdicts == {"broken": "error", "insecure": "fail", "secure": "pass"}
    message = (
        "ValueError: trail-fixture:trailName: 'Not A Trail Name!' is not a trail name; expected 3-128 letters, "
        "digits, '.', '_' or '-', e.g. fixture-trail (at __main__.py:14)"
    )
    assert f"  {message}" in every_stack.stdout.splitlines()
    assert message in every_stack.stderr  # progress names it as soon as the stack fails


def test_the_pack_finds_each_seeded_trail_violation(every_stack: Run) -> None:
    found = every_stack.findings("insecure", "policy")

    assert {
        ("cloudtrail-trail-multi-region", "trail"),
        ("cloudtrail-trail-log-file-validation", "trail"),
        ("cloudtrail-trail-kms-encryption", "trail"),
        ("cloudtrail-trail-cloudwatch-logs", "trail"),
    } <= found


def test_checkov_finds_the_seeded_violations_it_has_a_check_for(every_stack: Run) -> None:
    # A check the pack judges too is one finding, the pack's, which names the checkov id it stands for.
    (target,) = (t for t in every_stack.json["targets"] if t["name"] == "insecure")
    found = every_stack.findings("insecure", "checkov") | {
        (check, f["resource_name"])
        for f in target["findings"]
        if f["tool"] == "policy"
        for check in re.findall(r"checkov ((?:CKV2?_AWS_\d+(?:, )?)+) reports the same", f["message"])
        for check in check.split(", ")
    }

    assert {
        ("CKV_AWS_67", "trail"),  # multi-Region
        ("CKV_AWS_36", "trail"),  # log file validation
        ("CKV_AWS_35", "trail"),  # KMS
        ("CKV2_AWS_10", "trail"),  # CloudWatch Logs: a graph check across the trail and the log group
        ("CKV2_AWS_6", "trail-bucket"),  # public access block: connected through the bucket reference
        ("CKV_AWS_145", "trail-bucket"),  # SSE-KMS
        ("CKV_AWS_21", "trail-bucket"),  # versioning
        ("CKV_AWS_18", "trail-bucket"),  # access logging
    } <= found


def test_the_secure_stack_passes_both_and_exits_0(secure_only: Run) -> None:
    assert secure_only.code == 0, secure_only.stdout
    (target,) = secure_only.json["targets"]
    assert [f for f in target["findings"] if f["level"] == "mandatory" and f["suppression"] is None] == []
    # the committed skip is visible, with its reason, and does not fail the gate
    assert any(f["rule"] == "CKV_AWS_145" and f["suppression"] for f in target["findings"])


def test_only_mandatory_violations_exit_1(fixture_copy: Path) -> None:
    run = Run(fixture_copy, "--stack", "insecure")

    assert run.code == 1
    assert run.json["exitCode"] == 1


def test_the_reports_of_a_real_run_are_valid(every_stack: Run) -> None:
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(every_stack.sarif)
    results = every_stack.sarif["runs"][0]["results"]
    located = {r["properties"]["stack"]: r["locations"][0] for r in results if "properties" in r}
    assert located["insecure"]["physicalLocation"]["artifactLocation"]["uri"] == "__main__.py"
    assert every_stack.junit.get("errors") == "1"
    failing = sum(
        1
        for t in every_stack.json["targets"]
        for f in t["findings"]
        if f["level"] == "mandatory" and f["suppression"] is None
    )
    assert int(every_stack.junit.get("failures") or 0) == failing >= 10
    assert "| `secure` | :white_check_mark: pass | 22 |" in every_stack.markdown


def test_the_repositorys_own_stacks_pass_the_gate() -> None:
    run = Run(REPO)

    unexplained = [
        (t["name"], f["rule"], f["resource_name"])
        for t in run.json["targets"]
        for f in t["findings"]
        if f["level"] == "mandatory" and f["suppression"] is None
    ]
    assert unexplained == []
    assert [t["error"] for t in run.json["targets"]] == [None] * len(run.json["targets"])
    assert run.code == 0
