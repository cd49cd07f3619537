"""The audit tests' fixtures, defined with their helpers in `moto_world` (tests import helpers from there, never
from a conftest: several conftest modules share that name)."""

from moto_world import aws, moto_endpoint, unused_port

__all__ = ["aws", "moto_endpoint", "unused_port"]
