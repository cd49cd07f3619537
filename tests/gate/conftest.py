"""Fixtures of the gate's tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from gate_testing import MakeProject, project_maker


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Write a scratch Pulumi Python project under tmp_path (see gate_testing.project_maker)."""
    return project_maker(tmp_path)
