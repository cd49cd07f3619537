"""Render examples/python-consumer under mocks, as its commented stack file configures it."""

import runpy
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from trailguard_gate.mocks import MockAccount, PlausibleMocks, Rendering, render
from trailguard_gate.render import mock_account

RenderConsumer = Callable[..., Rendering]


@pytest.fixture(scope="session")
def consumer_project(repo_root: Path) -> Path:
    return repo_root / "examples" / "python-consumer"


@pytest.fixture(scope="session")
def consumer_config(consumer_project: Path) -> dict[str, Any]:
    document = yaml.safe_load((consumer_project / "Pulumi.management.yaml").read_text(encoding="utf-8"))
    return dict(document["config"])


@pytest.fixture(scope="session")
def render_consumer(consumer_project: Path, consumer_config: dict[str, Any]) -> RenderConsumer:
    """`render_consumer(config=None)`: run the consumer's `__main__.py` as its management stack (with the stack
    file's config unless `config` replaces it), as the account that config names."""

    def run(config: Mapping[str, Any] | None = None) -> Rendering:
        config = consumer_config if config is None else config
        return render(
            lambda: runpy.run_path(str(consumer_project / "__main__.py"), run_name="__main__"),
            project="org-audit",
            stack="management",
            config=config,
            mocks=PlausibleMocks(MockAccount(**mock_account(config))),
        )

    return run


@pytest.fixture(scope="module")
def mypy_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Path:
    """A mypy cache for one test module, seeded from `make typecheck`'s: checking pulumi_aws from cold takes
    minutes, from the seed seconds. pytest's cache keeps it between runs; under `-p no:cacheprovider` (no
    `config.cache` at all) a temporary copy serves this run. Never the repository's own .mypy_cache."""
    store = getattr(request.config, "cache", None)
    name = f"mypy-{request.module.__name__.rsplit('.', 1)[-1]}"
    cache = store.mkdir(name) if store is not None else tmp_path_factory.mktemp(name)
    seed = repo_root / ".mypy_cache"
    if not any(cache.iterdir()) and seed.is_dir():
        shutil.copytree(seed, cache, dirs_exist_ok=True)
    return cache
