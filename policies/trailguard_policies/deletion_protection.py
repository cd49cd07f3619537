"""s3-bucket-cloudtrail-deletion-protection and kms-key-cloudtrail-deletion-protection: audit logs outlive mistakes.

A `pulumi destroy`, a renamed resource that Pulumi replaces, or a refactor that drops a component would
delete a trail bucket with every log in it, or schedule the deletion of the key without which no log can
be read again. Pulumi's `protect` option makes the engine refuse to delete the resource; `forceDestroy`
false makes AWS refuse to delete a bucket that still holds objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import Res, arg
from trailguard_policies.stack import CORE, Stack

URL = "https://www.pulumi.com/docs/iac/concepts/options/protect/"

BUCKET_SPEC = Spec(
    name="s3-bucket-cloudtrail-deletion-protection",
    description="A bucket that receives CloudTrail logs must be protected from deletion, and never force-destroyed.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=URL,
    remediation_steps=(
        "Register the bucket with the resource option protect=True (and retain_on_delete=True), and remove "
        "forceDestroy or set it to false."
    ),
)

KEY_SPEC = Spec(
    name="kms-key-cloudtrail-deletion-protection",
    description="A KMS key that encrypts CloudTrail logs must be protected from deletion.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=URL,
    remediation_steps="Register the key with the resource option protect=True (and retain_on_delete=True).",
    mappings=Mappings(security_hub=("KMS.3",)),
)


def bucket_unprotected(bucket: Res) -> Iterable[Violation]:
    if not bucket.protect:
        yield Violation(
            f"{bucket.label} receives CloudTrail logs but is not protected, so a destroy or a replacement would delete "
            f"it with every log: register it with the resource option `protect=True`. See {URL}"
        )
    if bucket.flag("forceDestroy", default=False):
        yield Violation(
            f"{bucket.label} sets {arg('forceDestroy')} to true, so deleting it also deletes every CloudTrail log in it: "
            "remove the argument"
        )


def key_unprotected(key: Res) -> Iterable[Violation]:
    if not key.protect:
        yield Violation(
            f"{key.label} encrypts CloudTrail logs but is not protected, so a destroy or a replacement would schedule "
            f"its deletion and make every log unreadable: register it with the resource option `protect=True`. See {URL}"
        )


def bucket_checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for bucket in stack.trail_buckets:
        yield bucket, partial(bucket_unprotected, bucket)


def key_checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for key in stack.trail_keys:
        yield key, partial(key_unprotected, key)


BUCKET_POLICY = stack_policy(BUCKET_SPEC, CORE, bucket_checks)
KEY_POLICY = stack_policy(KEY_SPEC, CORE, key_checks)
