"""One Region rule: the components' config and arguments accept exactly the Regions the gate accepts."""

from __future__ import annotations

import pytest

from trailguard.validation import InvalidValue, check_region
from trailguard_gate.render import region_problem


@pytest.mark.parametrize(
    "name", ["us-east-1", "eu-central-2", "ap-southeast-7", "cn-north-1", "us-gov-west-1", "il-central-1"]
)
def test_a_region_both_accept(name: str) -> None:
    assert check_region(name) == name
    assert region_problem(name) is None


@pytest.mark.parametrize(
    "name", ["eu-wst-1", "ap-gov-east-1", "eu-isob-west-1", "us-east", "useast1", "mars-east-1", "US-EAST-1"]
)
def test_a_name_both_refuse(name: str) -> None:
    with pytest.raises(InvalidValue):
        check_region(name)
    assert region_problem(name) is not None
