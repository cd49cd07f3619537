"""Live state as boto3 returns it, for tests that need no endpoint: one well-built trail and everything it uses."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from trailguard import documents
from trailguard_gate.audit.collect import (
    BucketState,
    Gap,
    KeyState,
    LogGroupState,
    RegionState,
    RoleState,
    TrailState,
)

ACCOUNT = "111111111111"
REGION = "us-east-1"
TRAIL_NAME = "org-trail"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{TRAIL_NAME}"
BUCKET = "acme-cloudtrail-logs"
ACCESS_LOG_BUCKET = "acme-cloudtrail-logs-access"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
GROUP = "/aws/cloudtrail/org-trail"
GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}"
ROLE = "org-trail-cloudwatch"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE}"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def trail_description(**overrides: Any) -> dict[str, Any]:
    description = {
        "Name": TRAIL_NAME,
        "S3BucketName": BUCKET,
        "IncludeGlobalServiceEvents": True,
        "IsMultiRegionTrail": True,
        "HomeRegion": REGION,
        "TrailARN": TRAIL_ARN,
        "LogFileValidationEnabled": True,
        "CloudWatchLogsLogGroupArn": f"{GROUP_ARN}:*",
        "CloudWatchLogsRoleArn": ROLE_ARN,
        "KmsKeyId": KEY_ARN,
        "HasCustomEventSelectors": True,
        "HasInsightSelectors": True,
        "IsOrganizationTrail": False,
    }
    description.update(overrides)
    return description


def healthy_status(now: datetime = NOW) -> dict[str, Any]:
    return {
        "IsLogging": True,
        "StartLoggingTime": now - timedelta(days=100),
        "LatestDeliveryTime": now - timedelta(minutes=4),
        "LatestDigestDeliveryTime": now - timedelta(minutes=40),
        "LatestCloudWatchLogsDeliveryTime": now - timedelta(minutes=2),
    }


def trail(**overrides: Any) -> TrailState:
    state = TrailState(
        description=trail_description(),
        status=healthy_status(),
        selectors={
            "TrailARN": TRAIL_ARN,
            "AdvancedEventSelectors": [
                {
                    "Name": "Management events",
                    "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
                },
                {
                    "Name": "S3 data events, except the trail's own bucket",
                    "FieldSelectors": [
                        {"Field": "eventCategory", "Equals": ["Data"]},
                        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                        {"Field": "resources.ARN", "NotStartsWith": [f"arn:aws:s3:::{BUCKET}/"]},
                    ],
                },
            ],
        },
        insights=[{"InsightType": "ApiCallRateInsight"}, {"InsightType": "ApiErrorRateInsight"}],
        tags={"owner": "security"},
    )
    return replace(state, **overrides)


def bucket(**overrides: Any) -> BucketState:
    state = BucketState(
        name=BUCKET,
        region=REGION,
        policy=json.dumps(
            documents.trail_bucket_policy(
                partition="aws",
                bucket=BUCKET,
                trail_arn=TRAIL_ARN,
                management_account_id=ACCOUNT,
                organization_id="o-a1b2c3d4e5",
            )
        ),
        encryption=[
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN},
                "BucketKeyEnabled": True,
            }
        ],
        public_access_block={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
        ownership=[{"ObjectOwnership": "BucketOwnerEnforced"}],
        versioning={"Status": "Enabled", "MFADelete": "Disabled"},
        logging={
            "TargetBucket": ACCESS_LOG_BUCKET,
            "TargetPrefix": "access-logs/",
            "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}},
        },
        lifecycle=[
            {
                "ID": "trail-logs",
                "Filter": {"And": {"Prefix": "AWSLogs/", "Tags": [{"Key": "class", "Value": "logs"}]}},
                "Status": "Enabled",
                "Transitions": [{"Days": 90, "StorageClass": "GLACIER_IR"}],
                "NoncurrentVersionExpiration": {"NoncurrentDays": 400},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            }
        ],
        website=Gap.ABSENT,
        object_lock={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365}}},
        tags={"owner": "security"},
    )
    return replace(state, **overrides)


def access_log_bucket() -> BucketState:
    return BucketState(
        name=ACCESS_LOG_BUCKET,
        region=REGION,
        policy=Gap.ABSENT,
        encryption=[{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}],
        public_access_block=Gap.ABSENT,
        ownership=Gap.ABSENT,
        versioning=Gap.ABSENT,
        logging=Gap.ABSENT,
        lifecycle=Gap.ABSENT,
        website=Gap.ABSENT,
        object_lock=Gap.ABSENT,
        tags={},
    )


def key(**overrides: Any) -> KeyState:
    metadata = {
        "AWSAccountId": ACCOUNT,
        "KeyId": KEY_ID,
        "Arn": KEY_ARN,
        "Enabled": True,
        "Description": "CloudTrail: trail org-trail",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "KeyManager": "CUSTOMER",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "MultiRegion": False,
    }
    metadata.update(overrides.pop("metadata", {}))
    state = KeyState(
        arn=KEY_ARN,
        metadata=metadata,
        policy=json.dumps(
            documents.trail_key_policy(
                partition="aws", account_id=ACCOUNT, region=REGION, trail_arn=TRAIL_ARN, trail_account_id=ACCOUNT
            )
        ),
        rotation={"KeyRotationEnabled": True, "RotationPeriodInDays": 365},
        aliases=("alias/cloudtrail/org-trail/logs",),
        tags={"owner": "security"},
    )
    return replace(state, **overrides)


def log_group() -> LogGroupState:
    return LogGroupState(
        arn=GROUP_ARN,
        region=REGION,
        description={
            "logGroupName": GROUP,
            "retentionInDays": 365,
            "kmsKeyId": KEY_ARN,
            "logGroupClass": "STANDARD",
            "deletionProtectionEnabled": True,
            "arn": f"{GROUP_ARN}:*",
        },
        tags={"owner": "security"},
    )


def role(**overrides: Any) -> RoleState:
    state = RoleState(
        role={
            "Path": "/",
            "RoleName": ROLE,
            "RoleId": "AROAEXAMPLE",
            "Arn": ROLE_ARN,
            "AssumeRolePolicyDocument": documents.cloudtrail_role_trust_policy(),
            "MaxSessionDuration": 3600,
            "Tags": [{"Key": "owner", "Value": "security"}],
        },
        inline={
            "cloudtrail-delivery": documents.cloudtrail_logs_role_policy(
                log_group_arn=GROUP_ARN, account_id=ACCOUNT, region=REGION, organization_id=None
            )
        },
        attached=(),
    )
    return replace(state, **overrides)


def region_state(**overrides: Any) -> RegionState:
    state = RegionState(
        account_id=ACCOUNT,
        region=REGION,
        partition="aws",
        trails=(trail(),),
        covering=(trail_description(),),
        buckets={BUCKET: bucket(), ACCESS_LOG_BUCKET: access_log_bucket()},
        keys={KEY_ARN: key()},
        key_refs={KEY_ARN: KEY_ARN, KEY_ID: KEY_ARN},
        log_groups={GROUP_ARN: log_group()},
        roles={ROLE_ARN: role()},
    )
    return replace(state, **overrides)
