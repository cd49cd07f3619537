"""A stack's state as `pulumi stack export` writes it (a version-3 deployment), built from the gate's rendering.

The gate renders a stack under mocks (`trailguard_gate.render`); this adds what the engine itself would have
registered around it, the root `pulumi:pulumi:Stack` and the default `aws` provider, points every AWS resource at
that provider, and writes each resource with its inputs, outputs, parent, dependencies, property dependencies,
`protect` and `retainOnDelete` in the state's own field names (pulumi/pulumi `sdk/go/common/apitype/core.go`,
`DeploymentV3` and `ResourceV3`). The resources the state holds are also returned as the gate's `Resource`s, so
the gate's Analyzer client can be handed exactly what the CLI reads from the state.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

from trailguard_gate.model import Resource
from trailguard_gate.render import Project, StackRendering, stack_config

REPO = Path(__file__).resolve().parents[2]
STACK_TYPE = "pulumi:pulumi:Stack"
AWS_PROVIDER_TYPE = "pulumi:providers:aws"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
PULUMI_PROVIDER_TYPE = "pulumi:providers:pulumi"

TARGET_PROJECTS = (
    REPO,
    REPO / "examples" / "python-consumer",
    REPO / "examples" / "lake",
    REPO / "examples" / "delegated-admin",
)
"""The Pulumi Python projects whose stacks the engine tests import: the repository's own and the Python examples
(examples/yaml-consumer is a YAML program, which the gate does not render)."""
TARGETS = (
    "trailguard/dev",
    "trailguard/log-archive",
    "trailguard/management",
    "org-audit/management",
    "trailguard-lake/security",
    "trailguard-delegated-admin/management",
)
"""`project/stack` of every stack of `TARGET_PROJECTS`."""


def target_id(project: Project, stack: str) -> str:
    return f"{project.name}/{stack}"


@dataclass(frozen=True)
class StackState:
    """The deployment to `pulumi stack import`, and the resources in it as the gate models them."""

    stack: str
    project: str
    deployment: dict[str, Any]
    resources: tuple[Resource, ...]
    """Every resource of the state, in its order: the root stack, the default provider, then the rendered ones."""

    def resource(self, urn: str) -> Resource:
        return next(r for r in self.resources if r.urn == urn)

    def text(self) -> str:
        return json.dumps(self.deployment, indent=2, sort_keys=True)


def _wire(value: Any) -> str:
    """A config value as the engine hands it to a provider: strings as they are, anything else JSON-encoded."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _provider_id(urn: str) -> str:
    return str(uuid.UUID(hashlib.sha256(urn.encode()).hexdigest()[:32]))


def _state_resource(resource: Resource, provider_ref: str | None, resource_id: str | None) -> dict[str, Any]:
    options = resource.options
    entry: dict[str, Any] = {"urn": resource.urn, "custom": resource.custom, "type": resource.type}
    if resource_id:
        entry["id"] = resource_id
    if resource.properties:
        entry["inputs"] = resource.properties
    outputs = resource.outputs if resource.outputs is not None else resource.properties
    if outputs:
        entry["outputs"] = outputs
    if resource.parent:
        entry["parent"] = resource.parent
    if options.protect:
        entry["protect"] = True
    if resource.dependencies:
        entry["dependencies"] = list(resource.dependencies)
    if provider_ref:
        entry["provider"] = provider_ref
    dependencies = {k: list(v) for k, v in resource.property_dependencies.items() if v}
    if dependencies:
        entry["propertyDependencies"] = dependencies
    if options.additional_secret_outputs:
        entry["additionalSecretOutputs"] = list(options.additional_secret_outputs)
    if options.ignore_changes:
        entry["ignoreChanges"] = list(options.ignore_changes)
    if options.retain_on_delete:
        entry["retainOnDelete"] = True
    if resource.type == STACK_REFERENCE_TYPE:
        entry["external"] = True  # read, not created: the engine never updates or deletes it
    return entry


def _resource_id(resource: Resource) -> str:
    """The physical id a custom resource's state holds (never sent to a policy pack): the mocks' id or name."""
    outputs = resource.outputs or {}
    for key in ("id", "arn", "name", "bucket"):
        value = outputs.get(key)
        if isinstance(value, str) and value:
            return value
    return resource.name


