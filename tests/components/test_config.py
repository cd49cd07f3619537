"""Stack config: defaults, the shapes, and every rule's error message, pinned by exact text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from trailguard.config import AllInOneConfig, ConfigError, LogArchiveConfig, ManagementConfig, load_config

SUBSCRIBED = {"emails": ["security@example.com"]}
"""CIS alarms are on by default, and a stack must say who hears them."""
ALL_IN_ONE: dict[str, Any] = {
    "aws:region": "us-east-1",
    "trailguard:layout": "all-in-one",
    "trailguard:organizationId": "o-a1b2c3d4e5",
    "trailguard:managementAccountId": "111111111111",
    "trailguard:alarms": SUBSCRIBED,
}
LOG_ARCHIVE: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "trailguard:layout": "log-archive",
    "trailguard:organizationId": "o-a1b2c3d4e5",
    "trailguard:managementAccountId": "111111111111",
}
MANAGEMENT: dict[str, Any] = {
    "aws:region": "us-east-1",
    "trailguard:layout": "management",
    "trailguard:organizationId": "o-a1b2c3d4e5",
    "trailguard:managementAccountId": "111111111111",
    "trailguard:logArchive": {
        "bucketName": "organization-trail-111111111111",
        "kmsKeyArn": "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    },
    "trailguard:alarms": SUBSCRIBED,
}


def as_cli_passes_it(config: dict[str, Any]) -> dict[str, str]:
    """Every value as text, structured ones as JSON: what the Pulumi CLI hands a program."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items() if v is not None}


