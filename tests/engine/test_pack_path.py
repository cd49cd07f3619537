"""`trailguard pack-path` prints the installed pack's folder, which `pulumi policy analyze --policy-pack` takes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from engine_cli import Engine, import_state, runnable_pack
from engine_state import StackState

from trailguard_gate.cli import main

TRAILGUARD = Path(sys.executable).with_name("trailguard")


def test_pack_path_prints_the_folder_of_the_installed_pack() -> None:
    proc = subprocess.run([str(TRAILGUARD), "pack-path"], capture_output=True, text=True, timeout=120, check=False)

    assert proc.returncode == 0, proc.stderr
    folder = Path(proc.stdout.strip())
    assert proc.stdout == f"{folder}\n"
    spec = importlib.util.find_spec("trailguard_pack")
    assert spec is not None and spec.submodule_search_locations is not None
    assert folder == Path(next(iter(spec.submodule_search_locations))).resolve()
    manifest = yaml.safe_load((folder / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    assert manifest["name"] == "trailguard"
    assert (folder / "requirements.txt").is_file()


def test_pack_path_without_the_pack_installed_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)

    assert main(["pack-path"]) == 2
    err = capsys.readouterr().err
    assert "trailguard pack-path: the bundled policy pack (trailguard_pack) is not installed" in err


@pytest.mark.slow
def test_the_printed_pack_runs_under_pulumi_policy_analyze(
    python_engine: Engine, states: dict[str, StackState], tmp_path: Path
) -> None:
    printed = subprocess.run(
        [str(TRAILGUARD), "pack-path"], capture_output=True, text=True, timeout=120, check=True
    ).stdout.strip()
    pack = runnable_pack(Path(printed), tmp_path / "packs")
    state = states["trailguard/log-archive"]
    folder = import_state(python_engine, state.stack, state.project, state.text(), tmp_path)

    result = python_engine.run("policy", "analyze", "--stack", state.stack, "--policy-pack", str(pack), cwd=folder)

    assert "trailguard@v0.1.0" in result.output
