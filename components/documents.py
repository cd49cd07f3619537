"""Pure functions that build the IAM, bucket, key and topic policy documents of an organization trail.

Each returns a plain dict (serialise it with `json.dumps` where a resource takes the policy), every
statement has a named `Sid` so reviewers and the policy pack can find it, and every ARN is built for
the partition it lives in (`aws`, `aws-cn`, `aws-us-gov`, ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trailguard_policies import regions

PolicyDocument = dict[str, Any]
Statement = dict[str, Any]

VERSION = "2012-10-17"
CLOUDTRAIL = "cloudtrail.amazonaws.com"
S3_LOGGING = "logging.s3.amazonaws.com"
S3_SERVICE = "s3.amazonaws.com"


# --- ARNs --------------------------------------------------------------------------------------------


def region_partition(region: str) -> str:
    """The AWS partition a Region belongs to, e.g. `aws-cn` for `cn-north-1` (by the AWS SDK's partition data)."""
    partition = regions.region_partition(region)
    if partition is None:
        raise ValueError(f"{region!r} is not an AWS Region name")
    return partition


def trail_arn(partition: str, region: str, account_id: str, trail_name: str) -> str:
    """The ARN a trail will have once created: known before it exists, so other accounts can name it."""
    return f"arn:{partition}:cloudtrail:{region}:{account_id}:trail/{trail_name}"


def bucket_arn(partition: str, bucket: str) -> str:
    return f"arn:{partition}:s3:::{bucket}"


def log_group_arn(partition: str, region: str, account_id: str, name: str) -> str:
    """A log group's ARN without the `:*` suffix (append it where CloudTrail asks for the group)."""
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{name}"


def topic_arn(partition: str, region: str, account_id: str, name: str) -> str:
    return f"arn:{partition}:sns:{region}:{account_id}:{name}"


def root_arn(partition: str, account_id: str) -> str:
    return f"arn:{partition}:iam::{account_id}:root"


def log_prefix(key_prefix: str | None) -> str:
    """The object-key prefix CloudTrail writes under: `<prefix>/AWSLogs` or `AWSLogs`."""
    return f"{key_prefix}/AWSLogs" if key_prefix else "AWSLogs"


def _document(*statements: Statement) -> PolicyDocument:
    return {"Version": VERSION, "Statement": list(statements)}


def _deny_insecure_transport(resources: Sequence[str], action: str = "s3:*") -> Statement:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": list(resources),
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _deny_version_deletion(bucket_arn_: str) -> Statement:
    # With versioning on, DeleteObject only adds a delete marker; deleting a *version* is what loses a log.
    # Lifecycle expiration is not subject to bucket policies, so configured retention still works.
    return {
        "Sid": "DenyLogVersionDeletion",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:DeleteObjectVersion",
        "Resource": f"{bucket_arn_}/*",
    }


# --- S3 ----------------------------------------------------------------------------------------------


def trail_bucket_policy(
    *,
    partition: str,
    bucket: str,
    trail_arn: str,
    management_account_id: str,
    organization_id: str | None,
    key_prefix: str | None = None,
    reader_principal_arns: Sequence[str] = (),
) -> PolicyDocument:
    """The policy of the bucket an (organization) trail delivers to.

    CloudTrail writes the management account's own logs under `AWSLogs/<management-account>/` and the
    member accounts' under `AWSLogs/<organization-id>/`; both paths must be writable or CreateTrail fails
    with InsufficientS3BucketPolicyException. Every grant is bound to the one trail by `aws:SourceArn`
    (confused-deputy protection). See
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html

    `reader_principal_arns` may list the log prefix and read its objects: the key policy lets them decrypt, and
    reading needs S3's own grant too. "To allow cross-account access, you attach a resource-based policy to the
    resource that you want to share. You must also attach an identity-based policy to the identity that acts as
    the principal in the request." (IAM user guide, reference_policies_evaluation-logic-cross-account): this bucket
    policy and the key policy are the resource side; the readers' own account grants the identity side.
    """
    arn = bucket_arn(partition, bucket)
    prefix = log_prefix(key_prefix)
    writable = [f"{arn}/{prefix}/{management_account_id}/*"]
    if organization_id:
        writable.append(f"{arn}/{prefix}/{organization_id}/*")
    readers = _log_readers(arn, prefix, reader_principal_arns) if reader_principal_arns else []
    return _document(
        {
            "Sid": "AWSCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "s3:GetBucketAcl",
            "Resource": arn,
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
        },
        {
            "Sid": "AWSCloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "s3:PutObject",
            "Resource": writable,
            "Condition": {
                "StringEquals": {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    "aws:SourceArn": trail_arn,
                }
            },
        },
        *readers,
        _deny_insecure_transport([arn, f"{arn}/*"]),
        _deny_version_deletion(arn),
    )


def _log_readers(arn: str, prefix: str, principals: Sequence[str]) -> list[Statement]:
    """List the log prefix and read the log files under it: nothing else in the bucket, no writes."""
    who = {"AWS": sorted(principals)}
    return [
        {
            "Sid": "AllowLogReadersList",
            "Effect": "Allow",
            "Principal": who,
            "Action": "s3:ListBucket",
            "Resource": arn,
            "Condition": {"StringLike": {"s3:prefix": f"{prefix}/*"}},
        },
        {
            "Sid": "AllowLogReadersRead",
            "Effect": "Allow",
            "Principal": who,
            "Action": "s3:GetObject",
            "Resource": f"{arn}/{prefix}/*",
        },
    ]


def access_log_bucket_policy(
    *,
    partition: str,
    bucket: str,
    source_bucket: str,
    source_account_id: str,
    target_prefix: str,
) -> PolicyDocument:
    """The policy of the bucket S3 server access logs of the trail bucket are delivered into.

    S3 delivers as the `logging.s3.amazonaws.com` service principal (ACL grants do not work with
    BucketOwnerEnforced); the grant is bound to the source bucket and account. See
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
    """
    arn = bucket_arn(partition, bucket)
    return _document(
        {
            "Sid": "S3ServerAccessLogsPolicy",
            "Effect": "Allow",
            "Principal": {"Service": S3_LOGGING},
            "Action": "s3:PutObject",
            "Resource": f"{arn}/{target_prefix}*",
            "Condition": {
                "ArnLike": {"aws:SourceArn": bucket_arn(partition, source_bucket)},
                "StringEquals": {"aws:SourceAccount": source_account_id},
            },
        },
        _deny_insecure_transport([arn, f"{arn}/*"]),
        _deny_version_deletion(arn),
    )


def replica_bucket_policy(*, partition: str, bucket: str) -> PolicyDocument:
    """The replica bucket only needs TLS enforced and its versions kept: replication writes through IAM."""
    arn = bucket_arn(partition, bucket)
    return _document(_deny_insecure_transport([arn, f"{arn}/*"]), _deny_version_deletion(arn))


def replication_role_trust_policy(*, partition: str, source_bucket: str, account_id: str) -> PolicyDocument:
    """Lets S3 assume the replication role, for this source bucket only."""
    return _document(
        {
            "Sid": "AllowS3ReplicationAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": S3_SERVICE},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": bucket_arn(partition, source_bucket)},
            },
        }
    )