class TestShapes:
    def test_all_in_one_defaults(self) -> None:
        config = load_config(as_cli_passes_it(ALL_IN_ONE))
        assert isinstance(config, AllInOneConfig)
        assert config.trail_name == "organization-trail"
        assert config.bucket_name == "organization-trail-111111111111"
        assert config.access_log_bucket_name == "organization-trail-111111111111-access-logs"
        assert config.replica_bucket_name is None
        assert config.log_group_name == "/cloudtrail/organization-trail"
        assert config.log_group.retention_in_days == 365
        assert config.key.deletion_window_in_days == 30
        assert config.bucket.transition_days == 90
        assert config.bucket.transition_storage_class == "GLACIER"
        assert config.bucket.expiration_days is None
        trail = config.trail
        assert (trail.is_organization_trail, trail.is_multi_region_trail, trail.include_global_service_events) == (
            True,
            True,
            True,
        )
        assert (trail.enable_log_file_validation, trail.enable_logging) == (True, True)
        assert trail.management_events.read_write_type == "All"
        assert trail.management_events.exclude_event_sources == []
        assert config.partition == "aws"

    def test_log_archive_defaults_the_home_region_to_its_own(self) -> None:
        config = load_config(as_cli_passes_it(LOG_ARCHIVE))
        assert isinstance(config, LogArchiveConfig)
        assert config.trail_region == "eu-west-1"
        other = load_config(as_cli_passes_it({**LOG_ARCHIVE, "trailguard:homeRegion": "us-east-1"}))
        assert isinstance(other, LogArchiveConfig)
        assert other.trail_region == "us-east-1"

    def test_management_takes_the_log_archive_outputs(self) -> None:
        config = load_config(as_cli_passes_it(MANAGEMENT))
        assert isinstance(config, ManagementConfig)
        assert config.log_archive.bucket_name == "organization-trail-111111111111"

    def test_the_config_is_frozen(self) -> None:
        config = load_config(as_cli_passes_it(ALL_IN_ONE))
        with pytest.raises(ValueError, match="frozen"):
            config.trail_name = "other"  # type: ignore[misc]

    def test_an_unquoted_account_id_from_yaml_still_reads_as_text(self) -> None:
        config = load_config({**ALL_IN_ONE, "trailguard:managementAccountId": 111111111111})
        assert config.management_account_id == "111111111111"

    def test_a_standalone_account_needs_no_organization(self) -> None:
        config = load_config(
            as_cli_passes_it(
                {**ALL_IN_ONE, "trailguard:organizationId": None, "trailguard:trail": {"isOrganizationTrail": False}}
            )
        )
        assert config.organization_id is None

    def test_alarms_nobody_hears_are_refused_with_the_fix(self) -> None:
        for base in (ALL_IN_ONE, MANAGEMENT):
            with pytest.raises(ConfigError) as raised:
                load_config(as_cli_passes_it({**base, "trailguard:alarms": None}))
            assert raised.value.messages == [
                "trailguard:alarms: has no subscriber: the CIS alarms would notify no one (the benchmark asks for at "
                "least one active subscriber to the alarm topic); expected emails or httpsEndpoints, or "
                "subscriptionsManagedElsewhere with the reason, or enabled: false, "
                'e.g. {"emails": ["security@example.com"]}'
            ]

    def test_subscribers_managed_elsewhere_need_only_the_reason(self) -> None:
        reason = "the security account subscribes its paging service to the alarmTopicArn output"
        config = load_config(
            as_cli_passes_it({**ALL_IN_ONE, "trailguard:alarms": {"subscriptionsManagedElsewhere": reason}})
        )
        assert config.alarms.subscriptions_managed_elsewhere == reason
        # An HTTPS endpoint is a subscriber too; alarms switched off need none.
        hooked = {"httpsEndpoints": ["https://hooks.example.com/aws-alarms"]}
        assert load_config(as_cli_passes_it({**MANAGEMENT, "trailguard:alarms": hooked})).alarms.has_subscriber
        off = load_config(as_cli_passes_it({**MANAGEMENT, "trailguard:alarms": {"enabled": False}}))
        assert (off.alarms.enabled, off.alarms.has_subscriber) == (False, False)
        with pytest.raises(ConfigError) as raised:
            load_config(as_cli_passes_it({**ALL_IN_ONE, "trailguard:alarms": {"subscriptionsManagedElsewhere": " "}}))
        assert raised.value.messages == [
            "trailguard:alarms.subscriptionsManagedElsewhere: the reason is empty; expected who subscribes to the "
            "alarm topic and how, so reviewers can check it, e.g. 'the security account's stack subscribes its "
            "paging service to the alarmTopicArn output'"
        ]

    def test_the_management_stack_reads_the_log_archive_stack_by_name(self) -> None:
        config = load_config(
            as_cli_passes_it({**MANAGEMENT, "trailguard:logArchive": {"stack": "organization/trailguard/log-archive"}})
        )
        assert isinstance(config, ManagementConfig)
        assert config.log_archive.stack == "organization/trailguard/log-archive"
        assert config.log_archive.bucket_name is None

    @pytest.mark.parametrize(
        ("log_archive", "message"),
        [
            (
                {"stack": "log-archive"},
                "trailguard:logArchive.stack: 'log-archive' is not a fully qualified stack name; expected "
                "<organization>/<project>/<stack> as `pulumi stack ls --all` shows it (a self-managed backend's "
                "organization is 'organization'), e.g. organization/trailguard/log-archive",
            ),
            (
                {"stack": "organization/trailguard/log-archive", "bucketName": "organization-trail-111111111111"},
                "trailguard:logArchive.stack: cannot be combined with bucketName (the outputs come from that stack); "
                'expected the stack alone, or the literal values without it, e.g. {"stack": '
                '"organization/trailguard/log-archive"}',
            ),
            (
                {},
                "trailguard:logArchive: names no log-archive stack and no outputs; expected stack (read through a "
                'StackReference), or bucketName and kmsKeyArn, e.g. {"stack": "organization/trailguard/log-archive"}',
            ),
            (
                {"bucketName": "organization-trail-111111111111"},
                "trailguard:logArchive.kmsKeyArn: is required without stack; expected the log-archive stack's "
                "kmsKeyArn output, e.g. arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            ),
        ],
    )
    def test_the_log_archive_source_errors_name_the_fix(self, log_archive: dict[str, Any], message: str) -> None:
        with pytest.raises(ConfigError) as raised:
            load_config(as_cli_passes_it({**MANAGEMENT, "trailguard:logArchive": log_archive}))
        assert raised.value.messages == [message]

    def test_a_log_archive_for_a_single_account_trail_needs_no_organization(self) -> None:
        config = load_config(as_cli_passes_it({**LOG_ARCHIVE, "trailguard:organizationId": None}))
        assert isinstance(config, LogArchiveConfig)
        assert config.organization_id is None

    def test_partition_follows_the_region(self) -> None:
        config = load_config(as_cli_passes_it({**ALL_IN_ONE, "aws:region": "cn-north-1"}))
        assert config.partition == "aws-cn"

    def test_other_namespaces_are_not_ours(self) -> None:
        config = load_config(as_cli_passes_it({**ALL_IN_ONE, "aws:allowedAccountIds": ["111111111111"]}))
        assert config.region == "us-east-1"


class TestLayout:
    def test_missing(self) -> None:
        with pytest.raises(ConfigError) as raised:
            load_config(as_cli_passes_it({**ALL_IN_ONE, "trailguard:layout": None}))
        assert str(raised.value) == (
            "trailguard:layout: is required; expected all-in-one, log-archive or management, e.g. all-in-one"
        )

    def test_unknown(self) -> None:
        with pytest.raises(ConfigError) as raised:
            load_config(as_cli_passes_it({**ALL_IN_ONE, "trailguard:layout": "single"}))
        assert str(raised.value) == (
            "trailguard:layout: 'single' is not a layout; expected all-in-one, log-archive or management, "
            "e.g. all-in-one"
        )


RULES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    (
        "organization id",
        ALL_IN_ONE,
        {"trailguard:organizationId": "o-123"},
        "trailguard:organizationId: 'o-123' is not an organization id; expected 'o-' followed by 10-32 lowercase "
        "letters or digits, e.g. o-a1b2c3d4e5",
    ),
    (
        "organization id required for an organization trail",
        ALL_IN_ONE,
        {"trailguard:organizationId": None},
        "trailguard:organizationId: is required for an organization trail; expected 'o-' followed by 10-32 lowercase "
        "letters or digits, e.g. o-a1b2c3d4e5 (or set trail.isOrganizationTrail: false)",
    ),
    (
        "account id",
        ALL_IN_ONE,
        {"trailguard:managementAccountId": "11111111111"},
        "trailguard:managementAccountId: '11111111111' is not an AWS account id; expected 12 digits, e.g. 111111111111",
    ),
    (
        "account id required",
        LOG_ARCHIVE,
        {"trailguard:managementAccountId": None},
        "trailguard:managementAccountId: is required; expected the 12-digit id of the organization's management "
        "account, e.g. 111111111111",
    ),
    (
        "region",
        ALL_IN_ONE,
        {"aws:region": "us-east"},
        "aws:region: 'us-east' is not an AWS Region name; expected <area>-<direction>-<number>, e.g. us-east-1",
    ),
    (
        "home region",
        LOG_ARCHIVE,
        {"trailguard:homeRegion": "useast1"},
        "trailguard:homeRegion: 'useast1' is not an AWS Region name; expected <area>-<direction>-<number>, "
        "e.g. us-east-1",
    ),
    (
        "region required",
        ALL_IN_ONE,
        {"aws:region": None},
        "aws:region: is required; expected an AWS Region, e.g. us-east-1",
    ),
    (
        "log retention",
        ALL_IN_ONE,
        {"trailguard:logGroup": {"retentionInDays": 366}},
        "trailguard:logGroup.retentionInDays: 366 is not a retention CloudWatch Logs accepts; expected 0 (never "
        "expire) or one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, "
        "2922, 3288, 3653, e.g. 365",
    ),
    (
        "insight type",
        MANAGEMENT,
        {"trailguard:trail": {"insightSelectors": ["ApiCallInsight"]}},
        "trailguard:trail.insightSelectors[0]: 'ApiCallInsight' is not an Insights type; expected ApiCallRateInsight "
        "or ApiErrorRateInsight, e.g. ApiCallRateInsight",
    ),
    (
        "data event resource type",
        ALL_IN_ONE,
        {"trailguard:trail": {"dataEvents": [{"resourceType": "AWS::S3::Bucket"}]}},
        "trailguard:trail.dataEvents[0].resourceType: 'AWS::S3::Bucket' is not a supported data event resource type; "
        "expected one of AWS::S3::Object, AWS::Lambda::Function, AWS::DynamoDB::Table, AWS::DynamoDB::Stream, "
        "AWS::S3Outposts::Object, AWS::ManagedBlockchain::Node, AWS::S3ObjectLambda::AccessPoint, AWS::EC2::Snapshot, "
        "AWS::S3::AccessPoint, AWS::Glue::Table, e.g. AWS::S3::Object",
    ),
    (
        "data event field",
        ALL_IN_ONE,
        {
            "trailguard:trail": {
                "dataEvents": [
                    {"resourceType": "AWS::S3::Object", "fieldSelectors": [{"field": "errorCode", "equals": ["x"]}]}
                ]
            }
        },
        "trailguard:trail.dataEvents[0].fieldSelectors[0].field: 'errorCode' is not a field of data event selectors "
        "for trails; expected one of eventName, eventSource, eventType, readOnly, resources.ARN, "
        "sessionCredentialFromConsole, userIdentity.arn, e.g. eventName",
    ),
    (
        "data event field set by trailguard",
        ALL_IN_ONE,
        {
            "trailguard:trail": {
                "dataEvents": [
                    {
                        "resourceType": "AWS::S3::Object",
                        "fieldSelectors": [{"field": "eventCategory", "equals": ["Data"]}],
                    }
                ]
            }
        },
        "trailguard:trail.dataEvents[0].fieldSelectors[0].field: 'eventCategory' is set by trailguard from "
        "resourceType; expected one of the other fields eventName, eventSource, eventType, readOnly, resources.ARN, "
        "sessionCredentialFromConsole, userIdentity.arn, e.g. eventName",
    ),
    (
        "data event operator",
        ALL_IN_ONE,
        {
            "trailguard:trail": {
                "dataEvents": [
                    {"resourceType": "AWS::S3::Object", "fieldSelectors": [{"field": "readOnly", "startsWith": ["t"]}]}
                ]
            }
        },
        "trailguard:trail.dataEvents[0].fieldSelectors[0].startsWith: readOnly accepts only the equals operator, not "
        'startsWith; expected equals, e.g. equals: ["true"]',
    ),
    (
        "data event readOnly value",
        ALL_IN_ONE,
        {
            "trailguard:trail": {
                "dataEvents": [
                    {"resourceType": "AWS::S3::Object", "fieldSelectors": [{"field": "readOnly", "equals": ["yes"]}]}
                ]
            }
        },
        "trailguard:trail.dataEvents[0].fieldSelectors[0].equals: ['yes'] is not a single true or false; expected "
        '["true"] or ["false"], e.g. ["false"]',
    ),
    (
        "data event condition without operator",
        ALL_IN_ONE,
        {
            "trailguard:trail": {
                "dataEvents": [{"resourceType": "AWS::S3::Object", "fieldSelectors": [{"field": "eventName"}]}]
            }
        },
        "trailguard:trail.dataEvents[0].fieldSelectors[0]: field 'eventName' has no operator; expected one of equals, "
        "notEquals, startsWith, notStartsWith, endsWith, notEndsWith, e.g. equals: [PutObject]",
    ),
    (
        "five basic event selectors",
        ALL_IN_ONE,
        {"trailguard:trail": {"eventSelectors": [{}] * 6}},
        "trailguard:trail.eventSelectors: 6 event selectors exceed CloudTrail's limit of 5 per trail; expected at "
        "most 5, e.g. one selector with several dataResources",
    ),
    (
        "250 data resources",
        MANAGEMENT,
        {
            "trailguard:trail": {
                "eventSelectors": [
                    {
                        "dataResources": [
                            {
                                "type": "AWS::Lambda::Function",
                                "values": [f"arn:aws:lambda:us-east-1:111111111111:function:f{i}" for i in range(126)],
                            }
                        ]
                    },
                    {
                        "dataResources": [
                            {
                                "type": "AWS::DynamoDB::Table",
                                "values": [f"arn:aws:dynamodb:us-east-1:111111111111:table/t{i}" for i in range(125)],
                            }
                        ]
                    },
                ]
            }
        },
        "trailguard:trail.eventSelectors: 251 data resources exceed CloudTrail's limit of 250 per trail; expected at "
        "most 250, e.g. a bucket prefix such as arn:aws:s3:::acme-data/ instead of object ARNs, or dataEvents with "
        "startsWith",
    ),
    (
        "basic selector resource type",
        MANAGEMENT,
        {
            "trailguard:trail": {
                "eventSelectors": [{"dataResources": [{"type": "AWS::Glue::Table", "values": ["arn:aws:glue"]}]}]
            }
        },
        "trailguard:trail.eventSelectors[0].dataResources[0].type: 'AWS::Glue::Table' is not a data resource type basic "
        "event selectors accept; expected one of AWS::S3::Object, AWS::Lambda::Function, AWS::DynamoDB::Table (use "
        "dataEvents for the others), e.g. AWS::S3::Object",
    ),
    (
        "500 advanced condition values",
        ALL_IN_ONE,
        {
            "trailguard:trail": {
                "dataEvents": [
                    {
                        "resourceType": "AWS::Lambda::Function",
                        "fieldSelectors": [
                            {
                                "field": "resources.ARN",
                                "startsWith": [
                                    f"arn:aws:lambda:us-east-1:111111111111:function:f{i}" for i in range(498)
                                ],
                            }
                        ],
                    }
                ]
            }
        },
        "trailguard:trail.dataEvents: the advanced event selectors would hold 501 condition values, over CloudTrail's "
        "limit of 500 per trail; expected at most 500, e.g. fewer resources.ARN values or a broader startsWith prefix",
    ),
    (
        "S3 data events that would include the trail's bucket",
        ALL_IN_ONE,
        {
            "trailguard:trail": {
                "dataEvents": [
                    {
                        "resourceType": "AWS::S3::Object",
                        "fieldSelectors": [
                            {"field": "resources.ARN", "startsWith": ["arn:aws:s3:::organization-trail"]}
                        ],
                    }
                ]
            }
        },
        "trailguard:trail.dataEvents[0].fieldSelectors[0]: 'arn:aws:s3:::organization-trail' (startsWith) would log "
        "the trail's own bucket organization-trail-111111111111 (CloudTrail would log its own deliveries, a cost "
        "feedback loop); expected startsWith prefixes of other buckets, or no resources.ARN condition to log every "
        "bucket but the trail's, e.g. startsWith: [arn:aws:s3:::acme-data/]",
    ),
    (
        "S3 data events that would include one of the log-archive stack's buckets",
        MANAGEMENT,
        {
            "trailguard:logArchive": {
                **MANAGEMENT["trailguard:logArchive"],
                "logBucketNames": ["organization-trail-111111111111", "organization-trail-111111111111-replica"],
            },
            "trailguard:trail": {
                "dataEvents": [
                    {
                        "resourceType": "AWS::S3::Object",
                        "fieldSelectors": [
                            {
                                "field": "resources.ARN",
                                "equals": ["arn:aws:s3:::organization-trail-111111111111-replica/x"],
                            }
                        ],
                    }
                ]
            },
        },
        "trailguard:trail.dataEvents[0].fieldSelectors[0]: 'arn:aws:s3:::organization-trail-111111111111-replica/x' "
        "(equals) would log the trail's own bucket organization-trail-111111111111-replica (CloudTrail would log its "
        "own deliveries, a cost feedback loop); expected startsWith prefixes of other buckets, or no resources.ARN "
        "condition to log every bucket but the trail's, e.g. startsWith: [arn:aws:s3:::acme-data/]",
    ),
    (
        "default name of the replica's access-log bucket too long",
        LOG_ARCHIVE,
        {
            "trailguard:bucket": {
                "name": "acme-organization-cloudtrail-logs-archive-bucket",
                "replication": {"region": "us-west-2"},
            }
        },
        "trailguard:bucket.replication.accessLogBucketName: is not set, and the default "
        "'acme-organization-cloudtrail-logs-archive-bucket-replica-access-logs' is not a valid S3 bucket name (it has "
        "68 characters); expected 3-63 lowercase letters, digits, hyphens or periods, starting and ending with a "
        "letter or digit, e.g. acme-cloudtrail-logs",
    ),
    (
        "basic S3 selectors that would include the log-archive bucket",
        MANAGEMENT,
        {
            "trailguard:trail": {
                "eventSelectors": [{"dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}]}]
            }
        },
        "trailguard:trail.eventSelectors[0].dataResources[0].values: 'arn:aws:s3' would log the trail's own bucket "
        "(basic selectors cannot exclude it, and CloudTrail would log its own deliveries); expected prefixes of other "
        "buckets, or dataEvents to log every bucket but the trail's, e.g. arn:aws:s3:::acme-data/",
    ),
    (
        "kms deletion window",
        ALL_IN_ONE,
        {"trailguard:key": {"deletionWindowInDays": 31}},
        "trailguard:key.deletionWindowInDays: 31 is out of range; expected 7 to 30 days, e.g. 30",
    ),
    (
        "kms deletion window (management)",
        MANAGEMENT,
        {"trailguard:key": {"deletionWindowInDays": 6}},
        "trailguard:key.deletionWindowInDays: 6 is out of range; expected 7 to 30 days, e.g. 30",
    ),
    (
        "bucket name characters",
        ALL_IN_ONE,
        {"trailguard:bucket": {"name": "Acme_Logs"}},
        "trailguard:bucket.name: 'Acme_Logs' is not a valid S3 bucket name (it may contain only lowercase letters, "
        "digits, hyphens and periods); expected 3-63 lowercase letters, digits, hyphens or periods, starting and ending "
        "with a letter or digit, e.g. acme-cloudtrail-logs",
    ),
    (
        "bucket name as IP address",
        LOG_ARCHIVE,
        {"trailguard:bucket": {"name": "192.168.1.1"}},
        "trailguard:bucket.name: '192.168.1.1' is not a valid S3 bucket name (it must not be formatted as an IP "
        "address); expected 3-63 lowercase letters, digits, hyphens or periods, starting and ending with a letter or "
        "digit, e.g. acme-cloudtrail-logs",
    ),
    (
        "bucket name prefix",
        LOG_ARCHIVE,
        {"trailguard:bucket": {"accessLogBucketName": "xn--logs"}},
        "trailguard:bucket.accessLogBucketName: 'xn--logs' is not a valid S3 bucket name (it must not start with "
        "'xn--'); expected 3-63 lowercase letters, digits, hyphens or periods, starting and ending with a letter or "
        "digit, e.g. acme-cloudtrail-logs",
    ),
    (
        "default bucket name too long",
        ALL_IN_ONE,
        {"trailguard:trailName": "a-very-long-trail-name-that-goes-on-and-on-and-on-forever"},
        "trailguard:bucket.name: is not set, and the default "
        "'a-very-long-trail-name-that-goes-on-and-on-and-on-forever-111111111111' is not a valid S3 bucket name (it "
        "has 70 characters); expected 3-63 lowercase letters, digits, hyphens or periods, starting and ending with a "
        "letter or digit, e.g. acme-cloudtrail-logs",
    ),
    (
        "log-archive bucket name",
        MANAGEMENT,
        {"trailguard:logArchive": {**MANAGEMENT["trailguard:logArchive"], "bucketName": "a..b"}},
        "trailguard:logArchive.bucketName: 'a..b' is not a valid S3 bucket name (it must not contain two adjacent "
        "periods); expected 3-63 lowercase letters, digits, hyphens or periods, starting and ending with a letter or "
        "digit, e.g. acme-cloudtrail-logs",
    ),
    (
        "replication region equal to the home region",
        LOG_ARCHIVE,
        {"trailguard:bucket": {"replication": {"region": "eu-west-1"}}},
        "trailguard:bucket.replication.region: 'eu-west-1' is the bucket's own Region; expected a second Region, "
        "e.g. us-west-2",
    ),
    (
        "expiration before the minimum retention",
        LOG_ARCHIVE,
        {"trailguard:bucket": {"expirationDays": 200}},
        "trailguard:bucket.expirationDays: 200 would expire logs before the 365-day minimum retention; expected at "
        "least 365 days, or no expirationDays to keep logs forever, e.g. 2557",
    ),
    (
        "expiration before the object lock",
        LOG_ARCHIVE,
        {"trailguard:bucket": {"expirationDays": 400, "objectLock": {"mode": "COMPLIANCE", "days": 730}}},
        "trailguard:bucket.expirationDays: 400 comes before the Object Lock retention of 730 days; expected at least "
        "730 days, e.g. 2557",
    ),
    (
        "object lock mode",
        LOG_ARCHIVE,
        {"trailguard:bucket": {"objectLock": {"mode": "STRICT", "days": 30}}},
        "trailguard:bucket.objectLock.mode: 'STRICT' is not allowed; expected 'GOVERNANCE' or 'COMPLIANCE', "
        "e.g. GOVERNANCE",
    ),
    (
        "a multi-Region trail without global service events",
        ALL_IN_ONE,
        {"trailguard:trail": {"includeGlobalServiceEvents": False}},
        "trailguard:trail.includeGlobalServiceEvents: false is not allowed for a multi-Region trail (CloudTrail "
        "rejects it); expected true, e.g. true",
    ),
    (
        "basic and advanced selectors together",
        MANAGEMENT,
        {"trailguard:trail": {"eventSelectors": [{}], "managementEvents": {"readWriteType": "All"}}},
        "trailguard:trail.eventSelectors: cannot be combined with managementEvents (a trail takes basic or advanced "
        "selectors, not both); expected one of the two, e.g. dataEvents",
    ),
    (
        "insights without management events",
        ALL_IN_ONE,
        {
            "trailguard:trail": {
                "managementEvents": {"enabled": False},
                "dataEvents": [{"resourceType": "AWS::Lambda::Function"}],
                "insightSelectors": ["ApiErrorRateInsight"],
            }
        },
        "trailguard:trail.insightSelectors: Insights analyse management events, which this trail does not log; "
        "expected managementEvents.enabled true, e.g. [ApiCallRateInsight]",
    ),
    (
        "a trail that logs nothing",
        MANAGEMENT,
        {"trailguard:trail": {"managementEvents": {"enabled": False}}},
        "trailguard:trail.managementEvents.enabled: false with no dataEvents would log nothing; expected true, or at "
        "least one data event selector, e.g. true",
    ),
    (
        "management event source that cannot be excluded",
        ALL_IN_ONE,
        {"trailguard:trail": {"managementEvents": {"excludeEventSources": ["s3.amazonaws.com"]}}},
        "trailguard:trail.managementEvents.excludeEventSources[0]: 's3.amazonaws.com' is not allowed; expected "
        "'kms.amazonaws.com' or 'rdsdata.amazonaws.com', e.g. [\"kms.amazonaws.com\"]",
    ),
    (
        "key ARN of the log-archive stack",
        MANAGEMENT,
        {"trailguard:logArchive": {"bucketName": "organization-trail-111111111111", "kmsKeyArn": "alias/cloudtrail"}},
        "trailguard:logArchive.kmsKeyArn: 'alias/cloudtrail' is not a KMS key ARN; expected the log-archive stack's "
        "kmsKeyArn output, e.g. arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ),
    (
        "readers on the monitoring key",
        MANAGEMENT,
        {"trailguard:key": {"readerPrincipalArns": ["arn:aws:iam::333333333333:role/SecurityAudit"]}},
        "trailguard:key.readerPrincipalArns: belongs to the log-archive stack, whose key encrypts the log files; "
        "expected no readers here, e.g. []",
    ),
    (
        "reader principal",
        LOG_ARCHIVE,
        {"trailguard:key": {"readerPrincipalArns": ["*"]}},
        "trailguard:key.readerPrincipalArns[0]: '*' is not an IAM principal ARN; expected an account root, role or "
        "user ARN, e.g. arn:aws:iam::222222222222:role/SecurityAudit",
    ),
    (
        "tag key",
        ALL_IN_ONE,
        {"trailguard:tags": {"aws:owner": "security"}},
        "trailguard:tags: 'aws:owner' is not a valid tag key; expected 1-128 letters, digits, spaces or _ . : / = + - @, "
        "not starting with 'aws:', e.g. CostCenter",
    ),
    (
        "key prefix",
        LOG_ARCHIVE,
        {"trailguard:s3KeyPrefix": "cloudtrail/"},
        "trailguard:s3KeyPrefix: 'cloudtrail/' is not a valid S3 key prefix; expected up to 200 letters, digits or "
        "! _ . * ' ( ) / -, with no leading, trailing or doubled slash, e.g. cloudtrail",
    ),
    (
        "trail name",
        MANAGEMENT,
        {"trailguard:trailName": "my--trail"},
        "trailguard:trailName: 'my--trail' is not a valid trail name; expected 3-128 letters, digits, periods, "
        "underscores or hyphens, starting and ending with a letter or digit, with no two symbols in a row, "
        "e.g. organization-trail",
    ),
    (
        "unknown top-level key, with the closest known one",
        ALL_IN_ONE,
        {"trailguard:organisationId": "o-a1b2c3d4e5"},
        "trailguard:organisationId: is not a known key; expected one of alarms, bucket, key, layout, logGroup, "
        "managementAccountId, organizationId, s3KeyPrefix, tags, trail, trailName, e.g. organizationId",
    ),
    (
        "a key of another layout",
        LOG_ARCHIVE,
        {"trailguard:trail": {"insightSelectors": ["ApiCallRateInsight"]}},
        "trailguard:trail: is not a known key; expected one of bucket, homeRegion, key, layout, managementAccountId, "
        "organizationId, s3KeyPrefix, tags, trailName, e.g. trailName",
    ),
    (
        "unknown nested key",
        ALL_IN_ONE,
        {"trailguard:bucket": {"nmae": "acme-logs"}},
        "trailguard:bucket.nmae: is not a known key; expected one of accessLogBucketName, expirationDays, "
        "minimumRetentionDays, name, objectLock, replication, transitionDays, transitionStorageClass, e.g. name",
    ),
    (
        "a value of the wrong type",
        ALL_IN_ONE,
        {"trailguard:trail": {"isMultiRegionTrail": "maybe"}},
        "trailguard:trail.isMultiRegionTrail: 'maybe' is not valid (input should be a valid boolean, unable to "
        "interpret input); expected true or false, e.g. true",
    ),
    (
        "a structured key given as text",
        ALL_IN_ONE,
        {"trailguard:bucket": "acme-logs"},
        "trailguard:bucket: 'acme-logs' is not an object of keys; expected the trail bucket's settings, "
        'e.g. {"transitionDays": 90}',
    ),
]


@pytest.mark.parametrize(("base", "changes", "message"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_each_rule_names_the_key_what_is_wrong_and_a_valid_example(
    base: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    config = {**base, **changes}
    with pytest.raises(ConfigError) as raised:
        load_config(as_cli_passes_it(config))
    assert raised.value.messages == [message]
    assert str(raised.value) == message


def test_several_problems_are_reported_together() -> None:
    config = {**ALL_IN_ONE, "trailguard:organizationId": "o-1", "trailguard:key": {"deletionWindowInDays": 3}}
    with pytest.raises(ConfigError) as raised:
        load_config(as_cli_passes_it(config))
    assert raised.value.messages == [
        "trailguard:organizationId: 'o-1' is not an organization id; expected 'o-' followed by 10-32 lowercase "
        "letters or digits, e.g. o-a1b2c3d4e5",
        "trailguard:key.deletionWindowInDays: 3 is out of range; expected 7 to 30 days, e.g. 30",
    ]
    assert str(raised.value) == "\n".join(raised.value.messages)
