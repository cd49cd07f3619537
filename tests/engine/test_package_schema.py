"""`pulumi package get-schema provider/`: the CLI runs the component provider through its Python language host and
gets the package schema other languages' SDKs are generated from; it is the one tests/provider infers offline.

The CLI first installs the provider's requirements (`-e ..`, this checkout) into `provider/venv`. The test runs it
on a copy of the checkout, with a `venv` that sees this test run's packages (made from requirements/dev.lock) and
pip told to use no index, so nothing is downloaded and the repository's own environments stay untouched.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from engine_cli import Engine
from engine_state import REPO

pytestmark = pytest.mark.slow  # runs the Pulumi CLI and the provider

_NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".venv-checkov", ".tools", "build", "venv", "__pycache__", "*.egg-info", ".*_cache", "out"
)


def offline_schema_tests() -> ModuleType:
    """tests/provider/test_schema.py, whose expectations the CLI's schema must meet too."""
    spec = importlib.util.spec_from_file_location(
        "offline_schema_tests", REPO / "tests" / "provider" / "test_schema.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cli_schema(language_host: Path, pulumi_cli: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("get-schema")
    checkout = root / "checkout"
    shutil.copytree(REPO, checkout, ignore=_NOT_COPIED, symlinks=True)
    venv = checkout / "provider" / "venv"
    subprocess.run(
        [str(Path(sys.base_prefix) / "bin" / "python3"), "-m", "venv", "--without-pip", str(venv)],
        check=True,
        timeout=120,
    )
    purelib = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    # The provider's venv sees this run's packages (pip, setuptools, pulumi, ...) and gets its own trailguard.
    Path(purelib, "engine-tests.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    engine = Engine(pulumi_cli, root / "pulumi")
    # PIP_NO_BUILD_ISOLATION=0 is pip's spelling of --no-build-isolation (the option is a negative flag).
    pip = {"PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0", "PIP_FIND_LINKS": ""}
    result = engine.run("package", "get-schema", "./provider", cwd=checkout, env=pip, timeout=600)
    return dict(json.loads(result.stdout))


def test_the_cli_schema_meets_the_offline_schema_tests(cli_schema: dict[str, Any]) -> None:
    tests = offline_schema_tests()
    tests.test_schema_has_every_component_as_a_described_component_resource(cli_schema)
    tests.test_nested_argument_types_are_described(cli_schema)
    assert cli_schema["name"] == "trailguard"


def _shape(prop: dict[str, Any]) -> dict[str, Any]:
    """A property's type, without the descriptions the offline generator repeats inside items and maps."""
    return {
        k: _shape(v) if k in ("items", "additionalProperties") else v for k, v in prop.items() if k != "description"
    }


def test_every_component_has_the_inputs_outputs_and_descriptions_inferred_offline(
    cli_schema: dict[str, Any], package_schema: dict[str, Any]
) -> None:
    assert cli_schema["resources"].keys() == package_schema["resources"].keys()
    for token, offline in package_schema["resources"].items():
        served = cli_schema["resources"][token]
        assert served["description"] == offline["description"], token
        assert sorted(served.get("requiredInputs", [])) == sorted(offline.get("requiredInputs", [])), token
        for section in ("inputProperties", "properties"):
            assert served[section].keys() == offline[section].keys(), f"{token} {section}"
            for name, prop in offline[section].items():
                assert served[section][name].get("description") == prop.get("description"), f"{token}.{name}"
                assert _shape(served[section][name]) == _shape(prop), f"{token}.{name}"
    assert cli_schema["types"].keys() == package_schema["types"].keys()
    for token, offline in package_schema["types"].items():
        served = cli_schema["types"][token]
        for name, prop in offline.get("properties", {}).items():
            assert served["properties"][name].get("description") == prop.get("description"), f"{token}.{name}"
            assert _shape(served["properties"][name]) == _shape(prop), f"{token}.{name}"
