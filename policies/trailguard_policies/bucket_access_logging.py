"""s3-bucket-cloudtrail-access-logging: every request to a trail bucket is logged, into another bucket."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import BUCKET_LOGGING, Res, field_of
from trailguard_policies.stack import CORE, Found, Stack

URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html"

SPEC = Spec(
    name="s3-bucket-cloudtrail-access-logging",
    description="A bucket that receives CloudTrail logs should have S3 server access logging on, into another bucket.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=URL,
    remediation_steps=(
        "Add an aws.s3.BucketLogging for the trail bucket whose targetBucket is a separate access-log bucket."
    ),
    mappings=Mappings(
        cis=(("1.4.0", "3.6"), ("3.0.0", "3.4")),
        security_hub=("CloudTrail.7", "S3.9"),
        aws_config=("s3-bucket-logging-enabled",),
        checkov=("CKV_AWS_18",),
    ),
)


def not_logged(stack: Stack, bucket: Res) -> Iterable[Violation]:
    targets = [(config, stack.bucket_of(config, "targetBucket")) for config in stack.configs_of(bucket, BUCKET_LOGGING)]
    inline = bucket.mapping("logging")
    if inline:
        field_of(inline, "targetBucket", where=bucket.where("logging"))
        targets.append((bucket, stack.bucket_of(Res(bucket.urn, bucket.type, bucket.name, inline), "targetBucket")))
    if not targets:
        yield Violation(
            f"{bucket.label} receives CloudTrail logs but has no server access logging, so reads and deletions of "
            f"the logs leave no record: add a BucketLogging with a separate target bucket. See {URL}"
        )
    for holder, target in targets:
        if isinstance(target, Found) and target.res.urn == bucket.urn:
            yield Violation(
                f"{holder.label} delivers the access logs of {bucket.label} into the bucket itself, so every log write "
                f"is logged again: set targetBucket to a separate access-log bucket. See {URL}",
                holder.urn,
            )


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for bucket in stack.trail_buckets:
        yield bucket, partial(not_logged, stack, bucket)


POLICY = stack_policy(SPEC, CORE | BUCKET_LOGGING, checks)
