"""trailguard: AWS CloudTrail organization trails done right, as Pulumi components."""

import inspect
from importlib.metadata import PackageNotFoundError, version

import pulumi

from trailguard.alarms import AlarmsConfig, DisabledControlArgs, TrailAlarms, TrailAlarmsArgs
from trailguard.bucket import ObjectLockArgs, ReplicationArgs, TrailBucket, TrailBucketArgs
from trailguard.delegated_admin import DelegatedAdministrator, DelegatedAdministratorArgs
from trailguard.event_data_store import EventDataStore, EventDataStoreArgs, NetworkActivityEventSelectorArgs
from trailguard.key import TrailKey, TrailKeyArgs
from trailguard.log_archive import LogArchive, LogArchiveArgs
from trailguard.log_group import TrailLogGroup, TrailLogGroupArgs
from trailguard.selectors import (
    BasicEventSelectorArgs,
    DataEventSelectorArgs,
    DataResourceArgs,
    FieldSelectorArgs,
    ManagementEventsArgs,
)
from trailguard.trail import OrganizationTrail, OrganizationTrailArgs

try:
    __version__ = version("trailguard")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = [
    "AlarmsConfig",
    "BasicEventSelectorArgs",
    "DataEventSelectorArgs",
    "DataResourceArgs",
    "DelegatedAdministrator",
    "DelegatedAdministratorArgs",
    "DisabledControlArgs",
    "EventDataStore",
    "EventDataStoreArgs",
    "FieldSelectorArgs",
    "LogArchive",
    "LogArchiveArgs",
    "ManagementEventsArgs",
    "NetworkActivityEventSelectorArgs",
    "ObjectLockArgs",
    "OrganizationTrail",
    "OrganizationTrailArgs",
    "ReplicationArgs",
    "TrailAlarms",
    "TrailAlarmsArgs",
    "TrailBucket",
    "TrailBucketArgs",
    "TrailKey",
    "TrailKeyArgs",
    "TrailLogGroup",
    "TrailLogGroupArgs",
]


def components() -> list[type[pulumi.ComponentResource]]:
    """Every exported component class, in `__all__` order (what the component provider hosts)."""
    found = (globals()[name] for name in __all__)
    return [c for c in found if inspect.isclass(c) and issubclass(c, pulumi.ComponentResource)]
