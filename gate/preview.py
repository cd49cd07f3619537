"""Read what the Pulumi CLI printed, in any language: `pulumi preview --json` and `pulumi stack export`.

`pulumi preview --json` prints a PreviewDigest (pulumi/pulumi `pkg/display/json.go`): `steps[]`, each with `op`,
`urn` and `newState`/`oldState` as `apitype.ResourceV3` (camelCase `inputs`/`outputs`, `custom`, `parent`,
`provider` as `<provider urn>::<id>`, `dependencies`, `propertyDependencies`, `protect`, ...), secrets written as
the string `[secret]`, values unknown until update as the engine's UNKNOWN sentinel, and unchanged resources left
out unless `--show-sames`. `pulumi stack export` prints a v3 deployment (`{"version": 3, "deployment":
{"resources": [ResourceV3, ...]}}`), secrets as `{sig: secret, ciphertext | plaintext}`. Both become the same
`StackRendering` a Python program's render gives, so the pack and checkov judge them the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trailguard_gate.model import Resource, ResourceOptions
from trailguard_gate.render import SECRET_PLACEHOLDER, StackRendering
from trailguard_policies.values import SECRET_SIG, SIG_KEY

# Steps after which the resource is gone from the stack: the gate judges what the stack will be.
GONE_OPS = frozenset({"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"})
# The replacement's steps: `create-replacement` holds the new state, `replace` and `delete-replaced` the old one.
ROOT_TYPE = "pulumi:pulumi:Stack"


class PulumiJSONError(ValueError):
    """The file is not what `pulumi preview --json` or `pulumi stack export` prints; the message says what is."""


def _read(path: Path, option: str, example: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise PulumiJSONError(f"{option} {path}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise PulumiJSONError(f"{option} {path}: not JSON ({exc}); write it with {example}") from None


def _unsecret(value: Any) -> Any:
    """A serialized property value with secrets opened where the export holds their plaintext, else `[secret]`."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            if "plaintext" in value:
                try:
                    return _unsecret(json.loads(value["plaintext"]))
                except (TypeError, ValueError):
                    return value["plaintext"]
            return SECRET_PLACEHOLDER
        return {k: _unsecret(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unsecret(v) for v in value]
    return value


def _source(state: Mapping[str, Any]) -> str | None:
    """`sourcePosition` (`project:///index.ts#12,5` or `file:///...#12`) as `path:line`."""
    position = state.get("sourcePosition")
    if not isinstance(position, str) or "#" not in position:
        return None
    uri, _, fragment = position.partition("#")
    line = fragment.split(",")[0]
    # `project://` paths are relative to the project directory; `file://` ones are absolute.
    path = uri.removeprefix("project://").lstrip("/") if uri.startswith("project:") else uri.removeprefix("file://")
    return f"{path}:{line}" if line.isdigit() else None


def resource_from_state(state: Mapping[str, Any], providers: Mapping[str, Resource]) -> Resource:
    """One `apitype.ResourceV3` as the `Resource` the engine would hand an analyzer."""
    urn = str(state["urn"])
    provider = state.get("provider")
    provider_urn = str(provider).rsplit("::", 1)[0] if provider else None
    outputs = state.get("outputs")
    known_provider = providers.get(provider_urn or "")
    return Resource(
        urn=urn,
        type=str(state.get("type") or urn.split("::")[2].split("$")[-1]),
        name=urn.rsplit("::", 1)[-1],
        properties=_unsecret(dict(state.get("inputs") or {})),
        custom=bool(state.get("custom", False)),
        parent=state.get("parent") or None,
        dependencies=tuple(sorted(state.get("dependencies") or ())),
        property_dependencies={k: tuple(sorted(v or ())) for k, v in (state.get("propertyDependencies") or {}).items()},
        options=ResourceOptions(
            protect=bool(state.get("protect", False)),
            retain_on_delete=bool(state.get("retainOnDelete", False)),
            ignore_changes=tuple(state.get("ignoreChanges") or ()),
            delete_before_replace=bool(state.get("deleteBeforeReplace", False)),
            aliases=tuple(a for a in state.get("aliases") or () if isinstance(a, str)),
            additional_secret_outputs=tuple(state.get("additionalSecretOutputs") or ()),
        ),
        provider_urn=provider_urn,
        source=_source(state),
        outputs=_unsecret(dict(outputs)) if outputs else None,
        provider_properties=dict(known_provider.properties) if known_provider else None,
    )


def _stack_of(urn: str) -> tuple[str, str]:
    """(stack, project) from `urn:pulumi:<stack>::<project>::...`."""
    parts = urn.removeprefix("urn:pulumi:").split("::")
    return (parts[0], parts[1]) if len(parts) >= 2 else ("stack", "project")


def _rendering(
    path: Path, states: Sequence[Mapping[str, Any]], notes: list[str], config: dict[str, str]
) -> StackRendering:
    providers: dict[str, Resource] = {}
    resources: list[Resource] = []
    for state in states:
        if not isinstance(state, Mapping) or not isinstance(state.get("urn"), str):
            continue
        resource = resource_from_state(state, providers)
        if resource.type == ROOT_TYPE:
            continue
        if resource.type.startswith("pulumi:providers:"):
            providers[resource.urn] = resource
        resources.append(resource)
    stack, project = _stack_of(resources[0].urn) if resources else (path.stem, "")
    return StackRendering(
        stack=stack,
        config_file=path,
        resources=tuple(resources),
        notes=tuple(notes),
        project=project,
        wire_config=config,
    )


def _is_export(document: Any) -> bool:
    return isinstance(document, dict) and "deployment" in document


def load_preview(path: Path) -> StackRendering:
    """The stack a `pulumi preview --json` digest says will exist: deleted resources left out, replaced ones new."""
    document = _read(path, "--preview-json", "pulumi preview --json > preview.json")
    steps = document.get("steps") if isinstance(document, dict) else None
    if not isinstance(steps, list):
        raise PulumiJSONError(
            f"--preview-json {path}: no 'steps' list; expected what pulumi preview --json prints "
            '({"steps": [{"op": "create", "urn": ..., "newState": {...}}], ...})'
            + ("; this is a stack export: pass it with --state" if _is_export(document) else "")
        )
    final: dict[str, Mapping[str, Any]] = {}
    gone: set[str] = set()
    for step in steps:
        if not isinstance(step, dict) or not isinstance(step.get("urn"), str):
            continue
        op, urn = str(step.get("op", "")), step["urn"]
        if op in GONE_OPS:
            gone.add(urn)
            continue
        state = step.get("newState")
        # A replacement's `create-replacement` step carries the new state, whatever order the steps come in.
        if isinstance(state, dict) and (op == "create-replacement" or urn not in final):
            final[urn] = state
    notes = []
    summary = document.get("changeSummary") or {}
    sames = summary.get("same", 0) if isinstance(summary, dict) else 0
    shown_sames = sum(1 for s in steps if isinstance(s, dict) and s.get("op") == "same")
    if isinstance(sames, int) and sames > shown_sames:
        notes.append(
            f"{sames - shown_sames} unchanged resource(s) are not in the preview JSON, so only what changes is "
            "judged; run pulumi preview --json --show-sames to judge the whole stack"
        )
    deleted = sorted(urn.rsplit("::", 1)[-1] for urn in gone - final.keys())
    if deleted:
        notes.append(f"not judged, as the preview deletes them: {', '.join(deleted)}")
    config = document.get("config") if isinstance(document.get("config"), dict) else {}
    wire = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()}
    return _rendering(path, list(final.values()), notes, wire)


def load_state(path: Path) -> StackRendering:
    """The resources a `pulumi stack export` (version 3) holds; those pending deletion are left out."""
    document = _read(path, "--state", "pulumi stack export > state.json")
    if isinstance(document, dict) and "steps" in document:
        raise PulumiJSONError(f"--state {path}: this is a pulumi preview --json digest; pass it with --preview-json")
    deployment = document.get("deployment") if isinstance(document, dict) else None
    if not isinstance(deployment, dict):
        raise PulumiJSONError(
            f"--state {path}: no 'deployment'; expected what pulumi stack export prints "
            '({"version": 3, "deployment": {"resources": [...]}})'
        )
    version = document.get("version")
    if version != 3:
        raise PulumiJSONError(f"--state {path}: deployment version {version!r}; the gate reads version 3 exports")
    states = [r for r in deployment.get("resources") or [] if isinstance(r, dict) and not r.get("delete")]
    pending = [r for r in deployment.get("resources") or [] if isinstance(r, dict) and r.get("delete")]
    notes = [f"{len(pending)} resource(s) pending deletion are not judged"] if pending else []
    return _rendering(path, states, notes, {})