def build_state(
    project: Project,
    rendering: StackRendering,
    *,
    cli_version: str,
    referenced_outputs: Mapping[str, Mapping[str, Any]] | None = None,
) -> StackState:
    """The state a `pulumi up` of this rendering would leave (with the mocks' outputs as the resources' outputs).

    A `pulumi.StackReference` is read, not registered, so the rendering holds only the resources that depend on
    it: the state gets the reference itself (with the referenced stack's outputs, from `referenced_outputs` by
    stack name) and the default `pulumi` provider that reads it, as the engine records them.
    """
    assert rendering.error is None, rendering.error
    stack, name = rendering.stack, project.name
    stack_urn = f"urn:pulumi:{stack}::{name}::{STACK_TYPE}::{name}-{stack}"
    aws_version = version("pulumi-aws")
    provider_urn = f"urn:pulumi:{stack}::{name}::{AWS_PROVIDER_TYPE}::default_{aws_version.replace('.', '_')}"
    provider_id = _provider_id(provider_urn)
    config = stack_config(project, stack).values
    provider_inputs = {k.split(":", 1)[1]: _wire(v) for k, v in sorted(config.items()) if k.startswith("aws:")}
    provider_inputs["version"] = aws_version

    root = Resource(
        urn=stack_urn, type=STACK_TYPE, name=f"{name}-{stack}", properties={}, custom=False, outputs=rendering.outputs
    )
    provider = Resource(
        urn=provider_urn,
        type=AWS_PROVIDER_TYPE,
        name=provider_urn.rsplit("::", 1)[1],
        properties=provider_inputs,
        outputs=provider_inputs,
    )
    resources: list[Resource] = [root, provider]
    entries = [_state_resource(root, None, None), _state_resource(provider, None, provider_id)]
    references = _stack_references(rendering, stack_urn, referenced_outputs or {})
    if references:
        pulumi_urn = f"urn:pulumi:{stack}::{name}::{PULUMI_PROVIDER_TYPE}::default"
        pulumi_id = _provider_id(pulumi_urn)
        pulumi_provider = Resource(urn=pulumi_urn, type=PULUMI_PROVIDER_TYPE, name="default", properties={})
        resources.append(pulumi_provider)
        entries.append(_state_resource(pulumi_provider, None, pulumi_id))
        for reference in references:
            reference = replace(reference, provider_urn=pulumi_urn, provider_properties={})
            resources.append(reference)
            entries.append(_state_resource(reference, f"{pulumi_urn}::{pulumi_id}", reference.name))
    for resource in rendering.resources:
        is_aws = resource.custom and resource.type.startswith("aws:")
        if is_aws and resource.provider_urn is None:
            resource = replace(resource, provider_urn=provider_urn, provider_properties=provider_inputs)
        provider_ref = None
        if resource.custom and resource.provider_urn == provider_urn:
            provider_ref = f"{provider_urn}::{provider_id}"
        resources.append(resource)
        entries.append(_state_resource(resource, provider_ref, _resource_id(resource) if resource.custom else None))
    deployment = {
        "version": 3,
        "deployment": {
            "manifest": {
                "time": "2026-01-01T00:00:00Z",
                "magic": hashlib.sha256(cli_version.encode()).hexdigest(),
                "version": cli_version,
            },
            "resources": entries,
        },
    }
    return StackState(stack=stack, project=name, deployment=deployment, resources=tuple(resources))


def _stack_references(
    rendering: StackRendering, stack_urn: str, referenced_outputs: Mapping[str, Mapping[str, Any]]
) -> list[Resource]:
    registered = {r.urn for r in rendering.resources}
    wanted = [
        urn
        for r in rendering.resources
        for urn in (*r.dependencies, *(u for urns in r.property_dependencies.values() for u in urns))
        if urn not in registered and urn.split("::")[2] == STACK_REFERENCE_TYPE
    ]
    references = []
    for urn in dict.fromkeys(wanted):
        name = urn.rsplit("::", 1)[1]
        outputs = dict(referenced_outputs.get(name.rsplit("/", 1)[-1], {}))
        references.append(
            Resource(
                urn=urn,
                type=STACK_REFERENCE_TYPE,
                name=name,
                properties={"name": name},
                parent=stack_urn,
                outputs={"name": name, "outputs": outputs, "secretOutputNames": []},
            )
        )
    return references


def with_options(state: StackState, urn: str, **changes: Any) -> StackState:
    """The same state with one resource's options changed (`protect=False`, ...): a broken stack to import."""
    resources = tuple(replace(r, options=replace(r.options, **changes)) if r.urn == urn else r for r in state.resources)
    deployment = json.loads(json.dumps(state.deployment))
    for entry in deployment["deployment"]["resources"]:
        if entry["urn"] == urn:
            for key, value in changes.items():
                field = {"protect": "protect", "retain_on_delete": "retainOnDelete"}[key]
                if value:
                    entry[field] = value
                else:
                    entry.pop(field, None)
    return replace(state, deployment=deployment, resources=resources)
