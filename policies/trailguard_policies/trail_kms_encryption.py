"""cloudtrail-trail-kms-encryption: log files are encrypted with a customer-managed KMS key (SSE-KMS)."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, resource_policy
from trailguard_policies.resources import TRAIL, Res, arg
from trailguard_policies.values import is_unknown

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html"

SPEC = Spec(
    name="cloudtrail-trail-kms-encryption",
    description="A CloudTrail trail must encrypt its log files with a customer-managed KMS key.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=URL,
    remediation_steps=(
        "Create a customer-managed KMS key whose policy lets CloudTrail encrypt (kms:GenerateDataKey*) and describe "
        "the key, and set the trail's kmsKeyId to its ARN."
    ),
    mappings=Mappings(
        cis=(("1.4.0", "3.7"), ("3.0.0", "3.5")),
        security_hub=("CloudTrail.2",),
        aws_config=("cloud-trail-encryption-enabled",),
        checkov=("CKV_AWS_35",),
    ),
)


def not_customer_managed(trail: Res) -> Iterable[Violation]:
    if is_unknown(trail.raw("kmsKeyId")):
        return  # the output of a key created in this update: customer-managed by construction
    key = trail.text("kmsKeyId")
    if key is None:
        yield Violation(
            f"{trail.label} leaves its log files with S3-managed encryption only: set {arg('kmsKeyId')} to the ARN "
            f"of a customer-managed KMS key so reading the logs also needs kms:Decrypt on that key. See {URL}"
        )
    elif "alias/aws/" in key:
        yield Violation(
            f"{trail.label} names the AWS managed key {key!r}, which CloudTrail cannot use and nobody can govern: set "
            f"{arg('kmsKeyId')} to the ARN of a customer-managed key. See {URL}"
        )


def checks(trail: Res, settings: Settings) -> list[Check]:
    return [lambda: not_customer_managed(trail)]


POLICY = resource_policy(SPEC, [TRAIL], checks)
