"""s3-bucket-cloudtrail-sse-kms: objects in a trail bucket are encrypted by default with a KMS key (SSE-KMS)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import BUCKET_SSE, Res, field_of
from trailguard_policies.stack import CORE, Stack

URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html"
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")

SPEC = Spec(
    name="s3-bucket-cloudtrail-sse-kms",
    description="A bucket that receives CloudTrail logs must encrypt new objects by default with SSE-KMS.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=URL,
    remediation_steps=(
        "Add an aws.s3.BucketServerSideEncryptionConfiguration for the bucket whose rule applies sseAlgorithm "
        "aws:kms with kmsMasterKeyId set to the trail key, and bucketKeyEnabled true."
    ),
    mappings=Mappings(security_hub=("S3.17",), aws_config=("s3-default-encryption-kms",), checkov=("CKV_AWS_145",)),
)


def algorithms(stack: Stack, bucket: Res) -> list[tuple[Res, str]]:
    """(resource, sseAlgorithm) of each default-encryption rule applying to the bucket."""
    found = []
    for config in stack.configs_of(bucket, BUCKET_SSE):
        for index, rule in enumerate(config.items("rules")):
            where = f"{config.where('rules')}[{index}]"
            default = field_of(rule, "applyServerSideEncryptionByDefault", where=where)
            found.append(
                (config, field_of(default, "sseAlgorithm", where=f"{where}.applyServerSideEncryptionByDefault"))
            )
    inline = bucket.mapping("serverSideEncryptionConfiguration")
    if inline:
        where = bucket.where("serverSideEncryptionConfiguration")
        rule = field_of(inline, "rule", where=where)
        default = field_of(rule, "applyServerSideEncryptionByDefault", where=f"{where}.rule")
        found.append(
            (bucket, field_of(default, "sseAlgorithm", where=f"{where}.rule.applyServerSideEncryptionByDefault"))
        )
    return found


def not_sse_kms(stack: Stack, bucket: Res) -> Iterable[Violation]:
    rules = algorithms(stack, bucket)
    if not rules:
        yield Violation(
            f"{bucket.label} receives CloudTrail logs but has no default encryption configuration, so S3 applies "
            f"SSE-S3: add a BucketServerSideEncryptionConfiguration with sseAlgorithm 'aws:kms' and the trail key. See {URL}"
        )
    for holder, algorithm in rules:
        if algorithm not in KMS_ALGORITHMS:
            yield Violation(
                f"{holder.label} encrypts the CloudTrail logs in {bucket.label} with {algorithm!r}: use 'aws:kms' "
                f"(with the trail's customer-managed key) so reading the logs also needs kms:Decrypt. See {URL}",
                holder.urn,
            )


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for bucket in stack.trail_buckets:
        yield bucket, partial(not_sse_kms, stack, bucket)


POLICY = stack_policy(SPEC, CORE | BUCKET_SSE, checks)
