"""The stack program run on each committed stack file under mocks: what each shape registers and exports."""

from __future__ import annotations

import json
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from trailguard.config import ConfigError
from trailguard_gate.mocks import MockAccount, PlausibleMocks, Rendering, render

Statements = Callable[..., dict[str, dict[str, Any]]]
TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail"
LOG_STORES = {"aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:cloudwatch/logGroup:LogGroup"}


LOG_ARCHIVE_STACK = "organization/trailguard/log-archive"
"""The fully qualified name stacks/Pulumi.management.yaml reads the log-archive stack's outputs by."""


def run_program(
    repo_root: Path,
    stack: str,
    config: dict[str, Any],
    account_id: str = "111111111111",
    stack_outputs: dict[str, dict[str, Any]] | None = None,
) -> Rendering:
    mocks = PlausibleMocks(MockAccount(account_id=account_id), stack_outputs=stack_outputs)
    main = str(repo_root / "__main__.py")
    return render(lambda: runpy.run_path(main), stack=stack, config=config, mocks=mocks)


@pytest.fixture(scope="module")
def dev(repo_root: Path, stack_config: Callable[[str], dict[str, Any]]) -> Rendering:
    return run_program(repo_root, "dev", stack_config("dev"))


@pytest.fixture(scope="module")
def log_archive(repo_root: Path, stack_config: Callable[[str], dict[str, Any]]) -> Rendering:
    return run_program(repo_root, "log-archive", stack_config("log-archive"), account_id="222222222222")


@pytest.fixture(scope="module")
def management(repo_root: Path, stack_config: Callable[[str], dict[str, Any]], log_archive: Rendering) -> Rendering:
    """The management stack, its StackReference answered with the log-archive stack's rendered outputs."""
    outputs = {LOG_ARCHIVE_STACK: log_archive.outputs}
    return run_program(repo_root, "management", stack_config("management"), stack_outputs=outputs)


def count(rendering: Rendering) -> dict[str, int]:
    counts: dict[str, int] = {}
    for resource in rendering.resources:
        counts[resource.type] = counts.get(resource.type, 0) + 1
    return counts


def test_stack_files_are_commented_and_name_their_layout(repo_root: Path) -> None:
    for stack, layout in (("dev", "all-in-one"), ("log-archive", "log-archive"), ("management", "management")):
        text = (repo_root / "stacks" / f"Pulumi.{stack}.yaml").read_text()
        assert f"trailguard:layout: {layout}" in text
        assert text.startswith("#")
        assert text.count("#") >= 10, f"{stack}: every key deserves a comment"


