"""The three stack shapes, built from validated config: all-in-one, log-archive half, management half.

Each function registers the components of one shape and returns the stack outputs to export. The
cross-account split shares its identity (organization, management account, trail name, home Region,
key prefix) through config, so the log-archive policies can name the trail before it exists; the
management half takes the bucket and key from the log-archive stack's outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from trailguard.alarms import TrailAlarms, alarms_args
from trailguard.config import AllInOneConfig, LogArchiveConfig, ManagementConfig, StackConfig
from trailguard.key import default_alias_name
from trailguard.log_archive import LogArchive, LogArchiveArgs
from trailguard.trail import OrganizationTrail, OrganizationTrailArgs

__all__ = ["build", "build_all_in_one", "build_log_archive", "build_management"]

Exports = dict[str, pulumi.Input[Any]]


def build(config: StackConfig) -> Exports:
    """Register the components of the stack shape `config` describes; return its outputs."""
    if isinstance(config, AllInOneConfig):
        return build_all_in_one(config)
    if isinstance(config, LogArchiveConfig):
        return build_log_archive(config)
    return build_management(config)


def _log_archive_args(config: AllInOneConfig | LogArchiveConfig, trail_region: str) -> LogArchiveArgs:
    bucket = config.bucket
    args: LogArchiveArgs = {
        "trail_name": config.trail_name,
        "management_account_id": config.management_account_id,
        "bucket": config.bucket_name,
        "access_log_bucket": config.access_log_bucket_name,
        "trail_region": trail_region,
        "transition_days": bucket.transition_days,
        "transition_storage_class": bucket.transition_storage_class,
        "kms_key_alias_name": default_alias_name(config.trail_name, "logs"),
        "kms_key_deletion_window_in_days": config.key.deletion_window_in_days,
        "reader_principal_arns": list(config.key.reader_principal_arns),
        "tags": dict(config.tags),
    }
    # A single-account trail writes only under AWSLogs/<account>/: no organization path to open.
    single_account = isinstance(config, AllInOneConfig) and not config.trail.is_organization_trail
    if config.organization_id is not None and not single_account:
        args["organization_id"] = config.organization_id
    if config.s3_key_prefix is not None:
        args["s3_key_prefix"] = config.s3_key_prefix
    if bucket.expiration_days is not None:
        args["expiration_days"] = bucket.expiration_days
    if bucket.object_lock is not None:
        args["object_lock"] = {"mode": bucket.object_lock.mode, "days": bucket.object_lock.days}
    if bucket.replication is not None:
        args["replication"] = {
            "region": bucket.replication.region,
            "bucket": config.replica_bucket_name or "",
            "access_log_bucket": config.replica_access_log_bucket_name or "",
            "storage_class": bucket.replication.storage_class,
        }
    return args


def _trail_args(
    config: AllInOneConfig | ManagementConfig,
    *,
    bucket_name: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str],
    excluded_buckets: pulumi.Input[Sequence[str]],
) -> OrganizationTrailArgs:
    trail = config.trail
    args: OrganizationTrailArgs = {
        "name": config.trail_name,
        "s3_bucket_name": bucket_name,
        "kms_key_id": kms_key_arn,
        "is_organization_trail": trail.is_organization_trail,
        "is_multi_region_trail": trail.is_multi_region_trail,
        "include_global_service_events": trail.include_global_service_events,
        "enable_log_file_validation": trail.enable_log_file_validation,
        "enable_logging": trail.enable_logging,
        "excluded_data_event_buckets": excluded_buckets,
        "cloud_watch_logs_enabled": True,
        "log_group_name": config.log_group_name,
        "log_group_retention_in_days": config.log_group.retention_in_days,
        "monitoring_key_deletion_window_in_days": config.key.deletion_window_in_days,
        "sns_notifications_enabled": trail.sns_notifications,
        "tags": dict(config.tags),
        **trail.selector_args(),  # type: ignore[typeddict-item]
    }
    if config.organization_id is not None and trail.is_organization_trail:
        args["organization_id"] = config.organization_id
    if config.s3_key_prefix is not None:
        args["s3_key_prefix"] = config.s3_key_prefix
    return args


def _archive_exports(archive: LogArchive) -> Exports:
    exports: Exports = {
        "bucketName": archive.bucket_name,
        "bucketArn": archive.bucket_arn,
        "kmsKeyArn": archive.kms_key_arn,
        "accessLogBucketName": archive.access_log_bucket_name,
        "logBucketNames": archive.log_bucket_names,
    }
    if archive.replica_bucket_name is not None:
        exports["replicaBucketName"] = archive.replica_bucket_name
    return exports


def _trail_exports(trail: OrganizationTrail) -> Exports:
    exports: Exports = {"trailArn": trail.trail_arn, "trailName": trail.trail_name}
    for key, value in (
        ("logGroupName", trail.log_group_name),
        ("logGroupArn", trail.log_group_arn),
        ("cloudWatchLogsRoleArn", trail.role_arn),
        ("monitoringKeyArn", trail.monitoring_key_arn),
        ("snsTopicArn", trail.sns_topic_arn),
    ):
        if value is not None:
            exports[key] = value
    return exports


def _alarms(config: AllInOneConfig | ManagementConfig, trail: OrganizationTrail) -> Exports:
    """CIS monitoring on the trail's log group: the reason to deliver to CloudWatch Logs at all."""
    if not config.alarms.enabled or trail.log_group_name is None:
        return {}
    alarms = TrailAlarms(
        "alarms", alarms_args(config.alarms, log_group_name=trail.log_group_name, tags=dict(config.tags))
    )
    return {"alarmTopicArn": alarms.topic_arn, "alarmKeyArn": alarms.key_arn}


def build_all_in_one(config: AllInOneConfig) -> Exports:
    archive = LogArchive("log-archive", _log_archive_args(config, config.region))
    excluded = [name for name in config.log_bucket_names if name != config.bucket_name]
    trail = OrganizationTrail(
        "organization-trail",
        _trail_args(
            config, bucket_name=archive.bucket_name, kms_key_arn=archive.kms_key_arn, excluded_buckets=excluded
        ),
        opts=pulumi.ResourceOptions(depends_on=archive.delivery_prerequisites),
    )
    return {**_archive_exports(archive), **_trail_exports(trail), **_alarms(config, trail)}


def build_log_archive(config: LogArchiveConfig) -> Exports:
    archive = LogArchive("log-archive", _log_archive_args(config, config.trail_region))
    return _archive_exports(archive)


def build_management(config: ManagementConfig) -> Exports:
    outputs = config.log_archive
    bucket_name: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    excluded: pulumi.Input[Sequence[str]]
    if outputs.stack is not None:
        # The log-archive stack's own outputs: nothing copied by hand, so nothing to drift.
        archive = pulumi.StackReference(outputs.stack)
        bucket_name = archive.require_output("bucketName")
        kms_key_arn = archive.require_output("kmsKeyArn")
        excluded = pulumi.Output.all(bucket_name, archive.get_output("logBucketNames")).apply(
            lambda v: [str(b) for b in (v[1] or []) if b != v[0]]
        )
    else:
        bucket_name, kms_key_arn = str(outputs.bucket_name), str(outputs.kms_key_arn)
        excluded = outputs.excluded_bucket_names
    trail = OrganizationTrail(
        "organization-trail",
        _trail_args(config, bucket_name=bucket_name, kms_key_arn=kms_key_arn, excluded_buckets=excluded),
    )
    return {**_trail_exports(trail), **_alarms(config, trail)}
