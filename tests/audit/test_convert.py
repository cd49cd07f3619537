"""Live state becomes exactly the inputs pulumi-aws resources take, linked as a program links them."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pulumi_aws as aws
import pytest
from audit_samples import (
    ACCESS_LOG_BUCKET,
    ACCOUNT,
    BUCKET,
    GROUP,
    KEY_ARN,
    ROLE,
    TRAIL_NAME,
    bucket,
    region_state,
    trail,
)

from trailguard_gate.audit import convert as c
from trailguard_gate.audit.collect import Gap, Reference
from trailguard_gate.mocks import render
from trailguard_gate.model import UNKNOWN, Resource, ResourceOptions

CLASSES: dict[str, Any] = {
    c.TRAIL: aws.cloudtrail.Trail,
    c.BUCKET: aws.s3.Bucket,
    c.BUCKET_POLICY: aws.s3.BucketPolicy,
    c.BUCKET_ENCRYPTION: aws.s3.BucketServerSideEncryptionConfiguration,
    c.BUCKET_PUBLIC_ACCESS_BLOCK: aws.s3.BucketPublicAccessBlock,
    c.BUCKET_OWNERSHIP: aws.s3.BucketOwnershipControls,
    c.BUCKET_VERSIONING: aws.s3.BucketVersioning,
    c.BUCKET_LOGGING: aws.s3.BucketLogging,
    c.BUCKET_LIFECYCLE: aws.s3.BucketLifecycleConfiguration,
    c.BUCKET_WEBSITE: aws.s3.BucketWebsiteConfiguration,
    c.BUCKET_OBJECT_LOCK: aws.s3.BucketObjectLockConfiguration,
    c.KEY: aws.kms.Key,
    c.ALIAS: aws.kms.Alias,
    c.LOG_GROUP: aws.cloudwatch.LogGroup,
    c.ROLE: aws.iam.Role,
    c.ROLE_POLICY: aws.iam.RolePolicy,
    c.ROLE_POLICY_ATTACHMENT: aws.iam.RolePolicyAttachment,
}
MAPS = {"tags"}
"""Inputs whose keys are the user's data, not property names."""


def snake(value: Any) -> Any:
    """camelCase inputs as Python keyword arguments; an input the provider does not know stays unknown to it."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = "and_" if key == "and" else re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
            out[name] = item if key in MAPS else snake(item)
        return out
    if isinstance(value, list):
        return [snake(v) for v in value]
    return value


def declared(resource: Resource) -> dict[str, Any]:
    """What pulumi-aws sends the engine when a program declares `resource`'s properties in Python."""
    cls = CLASSES[resource.type]
    rendering = render(lambda: cls(resource.name, **snake(resource.properties)))
    return rendering.one(resource.type).properties


def by_type(resources: list[Resource], token: str) -> list[Resource]:
    return [r for r in resources if r.type == token]


def one(resources: list[Resource], token: str) -> Resource:
    found = by_type(resources, token)
    assert len(found) == 1, [r.name for r in found]
    return found[0]


@pytest.fixture(scope="module")
def converted() -> list[Resource]:
    return c.to_resources(region_state())


def test_every_converted_resource_has_the_inputs_pulumi_aws_sends(converted: list[Resource]) -> None:
    # A misspelt input (`startsWith` for `startsWiths`) reaches the engine unchanged in snake_case and differs here.
    assert {r.type for r in converted} == set(CLASSES) - {c.BUCKET_WEBSITE, c.ROLE_POLICY_ATTACHMENT}
    for resource in converted:
        assert declared(resource) == resource.properties, resource.type


def test_the_trail_links_to_what_it_delivers_to_through_property_dependencies(converted: list[Resource]) -> None:
    urns = {(r.type, r.name): r.urn for r in converted}
    trail_resource = one(converted, c.TRAIL)
    assert trail_resource.property_dependencies == {
        "s3BucketName": (urns[(c.BUCKET, BUCKET)],),
        "kmsKeyId": (urns[(c.KEY, "cloudtrail/org-trail/logs")],),
        "cloudWatchLogsGroupArn": (urns[(c.LOG_GROUP, GROUP)],),
        "cloudWatchLogsRoleArn": (urns[(c.ROLE, ROLE)],),
    }
    # Like the components, the trail also waits for the bucket policy and the delivery role's policy.
    assert urns[(c.BUCKET_POLICY, f"{BUCKET}-policy")] in trail_resource.dependencies
    assert urns[(c.ROLE_POLICY, f"{ROLE}-cloudtrail-delivery")] in trail_resource.dependencies
    assert trail_resource.urn == f"urn:pulumi:{ACCOUNT}-us-east-1::trailguard-audit::{c.TRAIL}::{TRAIL_NAME}"


