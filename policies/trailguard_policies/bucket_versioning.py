"""s3-bucket-cloudtrail-versioning: a trail bucket keeps every version, so an overwrite or delete loses nothing."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import BUCKET_VERSIONING, Res, field_of
from trailguard_policies.stack import CORE, Stack

URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html"

SPEC = Spec(
    name="s3-bucket-cloudtrail-versioning",
    description="A bucket that receives CloudTrail logs should have versioning enabled.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=URL,
    remediation_steps="Add an aws.s3.BucketVersioning for the bucket with versioningConfiguration.status = Enabled.",
    mappings=Mappings(security_hub=("S3.14",), aws_config=("s3-bucket-versioning-enabled",), checkov=("CKV_AWS_21",)),
)


def not_versioned(stack: Stack, bucket: Res) -> Iterable[Violation]:
    statuses = []
    for config in stack.configs_of(bucket, BUCKET_VERSIONING):
        where = config.where("versioningConfiguration")
        statuses.append((config, field_of(config.mapping("versioningConfiguration"), "status", where=where)))
    inline = bucket.mapping("versioning")
    if inline:
        enabled = field_of(inline, "enabled", where=bucket.where("versioning"))
        statuses.append((bucket, "Enabled" if enabled is True else "Suspended"))
    if not statuses:
        yield Violation(
            f"{bucket.label} receives CloudTrail logs but is not versioned: add a BucketVersioning with status "
            f"'Enabled' so an overwritten or deleted log file can be recovered. See {URL}"
        )
    for holder, status in statuses:
        if status != "Enabled":
            yield Violation(
                f"{holder.label} sets the versioning of {bucket.label} to {status!r}: set it to 'Enabled'", holder.urn
            )


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for bucket in stack.trail_buckets:
        yield bucket, partial(not_versioned, stack, bucket)


POLICY = stack_policy(SPEC, CORE | BUCKET_VERSIONING, checks)
