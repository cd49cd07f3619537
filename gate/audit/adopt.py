"""`trailguard adopt`: the `pulumi import --file` document that brings existing trails under Pulumi, unreplaced.

Without a stack, every live resource becomes a plain import entry (`pulumi import` then prints the code for it).
With a stack of this project (or any Pulumi Python project), the stack is rendered under mocks and each live
resource is matched to the resource the program declares for it, following the same links a trail has to its
bucket, key, log group and role: the import then uses the program's own names and component parents, so the
next `pulumi up` updates in place instead of creating twins. Where the program would give a resource another
physical name than the live one (which forces a replacement), adopt says so before anything is imported.
See https://www.pulumi.com/docs/iac/guides/migration/import/#bulk-import-operations
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trailguard_gate.audit import convert as c
from trailguard_gate.audit.collect import RegionState
from trailguard_gate.locate import ConfigKey, config_keys
from trailguard_gate.model import UNKNOWN, Resource

# The inputs whose change makes the provider replace the resource (ForceNew in the bridged Terraform provider).
REPLACING_INPUTS: dict[str, tuple[str, ...]] = {
    c.TRAIL: ("name",),
    c.BUCKET: ("bucket", "objectLockEnabled"),
    c.LOG_GROUP: ("name",),
    c.ROLE: ("name", "path"),
    c.ROLE_POLICY: ("name", "role"),
    c.ROLE_POLICY_ATTACHMENT: ("role", "policyArn"),
    c.ALIAS: ("name",),
    c.KEY: ("customerMasterKeySpec", "keyUsage", "multiRegion"),
}
STACK = "pulumi:pulumi:Stack"


class AdoptError(ValueError):
    """What was asked cannot be adopted as asked; the message says what to pass instead."""


def import_id(resource: Resource, state: RegionState) -> str | None:
    """The id `pulumi import` takes for `resource` (each type's Import section in the pulumi-aws docs); None when
    what it is made of could not be read."""
    p = resource.properties
    token = resource.type

    def known(*keys: str) -> bool:
        return all(isinstance(p.get(k), str) and p[k] != UNKNOWN for k in keys)

    if token == c.TRAIL:
        return next((t.arn for t in state.trails if t.name == p.get("name")), None)
    if (token == c.BUCKET or token in c.BUCKET_PARTS) and known("bucket"):
        return str(p["bucket"])
    if token == c.KEY:
        return next((str(k.metadata["KeyId"]) for k in state.keys.values() if c.key_name(k) == resource.name), None)
    if token in (c.ALIAS, c.LOG_GROUP, c.ROLE) and known("name"):
        return str(p["name"])
    if token == c.ROLE_POLICY and known("role", "name"):
        return f"{p['role']}:{p['name']}"
    if token == c.ROLE_POLICY_ATTACHMENT and known("role", "policyArn"):
        return f"{p['role']}/{p['policyArn']}"
    return None


@dataclass
class Plan:
    """The import document, and what a person must know before running it."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {"resources": self.entries}

    def text(self) -> str:
        return json.dumps(self.document(), indent=2) + "\n"


def select(resources: Sequence[Resource], state: RegionState, trails: Sequence[str]) -> list[Resource]:
    """The live resources of the chosen trails (names or ARNs; all when empty), and everything they link to."""
    live_trails = {t.name: t for t in state.trails}
    if not live_trails:
        raise AdoptError(
            f"account {state.account_id} has no trail homed in {state.region}; pass the trail's home Region with "
            "--region (trailguard audit lists every trail and its Region)"
        )
    wanted: set[str] = set()
    for asked in trails:
        name = asked.rsplit("/", 1)[-1] if asked.startswith("arn:") else asked
        if name not in live_trails:
            raise AdoptError(
                f"--trail {asked}: no trail of account {state.account_id} homed in {state.region} has that name; "
                f"the trails are: {', '.join(sorted(live_trails))}"
            )
        wanted.add(name)
    chosen = {r.urn for r in resources if r.type == c.TRAIL and (not wanted or r.properties.get("name") in wanted)}
    return _closure(resources, chosen)


OWNER_LINKS = ("bucket", "role", "targetKeyId")
"""The inputs by which a resource configures another (a bucket's policy, a role's policy, a key's alias)."""


def _closure(resources: Sequence[Resource], roots: set[str]) -> list[Resource]:
    """`roots`, everything they depend on, and everything that configures something kept."""
    keep = set(roots)
    changed = True
    while changed:
        before = len(keep)
        for r in resources:
            if r.urn in keep:
                keep.update(r.dependencies)
            elif any(keep.intersection(r.property_dependencies.get(link, ())) for link in OWNER_LINKS):
                keep.add(r.urn)
        changed = len(keep) != before
    return [r for r in resources if r.urn in keep]


def plain_plan(live: Sequence[Resource], state: RegionState) -> Plan:
    """Every live resource as its own import entry, named as the audit names it."""
    plan = Plan()
    taken: set[str] = set()
    for r in live:
        physical_id = import_id(r, state)
        if physical_id is None:
            plan.notes.append(_unreadable(r))
            continue
        plan.entries.append({"type": r.type, "name": _unique(r.name, r.type, taken), "id": physical_id})
    plan.notes.append(
        "pulumi import prints a program for these resources; add it to your program to manage them "
        "(they are protected by default). Pass --stack to import them into this project's components instead."
    )
    return plan


def _unreadable(resource: Resource) -> str:
    return (
        f"{resource.type} {resource.name!r} is left out: what identifies it could not be read (see the warnings above)"
    )


def _unique(name: str, token: str, taken: set[str]) -> str:
    """Import entries are referred to by name: two resources of different types may share one."""
    if name in taken:
        name = f"{name}-{token.rsplit(':', 1)[-1].lower()}"
    counter = 2
    base = name
    while name in taken:
        name = f"{base}-{counter}"
        counter += 1
    taken.add(name)
    return name


def stack_plan(
    live: Sequence[Resource],
    rendered: Sequence[Resource],
    state: RegionState,
    stack: str,
    stack_file: Path | None = None,
) -> Plan:
    """Import entries named and parented as `rendered` (a stack of the program under mocks) declares them; the
    warnings name the stack config key to change, the notes what the next `pulumi up` would change."""
    pairs = match(live, rendered)
    plan = Plan()
    written = config_keys(stack_file) if stack_file is not None else []
    shown = _shown(stack_file) if stack_file is not None else "the stack file"
    if not any(r.type == c.TRAIL for r in pairs.values()):
        program_trails = [r.name for r in rendered if r.type == c.TRAIL]
        raise AdoptError(
            f"stack {stack!r} declares no trail to adopt the live one into"
            if not program_trails
            else f"stack {stack!r} declares trails {program_trails}, none of which matches the chosen live trail"
        )
    by_urn = {r.urn: r for r in rendered}
    keys: dict[str, str] = {}
    taken: set[str] = set()

    def key_of(target_urn: str) -> str | None:
        """The import-file name of `target_urn`, adding its component ancestors first."""
        target = by_urn.get(target_urn)
        if target is None or target.type == STACK:
            return None
        if target_urn in keys:
            return keys[target_urn]
        parent = key_of(target.parent) if target.parent else None
        name = _unique(target.name, target.type, taken)
        keys[target_urn] = name
        entry: dict[str, Any] = {"type": target.type, "name": name}
        if name != target.name:
            entry["logicalName"] = target.name
        if parent:
            entry["parent"] = parent
        if target_urn in pairs:
            entry["id"] = import_id(pairs[target_urn], state)
        else:
            entry["component"] = True
        plan.entries.append(entry)
        return name

    for rendered_urn, live_resource in list(pairs.items()):
        if import_id(live_resource, state) is None:
            plan.notes.append(_unreadable(live_resource))
            del pairs[rendered_urn]
    for trail in (r for r in pairs.values() if r.type == c.TRAIL):
        arn = next((t.arn for t in state.trails if t.name == trail.properties.get("name")), trail.name)
        plan.notes.append(
            f"adopting the live trail {trail.properties.get('name', trail.name)!r} ({arn}) of account "
            f"{state.account_id}, homed in {state.region}, into stack {stack!r}"
        )
    for rendered_urn, live_resource in pairs.items():
        key_of(rendered_urn)
        plan.warnings.extend(replacements(by_urn[rendered_urn], live_resource, written, shown))
        plan.notes.extend(updates(by_urn[rendered_urn], live_resource))
    matched_live = {r.urn for r in pairs.values()}
    for r in live:
        if r.urn not in matched_live:
            plan.notes.append(
                f"{r.type} {r.name!r} exists but stack {stack!r} declares nothing for it: not imported "
                "(it stays as it is, unmanaged)"
            )
    for r in rendered:
        if r.custom and r.urn not in pairs and _near(r, pairs, by_urn):
            plan.notes.append(f"{r.type} {r.name!r} has no live counterpart: pulumi up will create it")
    return plan


def _shown(path: Path) -> str:
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _near(resource: Resource, pairs: Mapping[str, Resource], by_urn: Mapping[str, Resource]) -> bool:
    """Whether `resource` is in the same top-level component as an adopted resource: its creation is this trail's."""
    tops = {_top(u, by_urn) for u in pairs}
    return _top(resource.urn, by_urn) in tops


def _top(urn: str, by_urn: Mapping[str, Resource]) -> str:
    """The outermost ancestor of `urn` below the stack."""
    current = by_urn[urn]
    while current.parent and current.parent in by_urn and by_urn[current.parent].type != STACK:
        current = by_urn[current.parent]
    return current.urn


def replacements(
    declared: Resource, live: Resource, keys: Sequence[ConfigKey] = (), stack_file: str = "the stack file"
) -> list[str]:
    """Where the program would give an adopted resource another value of an input that forces replacement, and the
    stack config key that set it, where one did."""
    out = []
    for key in REPLACING_INPUTS.get(declared.type, ()):
        if declared.property_dependencies.get(key):
            # Another resource's output (a role's name for its policy): judged on that resource, not here.
            continue
        want = declared.properties.get(key)
        have = live.properties.get(key)
        if want is None or have is None or UNKNOWN in (want, have) or _same(want, have):
            continue
        origin = [k for k in keys if k.value is not None and str(k.value) == str(want)]
        where = (
            f"set `{origin[0].path}` ({stack_file} line {origin[0].line}) to {have!r}"
            if len(origin) == 1
            else f"change the stack's config to {have!r}"
        )
        out.append(
            f"{declared.type} {declared.name!r}: the program sets {key} = {want!r} but the live resource has "
            f"{have!r}; {where} before `pulumi up`, or it will be replaced"
        )
    return out


_NOT_COMPARED = frozenset({"tagsAll", "region", "forceDestroy"})
"""Inputs a live resource does not show, or that only a provider holds: comparing them would report noise."""


def updates(declared: Resource, live: Resource) -> list[str]:
    """What the next `pulumi up` would change in place on an adopted resource: each input the program sets to
    another value than the live one has (inputs that replace are warnings instead)."""
    changes = []
    replacing = set(REPLACING_INPUTS.get(declared.type, ()))
    for key, want in sorted(declared.properties.items()):
        if key in replacing or key in _NOT_COMPARED or key.startswith("__") or declared.property_dependencies.get(key):
            continue
        have = live.properties.get(key)
        if want is None or UNKNOWN in (want, have) or _equal(want, have):
            continue
        shown = [repr(v) if v is not None else "unset" for v in (have, want)]
        if isinstance(want, (dict, list)) or isinstance(have, (dict, list)) or max(map(len, shown)) > 60:
            changes.append(f"{key} (differs)")
        else:
            changes.append(f"{key} {shown[0]} -> {shown[1]}")
    if not changes:
        return []
    return [f"pulumi up will update {declared.type} {declared.name!r} in place: {'; '.join(changes)}"]


def _equal(want: Any, have: Any) -> bool:
    """Equal as the provider compares them: JSON documents by content, scalars by value."""
    if isinstance(want, str) and isinstance(have, str) and want.lstrip().startswith(("{", "[")):
        try:
            return bool(json.loads(want) == json.loads(have))
        except ValueError:
            return want == have
    return bool(want == have)


def _same(want: Any, have: Any) -> bool:
    return bool(want == have or str(want) == str(have))


def match(live: Sequence[Resource], rendered: Sequence[Resource]) -> dict[str, Resource]:
    """Rendered URN -> the live resource it declares, found by following both graphs' links from the trails."""
    pairs: dict[str, Resource] = {}
    live_by_urn = {r.urn: r for r in live}
    rendered_by_urn = {r.urn: r for r in rendered}

    def pair(declared: Resource, found: Resource) -> None:
        if declared.urn in pairs or found.urn in {r.urn for r in pairs.values()}:
            return
        pairs[declared.urn] = found
        for prop in (
            "s3BucketName",
            "kmsKeyId",
            "cloudWatchLogsGroupArn",
            "cloudWatchLogsRoleArn",
            "targetBucket",
            "rules",
        ):
            follow(declared, found, prop)
        for owner_prop in ("bucket", "role", "targetKeyId"):
            children(declared, found, owner_prop)

    def follow(declared: Resource, found: Resource, prop: str) -> None:
        ours = [rendered_by_urn[u] for u in declared.property_dependencies.get(prop, ()) if u in rendered_by_urn]
        theirs = [live_by_urn[u] for u in found.property_dependencies.get(prop, ()) if u in live_by_urn]
        for declared_dep, found_dep in _pairs_by_type(ours, theirs):
            pair(declared_dep, found_dep)

    def children(declared: Resource, found: Resource, owner_prop: str) -> None:
        ours = [r for r in rendered if declared.urn in r.property_dependencies.get(owner_prop, ())]
        theirs = [r for r in live if found.urn in r.property_dependencies.get(owner_prop, ())]
        for declared_child, found_child in _pairs_by_type(ours, theirs):
            pair(declared_child, found_child)

    declared_trails = [r for r in rendered if r.type == c.TRAIL]
    live_trails = [r for r in live if r.type == c.TRAIL]
    for declared, found in _pairs_by_type(declared_trails, live_trails):
        pair(declared, found)
    return pairs


def _pairs_by_type(ours: Iterable[Resource], theirs: Iterable[Resource]) -> list[tuple[Resource, Resource]]:
    """Pair resources of the same type: the only one of each, else those with the same `name`/`bucket` input."""
    out = []
    theirs = list(theirs)
    ours = list(ours)
    for token in dict.fromkeys(r.type for r in ours):
        a = [r for r in ours if r.type == token]
        b = [r for r in theirs if r.type == token]
        if len(a) == 1 and len(b) == 1:
            out.append((a[0], b[0]))
            continue
        for declared in a:
            same = [r for r in b if _identity(r) is not None and _identity(r) == _identity(declared)]
            if len(same) == 1:
                out.append((declared, same[0]))
    return out


def _identity(resource: Resource) -> Any:
    for key in ("name", "bucket", "policyArn"):
        value = resource.properties.get(key)
        if value is not None and value != UNKNOWN:
            return value
    return None
