"""Every component stays consumable from other languages: Pulumi's component analyzer infers a full schema."""

from __future__ import annotations

import typing

import pulumi
import pytest
from pulumi.provider.experimental.analyzer import Analyzer

import trailguard
from trailguard import bucket, key, log_archive, log_group, trail
from trailguard._support import documented_defaults

COMPONENTS: list[type[pulumi.ComponentResource]] = trailguard.components()
"""Every exported component, as the component provider hosts them: a new one is checked without editing this file."""


@pytest.fixture(scope="module")
def schema() -> typing.Any:
    return Analyzer("trailguard").analyze(COMPONENTS)


def test_every_component_and_args_type_is_exported() -> None:
    assert trailguard.__all__ == sorted(trailguard.__all__)
    for component in COMPONENTS:
        assert component.__name__ in trailguard.__all__
        assert f"{component.__name__}Args" in trailguard.__all__


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_inputs_and_outputs_are_described(schema: typing.Any, component: type[pulumi.ComponentResource]) -> None:
    definition = schema["component_definitions"][component.__name__]
    assert definition.description
    assert definition.inputs and definition.outputs
    for name, prop in {**definition.inputs, **definition.outputs}.items():
        assert prop.description, f"{component.__name__}.{name} has no docstring"
    args = typing.get_type_hints(component.__init__)["args"]
    required = {name for name in args.__required_keys__}
    assert {definition.inputs_mapping[k] for k, p in definition.inputs.items() if not p.optional} == required


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_every_input_docstring_states_its_default_unless_required(
    schema: typing.Any, component: type[pulumi.ComponentResource]
) -> None:
    definition = schema["component_definitions"][component.__name__]
    for name, prop in definition.inputs.items():
        if prop.optional:
            assert "Default" in prop.description, f"{component.__name__}.{name}: {prop.description!r}"


def test_nested_argument_types_are_part_of_the_schema(schema: typing.Any) -> None:
    # Every exported *Args type that is not a component's own arguments is a nested type other languages see.
    nested = {name for name in trailguard.__all__ if name.endswith("Args")} - {f"{c.__name__}Args" for c in COMPONENTS}
    assert len(nested) >= 7
    assert sorted(schema["type_definitions"]) == sorted(nested)


@pytest.mark.parametrize(
    ("parent", "arg", "child", "child_arg"),
    [
        (trail.OrganizationTrailArgs, "log_group_retention_in_days", log_group.TrailLogGroupArgs, "retention_in_days"),
        (
            trail.OrganizationTrailArgs,
            "monitoring_key_deletion_window_in_days",
            key.TrailKeyArgs,
            "deletion_window_in_days",
        ),
        (log_archive.LogArchiveArgs, "kms_key_deletion_window_in_days", key.TrailKeyArgs, "deletion_window_in_days"),
        (log_archive.LogArchiveArgs, "transition_days", bucket.TrailBucketArgs, "transition_days"),
    ],
    ids=lambda v: v if isinstance(v, str) else v.__name__,
)
def test_a_default_a_component_passes_on_is_the_childs(parent: type, arg: str, child: type, child_arg: str) -> None:
    assert documented_defaults(parent)[arg] == documented_defaults(child)[child_arg]
