"""The Terraform-plan export checkov reads: types, argument names, blocks and the references between resources."""

from __future__ import annotations

import json
from typing import Any

import pytest
from gate_testing import REPO, TRAIL_PROJECT

from trailguard_gate.model import UNKNOWN, Resource
from trailguard_gate.render import load_project, render_stack, render_stacks, stack_names
from trailguard_gate.tfplan import convert_values, export_plan, singular, snake, terraform_type
from trailguard_policies.values import SECRET_SIG, SIG_KEY

# Every pulumi-aws type the trailguard components register (and those the alarms and Lake components add), with
# the Terraform type checkov knows it by.
COMPONENT_TYPES = {
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:cloudtrail/eventDataStore:EventDataStore": "aws_cloudtrail_event_data_store",
    "aws:cloudtrail/organizationDelegatedAdminAccount:OrganizationDelegatedAdminAccount": (
        "aws_cloudtrail_organization_delegated_admin_account"
    ),
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": "aws_cloudwatch_log_metric_filter",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:cloudwatch/eventRule:EventRule": "aws_cloudwatch_event_rule",
    "aws:cloudwatch/eventTarget:EventTarget": "aws_cloudwatch_event_target",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketLogging:BucketLogging": "aws_s3_bucket_logging",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "aws_s3_bucket_object_lock_configuration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "aws_s3_bucket_server_side_encryption_configuration"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
}


@pytest.mark.parametrize(("token", "expected"), sorted(COMPONENT_TYPES.items()))
def test_each_component_type_maps_to_its_terraform_type(token: str, expected: str) -> None:
    assert terraform_type(token) == expected


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("aws:s3/bucketV2:BucketV2", "aws_s3_bucket"),
        ("aws:s3/bucketVersioningV2:BucketVersioningV2", "aws_s3_bucket_versioning"),
        ("aws:ec2/securityGroup:SecurityGroup", "aws_security_group"),
        ("aws:ec2/transitGateway:TransitGateway", "aws_ec2_transit_gateway"),
        ("aws:rds/instance:Instance", "aws_db_instance"),
        ("aws:rds/cluster:Cluster", "aws_rds_cluster"),
        ("aws:cfg/rule:Rule", "aws_config_config_rule"),
        ("aws:cfg/deliveryChannel:DeliveryChannel", "aws_config_delivery_channel"),
        ("aws:apigateway/restApi:RestApi", "aws_api_gateway_rest_api"),
        ("aws:lb/loadBalancer:LoadBalancer", "aws_lb"),
        ("aws:appsync/graphQLApi:GraphQLApi", "aws_appsync_graphql_api"),
        ("pulumi:providers:aws", None),
        ("trailguard:index:OrganizationTrail", None),
        ("gcp:storage/bucket:Bucket", None),
    ],
)
def test_exceptions_and_non_aws_tokens(token: str, expected: str | None) -> None:
    assert terraform_type(token) == expected


@pytest.mark.slow
def test_every_type_the_repositorys_stacks_register_has_a_known_terraform_twin() -> None:
    project = load_project(REPO)
    used = {r.type for rendering in render_stacks(project, stack_names(project)) for r in rendering.resources}
    aws_types = {t for t in used if t.startswith("aws:")}

    unknown = sorted(aws_types - COMPONENT_TYPES.keys())
    assert not unknown, f"add these to COMPONENT_TYPES with their Terraform type and check the export: {unknown}"


@pytest.mark.parametrize(
    ("pulumi", "terraform"),
    [
        ("cloudWatchLogsGroupArn", "cloud_watch_logs_group_arn"),
        ("s3BucketName", "s3_bucket_name"),
        ("ipv6CidrBlock", "ipv6_cidr_block"),
        ("kmsMasterKeyId", "kms_master_key_id"),
    ],
)
def test_camel_case_becomes_snake_case(pulumi: str, terraform: str) -> None:
    assert snake(pulumi) == terraform