def test_bucket_configuration_resources_depend_on_their_bucket(converted: list[Resource]) -> None:
    bucket_urn = next(r.urn for r in converted if r.type == c.BUCKET and r.name == BUCKET)
    access_urn = next(r.urn for r in converted if r.type == c.BUCKET and r.name == ACCESS_LOG_BUCKET)
    key_urn = one(converted, c.KEY).urn
    parts = [r for r in converted if r.properties.get("bucket") == BUCKET and r.type != c.BUCKET]
    assert {r.type for r in parts} == {
        c.BUCKET_POLICY,
        c.BUCKET_ENCRYPTION,
        c.BUCKET_PUBLIC_ACCESS_BLOCK,
        c.BUCKET_OWNERSHIP,
        c.BUCKET_VERSIONING,
        c.BUCKET_LOGGING,
        c.BUCKET_LIFECYCLE,
        c.BUCKET_OBJECT_LOCK,
    }
    for part in parts:
        assert part.property_dependencies["bucket"] == (bucket_urn,)
    logging = one(converted, c.BUCKET_LOGGING)
    assert logging.property_dependencies["targetBucket"] == (access_urn,)
    encryption = next(r for r in parts if r.type == c.BUCKET_ENCRYPTION)
    assert encryption.property_dependencies["rules"] == (key_urn,)
    assert one(converted, c.LOG_GROUP).property_dependencies == {"kmsKeyId": (key_urn,)}


def test_selectors_keep_the_providers_plural_operator_names(converted: list[Resource]) -> None:
    selectors = one(converted, c.TRAIL).properties["advancedEventSelectors"]
    assert selectors[1] == {
        "name": "S3 data events, except the trail's own bucket",
        "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
            {"field": "resources.ARN", "notStartsWiths": [f"arn:aws:s3:::{BUCKET}/"]},
        ],
    }
    assert "eventSelectors" not in one(converted, c.TRAIL).properties


def test_the_trail_states_every_setting_the_pack_judges(converted: list[Resource]) -> None:
    props = one(converted, c.TRAIL).properties
    assert props["isMultiRegionTrail"] is True
    assert props["enableLogFileValidation"] is True
    assert props["enableLogging"] is True
    assert props["includeGlobalServiceEvents"] is True
    assert props["isOrganizationTrail"] is False
    assert props["kmsKeyId"] == KEY_ARN
    assert props["insightSelectors"] == [{"insightType": "ApiCallRateInsight"}, {"insightType": "ApiErrorRateInsight"}]
    assert props["tags"] == {"owner": "security"}


def test_lifecycle_and_filters_take_the_providers_shape(converted: list[Resource]) -> None:
    lifecycle = next(r for r in converted if r.type == c.BUCKET_LIFECYCLE)
    assert lifecycle.properties["rules"] == [
        {
            "id": "trail-logs",
            "filter": {"and": {"prefix": "AWSLogs/", "tags": {"class": "logs"}}},
            "status": "Enabled",
            "transitions": [{"days": 90, "storageClass": "GLACIER_IR"}],
            "noncurrentVersionExpiration": {"noncurrentDays": 400},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
        }
    ]


