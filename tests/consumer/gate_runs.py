"""`trailguard check` run as a user runs it, on a project of one's own, with the pinned checkov."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"
TRAILGUARD = str(Path(sys.executable).parent / "trailguard")


def check(project: Path) -> tuple[int, dict[str, Any], str]:
    """(exit code, the JSON report, what it printed) of `trailguard check` in `project`."""
    out = project / "out" / "gate.json"
    proc = subprocess.run(
        [TRAILGUARD, "check", "--checkov", str(CHECKOV), "--quiet", "--output", f"json:{out}"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return proc.returncode, json.loads(out.read_text(encoding="utf-8")), proc.stdout + proc.stderr


def failing(target: dict[str, Any]) -> list[tuple[str, str]]:
    """(rule, resource) of every mandatory finding nothing suppressed."""
    return [
        (f["rule"], f["resource_name"])
        for f in target["findings"]
        if f["level"] == "mandatory" and not f["suppression"]
    ]
