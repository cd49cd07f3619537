"""Read property values as the engine sends them, without ever raising anything but the pack's two signals.

The engine sends camelCase inputs in which a value not known until update is one of the SDK's sentinel
strings, and the policy SDK wraps them in proxies that raise on access. Policies here read through these
helpers instead: an unknown value raises `NotKnown` (the runner turns it into an advisory note and keeps
checking the rest), a value of the wrong shape raises `Malformed` (the runner reports it as a violation of
the policy that needed it). Nothing else escapes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's sentinel for a value not known until update (pulumi.runtime.rpc.UNKNOWN); the SDKs send it for
every type."""

# pulumi_policy.proxy's sentinels: the engine marks each unknown with one of these, by expected type.
UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        UNKNOWN,  # string
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)
SIG_KEY = "4dabf18193072939515e22adb298388d"
"""The wire signature key the engine uses for secrets, assets and resource references inside properties."""
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


class NotKnown(Exception):
    """A value needed by a check is not known until update; `what` names it for the advisory note."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class NotInStack(NotKnown):
    """A resource a check needs lives in another stack or account: `what` says which checks did not run and how
    to supply the resource (the runner reports it in the advisory note, never as a pass)."""


class Outside(str):
    """The note of a `NotInStack` signal, told apart from values not known until update."""

    __slots__ = ()


class Malformed(Exception):
    """A value needed by a check has the wrong shape; `message` says which, what is wrong and how to fix it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def plain(value: Any) -> Any:
    """The raw value behind the policy SDK's proxies: dicts and lists, unknown sentinels kept as strings.

    The SDK's proxies hand out their target for the key `"__target"` (pulumi_policy.proxy); wire-form secrets
    (`{SIG_KEY: SECRET_SIG, "value": ...}`) are reduced to their value, as the SDK does for validation.
    """
    if isinstance(value, str | bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        target = _target(value)
        if target.get(SIG_KEY) == SECRET_SIG and "value" in target:
            return plain(target["value"])
        return {str(k): plain(v) for k, v in target.items()}
    if isinstance(value, Sequence):
        return [plain(v) for v in _target(value)]
    # Assets, archives and SDK Secret wrappers carry nothing a policy here reads.
    inner = getattr(value, "value", None)
    return plain(inner) if inner is not None else None


def _target(proxy: Any) -> Any:
    try:
        return proxy["__target"]
    except (KeyError, TypeError, IndexError):
        return proxy


def describe(value: Any) -> str:
    """A short rendering of a bad value for messages: its repr, cut, and its JSON type."""
    kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{shown} ({kind.get(type(value), type(value).__name__)})"


def as_int(value: Any) -> int | None:
    """An integer from the wire form (numbers travel as floats), or None when it is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def parse_json_document(value: Any, *, where: str, example: str) -> dict[str, Any]:
    """A JSON object from a policy-like property: a JSON string (the provider's form) or an object.

    Raises `NotKnown` for an unknown value and `Malformed` for anything that is not a JSON object.
    """
    if is_unknown(value):
        raise NotKnown(where)
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str):
        raise Malformed(f"{where} is {describe(value)}; expected a JSON policy document such as {example}")
    try:
        document = json.loads(value)
    except json.JSONDecodeError as error:
        raise Malformed(
            f"{where} is not valid JSON ({error.msg} at line {error.lineno} column {error.colno}); "
            f"expected a JSON policy document such as {example}"
        ) from None
    if not isinstance(document, dict):
        raise Malformed(f"{where} is {describe(document)}; expected a JSON object such as {example}")
    if any(is_unknown(v) for v in _strings(document)):
        raise NotKnown(where)
    return document


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def contains_unknown(value: Any) -> bool:
    """Whether an unknown sentinel hides anywhere inside a value."""
    return any(is_unknown(s) for s in _strings(value))
