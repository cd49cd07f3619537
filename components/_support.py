"""Small helpers every component shares: child resource options, log-store protection, input checks."""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi

from trailguard.validation import InvalidValue

_STATED_DEFAULT = re.compile(r"(?:^|\s)Default: (true|false|\d+)\b")


def documented_defaults(args: type) -> dict[str, Any]:
    """The scalar defaults an args TypedDict's field docstrings state (`Default: 365.`, `Default: true.`).

    Each default is written once, in the docstring other languages read in the inferred schema and the docs are
    generated from; the component and the config model that feeds it take the value from here.
    """
    body = ast.parse(textwrap.dedent(inspect.getsource(args))).body[0]
    assert isinstance(body, ast.ClassDef), args
    defaults: dict[str, Any] = {}
    for field, doc in zip(body.body, body.body[1:], strict=False):
        if not (isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)):
            continue
        text = doc.value.value if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) else None
        if isinstance(text, str) and (match := _STATED_DEFAULT.search(" ".join(text.split()))):
            stated = match.group(1)
            defaults[field.target.id] = stated == "true" if stated in ("true", "false") else int(stated)
    return defaults


def child_options(parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **extra)


def log_store_options(parent: pulumi.Resource, **extra: Any) -> pulumi.ResourceOptions:
    """Options of anything that holds or unlocks audit logs: never deleted by Pulumi, not even on removal.

    `protect` makes `pulumi destroy` and replacements fail loudly; `retain_on_delete` keeps the cloud
    resource if someone unprotects and removes it from the program anyway.
    """
    return pulumi.ResourceOptions(parent=parent, protect=True, retain_on_delete=True, **extra)


def check_input(component: str, arg: str, value: Any, check: Callable[[Any], object]) -> None:
    """Run a trailguard check on an argument now when it is a plain value (Outputs are checked by AWS)."""
    if value is None or isinstance(value, pulumi.Output):
        return
    try:
        check(value)
    except InvalidValue as error:
        raise ValueError(f"{component}: {arg}: {error}") from None


def is_plain(value: Any) -> bool:
    """Whether a value holds no Output or awaitable anywhere, so it can be checked right now."""
    if isinstance(value, Mapping):
        return all(is_plain(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(is_plain(v) for v in value)
    return isinstance(value, (str, int, float, bool)) or value is None


def explicit_dependencies(opts: pulumi.ResourceOptions | None) -> list[pulumi.Resource]:
    """The resources a component was told to depend on, to pass on to the child that really needs them."""
    if opts is None or opts.depends_on is None:
        return []
    deps = opts.depends_on
    if isinstance(deps, pulumi.Resource):
        return [deps]
    if isinstance(deps, Sequence):
        return [d for d in deps if isinstance(d, pulumi.Resource)]
    return []


def to_json(document: Mapping[str, Any]) -> str:
    """Serialise a policy document at the edge, with stable key order for readable diffs."""
    return json.dumps(document, indent=2)
