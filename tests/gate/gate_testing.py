"""Paths and builders the gate's tests share (imported by name: tests/ is not a package)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRAIL_PROJECT = HERE / "fixtures" / "trail_project"
REPO = HERE.parent.parent
CHECKOV = REPO / ".venv-checkov" / "bin" / "checkov"

MakeProject = Callable[..., Path]


def project_maker(tmp_path: Path) -> MakeProject:
    """Write a Pulumi Python project: `program` is the `__main__.py` text, `stacks` maps stack name to its YAML."""

    def make(program: str, stacks: dict[str, str], *, name: str = "scratch", extra: str = "") -> Path:
        root = tmp_path / name
        (root / "stacks").mkdir(parents=True)
        (root / "Pulumi.yaml").write_text(
            f"name: {name}\nruntime: python\nstackConfigDir: stacks\n{textwrap.dedent(extra)}", encoding="utf-8"
        )
        (root / "__main__.py").write_text(textwrap.dedent(program), encoding="utf-8")
        for stack, text in stacks.items():
            (root / "stacks" / f"Pulumi.{stack}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return make
