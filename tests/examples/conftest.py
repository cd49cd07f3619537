"""Render an example project's stack under mocks, with the config its commented stack file holds."""

import runpy
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from trailguard_gate.mocks import MockAccount, PlausibleMocks, Rendering, render
from trailguard_gate.render import mock_account

RenderExample = Callable[..., Rendering]


def stack_file(project: Path, stack: str) -> dict[str, Any]:
    return dict(yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"])


@pytest.fixture(scope="session")
def render_example(repo_root: Path) -> RenderExample:
    """`render_example(example, stack, overrides)`: run `examples/<example>/__main__.py` as that stack would, as
    the account its `aws:allowedAccountIds` names."""

    def run(example: str, stack: str, overrides: Mapping[str, Any] | None = None) -> Rendering:
        project = repo_root / "examples" / example
        name = yaml.safe_load((project / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]
        config = {**stack_file(project, stack), **(overrides or {})}
        return render(
            lambda: runpy.run_path(str(project / "__main__.py"), run_name="__main__"),
            project=name,
            stack=stack,
            config=config,
            mocks=PlausibleMocks(MockAccount(**mock_account(config))),
        )

    return run
