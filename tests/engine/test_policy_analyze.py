"""The trailguard pack under the real CLI: `pulumi policy analyze` judges each stack's imported state with the pack,
through the CLI's own analyzer host, and reaches the verdicts `trailguard check` reaches on the same resources.

`policy analyze` runs no program and calls no provider (pulumi/pulumi `pkg/cmd/pulumi/policy/policy_analyze.go`:
"runs policy analysis against existing resource state without executing the Pulumi program or making provider
calls"): the scratch projects here have a program that would leave a mark, and the CLI's plugin folder holds no
provider at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from engine_cli import Engine, Result, import_state, runnable_pack
from engine_state import REPO, STACK_TYPE, TARGETS, StackState, with_options

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.render import Project, StackRendering
from trailguard_gate.run import CheckOptions, run_check

pytestmark = pytest.mark.slow  # each test runs the Pulumi CLI

Verdict = tuple[str, str, str, str]
"""(policy, resource URN, enforcement level, message)."""

PROGRAM_RAN = "program-ran"
# A program in the scratch project that would leave a mark if anything ran it.
PROGRAM = f"from pathlib import Path\nPath(__file__).with_name({PROGRAM_RAN!r}).write_text('ran')\n"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    return runnable_pack(REPO / "policies", tmp_path / "packs")


def analyze(engine: Engine, project: Path, stack: str, pack: Path, *extra: str) -> Result:
    (project / "__main__.py").write_text(PROGRAM, encoding="utf-8")
    result = engine.run("policy", "analyze", "--stack", stack, "--policy-pack", str(pack), *extra, cwd=project, ok=None)
    assert not (project / PROGRAM_RAN).exists(), "pulumi policy analyze ran the program"
    return result


def cli_verdicts(result: Result) -> set[Verdict]:
    events = result.json_lines()
    assert events and "summaryEvent" in events[-1], result.output
    return {
        (e["policyName"], e["resourceUrn"], e["enforcementLevel"], e["message"])
        for e in (event["policyEvent"] for event in events if "policyEvent" in event)
    }


def root_stack_urn(project: str, stack: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"


def gate_verdicts(
    project: Project, stack: str, pack: Path, policy_config: dict[str, Any] | None = None
) -> set[Verdict]:
    """What `trailguard check --no-checkov` reports for the stack, rendering it again from its program.

    A stack policy's finding that names no resource is the stack's own: the CLI reports it on the root stack
    (`analyze_snapshot.go`: "a stack-level violation's empty URN attributes to the root stack"), the gate with
    no URN.
    """
    options = CheckOptions(project=project, stacks=[stack], policy_pack=pack, policy_config=policy_config, checkov=None)
    (result,) = run_check(options)
    assert result.error is None, result.error
    root = root_stack_urn(project.name, stack)
    return {(f.rule, f.urn or root, f.level.value, f.message) for f in result.findings}


def client_verdicts(state: StackState, pack: Path) -> set[Verdict]:
    """The gate's Analyzer client on exactly the state's resources (for a state no program produces)."""
    root = root_stack_urn(state.project, state.stack)
    with PolicyPack(pack) as running:
        return {
            (d.policy_name, d.urn or root, d.enforcement_level.value, d.message)
            for d in running.preview(state.resources)
        }


def mandatory(verdicts: set[Verdict]) -> set[str]:
    return {policy for policy, _, level, _ in verdicts if level == "mandatory"}


def assert_no_plugins(engine: Engine, project: Path) -> None:
    """No provider plugin exists for the CLI to have called (and PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION)."""
    assert json.loads(engine.run("plugin", "ls", "--json", cwd=project).stdout or "[]") in ([], None)


STRICT = {
    "cloudtrail-trail-tags": {"enforcementLevel": "mandatory", "requiredTags": ["CostCenter"]},
    "s3-bucket-cloudtrail-lifecycle": {"minimumRetentionDays": 3650},
    "cloudwatch-log-group-cloudtrail-retention": {"minimumRetentionDays": 3650},
    "cloudtrail-event-data-store-retention": {"minimumRetentionDays": 3650},
}
"""A stricter policy config than the pack's defaults, which every committed stack passes: ten years of logs and a
CostCenter tag, so most stacks have something to report."""


@pytest.mark.parametrize("config", [None, STRICT], ids=["defaults", "strict"])
@pytest.mark.parametrize("target", TARGETS)
def test_the_cli_judges_each_stack_as_the_gate_does(
    python_engine: Engine,
    renderings: dict[str, tuple[Project, StackRendering]],
    states: dict[str, StackState],
    pack: Path,
    target: str,
    config: dict[str, Any] | None,
    tmp_path: Path,
) -> None:
    state = states[target]
    project, _ = renderings[target]
    folder = import_state(python_engine, state.stack, state.project, state.text(), tmp_path)
    extra = ["--json"]
    if config is not None:
        (tmp_path / "policy-config.json").write_text(json.dumps(config), encoding="utf-8")
        extra += ["--policy-pack-config", str(tmp_path / "policy-config.json")]

    result = analyze(python_engine, folder, state.stack, pack, *extra)
    verdicts = cli_verdicts(result)

    assert verdicts == gate_verdicts(project, state.stack, pack, config)
    summary = result.json_lines()[-1]["summaryEvent"]
    assert summary["PolicyPacks"] == {"trailguard": "0.1.0"}
    assert (result.returncode != 0) == bool(mandatory(verdicts))
    assert summary["result"] == ("failed" if mandatory(verdicts) else "succeeded")
    assert_no_plugins(python_engine, folder)


def test_the_strict_config_has_something_to_report_for_most_stacks(
    renderings: dict[str, tuple[Project, StackRendering]], tmp_path: Path
) -> None:
    """Keeps the comparison above from being one of empty sets: the gate finds something under STRICT."""
    pack = runnable_pack(REPO / "policies", tmp_path)
    judged = {t: gate_verdicts(project, r.stack, pack, STRICT) for t, (project, r) in renderings.items()}
    assert {t for t, verdicts in judged.items() if verdicts} >= {
        "trailguard/dev",
        "trailguard/management",
        "org-audit/management",
        "trailguard-lake/security",
    }


def test_a_stack_whose_log_buckets_and_keys_lost_protect_fails_naming_the_policies(
    python_engine: Engine, states: dict[str, StackState], pack: Path, tmp_path: Path
) -> None:
    state = states["trailguard/dev"]
    for resource in state.resources:
        if resource.options.protect and resource.type in ("aws:s3/bucket:Bucket", "aws:kms/key:Key"):
            state = with_options(state, resource.urn, protect=False)
    folder = import_state(python_engine, state.stack, state.project, state.text(), tmp_path)

    result = analyze(python_engine, folder, state.stack, pack)

    assert result.returncode != 0
    assert "one or more mandatory policy violations were found" in result.output
    for policy in ("s3-bucket-cloudtrail-deletion-protection", "kms-key-cloudtrail-deletion-protection"):
        assert f"[mandatory] [severity: high]  {policy}" in result.output
    as_json = cli_verdicts(analyze(python_engine, folder, state.stack, pack, "--json"))
    assert mandatory(as_json) == {"s3-bucket-cloudtrail-deletion-protection", "kms-key-cloudtrail-deletion-protection"}
    assert as_json == client_verdicts(state, pack)


def test_policy_pack_config_reaches_the_pack_as_in_the_gate(
    python_engine: Engine,
    renderings: dict[str, tuple[Project, StackRendering]],
    states: dict[str, StackState],
    pack: Path,
    tmp_path: Path,
) -> None:
    state = states["trailguard/dev"]
    project, _ = renderings["trailguard/dev"]
    config = {"cloudtrail-trail-tags": {"enforcementLevel": "mandatory", "requiredTags": ["Owner", "CostCenter"]}}
    config_file = tmp_path / "policy-config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    folder = import_state(python_engine, state.stack, state.project, state.text(), tmp_path)

    result = analyze(python_engine, folder, state.stack, pack, "--policy-pack-config", str(config_file), "--json")
    verdicts = cli_verdicts(result)

    assert result.returncode != 0
    assert mandatory(verdicts) == {"cloudtrail-trail-tags"}
    assert any("lacks the required tags CostCenter" in message for *_, message in verdicts)
    assert verdicts == gate_verdicts(project, state.stack, pack, config)


def test_a_policy_pack_config_the_pack_refuses_stops_the_cli_naming_the_key(
    python_engine: Engine, states: dict[str, StackState], pack: Path, tmp_path: Path
) -> None:
    state = states["trailguard/dev"]
    config_file = tmp_path / "policy-config.json"
    config_file.write_text(json.dumps({"cloudtrail-trail-tags": {"requiredTags": "Owner"}}), encoding="utf-8")
    folder = import_state(python_engine, state.stack, state.project, state.text(), tmp_path)

    result = analyze(python_engine, folder, state.stack, pack, "--policy-pack-config", str(config_file))

    assert result.returncode != 0
    assert "cloudtrail-trail-tags" in result.output
    assert "requiredTags" in result.output


def test_a_state_file_is_judged_as_the_stack_it_came_from(
    python_engine: Engine, states: dict[str, StackState], pack: Path, tmp_path: Path
) -> None:
    """`--file` judges an export without a backend: what a user does with any stack's `pulumi stack export`."""
    state = states["trailguard/management"]
    folder = import_state(python_engine, state.stack, state.project, state.text(), tmp_path)
    exported = tmp_path / "exported.json"
    exported.write_text(python_engine.run("stack", "export", "--stack", state.stack, cwd=folder).stdout)

    from_stack = cli_verdicts(analyze(python_engine, folder, state.stack, pack, "--json"))
    from_file = python_engine.run(
        "policy", "analyze", "--file", str(exported), "--policy-pack", str(pack), "--json", cwd=tmp_path, ok=None
    )

    assert cli_verdicts(from_file) == from_stack
