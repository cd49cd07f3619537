"""The multi-language package schema, inferred offline the way `pulumi package add` infers it from provider/.

Per-field docstrings, defaults and required inputs are tested on the analyzer's view in
tests/components/test_component_schema.py; this file tests the generated schema and the plugin's entry point.
"""

import inspect
import runpy
from pathlib import Path
from typing import Any

import pulumi

import trailguard

PROVIDER = Path(__file__).resolve().parents[2] / "provider"


def exported_components() -> list[type[pulumi.ComponentResource]]:
    return [
        obj
        for name in trailguard.__all__
        if inspect.isclass(obj := getattr(trailguard, name)) and issubclass(obj, pulumi.ComponentResource)
    ]


def test_every_exported_component_is_hosted() -> None:
    assert trailguard.components() == exported_components()
    assert {c.__name__ for c in exported_components()} >= {
        "OrganizationTrail",
        "TrailBucket",
        "TrailKey",
        "TrailLogGroup",
    }


def test_schema_has_every_component_as_a_described_component_resource(package_schema: dict[str, Any]) -> None:
    resources = package_schema["resources"]
    assert set(resources) == {f"trailguard:index:{c.__name__}" for c in exported_components()}
    for token, resource in resources.items():
        assert resource["isComponent"] is True, token
        assert resource.get("description"), f"{token} has no description"
        assert resource["inputProperties"], f"{token} has no inputs"
        assert resource["properties"], f"{token} has no outputs"


def test_nested_argument_types_are_described(package_schema: dict[str, Any]) -> None:
    for token, typ in package_schema["types"].items():
        undocumented = sorted(k for k, v in typ.get("properties", {}).items() if not v.get("description"))
        assert not undocumented, f"{token} properties without a description: {undocumented}"


def test_plugin_manifest_and_entry_point() -> None:
    manifest = (PROVIDER / "PulumiPlugin.yaml").read_text()
    assert "runtime: python" in manifest
    # Importing the entry point must not start a server: it only hosts under `__main__`.
    namespace = runpy.run_path(str(PROVIDER / "__main__.py"), run_name="trailguard_provider")
    assert namespace["component_provider_host"].__module__.startswith("pulumi.provider.experimental")
