"""examples/python-consumer, copied into a project of one's own, passes `trailguard check` with no skips file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gate_runs import check, failing

pytestmark = pytest.mark.checkov


def test_the_copied_example_passes_the_gate(consumer_project: Path, tmp_path: Path) -> None:
    project = tmp_path / "org-audit"
    shutil.copytree(consumer_project, project)
    assert not (project / ".checkov.skips.yaml").exists()
    code, report, output = check(project)
    [target] = report["targets"]
    assert (code, target["error"], failing(target)) == (0, None, []), output
    assert (target["name"], target["resources"] > 40) == ("management", True)
