"""Fixtures shared by the test tree: the repository root, stack files, and policy documents as AWS reads them."""

from __future__ import annotations

import importlib
import inspect
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.schema import generate_schema

import trailguard
from trailguard_gate.model import Resource

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def package_schema() -> dict[str, Any]:
    """The package schema `pulumi package add` infers from provider/, inferred offline the same way."""
    result = Analyzer("trailguard").analyze(trailguard.components())
    spec = generate_schema(
        "trailguard",
        trailguard.__version__,
        None,
        result["component_definitions"],
        result["type_definitions"],
        result["dependencies"],
    )
    return dict(spec.to_json())


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


PACKAGE_SOURCES = ("pyproject.toml", "README.md", "components", "gate", "policies")
"""What pip needs to build trailguard (pyproject.toml's package-dir)."""


@pytest.fixture(scope="session")
def package_source(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Path]:
    """`package_source()`: a fresh copy of what pip needs to build trailguard, so a build never writes into the
    checkout (caches and a policy pack's own `venv/` are left out)."""

    def copy() -> Path:
        source = tmp_path_factory.mktemp("source")
        skip = shutil.ignore_patterns("__pycache__", "venv", "*.egg-info")
        for name in PACKAGE_SOURCES:
            if (REPO / name).is_dir():
                shutil.copytree(REPO / name, source / name, ignore=skip)
            else:
                shutil.copy(REPO / name, source / name)
        return source

    return copy


@pytest.fixture(scope="session")
def stack_config() -> Callable[[str], dict[str, Any]]:
    """The `config:` map of `stacks/Pulumi.<stack>.yaml`, as the CLI hands it to the program."""

    def load(stack: str) -> dict[str, Any]:
        document = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text())
        return dict(document["config"])

    return load


def policy_statements(resource: Resource, prop: str = "policy") -> dict[str, dict[str, Any]]:
    """A resource's policy document parsed from the JSON it registered, statements by Sid."""
    document = json.loads(resource.properties[prop])
    assert document["Version"] == "2012-10-17"
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    assert len(by_sid) == len(document["Statement"]), "Sids must be unique"
    return by_sid


@pytest.fixture(scope="session")
def statements() -> Callable[..., dict[str, dict[str, Any]]]:
    return policy_statements


def is_taggable(token: str) -> bool:
    """Whether the pulumi-aws resource behind a type token takes `tags` (`aws:s3/bucket:Bucket` -> s3.Bucket)."""
    package, module_path, name = token.split(":")
    if package != "aws":
        return False
    module = importlib.import_module(f"pulumi_aws.{module_path.split('/')[0]}")
    cls = getattr(module, name)
    return "tags" in inspect.signature(cls._internal_init).parameters


@pytest.fixture(scope="session")
def taggable() -> Callable[[str], bool]:
    return is_taggable
