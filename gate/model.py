"""The shapes every part of the gate exchanges: a resource as the engine would send it, and a finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


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


UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's sentinel for a value that is not known until update (pulumi.runtime.rpc.UNKNOWN)."""


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

    @property
    def mandatory(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.level is Level.MANDATORY)