def replication_role_policy(
    *,
    partition: str,
    source_bucket: str,
    source_region: str,
    source_key_arn: str,
    replica_bucket: str,
    replica_region: str,
    replica_key_arn: str,
) -> PolicyDocument:
    """What S3 replication of SSE-KMS objects needs, and nothing more. See
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
    """
    source = bucket_arn(partition, source_bucket)
    replica = bucket_arn(partition, replica_bucket)
    return _document(
        {
            "Sid": "ReadReplicationConfiguration",
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": source,
        },
        {
            "Sid": "ReadSourceObjectVersions",
            "Effect": "Allow",
            "Action": [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
                "s3:GetObjectRetention",
                "s3:GetObjectLegalHold",
            ],
            "Resource": f"{source}/*",
        },
        {
            "Sid": "WriteReplicas",
            "Effect": "Allow",
            "Action": ["s3:ReplicateObject", "s3:ReplicateTags"],
            "Resource": f"{replica}/*",
        },
        {
            "Sid": "DecryptSourceObjects",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": source_key_arn,
            "Condition": {
                "StringEquals": {"kms:ViaService": f"s3.{source_region}.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": [source, f"{source}/*"]},
            },
        },
        {
            # kms:Decrypt as well: the replica bucket uses an S3 Bucket Key. "To use replication with an S3 Bucket
            # Key, the AWS KMS key policy for the KMS key that's used to encrypt the object replica must include the
            # kms:Decrypt permission for the calling principal." (S3 user guide, replication-config-for-kms-objects,
            # "S3 Bucket Keys and replication"). The replica key policy delegates to IAM (its root statement), so
            # this grant is what that calling principal, the replication role, is allowed; naming the role in the
            # key policy itself would make CreateKey depend on a role KMS may not see yet ("The principals in the
            # key policy must exist and be visible to KMS", KMS API reference, CreateKey).
            "Sid": "EncryptReplicas",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": replica_key_arn,
            "Condition": {
                "StringEquals": {"kms:ViaService": f"s3.{replica_region}.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": [replica, f"{replica}/*"]},
            },
        },
    )


# --- KMS ---------------------------------------------------------------------------------------------


def key_root_statement(partition: str, account_id: str) -> Statement:
    """The first statement of every trailguard key policy: the owning account's root may do anything with the key.

    It keeps the key manageable through IAM; without it KMS refuses the policy (lockout safety check) and nobody
    could ever rotate readers or schedule deletion.
    """
    return {
        "Sid": "EnableRootAccountPermissions",
        "Effect": "Allow",
        "Principal": {"AWS": root_arn(partition, account_id)},
        "Action": "kms:*",
        "Resource": "*",
    }


