"""`pulumi config --json` on each committed stack file: the keys and values the CLI hands the program are the ones
the program's config loader reads, structured values included, and the gate renders with the same config."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from engine_cli import Engine
from engine_state import REPO

from trailguard_gate.render import load_project, qualify, stack_config, stack_names

pytestmark = pytest.mark.slow  # each test runs the Pulumi CLI

STACKS = stack_names(load_project(REPO))

# What the program does with the config the CLI passes (PULUMI_CONFIG, one string per key): __main__.py's loader.
LOADER = (
    "from trailguard.config import load_config, read_stack_config; "
    "print(load_config(read_stack_config()).model_dump_json(by_alias=True))"
)


def loaded(wire: dict[str, str]) -> dict[str, Any]:
    """The stack config model `trailguard.config.load_config(read_stack_config())` builds from `wire`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    env["PULUMI_CONFIG"] = json.dumps(wire)
    proc = subprocess.run(
        [sys.executable, "-c", LOADER], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def cli_config(engine: Engine, stack: str, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """`pulumi config --json` for the committed `stacks/Pulumi.<stack>.yaml`, read from a copy of the project."""
    project = tmp_path / "project"
    (project / "stacks").mkdir(parents=True)
    shutil.copyfile(REPO / "Pulumi.yaml", project / "Pulumi.yaml")
    shutil.copyfile(REPO / "stacks" / f"Pulumi.{stack}.yaml", project / "stacks" / f"Pulumi.{stack}.yaml")
    engine.run("stack", "init", stack, "--secrets-provider", "passphrase", cwd=project)
    return dict(engine.run("config", "--json", "--stack", stack, cwd=project).json())


def test_every_committed_stack_is_covered() -> None:
    assert STACKS == ["dev", "log-archive", "management"]


@pytest.mark.parametrize("stack", STACKS)
def test_pulumi_config_has_the_stack_files_keys_and_values(engine: Engine, stack: str, tmp_path: Path) -> None:
    config = cli_config(engine, stack, tmp_path)
    document = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]

    assert set(config) == {qualify(key, "trailguard") for key in document}
    for key, value in document.items():
        entry = config[qualify(key, "trailguard")]
        assert entry["secret"] is False, key
        if isinstance(value, dict | list):
            # Objects and lists: the CLI keeps the structure and passes the program its JSON text.
            assert entry["objectValue"] == value, key
            assert json.loads(entry["value"]) == value, key
        else:
            assert entry["value"] == str(value), key


@pytest.mark.parametrize("stack", STACKS)
def test_the_programs_loader_reads_from_the_cli_what_the_gate_renders_with(
    engine: Engine, stack: str, tmp_path: Path
) -> None:
    config = cli_config(engine, stack, tmp_path)
    from_cli = loaded({key: entry["value"] for key, entry in config.items()})
    gate_values = stack_config(load_project(REPO), stack).values
    from_gate = loaded({k: v if isinstance(v, str) else json.dumps(v) for k, v in gate_values.items()})

    assert from_cli == from_gate
    document = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]
    assert from_cli["layout"] == document["trailguard:layout"]
    assert from_cli["tags"] == document["trailguard:tags"]
