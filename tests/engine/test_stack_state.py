"""The states the engine tests build are states the real CLI accepts: `pulumi stack import` checks a snapshot's
integrity (every parent, dependency and provider reference names a resource before it) and `pulumi stack export`
gives back every field as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_cli import Engine, import_state, scratch_project
from engine_state import AWS_PROVIDER_TYPE, STACK_TYPE, TARGETS, StackState

pytestmark = pytest.mark.slow  # each test runs the Pulumi CLI

RESOURCE_FIELDS = (
    "urn",
    "custom",
    "type",
    "id",
    "inputs",
    "outputs",
    "parent",
    "protect",
    "dependencies",
    "provider",
    "propertyDependencies",
    "additionalSecretOutputs",
    "ignoreChanges",
    "retainOnDelete",
    "external",
)


@pytest.mark.parametrize("target", TARGETS)
def test_the_cli_imports_the_state_and_exports_every_field_unchanged(
    engine: Engine, states: dict[str, StackState], target: str, tmp_path: Path
) -> None:
    state = states[target]
    project = import_state(engine, state.stack, state.project, state.text(), tmp_path)
    exported = engine.run("stack", "export", "--stack", state.stack, cwd=project).json()

    assert exported["version"] == 3
    written = {r["urn"]: r for r in state.deployment["deployment"]["resources"]}
    kept = {r["urn"]: r for r in exported["deployment"]["resources"]}
    assert list(kept) == list(written)
    for urn, resource in written.items():
        back = {k: v for k, v in kept[urn].items() if k in RESOURCE_FIELDS}
        assert back == resource, urn


@pytest.mark.parametrize("target", TARGETS)
def test_the_state_holds_the_stack_the_default_provider_and_the_resource_options(
    engine: Engine, states: dict[str, StackState], target: str, tmp_path: Path
) -> None:
    state = states[target]
    project = import_state(engine, state.stack, state.project, state.text(), tmp_path)
    resources = engine.run("stack", "export", "--stack", state.stack, cwd=project).json()["deployment"]["resources"]
    by_type: dict[str, list[dict[str, object]]] = {}
    for resource in resources:
        by_type.setdefault(str(resource["type"]), []).append(resource)

    (stack,) = by_type[STACK_TYPE]
    (provider,) = by_type[AWS_PROVIDER_TYPE]
    assert stack["urn"] == f"urn:pulumi:{state.stack}::{state.project}::{STACK_TYPE}::{state.project}-{state.stack}"
    provider_ref = f"{provider['urn']}::{provider['id']}"
    aws = [r for r in resources if str(r["type"]).startswith("aws:")]
    assert aws and all(r["provider"] == provider_ref for r in aws)
    # The engine registers default providers without a parent, and everything else under the stack.
    providers = [r for r in resources if str(r["type"]).startswith("pulumi:providers:")]
    assert all(r.get("parent") for r in resources if r is not stack and r not in providers)
    assert all("parent" not in p for p in providers)
    # Every stack builds log buckets or keys that must survive a destroy: the option reached the state.
    protected = [r for r in resources if r.get("protect")]
    written = [r for r in state.resources if r.options.protect]
    assert [r["urn"] for r in protected] == [r.urn for r in written]
    retained = [r["urn"] for r in resources if r.get("retainOnDelete")]
    assert retained == [r.urn for r in state.resources if r.options.retain_on_delete]


def test_the_cli_refuses_a_state_whose_resource_names_a_missing_parent(
    engine: Engine, states: dict[str, StackState], tmp_path: Path
) -> None:
    """What makes the two tests above worth having: the CLI does check what it imports."""
    state = states["trailguard/dev"]
    broken = json.loads(state.text())
    victim = broken["deployment"]["resources"][-1]
    victim["parent"] = f"urn:pulumi:{state.stack}::{state.project}::trailguard:index:Gone::gone"
    project = scratch_project(tmp_path / "project", state.project)
    engine.run("stack", "init", state.stack, "--secrets-provider", "passphrase", cwd=project)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), encoding="utf-8")

    result = engine.run("stack", "import", "--stack", state.stack, "--file", str(path), cwd=project, ok=False)
    assert victim["urn"] in result.output
    assert "trailguard:index:Gone::gone" in result.output