def trail_key_policy(
    *,
    partition: str,
    account_id: str,
    region: str,
    trail_arn: str,
    trail_account_id: str,
    encrypt_trail_logs: bool = True,
    log_group_arn: str | None = None,
    topic_arn: str | None = None,
    reader_principal_arns: Sequence[str] = (),
) -> PolicyDocument:
    """The key policy of a customer-managed key used by a trail.

    - `encrypt_trail_logs`: CloudTrail may encrypt log and digest files for that trail only (encryption context
      of the trail account's trails AND `aws:SourceArn`), describe the key, and decrypt, which CloudTrail
      needs to create or update a trail whose bucket uses an S3 Bucket Key. See
      https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
    - `log_group_arn` set: the Region's CloudWatch Logs principal may use the key for that log group only. See
      https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    - `topic_arn` set: CloudTrail may publish to that KMS-encrypted SNS topic (SNS encrypts with the
      publisher's permissions), bound to the trail and the topic.
    - `reader_principal_arns`: decrypt-only, and only through S3 in the key's Region: readers can read the
      delivered logs but cannot use the key for anything else.
    """
    statements: list[Statement] = [key_root_statement(partition, account_id)]
    source = {"aws:SourceArn": trail_arn}
    if encrypt_trail_logs:
        statements += [
            {
                "Sid": "AllowCloudTrailEncryptLogs",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    "StringLike": {
                        "kms:EncryptionContext:aws:cloudtrail:arn": (
                            f"arn:{partition}:cloudtrail:*:{trail_account_id}:trail/*"
                        )
                    },
                    "StringEquals": source,
                },
            },
            {
                "Sid": "AllowCloudTrailDescribeKey",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL},
                "Action": "kms:DescribeKey",
                "Resource": "*",
                "Condition": {"StringEquals": source},
            },
            {
                # The trail bucket uses an S3 Bucket Key: CloudTrail then needs kms:Decrypt to create or
                # update the trail (see the CloudTrail key-policy page cited above).
                "Sid": "AllowCloudTrailDecryptForBucketKey",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": source},
            },
        ]
    if log_group_arn is not None:
        statements.append(
            {
                "Sid": "AllowCloudWatchLogsEncryption",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                "Resource": "*",
                "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arn}},
            }
        )
    if topic_arn is not None:
        statements.append(
            {
                "Sid": "AllowCloudTrailPublishToEncryptedTopic",
                "Effect": "Allow",
                "Principal": {"Service": CLOUDTRAIL},
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "aws:SourceArn": trail_arn,
                        "kms:EncryptionContext:aws:sns:topicArn": topic_arn,
                    }
                },
            }
        )
    if reader_principal_arns:
        statements.append(
            {
                "Sid": "AllowLogReadersDecryptThroughS3",
                "Effect": "Allow",
                "Principal": {"AWS": sorted(reader_principal_arns)},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            }
        )
    return _document(*statements)


def replica_key_policy(*, partition: str, account_id: str) -> PolicyDocument:
    """The replica key is used only by the replication role, which its IAM policy authorises."""
    return _document(key_root_statement(partition, account_id))


# --- IAM role CloudTrail assumes to deliver to CloudWatch Logs -----------------------------------------


def cloudtrail_role_trust_policy() -> PolicyDocument:
    """Lets CloudTrail assume the delivery role, with no condition: AWS documents none for this role.

    "Confused deputy prevention is not applicable to the role policy for CloudWatch Logs monitoring. The role
    policy doesn't support the use of aws:SourceArn and aws:SourceAccount." (CloudTrail user guide,
    cloudtrail-required-policy-for-cloudwatch-logs). Such a condition breaks delivery (prowler-cloud/prowler#4714);
    the permissions policy is what keeps the role least-privilege: it writes only this group's CloudTrail streams.
    """
    return _document(
        {
            "Sid": "AllowCloudTrailAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "sts:AssumeRole",
        }
    )


def cloudtrail_logs_role_policy(
    *,
    log_group_arn: str,
    account_id: str,
    region: str,
    organization_id: str | None,
) -> PolicyDocument:
    """Only CreateLogStream and PutLogEvents, only on this group's CloudTrail streams.

    CloudTrail names the streams `<account>_CloudTrail_<region>...` for the account's own events and
    `<organization-id>_...` for an organization trail's member accounts. See
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html
    """
    streams = [f"{log_group_arn}:log-stream:{account_id}_CloudTrail_{region}*"]
    if organization_id:
        streams.append(f"{log_group_arn}:log-stream:{organization_id}_*")
    return _document(
        {
            "Sid": "AWSCloudTrailCreateLogStream",
            "Effect": "Allow",
            "Action": "logs:CreateLogStream",
            "Resource": streams,
        },
        {
            "Sid": "AWSCloudTrailPutLogEvents",
            "Effect": "Allow",
            "Action": "logs:PutLogEvents",
            "Resource": streams,
        },
    )


# --- SNS ---------------------------------------------------------------------------------------------


def trail_topic_policy(*, topic_arn: str, trail_arn: str) -> PolicyDocument:
    """Lets this trail (and only it) publish log-file delivery notifications. See
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-permissions-for-sns-notifications.html
    """
    return _document(
        {
            "Sid": "AWSCloudTrailSNSPolicy",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "SNS:Publish",
            "Resource": topic_arn,
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
        },
        _deny_insecure_transport([topic_arn], action="SNS:Publish"),
    )
