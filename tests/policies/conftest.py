"""One running policy pack per test module, configured with the defaults the CLI would send."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from pack_fixtures import PACK_DIR

from trailguard_gate.analyzer import PolicyPack

# Pure predicates are imported as the pack imports them: with the pack folder on sys.path.
sys.path.insert(0, str(PACK_DIR))


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPack]:
    with PolicyPack(PACK_DIR) as running:
        running.configure({})
        yield running


@pytest.fixture
def configure(pack: PolicyPack) -> Iterator[Callable[[Mapping[str, Any]], None]]:
    """Configure the module's pack for one test; the defaults are restored afterwards."""
    yield pack.configure
    pack.configure({})
