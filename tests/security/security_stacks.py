"""The committed stack files (root program and examples) and how to render one under mocks, for the security suites."""

from __future__ import annotations

import functools
import runpy
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from trailguard_gate.mocks import MockAccount, PlausibleMocks, Rendering, render
from trailguard_gate.render import mock_account

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class StackFile:
    """One committed stack file and the program it configures."""

    project: str
    stack: str
    program: Path
    path: Path

    @property
    def label(self) -> str:
        return f"{self.path.parent.name}/{self.stack}" if self.project != "trailguard" else self.stack

    def config(self) -> dict[str, Any]:
        return dict(yaml.safe_load(self.path.read_text(encoding="utf-8"))["config"])


def stack_files() -> list[StackFile]:
    """`stacks/Pulumi.<stack>.yaml` of the root program, then each example project's stack files (the lake example
    is where event data stores live). Examples in other languages (YAML) render through the provider, not here."""
    found = [
        StackFile("trailguard", path.name.split(".")[1], REPO / "__main__.py", path)
        for path in sorted((REPO / "stacks").glob("Pulumi.*.yaml"))
    ]
    for project in sorted(p for p in (REPO / "examples").iterdir() if (p / "__main__.py").is_file()):
        name = yaml.safe_load((project / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]
        found += [
            StackFile(name, path.name.split(".")[1], project / "__main__.py", path)
            for path in sorted(project.glob("Pulumi.*.yaml"))
            if path.name != "Pulumi.yaml"
        ]
    return found


STACK_FILES = stack_files()


def render_stack_file(stack_file: StackFile, config: Mapping[str, Any] | None = None) -> Rendering:
    """Run the stack's program under mocks, as the account its `aws:allowedAccountIds` names would; a StackReference
    to another stack of the same project named in the config gets that stack's rendered outputs, as `trailguard
    check` gives it (rendered first: one Pulumi runtime at a time)."""
    values = dict(config if config is not None else stack_file.config())
    referenced = {
        name: _outputs_of(stack_file.project, name.rsplit("/", 1)[-1]) for name in _stack_names(values, stack_file)
    }
    return render(
        lambda: runpy.run_path(str(stack_file.program), run_name="__main__"),
        project=stack_file.project,
        stack=stack_file.stack,
        config=values,
        mocks=PlausibleMocks(MockAccount(**mock_account(values)), stack_outputs=referenced),
    )


def _stack_names(value: Any, stack_file: StackFile) -> set[str]:
    """The `<organization>/<project>/<stack>` names in a config that are other stacks of the same project."""
    if isinstance(value, Mapping):
        return {n for v in value.values() for n in _stack_names(v, stack_file)}
    if isinstance(value, list):
        return {n for v in value for n in _stack_names(v, stack_file)}
    parts = value.split("/") if isinstance(value, str) else []
    others = {f.stack for f in STACK_FILES if f.project == stack_file.project and f.stack != stack_file.stack}
    return {value} if len(parts) == 3 and parts[1] == stack_file.project and parts[2] in others else set()


@functools.cache
def _outputs_of(project: str, stack: str) -> dict[str, Any]:
    [found] = [f for f in STACK_FILES if (f.project, f.stack) == (project, stack)]
    return dict(render_stack_file(found).outputs)
