"""TrailBucket: both buckets hardened, the policies statement by statement, lifecycle, Object Lock, replication."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trailguard import TrailBucket, TrailBucketArgs
from trailguard_gate.mocks import Rendering, render

TRAIL = "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail"
KEY_ARN = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BASE: TrailBucketArgs = {
    "bucket": "acme-cloudtrail",
    "kms_key_arn": KEY_ARN,
    "trail_name": "organization-trail",
    "management_account_id": "111111111111",
    "organization_id": "o-a1b2c3d4e5",
    "tags": {"Owner": "security"},
}
Statements = Callable[..., dict[str, dict[str, Any]]]


def render_bucket(**overrides: Any) -> Rendering:
    args: TrailBucketArgs = {**BASE, **overrides}  # type: ignore[typeddict-item]
    return render(lambda: TrailBucket("logs", args), config={"aws:region": "us-east-1"})


@pytest.fixture(scope="module")
def plain() -> Rendering:
    return render_bucket()


@pytest.fixture(scope="module")
def full() -> Rendering:
    return render_bucket(
        s3_key_prefix="cloudtrail",
        expiration_days=2557,
        object_lock={"mode": "COMPLIANCE", "days": 365},
        replication={"region": "us-west-2"},
    )


def of_bucket(rendering: Rendering, token: str, bucket: str) -> dict[str, Any]:
    """The one `token` resource configuring `bucket`."""
    found = [r for r in rendering.by_type(token) if r.properties.get("bucket") == bucket]
    assert len(found) == 1, (token, bucket, [r.name for r in found])
    return found[0].properties


def test_children_are_named_after_the_component_and_parented_to_it(plain: Rendering) -> None:
    component = plain.one("trailguard:index:TrailBucket")
    children = [r for r in plain.resources if r is not component]
    assert {r.parent for r in children} == {component.urn}
    assert all(r.name.startswith("logs-") for r in children)
    assert sorted(r.name for r in children) == [
        "logs-access-log-bucket",
        "logs-access-log-encryption",
        "logs-access-log-lifecycle",
        "logs-access-log-ownership-controls",
        "logs-access-log-policy",
        "logs-access-log-public-access-block",
        "logs-access-log-versioning",
        "logs-bucket",
        "logs-encryption",
        "logs-lifecycle",
        "logs-logging",
        "logs-ownership-controls",
        "logs-policy",
        "logs-public-access-block",
        "logs-versioning",
    ]


@pytest.mark.parametrize("bucket", ["acme-cloudtrail", "acme-cloudtrail-access-logs"])
def test_both_buckets_are_never_destroyed(plain: Rendering, bucket: str) -> None:
    [resource] = [r for r in plain.by_type("aws:s3/bucket:Bucket") if r.properties["bucket"] == bucket]
    assert resource.properties["forceDestroy"] is False
    assert resource.options.protect is True
    assert resource.options.retain_on_delete is True
    assert resource.properties["tags"] == {"Owner": "security"}


@pytest.mark.parametrize("bucket", ["acme-cloudtrail", "acme-cloudtrail-access-logs"])
def test_both_buckets_block_public_access_enforce_ownership_and_version(plain: Rendering, bucket: str) -> None:
    assert of_bucket(plain, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket) == {
        "bucket": bucket,
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    assert of_bucket(plain, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", bucket)["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"
    }
    assert of_bucket(plain, "aws:s3/bucketVersioning:BucketVersioning", bucket)["versioningConfiguration"] == {
        "status": "Enabled"
    }


def test_trail_bucket_encrypts_with_the_key_and_a_bucket_key(plain: Rendering) -> None:
    sse = of_bucket(
        plain,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "acme-cloudtrail",
    )
    assert sse["rules"] == [
        {
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN},
            "bucketKeyEnabled": True,
        }
    ]


def test_access_log_bucket_uses_the_encryption_server_access_logging_can_deliver_into(plain: Rendering) -> None:
    sse = of_bucket(
        plain,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "acme-cloudtrail-access-logs",
    )
    assert sse["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]


def test_trail_bucket_access_is_logged_into_the_access_log_bucket(plain: Rendering) -> None:
    logging = plain.named("logs-logging")
    assert logging.properties == {
        "bucket": "acme-cloudtrail",
        "targetBucket": "acme-cloudtrail-access-logs",
        "targetPrefix": "s3-access-logs/",
        "targetObjectKeyFormat": {"partitionedPrefix": {"partitionDateSource": "EventTime"}},
    }
    # Logging is switched on only once S3's logging principal may write there.
    assert plain.named("logs-access-log-policy").urn in logging.dependencies


def test_trail_bucket_policy(plain: Rendering, statements: Statements) -> None:
    policy = statements(plain.named("logs-policy"))
    assert list(policy) == [
        "AWSCloudTrailAclCheck",
        "AWSCloudTrailWrite",
        "DenyInsecureTransport",
        "DenyLogVersionDeletion",
    ]
    assert policy["AWSCloudTrailAclCheck"]["Resource"] == "arn:aws:s3:::acme-cloudtrail"
    assert policy["AWSCloudTrailAclCheck"]["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL}}
    assert policy["AWSCloudTrailWrite"]["Resource"] == [
        "arn:aws:s3:::acme-cloudtrail/AWSLogs/111111111111/*",
        "arn:aws:s3:::acme-cloudtrail/AWSLogs/o-a1b2c3d4e5/*",
    ]
    assert policy["AWSCloudTrailWrite"]["Condition"] == {
        "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL}
    }
    assert policy["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # The policy goes on after the public access block, which would otherwise race it.
    assert plain.named("logs-public-access-block").urn in plain.named("logs-policy").dependencies


def test_policy_paths_follow_the_key_prefix(full: Rendering, statements: Statements) -> None:
    assert statements(full.named("logs-policy"))["AWSCloudTrailWrite"]["Resource"] == [
        "arn:aws:s3:::acme-cloudtrail/cloudtrail/AWSLogs/111111111111/*",
        "arn:aws:s3:::acme-cloudtrail/cloudtrail/AWSLogs/o-a1b2c3d4e5/*",
    ]


def test_access_log_bucket_policy(plain: Rendering, statements: Statements) -> None:
    policy = statements(plain.named("logs-access-log-policy"))
    assert list(policy) == ["S3ServerAccessLogsPolicy", "DenyInsecureTransport", "DenyLogVersionDeletion"]
    assert policy["S3ServerAccessLogsPolicy"]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert policy["S3ServerAccessLogsPolicy"]["Resource"] == "arn:aws:s3:::acme-cloudtrail-access-logs/s3-access-logs/*"
    assert policy["S3ServerAccessLogsPolicy"]["Condition"] == {
        "ArnLike": {"aws:SourceArn": "arn:aws:s3:::acme-cloudtrail"},
        "StringEquals": {"aws:SourceAccount": "111111111111"},
    }


def test_lifecycle_moves_logs_to_colder_storage_and_keeps_them_by_default(plain: Rendering) -> None:
    lifecycle = of_bucket(plain, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "acme-cloudtrail")
    # KB-sized log files stay in S3 Standard: archiving each would add 40 KB of billed metadata and a transition
    # request (S3 user guide, lifecycle-transition-general-considerations); only objects of 128 KB and more move.
    assert lifecycle["transitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    [rule] = lifecycle["rules"]
    assert rule == {
        "id": "trail-logs-retention",
        "status": "Enabled",
        "filter": {"prefix": ""},
        "transitions": [{"days": 90, "storageClass": "GLACIER"}],
        "noncurrentVersionTransitions": [{"noncurrentDays": 90, "storageClass": "GLACIER"}],
        "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
    }


def test_lifecycle_expires_only_when_configured(full: Rendering) -> None:
    [rule] = of_bucket(full, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "acme-cloudtrail")[
        "rules"
    ]
    assert rule["expiration"] == {"days": 2557}
    assert rule["noncurrentVersionExpiration"] == {"noncurrentDays": 2557}


def test_access_log_bucket_has_a_lifecycle_too(plain: Rendering) -> None:
    [rule] = of_bucket(
        plain, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "acme-cloudtrail-access-logs"
    )["rules"]
    assert rule["id"] == "access-logs-retention"
    assert rule["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}


def test_no_object_lock_or_replication_by_default(plain: Rendering) -> None:
    assert plain.by_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration") == []
    assert plain.by_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig") == []


def test_object_lock_is_enabled_without_replacing_the_bucket(full: Rendering) -> None:
    lock = full.named("logs-object-lock")
    assert lock.properties == {
        "bucket": "acme-cloudtrail",
        "objectLockEnabled": "Enabled",
        "rule": {"defaultRetention": {"mode": "COMPLIANCE", "days": 365}},
    }
    assert full.named("logs-versioning").urn in lock.dependencies
    # The bucket's own objectLockEnabled would force a replacement; it stays unset.
    assert "objectLockEnabled" not in full.named("logs-bucket").properties


def test_replica_bucket_and_key_live_in_the_second_region_and_are_kept(full: Rendering) -> None:
    replica, key = full.named("logs-replica-bucket"), full.named("logs-replica-key")
    assert replica.properties["bucket"] == "acme-cloudtrail-replica"
    assert replica.properties["region"] == key.properties["region"] == "us-west-2"
    for resource in (replica, key):
        assert (resource.options.protect, resource.options.retain_on_delete) == (True, True)
    assert key.properties["enableKeyRotation"] is True
    assert full.named("logs-replica-object-lock").properties["region"] == "us-west-2"


def test_the_replica_is_hardened_logged_and_aged_in_its_own_region(full: Rendering) -> None:
    replica, access_logs = "acme-cloudtrail-replica", "acme-cloudtrail-replica-access-logs"
    for token in (
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketPolicy:BucketPolicy",
    ):
        for bucket in (replica, access_logs):
            assert of_bucket(full, token, bucket)["region"] == "us-west-2", (token, bucket)
    logging = of_bucket(full, "aws:s3/bucketLogging:BucketLogging", replica)
    assert (logging["targetBucket"], logging["region"]) == (access_logs, "us-west-2")
    encryption = of_bucket(
        full, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", replica
    )
    assert encryption["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].startswith(
        "arn:aws:kms:us-west-2:"
    )
    [rule] = of_bucket(full, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", replica)["rules"]
    assert rule["expiration"] == {"days": 2557}


def test_replication_never_replicates_deletions(full: Rendering) -> None:
    replication = full.named("logs-replication")
    [rule] = replication.properties["rules"]
    assert rule["status"] == "Enabled"
    assert rule["deleteMarkerReplication"] == {"status": "Disabled"}
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}
    assert rule["destination"]["bucket"] == "arn:aws:s3:::acme-cloudtrail-replica"
    assert rule["destination"]["encryptionConfiguration"]["replicaKmsKeyId"].startswith("arn:aws:kms:us-west-2:")
    for dependency in ("logs-versioning", "logs-replica-versioning", "logs-replication-role-policy"):
        assert full.named(dependency).urn in replication.dependencies


def test_replication_role_reads_only_the_source_and_writes_only_the_replica(
    full: Rendering, statements: Statements
) -> None:
    trust = statements(full.named("logs-replication-role"), "assumeRolePolicy")
    assert trust["AllowS3ReplicationAssumeRole"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:s3:::acme-cloudtrail"
    }
    policy = statements(full.named("logs-replication-role-policy"))
    assert policy["DecryptSourceObjects"]["Resource"] == KEY_ARN
    assert policy["WriteReplicas"]["Resource"] == "arn:aws:s3:::acme-cloudtrail-replica/*"


def test_every_taggable_child_is_tagged(full: Rendering, taggable: Callable[[str], bool]) -> None:
    tagged = [r for r in full.resources if taggable(r.type)]
    assert {r.name for r in tagged} == {
        "logs-bucket",
        "logs-access-log-bucket",
        "logs-replica-bucket",
        "logs-replica-access-log-bucket",
        "logs-replica-key",
        "logs-replication-role",
    }
    for resource in tagged:
        assert resource.properties.get("tags") == {"Owner": "security"}, resource.name


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"bucket": "Acme_Logs"},
            "TrailBucket 'logs': bucket: 'Acme_Logs' is not a valid S3 bucket name (it may contain only lowercase "
            "letters, digits, hyphens and periods); expected 3-63 lowercase letters, digits, hyphens or periods, "
            "starting and ending with a letter or digit, e.g. acme-cloudtrail-logs",
        ),
        (
            {"organization_id": "o-123"},
            "TrailBucket 'logs': organization_id: 'o-123' is not an organization id; expected 'o-' followed by "
            "10-32 lowercase letters or digits, e.g. o-a1b2c3d4e5",
        ),
        (
            {"s3_key_prefix": "/cloudtrail/"},
            "TrailBucket 'logs': s3_key_prefix: '/cloudtrail/' is not a valid S3 key prefix; expected up to 200 "
            "letters, digits or ! _ . * ' ( ) / -, with no leading, trailing or doubled slash, e.g. cloudtrail",
        ),
    ],
)
def test_bad_arguments_fail_before_anything_is_registered(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        render_bucket(**overrides)
    assert str(raised.value) == message
