"""trailguard: AWS CloudTrail organization trails done right, as Pulumi components."""

from trailguard.bucket import ObjectLockArgs, ReplicationArgs, TrailBucket, TrailBucketArgs
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

__all__ = [
    "BasicEventSelectorArgs",
    "DataEventSelectorArgs",
    "DataResourceArgs",
    "FieldSelectorArgs",
    "LogArchive",
    "LogArchiveArgs",
    "ManagementEventsArgs",
    "ObjectLockArgs",
    "OrganizationTrail",
    "OrganizationTrailArgs",
    "ReplicationArgs",
    "TrailBucket",
    "TrailBucketArgs",
    "TrailKey",
    "TrailKeyArgs",
    "TrailLogGroup",
    "TrailLogGroupArgs",
]
