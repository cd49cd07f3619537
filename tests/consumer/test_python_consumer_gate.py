"""examples/python-consumer, copied into a project of one's own, passes `trailguard check` with no skips file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.checkov

TRAILGUARD = str(Path(sys.executable).parent / "trailguard")


def test_the_copied_example_passes_the_gate(consumer_project: Path, repo_root: Path, tmp_path: Path) -> None:
    project = tmp_path / "org-audit"
    shutil.copytree(consumer_project, project)
    assert not (project / ".checkov.skips.yaml").exists()
    out = tmp_path / "gate.json"
    checkov = repo_root / ".venv-checkov" / "bin" / "checkov"
    proc = subprocess.run(
        [TRAILGUARD, "check", "--checkov", str(checkov), "--quiet", "--output", f"json:{out}"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    [target] = json.loads(out.read_text(encoding="utf-8"))["targets"]
    failing = [
        (f["rule"], f["resource_name"])
        for f in target["findings"]
        if f["level"] == "mandatory" and not f["suppression"]
    ]
    assert (proc.returncode, target["error"], failing) == (0, None, []), proc.stdout
    assert (target["name"], target["resources"] > 40) == ("management", True)
