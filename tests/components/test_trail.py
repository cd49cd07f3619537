"""OrganizationTrail: secure defaults, delivery to CloudWatch Logs and SNS, selectors, and what it waits for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from trailguard import OrganizationTrail, OrganizationTrailArgs
from trailguard_gate.mocks import MockAccount, PlausibleMocks, Rendering, render

TRAIL = "aws:cloudtrail/trail:Trail"
TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail"
KEY_ARN = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BASE: OrganizationTrailArgs = {
    "name": "organization-trail",
    "s3_bucket_name": "acme-cloudtrail",
    "kms_key_id": KEY_ARN,
    "organization_id": "o-a1b2c3d4e5",
    "tags": {"Owner": "security"},
}
Statements = Callable[..., dict[str, dict[str, Any]]]


def render_trail(**overrides: Any) -> Rendering:
    args: OrganizationTrailArgs = {**BASE, **overrides}  # type: ignore[typeddict-item]
    return render(lambda: OrganizationTrail("org", args), config={"aws:region": "us-east-1"})


@pytest.fixture(scope="module")
def defaults() -> Rendering:
    return render_trail()


@pytest.fixture(scope="module")
def everything() -> Rendering:
    return render_trail(
        s3_key_prefix="cloudtrail",
        sns_notifications_enabled=True,
        insight_selectors=["ApiCallRateInsight", "ApiErrorRateInsight"],
        data_event_selectors=[
            {"resource_type": "AWS::S3::Object", "field_selectors": [{"field": "readOnly", "equals": ["false"]}]},
            {"resource_type": "AWS::Lambda::Function", "name": "Lambda invocations"},
        ],
        excluded_data_event_buckets=["acme-cloudtrail-access-logs"],
    )


def test_secure_defaults(defaults: Rendering) -> None:
    trail = defaults.one(TRAIL).properties
    assert {k: trail[k] for k in trail if k not in ("advancedEventSelectors", "tags", "cloudWatchLogsRoleArn")} == {
        "name": "organization-trail",
        "s3BucketName": "acme-cloudtrail",
        "kmsKeyId": KEY_ARN,
        "isOrganizationTrail": True,
        "isMultiRegionTrail": True,
        "includeGlobalServiceEvents": True,
        "enableLogFileValidation": True,
        "enableLogging": True,
        "cloudWatchLogsGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:/cloudtrail/organization-trail:*",
    }
    assert trail["cloudWatchLogsRoleArn"].startswith("arn:aws:iam::111111111111:role/org-log-group-role")
    assert trail["tags"] == {"Owner": "security"}


def test_management_events_read_and_write_by_default(defaults: Rendering) -> None:
    assert defaults.one(TRAIL).properties["advancedEventSelectors"] == [
        {"name": "Management events", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}
    ]


def test_children(defaults: Rendering) -> None:
    component = defaults.one("trailguard:index:OrganizationTrail")
    assert {(r.type, r.name) for r in defaults.resources if r.parent == component.urn} == {
        ("trailguard:index:TrailKey", "org-monitoring-key"),
        ("trailguard:index:TrailLogGroup", "org-log-group"),
        (TRAIL, "org-trail"),
    }
    assert defaults.by_type("aws:sns/topic:Topic") == []


def test_the_log_group_is_encrypted_with_a_monitoring_key_granting_cloudwatch_logs(
    defaults: Rendering, statements: Statements
) -> None:
    key = defaults.one("aws:kms/key:Key")
    group = defaults.one("aws:cloudwatch/logGroup:LogGroup")
    assert group.properties["kmsKeyId"].startswith("arn:aws:kms:us-east-1:111111111111:key/")
    policy = statements(key)
    assert list(policy) == ["EnableRootAccountPermissions", "AllowCloudWatchLogsEncryption"]
    assert defaults.one("aws:kms/alias:Alias").properties["name"] == "alias/cloudtrail/organization-trail/monitoring"
    assert key.options.protect and key.options.retain_on_delete


def test_the_trail_waits_for_its_role_policy(defaults: Rendering) -> None:
    trail = defaults.one(TRAIL)
    assert defaults.one("aws:iam/rolePolicy:RolePolicy").urn in trail.dependencies
    assert defaults.one("aws:kms/key:Key").urn in trail.dependencies


def test_the_trail_waits_for_what_the_component_depends_on() -> None:
    recorded: dict[str, str] = {}

    def program() -> None:
        bucket = aws.s3.Bucket("elsewhere", bucket="acme-cloudtrail")
        policy = aws.s3.BucketPolicy("elsewhere-policy", bucket=bucket.id, policy="{}")
        key = aws.kms.Key("elsewhere-key")
        OrganizationTrail("org", BASE, opts=pulumi.ResourceOptions(depends_on=[policy, key]))
        recorded["policy"], recorded["key"] = "elsewhere-policy", "elsewhere-key"

    rendering = render(program, config={"aws:region": "us-east-1"})
    trail = rendering.one(TRAIL)
    assert rendering.named(recorded["policy"]).urn in trail.dependencies
    assert rendering.named(recorded["key"]).urn in trail.dependencies


def test_sns_notifications_publish_to_an_encrypted_topic_only_the_trail_may_use(
    everything: Rendering, statements: Statements
) -> None:
    topic = everything.one("aws:sns/topic:Topic")
    key_arn = everything.one("aws:cloudwatch/logGroup:LogGroup").properties["kmsKeyId"]
    assert topic.properties == {
        "name": "organization-trail-log-delivery",
        "kmsMasterKeyId": key_arn,
        "tags": {"Owner": "security"},
    }
    topic_arn = "arn:aws:sns:us-east-1:111111111111:organization-trail-log-delivery"
    policy = statements(everything.one("aws:sns/topicPolicy:TopicPolicy"))
    assert policy["AWSCloudTrailSNSPolicy"]["Resource"] == topic_arn
    assert policy["AWSCloudTrailSNSPolicy"]["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}
    key_policy = statements(everything.one("aws:kms/key:Key"))
    assert key_policy["AllowCloudTrailPublishToEncryptedTopic"]["Condition"]["StringEquals"] == {
        "aws:SourceArn": TRAIL_ARN,
        "kms:EncryptionContext:aws:sns:topicArn": topic_arn,
    }
    trail = everything.one(TRAIL)
    assert trail.properties["snsTopicName"] == topic_arn
    assert everything.one("aws:sns/topicPolicy:TopicPolicy").urn in trail.dependencies


def test_data_events_exclude_the_trails_own_buckets(everything: Rendering) -> None:
    selectors = everything.one(TRAIL).properties["advancedEventSelectors"]
    assert selectors[1] == {
        "name": "AWS::S3::Object data events",
        "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
            {"field": "readOnly", "equals": ["false"]},
            {
                "field": "resources.ARN",
                "notStartsWiths": ["arn:aws:s3:::acme-cloudtrail/", "arn:aws:s3:::acme-cloudtrail-access-logs/"],
            },
        ],
    }
    assert selectors[2] == {
        "name": "Lambda invocations",
        "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::Lambda::Function"]},
        ],
    }


def test_insights(everything: Rendering) -> None:
    assert everything.one(TRAIL).properties["insightSelectors"] == [
        {"insightType": "ApiCallRateInsight"},
        {"insightType": "ApiErrorRateInsight"},
    ]


def test_basic_event_selectors_replace_advanced_ones() -> None:
    rendering = render_trail(
        event_selectors=[
            {
                "read_write_type": "WriteOnly",
                "include_management_events": True,
                "data_resources": [{"type": "AWS::Lambda::Function", "values": ["arn:aws:lambda"]}],
            }
        ]
    )
    trail = rendering.one(TRAIL).properties
    assert "advancedEventSelectors" not in trail
    assert trail["eventSelectors"] == [
        {
            "readWriteType": "WriteOnly",
            "includeManagementEvents": True,
            "dataResources": [{"type": "AWS::Lambda::Function", "values": ["arn:aws:lambda"]}],
        }
    ]


def test_every_taggable_child_is_tagged(everything: Rendering, taggable: Callable[[str], bool]) -> None:
    tagged = [r for r in everything.resources if taggable(r.type)]
    assert {r.type for r in tagged} == {
        "aws:kms/key:Key",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:iam/role:Role",
        "aws:sns/topic:Topic",
        TRAIL,
    }
    for resource in tagged:
        assert resource.properties.get("tags") == {"Owner": "security"}, resource.name


def test_a_given_monitoring_key_is_used_instead_of_creating_one() -> None:
    own = "arn:aws:kms:us-east-1:111111111111:key/99999999-12ab-34cd-56ef-1234567890ab"
    rendering = render_trail(monitoring_kms_key_arn=own)
    assert rendering.by_type("aws:kms/key:Key") == []
    assert rendering.one("aws:cloudwatch/logGroup:LogGroup").properties["kmsKeyId"] == own


def test_without_cloudwatch_logs_there_is_no_group_role_or_key() -> None:
    rendering = render_trail(cloud_watch_logs_enabled=False)
    assert [r.type for r in rendering.resources] == ["trailguard:index:OrganizationTrail", TRAIL]
    assert "cloudWatchLogsGroupArn" not in rendering.one(TRAIL).properties


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"data_event_selectors": [{"resource_type": "AWS::S3::Bucket"}]},
            "OrganizationTrail 'org': data_event_selectors[0].resource_type: 'AWS::S3::Bucket' is not a supported "
            "data event resource type; expected one of AWS::S3::Object, AWS::Lambda::Function, AWS::DynamoDB::Table, "
            "AWS::DynamoDB::Stream, AWS::S3Outposts::Object, AWS::ManagedBlockchain::Node, "
            "AWS::S3ObjectLambda::AccessPoint, AWS::EC2::Snapshot, AWS::S3::AccessPoint, AWS::Glue::Table, "
            "e.g. AWS::S3::Object",
        ),
        (
            {"insight_selectors": ["ApiCallInsight"]},
            "OrganizationTrail 'org': insight_selectors[0]: 'ApiCallInsight' is not an Insights type; expected "
            "ApiCallRateInsight or ApiErrorRateInsight, e.g. ApiCallRateInsight",
        ),
        (
            {
                "data_event_selectors": [
                    {
                        "resource_type": "AWS::S3::Object",
                        "field_selectors": [{"field": "resources.ARN", "starts_with": ["arn:aws:s3:::"]}],
                    }
                ]
            },
            "OrganizationTrail 'org': data_event_selectors[0].field_selectors[0]: 'arn:aws:s3:::' (starts_with) would "
            "log the "
            "trail's own bucket acme-cloudtrail (CloudTrail would log its own deliveries, a cost feedback loop); "
            "expected startsWith prefixes of other buckets, or no resources.ARN condition to log every bucket but "
            "the trail's, e.g. startsWith: [arn:aws:s3:::acme-data/]",
        ),
        (
            {"name": "-trail"},
            "OrganizationTrail 'org': name: '-trail' is not a valid trail name; expected 3-128 letters, digits, "
            "periods, underscores or hyphens, starting and ending with a letter or digit, with no two symbols in a "
            "row, e.g. organization-trail",
        ),
    ],
)
def test_bad_arguments_fail_before_anything_is_registered(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        render_trail(**overrides)
    assert str(raised.value) == message


def test_a_delegated_administrator_deploys_the_management_accounts_trail(statements: Statements) -> None:
    # A CloudTrail delegated administrator (here 333333333333) creates the organization trail, but the trail is the
    # management account's: its ARN, which the role trust, topic and key policies name, carries 111111111111.
    delegated = PlausibleMocks(MockAccount(account_id="333333333333"))
    rendering = render(
        lambda: OrganizationTrail(
            "org", {**BASE, "trail_account_id": "111111111111", "sns_notifications_enabled": True}
        ),
        config={"aws:region": "us-east-1"},
        mocks=delegated,
    )
    topic_policy = statements(rendering.one("aws:sns/topicPolicy:TopicPolicy"))
    assert topic_policy["AWSCloudTrailSNSPolicy"]["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}
    key_policy = statements(rendering.one("aws:kms/key:Key"))
    publish = key_policy["AllowCloudTrailPublishToEncryptedTopic"]["Condition"]["StringEquals"]
    assert publish["aws:SourceArn"] == TRAIL_ARN
    # The log group and topic are created in the administrator's account, beside the key: the encryption contexts
    # name their real ARNs, in 333333333333; only the trail ARN and the log-stream names carry 111111111111.
    assert publish["kms:EncryptionContext:aws:sns:topicArn"] == (
        "arn:aws:sns:us-east-1:333333333333:organization-trail-log-delivery"
    )
    logs = key_policy["AllowCloudWatchLogsEncryption"]["Condition"]["ArnEquals"]
    assert logs == {
        "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:333333333333:log-group:/cloudtrail/organization-trail"
    }
    role_policy = statements(rendering.one("aws:iam/rolePolicy:RolePolicy"))
    assert role_policy["AWSCloudTrailPutLogEvents"]["Resource"][0] == (
        "arn:aws:logs:us-east-1:333333333333:log-group:/cloudtrail/organization-trail"
        ":log-stream:111111111111_CloudTrail_us-east-1*"
    )


def test_the_trail_account_must_be_an_account_id() -> None:
    with pytest.raises(ValueError) as raised:
        render_trail(trail_account_id="1111")
    assert str(raised.value) == (
        "OrganizationTrail 'org': trail_account_id: '1111' is not an AWS account id; expected 12 digits, "
        "e.g. 111111111111"
    )


def test_a_single_account_trail_needs_no_organization(statements: Statements) -> None:
    args: OrganizationTrailArgs = {**BASE, "is_organization_trail": False}
    del args["organization_id"]
    rendering = render(lambda: OrganizationTrail("org", args), config={"aws:region": "us-east-1"})
    assert rendering.one(TRAIL).properties["isOrganizationTrail"] is False
    role = statements(rendering.one("aws:iam/rolePolicy:RolePolicy"))
    assert role["AWSCloudTrailCreateLogStream"]["Resource"] == [
        "arn:aws:logs:us-east-1:111111111111:log-group:/cloudtrail/organization-trail"
        ":log-stream:111111111111_CloudTrail_us-east-1*"
    ]


def test_an_organization_trail_without_its_organization_is_refused() -> None:
    args: OrganizationTrailArgs = {**BASE}
    del args["organization_id"]
    with pytest.raises(ValueError) as raised:
        render(lambda: OrganizationTrail("org", args), config={"aws:region": "us-east-1"})
    assert str(raised.value) == (
        "OrganizationTrail 'org': organization_id: is required for an organization trail; expected 'o-' followed by "
        "10-32 lowercase letters or digits, e.g. o-a1b2c3d4e5 (or set is_organization_trail=False for a "
        "single-account trail)"
    )
