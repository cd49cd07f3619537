"""The policy documents, statement by statement, exactly as AWS will receive them (parsed back from JSON)."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest

from trailguard import documents as d

TRAIL = "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail"


def parsed(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The document as AWS gets it, statements by Sid (Sids must be unique to be useful)."""
    wire = json.loads(json.dumps(doc))
    assert wire["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in wire["Statement"]]
    assert len(sids) == len(set(sids)), sids
    return {s["Sid"]: s for s in wire["Statement"]}


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-central-2", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
    ],
)
def test_partition_of_region(region: str, partition: str) -> None:
    assert d.region_partition(region) == partition


def test_arns_are_built_for_their_partition() -> None:
    assert (
        d.trail_arn("aws-cn", "cn-north-1", "111111111111", "t")
        == "arn:aws-cn:cloudtrail:cn-north-1:111111111111:trail/t"
    )
    assert d.bucket_arn("aws-us-gov", "logs") == "arn:aws-us-gov:s3:::logs"
    assert d.log_group_arn("aws", "eu-west-1", "111111111111", "/cloudtrail/t") == (
        "arn:aws:logs:eu-west-1:111111111111:log-group:/cloudtrail/t"
    )
    assert d.topic_arn("aws", "eu-west-1", "111111111111", "n") == "arn:aws:sns:eu-west-1:111111111111:n"


