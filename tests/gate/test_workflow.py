"""The pull-request workflow: valid for GitHub, clean under zizmor's offline audits, pinned and least-privilege."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from gate_testing import REPO

WORKFLOW = REPO / ".github" / "workflows" / "policy.yml"
ACTION = REPO / "action.yml"
BIN = Path(sys.executable).parent


def _workflow() -> dict[Any, Any]:
    document = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _action() -> dict[str, Any]:
    document = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_the_action_is_valid_against_githubs_schema() -> None:
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_action_takes_the_project_stacks_formats_preview_json_and_checkov() -> None:
    action = _action()
    runs = action["runs"]
    check = next(step for step in runs["steps"] if step.get("id") == "check")

    assert runs["using"] == "composite"
    assert {"project-dir", "stacks", "formats", "preview-json", "checkov"} <= set(action["inputs"])
    # Inputs reach the script through the environment, never pasted into it (template injection).
    assert "${{" not in check["run"]
    assert check["working-directory"] == "${{ github.workspace }}"  # SARIF paths relative to the repository root
    upload = next(s for s in runs["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.reports }}/trailguard.sarif"
    summary = next(s for s in runs["steps"] if s.get("name") == "Job summary")
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary["run"]
    assert runs["steps"][-1]["run"] == 'exit "${STATUS:-2}"'


def test_the_workflow_is_valid_against_githubs_schema() -> None:
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_zizmor_finds_nothing_offline() -> None:
    result = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", str(WORKFLOW), str(ACTION)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_every_action_is_pinned_to_a_commit_with_its_version_named() -> None:
    text = WORKFLOW.read_text(encoding="utf-8") + ACTION.read_text(encoding="utf-8")
    uses = [
        (action, comment) for action, comment in re.findall(r"uses: (\S+)(.*)", text) if action != "./"
    ]  # this repository

    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), action
        assert re.fullmatch(r" # v\d+(\.\d+)*", comment), f"{action} needs a '# vX.Y.Z' comment"


def test_permissions_are_granted_per_job_and_only_what_each_needs() -> None:
    workflow = _workflow()
    jobs = workflow["jobs"]

    assert workflow[True] == {"pull_request": None}  # YAML 1.1 reads the key `on` as true
    assert workflow["permissions"] == {}
    assert jobs["gate"]["permissions"] == {"contents": "read", "security-events": "write", "pull-requests": "write"}
    assert jobs["preview"]["permissions"] == {"contents": "read", "id-token": "write"}


def test_the_gate_job_uses_the_repositorys_own_action_then_checks_examples_and_files() -> None:
    steps = _workflow()["jobs"]["gate"]["steps"]
    gate = next(step for step in steps if step.get("uses") == "./")  # the action at the repository root
    runs = "\n".join(step.get("run", "") for step in steps)

    assert gate["id"] == "gate" and gate["with"]["project-dir"] == "."
    assert "make check-examples check-repo" in runs
    assert 'gh pr comment "$PR_NUMBER" --body-file "$REPORT"' in runs


def test_the_preview_job_runs_only_where_an_aws_role_is_configured() -> None:
    preview = _workflow()["jobs"]["preview"]
    pulumi = next(step for step in preview["steps"] if step.get("uses", "").startswith("pulumi/actions@"))
    aws = next(s for s in preview["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))

    assert "vars.AWS_PREVIEW_ROLE_ARN != ''" in preview["if"]
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert pulumi["with"] == {
        "command": "preview",
        "stack-name": "${{ matrix.stack }}",
        "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}",
        "policyPacks": "policies",
    }
    stacks = sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (REPO / "stacks").glob("Pulumi.*.yaml")
    )
    assert preview["strategy"]["matrix"]["stack"] == stacks