@pytest.mark.parametrize(
    ("pulumi", "terraform"),
    [
        ("eventSelectors", "event_selector"),
        ("advancedEventSelectors", "advanced_event_selector"),
        ("fieldSelectors", "field_selector"),
        ("dataResources", "data_resource"),
        ("rules", "rule"),
        ("noncurrentVersionTransitions", "noncurrent_version_transition"),
        ("metricQueries", "metric_query"),
        ("inlinePolicies", "inline_policy"),
        ("ingress", "ingress"),
        ("prefixes", "prefix"),
    ],
)
def test_pluralised_blocks_get_their_terraform_name_back(pulumi: str, terraform: str) -> None:
    assert singular(pulumi) == terraform


def test_a_trails_selectors_become_repeated_terraform_blocks() -> None:
    values = convert_values(
        {
            "isMultiRegionTrail": True,
            "eventSelectors": [
                {
                    "readWriteType": "All",
                    "includeManagementEvents": True,
                    "excludeManagementEventSources": ["kms.amazonaws.com"],
                    "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}],
                }
            ],
            "advancedEventSelectors": [
                {
                    "name": "S3 writes",
                    "fieldSelectors": [
                        {"field": "eventCategory", "equals": ["Data"]},
                        {"field": "resources.ARN", "notStartsWiths": ["arn:aws:s3:::trail-bucket/"]},
                    ],
                }
            ],
            "insightSelectors": [{"insightType": "ApiCallRateInsight"}],
            "tags": {"Owner": "security", "cost-center": "42"},
        }
    )

    assert values == {
        "is_multi_region_trail": True,
        "event_selector": [
            {
                "read_write_type": "All",
                "include_management_events": True,
                "exclude_management_event_sources": ["kms.amazonaws.com"],
                "data_resource": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}],
            }
        ],
        "advanced_event_selector": [
            {
                "name": "S3 writes",
                "field_selector": [
                    {"field": "eventCategory", "equals": ["Data"]},
                    {"field": "resources.ARN", "not_starts_with": ["arn:aws:s3:::trail-bucket/"]},
                ],
            }
        ],
        "insight_selector": [{"insight_type": "ApiCallRateInsight"}],
        "tags": {"Owner": "security", "cost-center": "42"},
    }


def test_flattened_single_blocks_become_one_element_lists_and_wire_values_are_plain() -> None:
    values = convert_values(
        {
            "rules": [
                {
                    "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": "arn:k"},
                    "bucketKeyEnabled": True,
                }
            ],
            "versioningConfiguration": {"status": "Enabled"},
            "retentionInDays": 365.0,
            "kmsKeyId": {SIG_KEY: SECRET_SIG, "value": "arn:secret-key"},
            "name": UNKNOWN,
            "policy": {"Version": "2012-10-17", "Statement": []},
        }
    )

    assert values == {
        "rule": [
            {
                "apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": "arn:k"}],
                "bucket_key_enabled": True,
            }
        ],
        "versioning_configuration": [{"status": "Enabled"}],
        "retention_in_days": 365,
        "kms_key_id": "arn:secret-key",
        "policy": '{"Version": "2012-10-17", "Statement": []}',
    }


def _resource(type_: str, name: str, properties: dict[str, Any], **deps: tuple[str, ...]) -> Resource:
    return Resource(
        urn=f"urn:pulumi:dev::p::{type_}::{name}",
        type=type_,
        name=name,
        properties=properties,
        property_dependencies=dict(deps),
    )