class TestDev:
    """all-in-one: bucket, key and trail in one account, with every feature on."""

    def test_shape(self, dev: Rendering) -> None:
        assert count(dev) == {
            "trailguard:index:LogArchive": 1,
            "trailguard:index:TrailKey": 2,
            "trailguard:index:TrailBucket": 1,
            "trailguard:index:OrganizationTrail": 1,
            "trailguard:index:TrailLogGroup": 1,
            "aws:kms/key:Key": 3,
            "aws:kms/alias:Alias": 2,
            "aws:s3/bucket:Bucket": 2,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 2,
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 2,
            "aws:s3/bucketVersioning:BucketVersioning": 2,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 2,
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 2,
            "aws:s3/bucketPolicy:BucketPolicy": 2,
            "aws:s3/bucketLogging:BucketLogging": 1,
            "aws:cloudwatch/logGroup:LogGroup": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
            "aws:sns/topic:Topic": 2,
            "aws:sns/topicPolicy:TopicPolicy": 2,
            "aws:cloudtrail/trail:Trail": 1,
            "trailguard:index:TrailAlarms": 1,
            "aws:cloudwatch/logMetricFilter:LogMetricFilter": 15,
            "aws:cloudwatch/metricAlarm:MetricAlarm": 15,
            "aws:sns/topicSubscription:TopicSubscription": 1,
        }

    def test_alarms_follow_the_stack_file(self, dev: Rendering) -> None:
        alarms = {r.name for r in dev.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
        assert alarms == {f"alarms-cis-5.{n}-alarm" for n in range(1, 16)}
        subscription = dev.one("aws:sns/topicSubscription:TopicSubscription").properties
        assert (subscription["protocol"], subscription["endpoint"]) == ("email", "security@example.com")
        assert subscription["topic"] == dev.outputs["alarmTopicArn"]

    def test_the_trail(self, dev: Rendering) -> None:
        trail = dev.one("aws:cloudtrail/trail:Trail").properties
        assert trail["name"] == "organization-trail"
        assert trail["s3BucketName"] == "acme-dev-cloudtrail-111111111111"
        assert trail["s3KeyPrefix"] == "cloudtrail"
        assert trail["kmsKeyId"] == dev.outputs["kmsKeyArn"]
        assert (trail["isOrganizationTrail"], trail["isMultiRegionTrail"], trail["includeGlobalServiceEvents"]) == (
            True,
            True,
            True,
        )
        assert (trail["enableLogFileValidation"], trail["enableLogging"]) == (True, True)
        assert trail["insightSelectors"] == [
            {"insightType": "ApiCallRateInsight"},
            {"insightType": "ApiErrorRateInsight"},
        ]
        assert trail["snsTopicName"] == dev.outputs["snsTopicArn"]

    def test_s3_data_events_never_include_the_trails_own_buckets(self, dev: Rendering) -> None:
        selectors = {
            s["name"]: s["fieldSelectors"]
            for s in dev.one("aws:cloudtrail/trail:Trail").properties["advancedEventSelectors"]
        }
        assert list(selectors) == ["Management events", "S3 object reads and writes", "DynamoDB writes"]
        assert selectors["DynamoDB writes"] == [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::DynamoDB::Table"]},
            {"field": "readOnly", "equals": ["false"]},
        ]
        assert selectors["S3 object reads and writes"][-1] == {
            "field": "resources.ARN",
            "notStartsWiths": [
                "arn:aws:s3:::acme-dev-cloudtrail-111111111111/",
                "arn:aws:s3:::acme-dev-cloudtrail-111111111111-access-logs/",
            ],
        }

    def test_the_trail_depends_on_the_bucket_policy_the_key_and_the_role_policy(self, dev: Rendering) -> None:
        dependencies = dev.one("aws:cloudtrail/trail:Trail").dependencies
        for name in ("log-archive-bucket-policy", "log-archive-key-key", "organization-trail-log-group-role-policy"):
            assert dev.named(name).urn in dependencies, name

    def test_bucket_and_key_policies_name_the_trail(self, dev: Rendering, statements: Statements) -> None:
        bucket = statements(dev.named("log-archive-bucket-policy"))
        assert bucket["AWSCloudTrailWrite"]["Resource"] == [
            "arn:aws:s3:::acme-dev-cloudtrail-111111111111/cloudtrail/AWSLogs/111111111111/*",
            "arn:aws:s3:::acme-dev-cloudtrail-111111111111/cloudtrail/AWSLogs/o-a1b2c3d4e5/*",
        ]
        assert bucket["AWSCloudTrailWrite"]["Condition"]["StringEquals"]["aws:SourceArn"] == TRAIL_ARN
        key = statements(dev.named("log-archive-key-key"))
        assert key["AllowCloudTrailEncryptLogs"]["Condition"]["StringEquals"] == {"aws:SourceArn": TRAIL_ARN}
        assert key["AllowLogReadersDecryptThroughS3"]["Principal"] == {
            "AWS": ["arn:aws:iam::111111111111:role/SecurityAudit"]
        }
        monitoring = statements(dev.named("organization-trail-monitoring-key-key"))
        assert list(monitoring) == [
            "EnableRootAccountPermissions",
            "AllowCloudWatchLogsEncryption",
            "AllowCloudTrailPublishToEncryptedTopic",
        ]

    def test_lifecycle_from_config(self, dev: Rendering) -> None:
        [rule] = dev.named("log-archive-bucket-lifecycle").properties["rules"]
        assert rule["transitions"] == [{"days": 90, "storageClass": "GLACIER"}]
        assert rule["expiration"] == {"days": 2557}

    def test_outputs(self, dev: Rendering) -> None:
        assert dev.outputs == {
            "bucketName": "acme-dev-cloudtrail-111111111111",
            "bucketArn": "arn:aws:s3:::acme-dev-cloudtrail-111111111111",
            "kmsKeyArn": dev.one("aws:cloudtrail/trail:Trail").properties["kmsKeyId"],
            "accessLogBucketName": "acme-dev-cloudtrail-111111111111-access-logs",
            "logBucketNames": ["acme-dev-cloudtrail-111111111111", "acme-dev-cloudtrail-111111111111-access-logs"],
            "trailArn": TRAIL_ARN,
            "trailName": "organization-trail",
            "logGroupName": "/cloudtrail/organization-trail",
            "logGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:/cloudtrail/organization-trail",
            "cloudWatchLogsRoleArn": dev.one("aws:cloudtrail/trail:Trail").properties["cloudWatchLogsRoleArn"],
            "monitoringKeyArn": dev.one("aws:cloudwatch/logGroup:LogGroup").properties["kmsKeyId"],
            "snsTopicArn": "arn:aws:sns:us-east-1:111111111111:organization-trail-log-delivery",
            "alarmTopicArn": dev.named("alarms-topic").outputs["arn"],
            "alarmKeyArn": dev.named("alarms-key").outputs["arn"],
        }
        assert dev.outputs["kmsKeyArn"].startswith("arn:aws:kms:us-east-1:111111111111:key/")
        assert dev.outputs["cloudWatchLogsRoleArn"].startswith("arn:aws:iam::111111111111:role/")
        assert dev.outputs["monitoringKeyArn"] != dev.outputs["kmsKeyArn"]


class TestLogArchive:
    """log-archive: the bucket and key in the log-archive account, naming the management account's trail."""

    def test_shape(self, log_archive: Rendering) -> None:
        counts = count(log_archive)
        assert "aws:cloudtrail/trail:Trail" not in counts
        assert counts["aws:s3/bucket:Bucket"] == 4  # trail bucket, access logs, replica, replica access logs
        assert counts["aws:s3/bucketLogging:BucketLogging"] == 2  # trail bucket and replica
        assert counts["aws:kms/key:Key"] == 2  # log files, replicas
        assert counts["aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"] == 2
        assert counts["aws:s3/bucketReplicationConfig:BucketReplicationConfig"] == 1

    def test_policies_name_the_management_accounts_trail_before_it_exists(
        self, log_archive: Rendering, statements: Statements
    ) -> None:
        bucket = statements(log_archive.named("log-archive-bucket-policy"))
        assert bucket["AWSCloudTrailAclCheck"]["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}
        assert bucket["AWSCloudTrailWrite"]["Resource"] == [
            "arn:aws:s3:::acme-org-cloudtrail-111111111111/cloudtrail/AWSLogs/111111111111/*",
            "arn:aws:s3:::acme-org-cloudtrail-111111111111/cloudtrail/AWSLogs/o-a1b2c3d4e5/*",
        ]
        key = statements(log_archive.named("log-archive-key-key"))
        assert key["EnableRootAccountPermissions"]["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"}
        assert key["AllowCloudTrailEncryptLogs"]["Condition"] == {
            "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:111111111111:trail/*"},
            "StringEquals": {"aws:SourceArn": TRAIL_ARN},
        }
        assert key["AllowLogReadersDecryptThroughS3"]["Principal"] == {
            "AWS": ["arn:aws:iam::333333333333:role/SecurityAudit"]
        }
        # Decrypting is half of reading: the same readers may list and get the log files (cross-account needs both).
        for sid in ("AllowLogReadersList", "AllowLogReadersRead"):
            assert bucket[sid]["Principal"] == {"AWS": ["arn:aws:iam::333333333333:role/SecurityAudit"]}
        assert (
            bucket["AllowLogReadersRead"]["Resource"]
            == "arn:aws:s3:::acme-org-cloudtrail-111111111111/cloudtrail/AWSLogs/*"
        )
        access = statements(log_archive.named("log-archive-bucket-access-log-policy"))
        assert access["S3ServerAccessLogsPolicy"]["Condition"]["StringEquals"] == {"aws:SourceAccount": "222222222222"}

    def test_object_lock_and_replication_from_config(self, log_archive: Rendering) -> None:
        lock = log_archive.named("log-archive-bucket-object-lock").properties
        assert lock["rule"] == {"defaultRetention": {"mode": "GOVERNANCE", "days": 365}}
        replica = log_archive.named("log-archive-bucket-replica-bucket").properties
        assert (replica["bucket"], replica["region"]) == ("acme-org-cloudtrail-111111111111-replica", "us-west-2")

    def test_no_expiration_keeps_logs_forever(self, log_archive: Rendering) -> None:
        [rule] = log_archive.named("log-archive-bucket-lifecycle").properties["rules"]
        assert "expiration" not in rule and "noncurrentVersionExpiration" not in rule

    def test_outputs_are_what_the_management_stack_takes(self, log_archive: Rendering) -> None:
        assert set(log_archive.outputs) == {
            "bucketName",
            "bucketArn",
            "kmsKeyArn",
            "accessLogBucketName",
            "replicaBucketName",
            "logBucketNames",
        }
        assert log_archive.outputs["logBucketNames"] == [
            "acme-org-cloudtrail-111111111111",
            "acme-org-cloudtrail-111111111111-access-logs",
            "acme-org-cloudtrail-111111111111-replica",
            "acme-org-cloudtrail-111111111111-replica-access-logs",
        ]
        assert log_archive.outputs["kmsKeyArn"].startswith("arn:aws:kms:us-east-1:222222222222:key/")


class TestManagement:
    """management: the trail, its log group and role, delivering to the log-archive stack's bucket."""

    def test_shape(self, management: Rendering) -> None:
        assert count(management) == {
            "trailguard:index:OrganizationTrail": 1,
            "trailguard:index:TrailKey": 1,
            "trailguard:index:TrailLogGroup": 1,
            "aws:kms/key:Key": 2,
            "aws:kms/alias:Alias": 1,
            "aws:cloudwatch/logGroup:LogGroup": 1,
            "aws:iam/role:Role": 1,
            "aws:iam/rolePolicy:RolePolicy": 1,
            "aws:sns/topic:Topic": 2,
            "aws:sns/topicPolicy:TopicPolicy": 2,
            "aws:sns/topicSubscription:TopicSubscription": 1,
            "aws:cloudtrail/trail:Trail": 1,
            "trailguard:index:TrailAlarms": 1,
            "aws:cloudwatch/logMetricFilter:LogMetricFilter": 15,
            "aws:cloudwatch/metricAlarm:MetricAlarm": 15,
        }

    def test_delivers_to_the_log_archive_bucket_and_key(self, management: Rendering, log_archive: Rendering) -> None:
        # Read through the StackReference: the log-archive stack's own outputs.
        outputs = log_archive.outputs
        trail = management.one("aws:cloudtrail/trail:Trail").properties
        assert trail["s3BucketName"] == outputs["bucketName"]
        assert trail["kmsKeyId"] == outputs["kmsKeyArn"]
        assert trail["s3KeyPrefix"] == "cloudtrail"
        selectors = {s["name"]: s["fieldSelectors"] for s in trail["advancedEventSelectors"]}
        assert list(selectors) == ["Management events", "S3 object reads and writes"]
        # S3 data events skip every bucket the log-archive stack says holds logs.
        excluded = next(
            f["notStartsWiths"] for f in selectors["S3 object reads and writes"] if f["field"] == "resources.ARN"
        )
        assert excluded == [f"arn:aws:s3:::{name}/" for name in outputs["logBucketNames"]]
        assert management.outputs["trailArn"] == TRAIL_ARN


def test_the_management_stack_still_takes_literal_outputs(
    repo_root: Path, stack_config: Callable[[str], dict[str, Any]], log_archive: Rendering
) -> None:
    """Without a shared backend, the log-archive stack's outputs are given as values instead of its name."""
    config = stack_config("management")
    config["trailguard:logArchive"] = {
        "bucketName": log_archive.outputs["bucketName"],
        "kmsKeyArn": "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "logBucketNames": log_archive.outputs["logBucketNames"],
    }
    rendering = run_program(repo_root, "management", config)
    trail = rendering.one("aws:cloudtrail/trail:Trail").properties
    assert trail["s3BucketName"] == log_archive.outputs["bucketName"]
    assert trail["kmsKeyId"] == config["trailguard:logArchive"]["kmsKeyArn"]
    assert not [r for r in rendering.resources if r.type == "pulumi:pulumi:StackReference"]


def test_the_cross_account_stacks_agree(
    log_archive: Rendering, management: Rendering, stack_config: Callable[[str], dict[str, Any]], statements: Statements
) -> None:
    """What the management stack creates is exactly what the log-archive stack's policies allow."""
    bucket = statements(log_archive.named("log-archive-bucket-policy"))
    trail = management.one("aws:cloudtrail/trail:Trail").properties
    assert bucket["AWSCloudTrailWrite"]["Condition"]["StringEquals"]["aws:SourceArn"] == management.outputs["trailArn"]
    prefix = f"arn:aws:s3:::{trail['s3BucketName']}/{trail['s3KeyPrefix']}/AWSLogs/"
    assert all(r.startswith(prefix) for r in bucket["AWSCloudTrailWrite"]["Resource"])
    # The outputs come from the log-archive stack itself, through a StackReference: nothing copied to drift.
    assert stack_config("management")["trailguard:logArchive"] == {"stack": LOG_ARCHIVE_STACK}
    assert trail["s3BucketName"] == log_archive.outputs["bucketName"]
    assert trail["kmsKeyId"] == log_archive.outputs["kmsKeyArn"]


@pytest.fixture(scope="module")
def single(repo_root: Path, stack_config: Callable[[str], dict[str, Any]]) -> Rendering:
    """The dev stack as a standalone account's trail: no organizationId, `trail.isOrganizationTrail: false`."""
    config = {k: v for k, v in stack_config("dev").items() if k != "trailguard:organizationId"}
    config["trailguard:trail"] = {**config["trailguard:trail"], "isOrganizationTrail": False}
    return run_program(repo_root, "single", config)


@pytest.mark.slow
class TestSingleAccount:
    """all-in-one with `trail.isOrganizationTrail: false` and no organizationId: a standalone account's trail."""

    def test_the_trail_logs_one_account(self, single: Rendering) -> None:
        assert single.one("aws:cloudtrail/trail:Trail").properties["isOrganizationTrail"] is False

    def test_only_the_accounts_own_paths_and_streams_are_writable(
        self, single: Rendering, statements: Statements
    ) -> None:
        bucket = statements(single.named("log-archive-bucket-policy"))
        assert bucket["AWSCloudTrailWrite"]["Resource"] == [
            "arn:aws:s3:::acme-dev-cloudtrail-111111111111/cloudtrail/AWSLogs/111111111111/*"
        ]
        role = statements(single.one("aws:iam/rolePolicy:RolePolicy"))
        assert role["AWSCloudTrailPutLogEvents"]["Resource"] == [
            "arn:aws:logs:us-east-1:111111111111:log-group:/cloudtrail/organization-trail"
            ":log-stream:111111111111_CloudTrail_us-east-1*"
        ]


@pytest.mark.parametrize("stack", ["dev", "log-archive", "management"])
def test_log_stores_are_protected_and_retained(request: pytest.FixtureRequest, stack: str) -> None:
    rendering: Rendering = request.getfixturevalue(stack.replace("-", "_"))
    stores = [r for r in rendering.resources if r.type in LOG_STORES]
    assert stores
    for resource in stores:
        assert (resource.options.protect, resource.options.retain_on_delete) == (True, True), resource.name
    for bucket in rendering.by_type("aws:s3/bucket:Bucket"):
        assert bucket.properties["forceDestroy"] is False


@pytest.mark.parametrize("stack", ["dev", "log-archive", "management"])
def test_every_taggable_resource_carries_the_stack_tags(
    request: pytest.FixtureRequest,
    stack: str,
    stack_config: Callable[[str], dict[str, Any]],
    taggable: Callable[[str], bool],
) -> None:
    rendering: Rendering = request.getfixturevalue(stack.replace("-", "_"))
    tags = stack_config(stack)["trailguard:tags"]
    tagged = [r for r in rendering.resources if taggable(r.type)]
    assert tagged
    for resource in tagged:
        assert resource.properties.get("tags") == tags, resource.name


@pytest.mark.parametrize("stack", ["dev", "log-archive", "management"])
def test_every_resource_is_parented_to_a_component(request: pytest.FixtureRequest, stack: str) -> None:
    rendering: Rendering = request.getfixturevalue(stack.replace("-", "_"))
    components = {r.urn for r in rendering.resources if not r.custom}
    for resource in rendering.resources:
        if resource.custom:
            assert resource.parent in components, resource.name


def test_bad_config_fails_before_any_resource_is_registered(
    repo_root: Path, stack_config: Callable[[str], dict[str, Any]]
) -> None:
    registered: list[str] = []

    class Recording(PlausibleMocks):
        def new_resource(self, args: Any) -> tuple[str | None, dict[str, Any]]:
            registered.append(args.name)
            return super().new_resource(args)

    config = {**stack_config("dev"), "trailguard:organizationId": "o-123"}
    main = str(repo_root / "__main__.py")
    with pytest.raises(ConfigError) as raised:
        render(lambda: runpy.run_path(main), stack="dev", config=config, mocks=Recording())
    assert str(raised.value) == (
        "trailguard:organizationId: 'o-123' is not an organization id; expected 'o-' followed by 10-32 lowercase "
        "letters or digits, e.g. o-a1b2c3d4e5"
    )
    assert registered == []


def test_the_program_reads_the_config_the_cli_passes_in_its_environment(
    repo_root: Path,
    stack_config: Callable[[str], dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    log_archive: Rendering,
) -> None:
    config = stack_config("management")
    cli_form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(cli_form))
    rendering = run_program(repo_root, "management", {}, stack_outputs={LOG_ARCHIVE_STACK: log_archive.outputs})
    assert rendering.outputs["trailArn"] == TRAIL_ARN
