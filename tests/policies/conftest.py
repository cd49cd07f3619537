"""One running policy pack per test module, configured with the defaults the CLI would send."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from pack_fixtures import PACK_DIR

from trailguard_gate.analyzer import PolicyPack


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
