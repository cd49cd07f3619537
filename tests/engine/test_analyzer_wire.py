"""What the real CLI sends a policy pack, recorded, against what `trailguard_gate.analyzer` sends for the same
resources: the gate's client claims to run a pack exactly as the CLI does.

`recording_pack/` answers the Analyzer protocol and writes down every request. The CLI runs it with
`pulumi policy analyze` on a stack's imported state (for each resource Remediate then Analyze on its inputs, then
AnalyzeStack on every resource's outputs: pulumi/pulumi `pkg/resource/deploy/analyze_snapshot.go`); the gate's
`PolicyPack.preview` runs it on the state's resources as `trailguard check` would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from engine_cli import Engine, import_state, runnable_pack
from engine_state import StackState

from trailguard_gate.analyzer import PolicyPack

pytestmark = pytest.mark.slow  # each test runs the Pulumi CLI

RECORDING_PACK = Path(__file__).resolve().with_name("recording_pack")
COMPARED = ("Configure", "Remediate", "Analyze", "AnalyzeStack")
"""The calls that carry resources and policy config. The CLI's `policy analyze` sends no ConfigureStack (it judges a
state, not a stack's update); the gate sends one, as `pulumi preview` does."""


def recorded(pack: Path) -> list[dict[str, Any]]:
    lines = (pack / "requests.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def calls(records: list[dict[str, Any]], method: str) -> list[dict[str, Any]]:
    return [r["request"] for r in records if r["method"] == method]


def differences(cli: Any, gate: Any, path: str = "") -> list[str]:
    """Each field where the gate's request differs from the CLI's, as `path: cli=... gate=...`."""
    if isinstance(cli, dict) and isinstance(gate, dict):
        return [
            d
            for key in sorted(cli.keys() | gate.keys())
            for d in differences(cli.get(key, "<unset>"), gate.get(key, "<unset>"), f"{path}.{key}")
        ]
    if isinstance(cli, list) and isinstance(gate, list) and len(cli) == len(gate):
        return [d for i, (c, g) in enumerate(zip(cli, gate, strict=True)) for d in differences(c, g, f"{path}[{i}]")]
    return [] if cli == gate else [f"{path or '.'}: cli={cli!r} gate={gate!r}"[:300]]


def cli_records(engine: Engine, state: StackState, tmp_path: Path, *extra: str) -> list[dict[str, Any]]:
    pack = runnable_pack(RECORDING_PACK, tmp_path / "cli-pack")
    folder = import_state(engine, state.stack, state.project, state.text(), tmp_path)
    engine.run("policy", "analyze", "--stack", state.stack, "--policy-pack", str(pack), *extra, cwd=folder)
    return recorded(pack)


def gate_records(state: StackState, tmp_path: Path, config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    pack = runnable_pack(RECORDING_PACK, tmp_path / "gate-pack")
    with PolicyPack(pack) as running:
        if config is not None:
            running.configure(config)
        running.preview(list(state.resources))
    return recorded(pack)


def wire_mismatches(state: StackState, from_cli: list[dict[str, Any]], from_gate: list[dict[str, Any]]) -> list[str]:
    assert [r["urn"] for r in calls(from_cli, "Analyze")] == [r.urn for r in state.resources]
    mismatches: list[str] = []
    for method in COMPARED:
        cli, gate = calls(from_cli, method), calls(from_gate, method)
        assert len(cli) == len(gate), method
        for sent_by_cli, sent_by_gate in zip(cli, gate, strict=True):
            where = f"{method} {sent_by_cli.get('urn', '')}".strip()
            mismatches += [f"{where}: {d}" for d in differences(sent_by_cli, sent_by_gate)]
    return mismatches


@pytest.mark.parametrize("target", ["trailguard/dev", "trailguard/log-archive", "trailguard-lake/security"])
def test_the_gates_client_sends_what_the_cli_sends(
    python_engine: Engine, states: dict[str, StackState], target: str, tmp_path: Path
) -> None:
    """Every field of every Configure, Remediate, Analyze and AnalyzeStack request."""
    state = states[target]
    mismatches = wire_mismatches(state, cli_records(python_engine, state, tmp_path), gate_records(state, tmp_path))

    assert mismatches == [], "\n".join(mismatches[:40])


def test_the_stack_call_carries_parents_dependencies_and_property_dependencies(
    python_engine: Engine, states: dict[str, StackState], tmp_path: Path
) -> None:
    """What AnalyzeStack hands a stack policy, read from the state the CLI imported."""
    state = states["trailguard/dev"]
    (stack_call,) = calls(cli_records(python_engine, state, tmp_path), "AnalyzeStack")
    sent = {r["urn"]: r for r in stack_call["resources"]}

    assert list(sent) == [r.urn for r in state.resources]
    for resource in state.resources:
        entry = sent[resource.urn]
        assert entry.get("parent", "") == (resource.parent or ""), resource.urn
        assert entry.get("dependencies", []) == list(resource.dependencies), resource.urn
        expected = {k: {"urns": list(v)} for k, v in resource.property_dependencies.items() if v}
        assert entry.get("propertyDependencies", {}) == expected, resource.urn
        assert entry.get("options", {}).get("protect", False) == resource.options.protect, resource.urn
    with_dependencies = [r for r in state.resources if r.property_dependencies]
    assert with_dependencies, "the dev stack wires resources together: some inputs depend on other resources"


def test_policy_config_is_reconciled_as_the_cli_reconciles_it(
    python_engine: Engine, states: dict[str, StackState], tmp_path: Path
) -> None:
    state = states["trailguard/log-archive"]
    config = {"record-resources": {"enforcementLevel": "mandatory", "threshold": 5}, "record-stack": "disabled"}
    config_file = tmp_path / "policy-config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")

    (from_cli,) = calls(
        cli_records(python_engine, state, tmp_path, "--policy-pack-config", str(config_file)), "Configure"
    )
    (from_gate,) = calls(gate_records(state, tmp_path, config), "Configure")

    assert differences(from_cli, from_gate) == []
    # Struct numbers are doubles on the wire, whoever sends them.
    assert from_cli["policyConfig"]["record-resources"] == {
        "enforcementLevel": "MANDATORY",
        "properties": {"threshold": 5.0},
    }
    assert from_cli["policyConfig"]["record-stack"]["enforcementLevel"] == "DISABLED"
