"""The shapes every part of the gate exchanges: a resource as the engine would send it, and a finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# Re-exported: everything the gate builds marks an unknown value with the pack's own sentinel.
from trailguard_policies.values import UNKNOWN as UNKNOWN


@dataclass(frozen=True)
class ResourceOptions:
    """The resource options the engine passes to an analyzer (the Analyzer protocol's `AnalyzerResourceOptions`)."""

    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool = False
    aliases: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resource:
    """One registered resource, as `pulumi preview` would hand it to a policy pack.

    `properties` are the resource's *inputs*, camelCase, exactly as the engine serialises them; an
    unknown value (an output not yet known during preview) is the sentinel `UNKNOWN`.
    """

    urn: str
    type: str
    name: str
    properties: dict[str, Any]
    custom: bool = True
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    options: ResourceOptions = field(default_factory=ResourceOptions)
    provider_urn: str | None = None
    source: str | None = None
    """`path:line` of the user code that registered the resource, where known."""
    outputs: dict[str, Any] | None = None
    """The resource's outputs, camelCase, as the engine holds them once the step ran (unknown sentinels for what
    a preview cannot know). AnalyzeStack judges outputs; None when only the inputs are known, and then the
    analyzer sends the inputs."""
    provider_properties: dict[str, Any] | None = None
    """The inputs of the resource's provider (`region`, `defaultTags`, ...), which the engine sends along."""


class Level(StrEnum):
    """How a finding weighs on the gate's verdict."""

    MANDATORY = "mandatory"
    ADVISORY = "advisory"
    REMEDIATE = "remediate"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Finding:
    """A violation reported by the policy pack or a failed checkov check, tied back to a Pulumi resource."""

    tool: str
    """`policy` for the trailguard pack, `checkov` for checkov."""
    rule: str
    """The policy name (`cloudtrail-trail-log-file-validation`) or the checkov id (`CKV_AWS_36`)."""
    level: Level
    message: str
    urn: str | None = None
    resource_name: str | None = None
    resource_type: str | None = None
    fix: str | None = None
    url: str | None = None
    severity: str | None = None
    description: str | None = None
    """What the rule verifies, one sentence (the policy's description, the checkov check's name)."""
    source: str | None = None
    """`path:line` of the user code that registered the resource, where known."""
    suppression: str | None = None
    """The reason a committed skip gives for this finding; a suppressed finding never fails the gate."""
    config_key: str | None = None
    """The stack config key that set the value (`trailguard:trail.enableLogFileValidation`), when it came from
    stack config; `source` is then that key's line in the stack file."""
    details: dict[str, str] | None = None
    """What a reader needs beside the message, by label: a live resource's ARN, account, Region, control id."""

    @property
    def fails(self) -> bool:
        """Whether this finding alone fails the gate."""
        return self.level is Level.MANDATORY and self.suppression is None


@dataclass(frozen=True)
class TargetResult:
    """What the gate found for one target: a stack of a Pulumi project, or one audited AWS account and Region."""

    name: str
    """The stack name (`dev`) or the audited scope (`111111111111/us-east-1`)."""
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    """Set when the target could not be judged at all (bad config, program error, access denied)."""
    resources: int = 0
    """How many resources were judged."""
    location: str | None = None
    """The file a finding is reported against when it has no better place: the stack's config file."""
    root: str | None = None
    """The directory the findings' `source` paths are relative to (the Pulumi project); None: the current one."""
    kind: str = "check"
    """`check` (a stack of a Pulumi project), `audit` (an account and Region in AWS) or `repository`."""
    notes: tuple[str, ...] = ()
    """What the reader should know about how the target was judged: assumed values, unanswered data sources,
    stack references with unknown outputs, checks that could not run. Notes never change the verdict."""

    @property
    def mandatory(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level is Level.MANDATORY)

    @property
    def failing(self) -> tuple[Finding, ...]:
        """The findings that fail the gate: mandatory and not suppressed by a committed skip."""
        return tuple(f for f in self.findings if f.fails)


def resource_to_json(resource: Resource) -> dict[str, Any]:
    """A `Resource` as plain JSON, for passing renderings between processes."""
    return {
        "urn": resource.urn,
        "type": resource.type,
        "name": resource.name,
        "properties": resource.properties,
        "custom": resource.custom,
        "parent": resource.parent,
        "dependencies": list(resource.dependencies),
        "propertyDependencies": {k: list(v) for k, v in resource.property_dependencies.items()},
        "options": {
            "protect": resource.options.protect,
            "retainOnDelete": resource.options.retain_on_delete,
            "ignoreChanges": list(resource.options.ignore_changes),
            "deleteBeforeReplace": resource.options.delete_before_replace,
            "aliases": list(resource.options.aliases),
            "additionalSecretOutputs": list(resource.options.additional_secret_outputs),
        },
        "provider": resource.provider_urn,
        "source": resource.source,
        "outputs": resource.outputs,
        "providerProperties": resource.provider_properties,
    }


def resource_from_json(data: dict[str, Any]) -> Resource:
    """The inverse of `resource_to_json`."""
    options = data.get("options") or {}
    return Resource(
        urn=data["urn"],
        type=data["type"],
        name=data["name"],
        properties=dict(data.get("properties") or {}),
        custom=bool(data.get("custom", True)),
        parent=data.get("parent"),
        dependencies=tuple(data.get("dependencies") or ()),
        property_dependencies={k: tuple(v) for k, v in (data.get("propertyDependencies") or {}).items()},
        options=ResourceOptions(
            protect=bool(options.get("protect", False)),
            retain_on_delete=bool(options.get("retainOnDelete", False)),
            ignore_changes=tuple(options.get("ignoreChanges") or ()),
            delete_before_replace=bool(options.get("deleteBeforeReplace", False)),
            aliases=tuple(options.get("aliases") or ()),
            additional_secret_outputs=tuple(options.get("additionalSecretOutputs") or ()),
        ),
        provider_urn=data.get("provider"),
        source=data.get("source"),
        outputs=data.get("outputs"),
        provider_properties=data.get("providerProperties"),
    )
