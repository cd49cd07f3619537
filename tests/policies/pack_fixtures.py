"""A compliant organization-trail stack as the engine would send it, and helpers to break it one property at a time.

Properties are camelCase inputs with the property dependencies a Pulumi program records (the trail's bucket
name comes through its bucket policy, its key, group and role ARNs from those resources), so the pack is
exercised the way `pulumi preview` exercises it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from trailguard_gate.analyzer import Diagnostic, PolicyPack
from trailguard_gate.model import Level, Resource, ResourceOptions

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"

ACCOUNT = "111111111111"
REGION = "us-east-1"
ORGANIZATION = "o-a1b2c3d4e5"
TRAIL_NAME = "org-trail"
BUCKET = "acme-cloudtrail-logs"
ACCESS_LOG_BUCKET = "acme-cloudtrail-logs-access-logs"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{TRAIL_NAME}"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0d3b2e4c-5a6b-4c7d-8e9f-a0b1c2d3e4f5"
GROUP_NAME = f"/aws/cloudtrail/{TRAIL_NAME}"
GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP_NAME}"
ROLE_NAME = f"{TRAIL_NAME}-cloudwatch"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"

TRAIL = "aws:cloudtrail/trail:Trail"
BUCKET_TYPE = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
WEBSITE = "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration"
KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def urn(token: str, name: str) -> str:
    return f"urn:pulumi:test::trailguard::{token}::{name}"


def bucket_policy_document(
    *, trail_arn: str = TRAIL_ARN, prefix: str = "AWSLogs", organization: str | None = ORGANIZATION
) -> dict[str, Any]:
    """The bucket policy AWS documents for an organization trail, plus TLS-only access."""
    bucket_arn = f"arn:aws:s3:::{BUCKET}"
    paths = [f"{bucket_arn}/{prefix}/{ACCOUNT}/*"] + (
        [f"{bucket_arn}/{prefix}/{organization}/*"] if organization else []
    )
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:GetBucketAcl",
                "Resource": bucket_arn,
                "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": paths,
                "Condition": {
                    "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail_arn}
                },
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def key_policy_document(*, trail_account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnableRootAccountPermissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "AllowCloudTrailEncryptLogs",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{trail_account}:trail/*"
                    },
                    "StringEquals": {"aws:SourceArn": TRAIL_ARN},
                },
            },
            {
                "Sid": "AllowCloudTrailDescribeKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:DescribeKey",
                "Resource": "*",
            },
            {
                # The bucket uses an S3 Bucket Key: CloudTrail needs kms:Decrypt to create or update the trail.
                "Sid": "AllowCloudTrailDecryptForBucketKey",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceArn": TRAIL_ARN}},
            },
            {
                # The log group is encrypted with the same key.
                "Sid": "AllowCloudWatchLogsEncryption",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{REGION}.amazonaws.com"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": GROUP_ARN}},
            },
        ],
    }


def trust_document(service: str = "cloudtrail.amazonaws.com") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def logs_document(group_arn: str = GROUP_ARN) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailDeliverToCloudWatchLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{group_arn}:log-stream:*",
            }
        ],
    }


def _resource(
    token: str,
    name: str,
    properties: dict[str, Any],
    *,
    deps: dict[str, list[str]] | None = None,
    protect: bool = False,
) -> Resource:
    return Resource(
        urn=urn(token, name),
        type=token,
        name=name,
        properties=properties,
        dependencies=tuple(sorted({u for urns in (deps or {}).values() for u in urns})),
        property_dependencies={k: tuple(v) for k, v in (deps or {}).items()},
        options=ResourceOptions(protect=protect),
    )


def compliant_stack() -> list[Resource]:
    """Every resource of a trail that passes the whole pack at every level."""
    bucket = urn(BUCKET_TYPE, "bucket")
    policy = urn(BUCKET_POLICY, "bucket-policy")
    key = urn(KEY, "key")
    group = urn(LOG_GROUP, "log-group")
    role = urn(ROLE, "role")
    access_logs = urn(BUCKET_TYPE, "access-log-bucket")
    return [
        _resource(
            BUCKET_TYPE,
            "bucket",
            {"bucket": BUCKET, "forceDestroy": False, "tags": {"owner": "security"}},
            protect=True,
        ),
        _resource(
            BUCKET_POLICY,
            "bucket-policy",
            {"bucket": BUCKET, "policy": json.dumps(bucket_policy_document())},
            deps={"bucket": [bucket]},
        ),
        _resource(
            SSE,
            "bucket-encryption",
            {
                "bucket": BUCKET,
                "rules": [
                    {
                        "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN},
                        "bucketKeyEnabled": True,
                    }
                ],
            },
            deps={"bucket": [bucket], "rules": [key]},
        ),
        _resource(
            PAB,
            "bucket-public-access-block",
            {
                "bucket": BUCKET,
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
            deps={"bucket": [bucket]},
        ),
        _resource(
            VERSIONING,
            "bucket-versioning",
            {"bucket": BUCKET, "versioningConfiguration": {"status": "Enabled"}},
            deps={"bucket": [bucket]},
        ),
        _resource(BUCKET_TYPE, "access-log-bucket", {"bucket": ACCESS_LOG_BUCKET, "forceDestroy": False}, protect=True),
        _resource(
            LOGGING,
            "bucket-logging",
            {"bucket": BUCKET, "targetBucket": ACCESS_LOG_BUCKET, "targetPrefix": "s3-access-logs/"},
            deps={"bucket": [bucket], "targetBucket": [access_logs]},
        ),
        _resource(
            LIFECYCLE,
            "bucket-lifecycle",
            {
                "bucket": BUCKET,
                "rules": [
                    {
                        "id": "trail-logs-retention",
                        "status": "Enabled",
                        "filter": {"prefix": ""},
                        "transitions": [{"days": 90, "storageClass": "GLACIER"}],
                        "expiration": {"days": 2557},
                        "noncurrentVersionExpiration": {"noncurrentDays": 2557},
                    }
                ],
            },
            deps={"bucket": [bucket]},
        ),
        _resource(
            KEY,
            "key",
            {
                "description": "CloudTrail log files",
                "enableKeyRotation": True,
                "deletionWindowInDays": 30,
                "policy": json.dumps(key_policy_document()),
            },
            protect=True,
        ),
        _resource(
            LOG_GROUP,
            "log-group",
            {"name": GROUP_NAME, "retentionInDays": 365, "kmsKeyId": KEY_ARN},
            deps={"kmsKeyId": [key]},
        ),
        _resource(ROLE, "role", {"name": ROLE_NAME, "assumeRolePolicy": json.dumps(trust_document())}),
        _resource(
            ROLE_POLICY,
            "role-policy",
            {"role": ROLE_NAME, "policy": json.dumps(logs_document())},
            deps={"role": [role], "policy": [group]},
        ),
        _resource(
            TRAIL,
            "trail",
            {
                # AnalyzeStack judges outputs: once the trail exists, its ARN is known.
                "arn": TRAIL_ARN,
                "name": TRAIL_NAME,
                "s3BucketName": BUCKET,
                "isMultiRegionTrail": True,
                "isOrganizationTrail": True,
                "includeGlobalServiceEvents": True,
                "enableLogFileValidation": True,
                "enableLogging": True,
                "kmsKeyId": KEY_ARN,
                "cloudWatchLogsGroupArn": f"{GROUP_ARN}:*",
                "cloudWatchLogsRoleArn": ROLE_ARN,
                "advancedEventSelectors": [
                    {"name": "management", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]},
                    {
                        "name": "s3-objects",
                        "fieldSelectors": [
                            {"field": "eventCategory", "equals": ["Data"]},
                            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                            {"field": "resources.ARN", "notStartsWiths": [f"arn:aws:s3:::{BUCKET}/"]},
                        ],
                    },
                ],
                "tags": {"owner": "security"},
            },
            deps={
                # The trail is created after its bucket policy: its bucket name comes through it.
                "s3BucketName": [policy],
                "kmsKeyId": [key],
                "cloudWatchLogsGroupArn": [group],
                "cloudWatchLogsRoleArn": [role],
            },
        ),
    ]


def named(resources: Sequence[Resource], name: str) -> Resource:
    for resource in resources:
        if resource.name == name:
            return resource
    raise KeyError(name)


def changed(resources: Sequence[Resource], which: str, /, **properties: Any) -> list[Resource]:
    """The stack with properties of one resource set (a value of `...` removes the property)."""
    out = []
    for resource in resources:
        if resource.name == which:
            props = {**resource.properties, **properties}
            props = {k: v for k, v in props.items() if v is not ...}
            resource = replace(resource, properties=props)
        out.append(resource)
    return out


def with_options(resources: Sequence[Resource], name: str, **options: Any) -> list[Resource]:
    return [replace(r, options=replace(r.options, **options)) if r.name == name else r for r in resources]


def with_deps(resources: Sequence[Resource], name: str, **deps: list[str]) -> list[Resource]:
    """The stack with the property dependencies of one resource replaced."""
    return [
        replace(r, property_dependencies={k: tuple(v) for k, v in deps.items()}) if r.name == name else r
        for r in resources
    ]


def without(resources: Sequence[Resource], *names: str) -> list[Resource]:
    return [r for r in resources if r.name not in names]


def document(resource: Resource, key: str = "policy") -> dict[str, Any]:
    value = json.loads(resource.properties[key])
    assert isinstance(value, dict)
    return value


def with_document(resources: Sequence[Resource], name: str, doc: dict[str, Any], key: str = "policy") -> list[Resource]:
    return changed(resources, name, **{key: json.dumps(doc)})


def of(diagnostics: Iterable[Diagnostic], policy: str) -> list[Diagnostic]:
    return [d for d in diagnostics if d.policy_name == policy]


def last_line(diagnostic: Diagnostic) -> str:
    """The policy's own message: the SDK puts the description on the first line."""
    return diagnostic.message.split("\n", 1)[-1]


def run(pack: PolicyPack, resources: Sequence[Resource], policy: str) -> list[Diagnostic]:
    """The diagnostics of one policy over a stack: Analyze each resource, then AnalyzeStack."""
    found: list[Diagnostic] = []
    for resource in resources:
        found += pack.analyze(resource)
    found += pack.analyze_stack(resources)
    return of(found, policy)


def messages(diagnostics: Iterable[Diagnostic]) -> list[tuple[Level, str]]:
    """Level and whole message: for the one golden-message test of each policy; other tests use `verdicts`."""
    return [(d.enforcement_level, last_line(d)) for d in diagnostics]


def verdicts(diagnostics: Iterable[Diagnostic]) -> list[tuple[str, Level, str]]:
    """(policy, level, resource name) of each diagnostic; a test adds the key phrase it is about, not the whole
    message, so a reworded message or a moved link fails only the policy's golden-message test."""
    return [(d.policy_name, d.enforcement_level, (d.urn or "").rsplit("::", 1)[-1]) for d in diagnostics]
