"""examples/yaml-consumer: every resource type and property the YAML program uses exists in the inferred schema."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml


@pytest.fixture(scope="module")
def program(repo_root: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((repo_root / "examples" / "yaml-consumer" / "Pulumi.yaml").read_text(encoding="utf-8")))


def unknown_properties(
    values: dict[str, Any], properties: dict[str, Any], schema: dict[str, Any], at: str
) -> Iterator[str]:
    """Where `values` name a property the schema does not have, down through object types."""
    for key, value in values.items():
        if key not in properties:
            yield f"{at}.{key}"
            continue
        ref = properties[key].get("$ref", "")
        if isinstance(value, dict) and ref.startswith("#/types/"):
            nested = schema["types"][ref.removeprefix("#/types/")]["properties"]
            yield from unknown_properties(value, nested, schema, f"{at}.{key}")


def trailguard_resources(program: dict[str, Any]) -> dict[str, Any]:
    return {k: r for k, r in program["resources"].items() if r["type"].startswith("trailguard:")}


def test_the_program_adds_the_package_from_git(program: dict[str, Any]) -> None:
    assert program["runtime"] == "yaml"
    assert program["packages"] == {"trailguard": "https://github.com/trailguard/trailguard.git/provider"}


def test_every_resource_type_is_a_component_of_the_package(
    program: dict[str, Any], package_schema: dict[str, Any]
) -> None:
    used = {r["type"] for r in trailguard_resources(program).values()}
    assert used == {"trailguard:index:LogArchive", "trailguard:index:OrganizationTrail"}
    assert used <= set(package_schema["resources"])


def test_every_property_exists_in_the_inferred_schema(program: dict[str, Any], package_schema: dict[str, Any]) -> None:
    for name, resource in trailguard_resources(program).items():
        inputs = package_schema["resources"][resource["type"]]["inputProperties"]
        assert list(unknown_properties(resource["properties"], inputs, package_schema, name)) == []


def test_every_required_input_is_given(program: dict[str, Any], package_schema: dict[str, Any]) -> None:
    for name, resource in trailguard_resources(program).items():
        required = set(package_schema["resources"][resource["type"]]["requiredInputs"])
        assert required <= set(resource["properties"]), name


def test_every_output_the_program_reads_exists(program: dict[str, Any], package_schema: dict[str, Any]) -> None:
    types = {name: r["type"] for name, r in trailguard_resources(program).items()}
    references = [v.strip("${}") for v in program["outputs"].values()]
    for resource in program["resources"].values():
        references += [v.strip("${}") for v in resource["properties"].values() if isinstance(v, str) and "." in v]
    for reference in references:
        resource_name, output = reference.split(".", 1)
        assert output in package_schema["resources"][types[resource_name]]["properties"], reference


def test_the_checker_catches_a_misspelt_property(package_schema: dict[str, Any]) -> None:
    inputs = package_schema["resources"]["trailguard:index:OrganizationTrail"]["inputProperties"]
    given = {"name": "t", "isMultiRegion": True, "managementEvents": {"readWrite": "All"}}
    assert list(unknown_properties(given, inputs, package_schema, "organization")) == [
        "organization.isMultiRegion",
        "organization.managementEvents.readWrite",
    ]