def test_property_dependencies_become_the_references_checkov_connects() -> None:
    bucket = _resource("aws:s3/bucket:Bucket", "logs", {"bucket": "logs-bucket"})
    block = _resource(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "logs",
        {"bucket": "logs-bucket", "blockPublicAcls": True},
        bucket=(bucket.urn,),
    )
    policy = _resource(
        "aws:s3/bucketPolicy:BucketPolicy",
        "logs",
        {"bucket": "logs-bucket", "policy": '{"Statement": []}'},
        bucket=(bucket.urn,),
        policy=(bucket.urn,),
    )
    component = Resource(
        urn="urn:pulumi:dev::p::trailguard:index:TrailBucket::b",
        type="trailguard:index:TrailBucket",
        name="b",
        properties={},
        custom=False,
    )

    plan = export_plan([component, bucket, block, policy], region="eu-west-1")

    planned = {r["address"]: r for r in plan.document["planned_values"]["root_module"]["resources"]}
    configured = {r["address"]: r for r in plan.document["configuration"]["root_module"]["resources"]}
    assert list(planned) == [
        "aws_s3_bucket.logs",
        "aws_s3_bucket_public_access_block.logs",
        "aws_s3_bucket_policy.logs",
    ]
    block_plan = planned["aws_s3_bucket_public_access_block.logs"]
    assert block_plan["values"] == {"block_public_acls": True}  # the bucket is the reference, as in a first plan
    assert block_plan["provider_name"] == "registry.terraform.io/hashicorp/aws"
    assert configured["aws_s3_bucket_public_access_block.logs"]["expressions"] == {
        "bucket": {"references": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"]}
    }
    # A policy document that names the bucket keeps its text: checkov's policy checks read it.
    assert planned["aws_s3_bucket_policy.logs"]["values"] == {"policy": '{"Statement": []}'}
    assert plan.document["configuration"]["provider_config"]["aws"]["expressions"] == {
        "region": {"constant_value": "eu-west-1"}
    }
    assert plan.resources["aws_s3_bucket.logs"] is bucket


def test_resources_with_the_same_name_get_distinct_addresses() -> None:
    first = _resource("aws:s3/bucket:Bucket", "logs", {})
    second = Resource(
        urn="urn:pulumi:dev::p::trailguard:index:X$aws:s3/bucket:Bucket::logs",
        type=first.type,
        name="logs",
        properties={},
    )

    plan = export_plan([first, second])

    assert len(plan.resources) == 2
    assert plan.resources["aws_s3_bucket.logs"] is first
    (other,) = (a for a in plan.resources if a != "aws_s3_bucket.logs")
    assert other.startswith("aws_s3_bucket.logs_") and plan.resources[other] is second


@pytest.mark.slow
def test_the_fixture_trail_exports_every_resource_with_its_connections() -> None:
    rendering = render_stack(load_project(TRAIL_PROJECT), "secure")

    plan = export_plan(rendering.resources)

    planned = {r["address"]: r["values"] for r in plan.document["planned_values"]["root_module"]["resources"]}
    expressions = {r["address"]: r["expressions"] for r in plan.document["configuration"]["root_module"]["resources"]}
    assert len(planned) == len(rendering.resources) == 22
    assert planned["aws_cloudtrail.trail"] == {
        "name": "fixture-trail",
        "is_multi_region_trail": True,
        "include_global_service_events": True,
        "enable_log_file_validation": True,
        "enable_logging": True,
        "event_selector": [{"read_write_type": "All", "include_management_events": True}],
        "tags": {"Owner": "security"},
    }
    assert {k: v["references"][1] for k, v in expressions["aws_cloudtrail.trail"].items()} == {
        "s3_bucket_name": "aws_s3_bucket.trail-bucket",
        "kms_key_id": "aws_kms_key.trail-key",
        "cloud_watch_logs_group_arn": "aws_cloudwatch_log_group.trail-logs",
        "cloud_watch_logs_role_arn": "aws_iam_role.trail-logs-role",
        "sns_topic_name": "aws_sns_topic.trail-topic",
    }
    assert planned["aws_s3_bucket_versioning.trail-bucket-versioning"] == {
        "versioning_configuration": [{"status": "Enabled"}]
    }
    assert planned["aws_s3_bucket_lifecycle_configuration.trail-bucket-lifecycle"]["rule"][0]["transition"] == [
        {"days": 90, "storage_class": "GLACIER"}
    ]
    assert planned["aws_s3_bucket_lifecycle_configuration.trail-bucket-lifecycle"]["rule"][0][
        "abort_incomplete_multipart_upload"
    ] == [{"days_after_initiation": 7}]
    assert planned["aws_cloudwatch_log_group.trail-logs"] == {
        "name": "/aws/cloudtrail/fixture-trail",
        "retention_in_days": 365,
    }
    key_policy = json.loads(planned["aws_kms_key.trail-key"]["policy"])
    assert [s["Sid"] for s in key_policy["Statement"]][:2] == ["AccountRoot", "AWSCloudTrailEncrypt"]
    assert expressions["aws_s3_bucket_logging.trail-bucket-logging"]["target_bucket"]["references"] == [
        "aws_s3_bucket.access-logs.id",
        "aws_s3_bucket.access-logs",
    ]
