"""Fixtures for the tests that run the real Pulumi CLI (see engine_cli.py for where it comes from).

Without a CLI these tests do not pass silently: each is reported as not run with the reason, a banner at the end
of the session says so, and under CI (`CI=true`, where Go is always there) a missing CLI fails them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from engine_cli import Engine, EngineMissing, locate_language_host, locate_pulumi
from engine_state import TARGET_PROJECTS, TARGETS, StackState, build_state, target_id

from trailguard_gate.render import Project, StackRendering, load_project, render_stacks, stack_names

_NOT_RUN: dict[str, str] = {}


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(what: str, error: EngineMissing, *, fail_in_ci: bool) -> NoReturn:
    _NOT_RUN[what] = str(error)
    message = f"ENGINE TEST NOT RUN: {error}"
    if fail_in_ci and _in_ci():
        pytest.fail(f"{message} (CI=true: CI builds the CLI with `make engine`, so this is a failure)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pulumi_cli() -> Path:
    try:
        return locate_pulumi()
    except EngineMissing as error:
        _missing("the Pulumi CLI", error, fail_in_ci=True)


@pytest.fixture(scope="session")
def language_host(pulumi_cli: Path) -> Path:
    """The Python language host, which runs Python policy packs and component providers for the CLI."""
    try:
        return locate_language_host(pulumi_cli)
    except EngineMissing as error:
        # Not buildable on these machines (the Go proxy refuses the module): reported, never failed on.
        _missing("pulumi-language-python", error, fail_in_ci=False)


@pytest.fixture
def engine(pulumi_cli: Path, tmp_path: Path) -> Iterator[Engine]:
    """The CLI with its own PULUMI_HOME and file backend under this test's temporary directory."""
    yield Engine(pulumi_cli, tmp_path / "pulumi")


@pytest.fixture
def python_engine(engine: Engine, language_host: Path) -> Engine:
    """`engine`, where the Python language host is there too (Python policy packs, component providers)."""
    return engine


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _NOT_RUN:
        return
    terminalreporter.write_sep("!", "ENGINE TESTS NOT RUN", red=True, bold=True)
    for what, why in _NOT_RUN.items():
        terminalreporter.write_line(f"{what}: {why}", red=True)


@pytest.fixture(scope="session")
def renderings() -> dict[str, tuple[Project, StackRendering]]:
    """Every stack of the repository and of the Python examples, rendered by the gate under mocks, by target id."""
    found: dict[str, tuple[Project, StackRendering]] = {}
    for directory in TARGET_PROJECTS:
        project = load_project(directory)
        for rendering in render_stacks(project, stack_names(project), jobs=2):
            assert rendering.error is None, f"{directory} {rendering.stack}: {rendering.error}"
            found[target_id(project, rendering.stack)] = (project, rendering)
    assert set(found) == set(TARGETS), f"the targets changed: {sorted(found)}; update TARGETS in engine_state.py"
    return found


@pytest.fixture(scope="session")
def states(renderings: dict[str, tuple[Project, StackRendering]], pulumi_cli: Path) -> dict[str, StackState]:
    """The state `pulumi stack import` takes for each target."""
    version = subprocess.run(
        [str(pulumi_cli), "version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    outputs = {target: r.outputs for target, (_, r) in renderings.items()}
    return {
        target: build_state(
            project,
            r,
            cli_version=version,
            referenced_outputs={t.split("/", 1)[1]: o for t, o in outputs.items() if t.startswith(f"{project.name}/")},
        )
        for target, (project, r) in renderings.items()
    }