def test_policies_are_json_text_as_a_program_passes_them(converted: list[Resource]) -> None:
    policy = json.loads(one(converted, c.BUCKET_POLICY).properties["policy"])
    assert [s["Sid"] for s in policy["Statement"]][:2] == ["AWSCloudTrailAclCheck", "AWSCloudTrailWrite"]
    trust = json.loads(one(converted, c.ROLE).properties["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "cloudtrail.amazonaws.com"}


def test_live_resources_are_not_protected(converted: list[Resource]) -> None:
    # Nothing in AWS marks a resource protected; saying so would hide the pack's code-only rules' point.
    assert {r.options for r in converted} == {ResourceOptions()}


def test_what_could_not_be_read_is_unknown_not_absent() -> None:
    state = region_state(
        trails=(trail(status=Gap.UNREAD, selectors=Gap.UNREAD, insights=Gap.UNREAD, tags=Gap.UNREAD),),
        buckets={BUCKET: bucket(policy=Gap.UNREAD, public_access_block=Gap.UNREAD)},
    )
    resources = c.to_resources(state)
    props = one(resources, c.TRAIL).properties
    assert props["enableLogging"] == UNKNOWN
    assert props["eventSelectors"] == UNKNOWN
    assert props["advancedEventSelectors"] == UNKNOWN
    assert props["insightSelectors"] == UNKNOWN
    assert props["tags"] == UNKNOWN
    assert one(resources, c.BUCKET_POLICY).properties == {"bucket": BUCKET, "region": "us-east-1", "policy": UNKNOWN}
    assert one(resources, c.BUCKET_PUBLIC_ACCESS_BLOCK).properties["blockPublicPolicy"] == UNKNOWN


def test_what_is_not_configured_is_not_declared() -> None:
    state = region_state(
        buckets={BUCKET: bucket(policy=Gap.ABSENT, public_access_block=Gap.ABSENT, versioning=Gap.ABSENT)},
        trails=(trail(selectors={"TrailARN": "x", "EventSelectors": [], "AdvancedEventSelectors": []}),),
    )
    resources = c.to_resources(state)
    types = {r.type for r in resources}
    assert c.BUCKET_POLICY not in types
    assert c.BUCKET_PUBLIC_ACCESS_BLOCK not in types
    assert c.BUCKET_VERSIONING not in types
    # No selectors at all is the provider's default: every management event, read and write.
    props = one(resources, c.TRAIL).properties
    assert "eventSelectors" not in props and "advancedEventSelectors" not in props


def test_a_bucket_in_another_account_is_referenced_by_name_only() -> None:
    state = region_state(
        buckets={},
        references=(Reference("bucket", BUCKET, trail().arn, "other-account"),),
    )
    resources = c.to_resources(state)
    trail_resource = one(resources, c.TRAIL)
    assert trail_resource.properties["s3BucketName"] == BUCKET
    assert "s3BucketName" not in trail_resource.property_dependencies
    assert not by_type(resources, c.BUCKET)


def test_a_key_pending_deletion_declares_its_deletion_window() -> None:
    from audit_samples import key

    pending = key(metadata={"KeyState": "PendingDeletion", "Enabled": False, "PendingDeletionWindowInDays": 7})
    resources = c.to_resources(region_state(keys={KEY_ARN: pending}))
    props = one(resources, c.KEY).properties
    assert props["deletionWindowInDays"] == 7
    assert props["isEnabled"] is False
    assert "deletionWindowInDays" not in one(c.to_resources(region_state()), c.KEY).properties


def test_basic_event_selectors_convert_with_data_resources() -> None:
    basic = {
        "EventSelectors": [
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
                "ExcludeManagementEventSources": ["kms.amazonaws.com"],
            }
        ]
    }
    assert c.selector_properties(basic) == {
        "eventSelectors": [
            {
                "readWriteType": "All",
                "includeManagementEvents": True,
                "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}],
                "excludeManagementEventSources": ["kms.amazonaws.com"],
            }
        ]
    }
    resource = Resource(
        urn="urn:pulumi:s::p::aws:cloudtrail/trail:Trail::t",
        type=c.TRAIL,
        name="t",
        properties={"name": "t", "s3BucketName": BUCKET, **c.selector_properties(basic)},
    )
    assert declared(resource) == resource.properties


def test_a_website_configuration_is_declared_so_the_dedicated_bucket_rule_sees_it() -> None:
    website = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}}
    resources = c.to_resources(region_state(buckets={BUCKET: bucket(website=website)}))
    site = one(resources, c.BUCKET_WEBSITE)
    assert site.properties == {
        "bucket": BUCKET,
        "region": "us-east-1",
        "indexDocument": {"suffix": "index.html"},
        "errorDocument": {"key": "error.html"},
    }
    assert declared(site) == site.properties


def test_attached_managed_policies_are_declared_as_attachments() -> None:
    from audit_samples import role

    attached = role(attached=("arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",))
    resources = c.to_resources(region_state(roles={attached.arn: attached}))
    attachment = one(resources, c.ROLE_POLICY_ATTACHMENT)
    assert attachment.properties == {"role": ROLE, "policyArn": "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess"}
    assert declared(attachment) == attachment.properties


def test_names_stay_unique_within_a_type() -> None:
    twin = replace(trail(), description={**trail().description})
    resources = c.to_resources(region_state(trails=(trail(), twin)))
    assert [r.name for r in by_type(resources, c.TRAIL)] == [TRAIL_NAME, f"{TRAIL_NAME}-2"]


def test_unreadable_bucket_configuration_keeps_the_providers_input_names() -> None:
    unread = bucket(
        policy=Gap.UNREAD,
        encryption=Gap.UNREAD,
        public_access_block=Gap.UNREAD,
        ownership=Gap.UNREAD,
        versioning=Gap.UNREAD,
        logging=Gap.UNREAD,
        lifecycle=Gap.UNREAD,
        website=Gap.UNREAD,
        object_lock=Gap.UNREAD,
    )
    resources = c.to_resources(region_state(buckets={BUCKET: unread}))
    assert one(resources, c.BUCKET).properties["objectLockEnabled"] == UNKNOWN
    parts = [r for r in resources if r.type in c.BUCKET_PARTS]
    assert len(parts) == 8
    for part in parts:
        assert UNKNOWN in part.properties.values(), part.type
        assert declared(part) == part.properties, part.type
