"""s3-bucket-cloudtrail-not-public: nobody outside can read a trail bucket, whatever a policy or ACL says later."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies import iam
from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import (
    ACCOUNT_PUBLIC_ACCESS_BLOCK,
    BUCKET_ACL,
    BUCKET_PUBLIC_ACCESS_BLOCK,
    Res,
    arg,
    field_of,
    nested_list,
)
from trailguard_policies.stack import CORE, Stack, parse_policy

URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"
FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)

SPEC = Spec(
    name="s3-bucket-cloudtrail-not-public",
    description="A bucket that receives CloudTrail logs must block all public access and grant nothing to everyone.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    url=URL,
    remediation_steps=(
        "Add an aws.s3.BucketPublicAccessBlock for the bucket with blockPublicAcls, blockPublicPolicy, "
        "ignorePublicAcls and restrictPublicBuckets all true; remove public ACLs and any policy statement that "
        'allows Principal "*" without a condition pinning it to your accounts or organization.'
    ),
    mappings=Mappings(
        cis=(("1.4.0", "3.3"),),
        security_hub=("CloudTrail.6", "S3.8"),
        aws_config=("s3-bucket-level-public-access-prohibited",),
        checkov=("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"),
    ),
)


def _off(block: Res) -> list[str]:
    # Each flag defaults to false in pulumi-aws: an omitted flag is an open door.
    return [flag for flag in FLAGS if not block.flag(flag, default=False)]


def access_not_blocked(stack: Stack, bucket: Res) -> Iterable[Violation]:
    account_blocks = stack.of_type(ACCOUNT_PUBLIC_ACCESS_BLOCK)
    if any(not _off(block) for block in account_blocks):
        return  # the account-wide block covers every bucket
    blocks = stack.configs_of(bucket, [BUCKET_PUBLIC_ACCESS_BLOCK])
    if not blocks:
        yield Violation(
            f"{bucket.label} receives CloudTrail logs but has no public access block: add a BucketPublicAccessBlock "
            f"with {', '.join(FLAGS)} all true. See {URL}"
        )
    for block in blocks:
        if off := _off(block):
            yield Violation(
                f"{block.label} of {bucket.label} leaves {', '.join(arg(f) for f in off)} off: set all four to true",
                block.urn,
            )


def public_statements(stack: Stack, bucket: Res) -> Iterable[Violation]:
    for holder, prop in stack.bucket_policies(bucket):
        for statement in parse_policy(holder, prop):
            if iam.is_public_allow(statement):
                yield Violation(
                    f'{holder.where(prop)} has {statement.label} allowing everyone (Principal "*") without a '
                    "condition on aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID or the like: restrict or "
                    "remove it",
                    holder.urn,
                )


def public_acls(stack: Stack, bucket: Res) -> Iterable[Violation]:
    holders = [(bucket, bucket.text("acl"))] + [(a, a.text("acl")) for a in stack.configs_of(bucket, BUCKET_ACL)]
    for holder, acl in holders:
        if acl in PUBLIC_ACLS:
            whose = "" if holder is bucket else f" on {bucket.label}"
            yield Violation(
                f"{holder.label} sets the canned ACL {acl!r}{whose}, which opens it: use 'private'", holder.urn
            )
    # S3 User Guide, access-control-block-public-access: "Amazon S3 considers a bucket or object ACL public if it
    # grants any permissions to members of the predefined AllUsers or AuthenticatedUsers groups."
    for index, grant in enumerate(bucket.items("grants")):
        uri = field_of(grant, "uri", where=f"{bucket.where('grants')}[{index}]")
        if uri in PUBLIC_GROUPS:
            yield Violation(f"{bucket.where('grants')} grants the bucket to {uri}: remove the grant", bucket.urn)
    for acl_resource in stack.configs_of(bucket, BUCKET_ACL):
        where = acl_resource.where("accessControlPolicy")
        grants = field_of(acl_resource.mapping("accessControlPolicy"), "grants", where=where)
        for index, grant in enumerate(nested_list(grants, where=f"{where}.grants")):
            grantee = field_of(grant, "grantee", where=f"{where}.grants[{index}]")
            uri = field_of(grantee, "uri", where=f"{where}.grants[{index}].grantee")
            if uri in PUBLIC_GROUPS:
                yield Violation(
                    f"{acl_resource.label} grants {bucket.label} to {uri}: remove the grant", acl_resource.urn
                )


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for bucket in stack.trail_buckets:
        yield bucket, partial(access_not_blocked, stack, bucket)
        yield bucket, partial(public_statements, stack, bucket)
        yield bucket, partial(public_acls, stack, bucket)


POLICY = stack_policy(SPEC, CORE | {BUCKET_PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK} | BUCKET_ACL, checks)