class TestTrailBucketPolicy:
    def policy(self, **overrides: Any) -> dict[str, dict[str, Any]]:
        args: dict[str, Any] = {
            "partition": "aws",
            "bucket": "acme-cloudtrail",
            "trail_arn": TRAIL,
            "management_account_id": "111111111111",
            "organization_id": "o-a1b2c3d4e5",
        }
        return parsed(d.trail_bucket_policy(**{**args, **overrides}))

    def test_statements(self) -> None:
        assert list(self.policy()) == [
            "AWSCloudTrailAclCheck",
            "AWSCloudTrailWrite",
            "DenyInsecureTransport",
            "DenyLogVersionDeletion",
        ]

    def test_acl_check_is_bound_to_the_trail(self) -> None:
        assert self.policy()["AWSCloudTrailAclCheck"] == {
            "Sid": "AWSCloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": "arn:aws:s3:::acme-cloudtrail",
            "Condition": {"StringEquals": {"aws:SourceArn": TRAIL}},
        }

    def test_write_covers_the_management_account_and_the_organization_paths(self) -> None:
        write = self.policy()["AWSCloudTrailWrite"]
        assert write["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
        assert write["Action"] == "s3:PutObject"
        assert write["Resource"] == [
            "arn:aws:s3:::acme-cloudtrail/AWSLogs/111111111111/*",
            "arn:aws:s3:::acme-cloudtrail/AWSLogs/o-a1b2c3d4e5/*",
        ]
        assert write["Condition"] == {
            "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL}
        }

    def test_write_paths_sit_under_the_key_prefix(self) -> None:
        write = self.policy(key_prefix="cloudtrail/org")["AWSCloudTrailWrite"]
        assert write["Resource"] == [
            "arn:aws:s3:::acme-cloudtrail/cloudtrail/org/AWSLogs/111111111111/*",
            "arn:aws:s3:::acme-cloudtrail/cloudtrail/org/AWSLogs/o-a1b2c3d4e5/*",
        ]

    def test_a_single_account_trail_writes_only_its_own_path(self) -> None:
        write = self.policy(organization_id=None)["AWSCloudTrailWrite"]
        assert write["Resource"] == ["arn:aws:s3:::acme-cloudtrail/AWSLogs/111111111111/*"]

    def test_requests_without_tls_are_denied(self) -> None:
        assert self.policy(partition="aws-cn")["DenyInsecureTransport"] == {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws-cn:s3:::acme-cloudtrail", "arn:aws-cn:s3:::acme-cloudtrail/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }

    def test_no_one_deletes_a_log_version(self) -> None:
        deny = self.policy()["DenyLogVersionDeletion"]
        assert (deny["Effect"], deny["Principal"], deny["Action"], deny["Resource"]) == (
            "Deny",
            "*",
            "s3:DeleteObjectVersion",
            "arn:aws:s3:::acme-cloudtrail/*",
        )

    def test_no_allow_without_a_condition(self) -> None:
        for statement in self.policy().values():
            if statement["Effect"] == "Allow":
                assert statement["Condition"], statement["Sid"]

    def test_log_readers_may_list_and_read_the_log_prefix_only(self) -> None:
        readers = ["arn:aws:iam::333333333333:role/SecurityAudit", "arn:aws:iam::222222222222:role/Forensics"]
        policy = self.policy(key_prefix="cloudtrail", reader_principal_arns=readers)
        assert policy["AllowLogReadersList"] == {
            "Sid": "AllowLogReadersList",
            "Effect": "Allow",
            "Principal": {"AWS": sorted(readers)},
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::acme-cloudtrail",
            "Condition": {"StringLike": {"s3:prefix": "cloudtrail/AWSLogs/*"}},
        }
        assert policy["AllowLogReadersRead"] == {
            "Sid": "AllowLogReadersRead",
            "Effect": "Allow",
            "Principal": {"AWS": sorted(readers)},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-cloudtrail/cloudtrail/AWSLogs/*",
        }
        assert "AllowLogReadersRead" not in self.policy()


class TestAccessLogBucketPolicy:
    def test_server_access_logging_is_bound_to_the_source_bucket_and_account(self) -> None:
        policy = parsed(
            d.access_log_bucket_policy(
                partition="aws",
                bucket="acme-cloudtrail-access-logs",
                source_bucket="acme-cloudtrail",
                source_account_id="222222222222",
                target_prefix="s3-access-logs/",
            )
        )
        assert list(policy) == ["S3ServerAccessLogsPolicy", "DenyInsecureTransport", "DenyLogVersionDeletion"]
        assert policy["S3ServerAccessLogsPolicy"] == {
            "Sid": "S3ServerAccessLogsPolicy",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::acme-cloudtrail-access-logs/s3-access-logs/*",
            "Condition": {
                "ArnLike": {"aws:SourceArn": "arn:aws:s3:::acme-cloudtrail"},
                "StringEquals": {"aws:SourceAccount": "222222222222"},
            },
        }
        assert policy["DenyInsecureTransport"]["Resource"] == [
            "arn:aws:s3:::acme-cloudtrail-access-logs",
            "arn:aws:s3:::acme-cloudtrail-access-logs/*",
        ]


class TestTrailKeyPolicy:
    def policy(self, **overrides: Any) -> dict[str, dict[str, Any]]:
        args: dict[str, Any] = {
            "partition": "aws",
            "account_id": "222222222222",
            "region": "eu-west-1",
            "trail_arn": TRAIL,
            "trail_account_id": "111111111111",
        }
        return parsed(d.trail_key_policy(**{**args, **overrides}))

    def test_default_statements(self) -> None:
        assert list(self.policy()) == [
            "EnableRootAccountPermissions",
            "AllowCloudTrailEncryptLogs",
            "AllowCloudTrailDescribeKey",
            "AllowCloudTrailDecryptForBucketKey",
        ]

    def test_the_owning_account_root_administers_the_key(self) -> None:
        assert self.policy()["EnableRootAccountPermissions"] == {
            "Sid": "EnableRootAccountPermissions",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "kms:*",
            "Resource": "*",
        }

    def test_cloudtrail_encrypts_only_for_the_trail_account_and_the_trail(self) -> None:
        assert self.policy()["AllowCloudTrailEncryptLogs"] == {
            "Sid": "AllowCloudTrailEncryptLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:111111111111:trail/*"},
                "StringEquals": {"aws:SourceArn": TRAIL},
            },
        }

    def test_describe_and_bucket_key_decrypt_are_bound_to_the_trail(self) -> None:
        policy = self.policy()
        assert policy["AllowCloudTrailDescribeKey"]["Action"] == "kms:DescribeKey"
        assert policy["AllowCloudTrailDecryptForBucketKey"]["Action"] == "kms:Decrypt"
        for sid in ("AllowCloudTrailDescribeKey", "AllowCloudTrailDecryptForBucketKey"):
            assert policy[sid]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
            assert policy[sid]["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL}}

    def test_cloudwatch_logs_is_scoped_to_its_log_group(self) -> None:
        group = "arn:aws:logs:eu-west-1:111111111111:log-group:/cloudtrail/organization-trail"
        logs = self.policy(log_group_arn=group)["AllowCloudWatchLogsEncryption"]
        assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
        assert logs["Action"] == [
            "kms:Encrypt*",
            "kms:Decrypt*",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:Describe*",
        ]
        assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": group}}

    def test_a_monitoring_key_grants_no_log_file_encryption(self) -> None:
        topic = "arn:aws:sns:eu-west-1:111111111111:organization-trail-log-delivery"
        policy = self.policy(encrypt_trail_logs=False, topic_arn=topic)
        assert list(policy) == ["EnableRootAccountPermissions", "AllowCloudTrailPublishToEncryptedTopic"]
        publish = policy["AllowCloudTrailPublishToEncryptedTopic"]
        assert publish["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]
        assert publish["Condition"] == {
            "StringEquals": {"aws:SourceArn": TRAIL, "kms:EncryptionContext:aws:sns:topicArn": topic}
        }

    def test_readers_may_only_decrypt_through_s3(self) -> None:
        readers = ["arn:aws:iam::333333333333:role/SecurityAudit", "arn:aws:iam::222222222222:role/Athena"]
        statement = self.policy(reader_principal_arns=readers)["AllowLogReadersDecryptThroughS3"]
        assert statement["Principal"] == {"AWS": sorted(readers)}
        assert statement["Action"] == "kms:Decrypt"
        assert statement["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}

    def test_no_wildcard_principal(self) -> None:
        policy = self.policy(reader_principal_arns=["arn:aws:iam::222222222222:role/Athena"])
        for statement in policy.values():
            assert statement["Principal"] != "*"
            assert statement["Principal"] != {"AWS": "*"}


class TestCloudWatchLogsRole:
    def test_trust_names_cloudtrail_without_source_conditions(self) -> None:
        # "The role policy doesn't support the use of aws:SourceArn and aws:SourceAccount" (CloudTrail user guide,
        # cloudtrail-required-policy-for-cloudwatch-logs): a condition on either breaks delivery.
        trust = parsed(d.cloudtrail_role_trust_policy())
        assert trust == {
            "AllowCloudTrailAssumeRole": {
                "Sid": "AllowCloudTrailAssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        }

    def test_policy_allows_only_stream_creation_and_delivery_on_the_groups_streams(self) -> None:
        group = "arn:aws:logs:us-east-1:111111111111:log-group:/cloudtrail/organization-trail"
        policy = parsed(
            d.cloudtrail_logs_role_policy(
                log_group_arn=group, account_id="111111111111", region="us-east-1", organization_id="o-a1b2c3d4e5"
            )
        )
        streams = [
            f"{group}:log-stream:111111111111_CloudTrail_us-east-1*",
            f"{group}:log-stream:o-a1b2c3d4e5_*",
        ]
        assert policy == {
            "AWSCloudTrailCreateLogStream": {
                "Sid": "AWSCloudTrailCreateLogStream",
                "Effect": "Allow",
                "Action": "logs:CreateLogStream",
                "Resource": streams,
            },
            "AWSCloudTrailPutLogEvents": {
                "Sid": "AWSCloudTrailPutLogEvents",
                "Effect": "Allow",
                "Action": "logs:PutLogEvents",
                "Resource": streams,
            },
        }


def test_topic_policy_lets_only_the_trail_publish() -> None:
    topic = "arn:aws:sns:us-east-1:111111111111:organization-trail-log-delivery"
    policy = parsed(d.trail_topic_policy(topic_arn=topic, trail_arn=TRAIL))
    assert policy["AWSCloudTrailSNSPolicy"] == {
        "Sid": "AWSCloudTrailSNSPolicy",
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "SNS:Publish",
        "Resource": topic,
        "Condition": {"StringEquals": {"aws:SourceArn": TRAIL}},
    }
    assert policy["DenyInsecureTransport"]["Action"] == "SNS:Publish"
    assert policy["DenyInsecureTransport"]["Resource"] == [topic]


class TestReplication:
    def test_trust_is_bound_to_the_source_bucket_and_account(self) -> None:
        trust = parsed(
            d.replication_role_trust_policy(partition="aws", source_bucket="acme-cloudtrail", account_id="222222222222")
        )["AllowS3ReplicationAssumeRole"]
        assert trust["Principal"] == {"Service": "s3.amazonaws.com"}
        assert trust["Condition"] == {
            "StringEquals": {"aws:SourceAccount": "222222222222"},
            "ArnLike": {"aws:SourceArn": "arn:aws:s3:::acme-cloudtrail"},
        }

    def test_policy_reads_the_source_writes_the_replica_and_never_replicates_deletes(self) -> None:
        policy = parsed(
            d.replication_role_policy(
                partition="aws",
                source_bucket="acme-cloudtrail",
                source_region="us-east-1",
                source_key_arn="arn:aws:kms:us-east-1:222222222222:key/source",
                replica_bucket="acme-cloudtrail-replica",
                replica_region="us-west-2",
                replica_key_arn="arn:aws:kms:us-west-2:222222222222:key/replica",
            )
        )
        assert policy["WriteReplicas"]["Action"] == ["s3:ReplicateObject", "s3:ReplicateTags"]
        assert policy["WriteReplicas"]["Resource"] == "arn:aws:s3:::acme-cloudtrail-replica/*"
        assert policy["DecryptSourceObjects"]["Resource"] == "arn:aws:kms:us-east-1:222222222222:key/source"
        assert policy["DecryptSourceObjects"]["Condition"]["StringEquals"] == {
            "kms:ViaService": "s3.us-east-1.amazonaws.com"
        }
        assert policy["EncryptReplicas"]["Condition"]["StringEquals"] == {
            "kms:ViaService": "s3.us-west-2.amazonaws.com"
        }
        # The replica bucket has an S3 Bucket Key: replication calls kms:Decrypt on the replica key too
        # (S3 user guide, replication-config-for-kms-objects, "S3 Bucket Keys and replication").
        assert policy["EncryptReplicas"]["Resource"] == "arn:aws:kms:us-west-2:222222222222:key/replica"
        assert policy["EncryptReplicas"]["Action"] == ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]
        every_action = [
            a for s in policy.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        ]
        assert "s3:ReplicateDelete" not in every_action


IDENTITY_POLICIES = {
    "CloudWatch Logs delivery role": d.cloudtrail_logs_role_policy(
        log_group_arn="arn:aws:logs:us-east-1:111111111111:log-group:/cloudtrail/organization-trail",
        account_id="111111111111",
        region="us-east-1",
        organization_id="o-a1b2c3d4e5",
    ),
    "replication role": d.replication_role_policy(
        partition="aws",
        source_bucket="acme-cloudtrail",
        source_region="us-east-1",
        source_key_arn="arn:aws:kms:us-east-1:222222222222:key/source",
        replica_bucket="acme-cloudtrail-replica",
        replica_region="us-west-2",
        replica_key_arn="arn:aws:kms:us-west-2:222222222222:key/replica",
    ),
}


@pytest.mark.parametrize("document", IDENTITY_POLICIES.values(), ids=IDENTITY_POLICIES.keys())
def test_role_policies_pass_the_iam_linter(document: dict[str, Any]) -> None:
    """parliament knows every action, resource format and condition key; it finds nothing to flag here."""
    with warnings.catch_warnings():
        # parliament imports pkg_resources and leaves its data files open at import; neither is ours to fix.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", ResourceWarning)
        from parliament import analyze_policy_string
    findings = analyze_policy_string(json.dumps(document)).findings
    assert [(f.issue, f.detail) for f in findings] == []
