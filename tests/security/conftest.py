"""Every committed stack rendered under mocks once per session: the security suites judge what users would deploy."""

from __future__ import annotations

import pytest
from security_stacks import STACK_FILES, StackFile, render_stack_file

from trailguard_gate.mocks import Rendering

_RENDERINGS: dict[str, Rendering] = {}


@pytest.fixture(params=STACK_FILES, ids=[s.label for s in STACK_FILES])
def stack_file(request: pytest.FixtureRequest) -> StackFile:
    found: StackFile = request.param
    return found


@pytest.fixture
def rendering(stack_file: StackFile) -> Rendering:
    """The stack file's rendering, computed once per session (rendering is pure: same config, same registrations)."""
    if stack_file.label not in _RENDERINGS:
        _RENDERINGS[stack_file.label] = render_stack_file(stack_file)
    return _RENDERINGS[stack_file.label]
