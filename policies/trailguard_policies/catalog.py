"""Every policy of the pack, in the order the README table and `pulumi preview` list them."""

from __future__ import annotations

from pulumi_policy import Policy

from trailguard_policies import (
    bucket_access_logging,
    bucket_dedicated,
    bucket_lifecycle,
    bucket_public_access,
    bucket_sse_kms,
    bucket_tls_only,
    bucket_versioning,
    cis_monitoring,
    deletion_protection,
    delivery,
    event_data_store,
    key_deletion_window,
    key_rotation,
    log_group,
    trail_cloudwatch_logs,
    trail_global_service_events,
    trail_kms_encryption,
    trail_log_file_validation,
    trail_logging,
    trail_management_events,
    trail_multi_region,
    trail_present,
    trail_regional_limit,
    trail_s3_data_events,
    trail_tags,
)

POLICIES: list[Policy] = [
    # The six best practices, then what makes them hold [mandatory].
    trail_multi_region.POLICY,
    trail_log_file_validation.POLICY,
    trail_kms_encryption.POLICY,
    trail_cloudwatch_logs.POLICY,
    bucket_dedicated.POLICY,
    bucket_sse_kms.POLICY,
    trail_logging.POLICY,
    trail_management_events.POLICY,
    bucket_public_access.POLICY,
    deletion_protection.BUCKET_POLICY,
    deletion_protection.KEY_POLICY,
    delivery.BUCKET_POLICY,
    delivery.KEY_POLICY,
    delivery.ROLE_POLICY_CHECK,
    # Hardening [advisory].
    bucket_tls_only.POLICY,
    bucket_access_logging.POLICY,
    key_deletion_window.POLICY,
    bucket_versioning.POLICY,
    key_rotation.POLICY,
    log_group.RETENTION_POLICY,
    log_group.ENCRYPTION_POLICY,
    bucket_lifecycle.POLICY,
    trail_regional_limit.POLICY,
    trail_global_service_events.POLICY,
    trail_s3_data_events.POLICY,
    trail_tags.POLICY,
    cis_monitoring.POLICY,
    event_data_store.ENCRYPTION_POLICY,
    event_data_store.TERMINATION_POLICY,
    event_data_store.RETENTION_POLICY,
    # Opt-in [disabled].
    trail_present.POLICY,
]
