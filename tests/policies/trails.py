"""More trails for the stack-level trail policies: copies of the compliant trail under other names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pack_fixtures import named

from trailguard_gate.model import Resource


def another_trail(stack: Sequence[Resource], name: str, **properties: Any) -> Resource:
    trail = named(stack, "trail")
    props = {**trail.properties, "name": name, **properties}
    return replace(
        trail,
        urn=trail.urn.rsplit("::", 1)[0] + f"::{name}",
        name=name,
        properties={k: v for k, v in props.items() if v is not ...},
    )
