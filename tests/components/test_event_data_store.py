"""EventDataStore: the store and its key as registered, the key policy statement by statement, selectors, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.provider.experimental.analyzer import Analyzer

from trailguard.config import ConfigError
from trailguard.event_data_store import (
    EventDataStore,
    EventDataStoreArgs,
    LakeConfig,
    event_data_store_key_policy,
    load_lake_stack_config,
)
from trailguard_gate.mocks import MockAccount, PlausibleMocks, Rendering, render

STORE = "aws:cloudtrail/eventDataStore:EventDataStore"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
MANAGEMENT_EVENTS = {
    "name": "Management events",
    "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}],
}
Statements = Callable[..., dict[str, dict[str, Any]]]


class RegistrationLog(PlausibleMocks):
    """The mocks, noting the type of every resource the program registers."""

    def __init__(self) -> None:
        super().__init__()
        self.registered: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(args.typ)
        return super().new_resource(args)


def render_store(args: EventDataStoreArgs, *, account: MockAccount | None = None) -> Rendering:
    def program() -> None:
        store = EventDataStore("lake", args)
        pulumi.export("arn", store.event_data_store_arn)
        pulumi.export("id", store.event_data_store_id)
        pulumi.export("name", store.name)
        pulumi.export("keyArn", store.kms_key_arn)
        pulumi.export("alias", store.kms_key_alias_name)

    return render(program, mocks=PlausibleMocks(account))


@pytest.fixture(scope="module")
def defaults() -> Rendering:
    return render_store({"name": "organization-events", "tags": {"Owner": "security"}})


def test_registers_the_store_and_its_key_under_the_component(defaults: Rendering) -> None:
    component = defaults.one("trailguard:index:EventDataStore")
    assert component.name == "lake"
    children = {r.name: r for r in defaults.resources if r.parent == component.urn}
    assert {name: r.type for name, r in children.items()} == {
        "lake-key": KEY,
        "lake-key-alias": ALIAS,
        "lake-store": STORE,
    }


def test_secure_defaults(defaults: Rendering) -> None:
    store = defaults.one(STORE).properties
    assert store == {
        "name": "organization-events",
        "organizationEnabled": True,
        "multiRegionEnabled": True,
        "retentionPeriod": 2557,
        "billingMode": "EXTENDABLE_RETENTION_PRICING",
        "terminationProtectionEnabled": True,
        "suspend": "false",
        "kmsKeyId": defaults.outputs["keyArn"],
        "advancedEventSelectors": [MANAGEMENT_EVENTS],
        "tags": {"Owner": "security"},
    }


def test_the_store_and_its_key_are_never_deleted_by_pulumi(defaults: Rendering) -> None:
    for token in (STORE, KEY):
        options = defaults.one(token).options
        assert (options.protect, options.retain_on_delete) == (True, True), token
    # The alias holds nothing: recreating it loses nothing.
    assert defaults.one(ALIAS).options.protect is False


def test_the_store_waits_for_its_key(defaults: Rendering) -> None:
    assert defaults.one(KEY).urn in defaults.one(STORE).dependencies


def test_key_rotates_has_the_longest_window_an_alias_and_tags(defaults: Rendering) -> None:
    key = defaults.one(KEY).properties
    assert key["enableKeyRotation"] is True
    assert key["deletionWindowInDays"] == 30
    assert key["description"] == "CloudTrail Lake: event data store organization-events"
    assert key["tags"] == {"Owner": "security"}
    alias = defaults.one(ALIAS)
    assert alias.properties["name"] == "alias/cloudtrail/lake/organization-events"
    assert defaults.one(KEY).urn in alias.dependencies
    assert defaults.outputs["alias"] == "alias/cloudtrail/lake/organization-events"


def test_outputs_name_the_store_by_arn_and_by_the_id_sql_selects_from(defaults: Rendering) -> None:
    arn = defaults.outputs["arn"]
    assert arn.startswith("arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/")
    assert defaults.outputs["id"] == arn.rsplit("/", 1)[1]
    assert defaults.outputs["name"] == "organization-events"
    assert defaults.outputs["keyArn"].startswith("arn:aws:kms:us-east-1:111111111111:key/")


def test_key_policy_is_the_one_aws_documents_for_lake(defaults: Rendering, statements: Statements) -> None:
    policy = statements(defaults.one(KEY))
    assert list(policy) == [
        "EnableRootAccountPermissions",
        "AllowCloudTrailEncryptEventDataStore",
        "AllowCloudTrailDecryptEventDataStore",
        "AllowCloudTrailDescribeKey",
    ]
    assert policy["EnableRootAccountPermissions"] == {
        "Sid": "EnableRootAccountPermissions",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    service = {"Service": "cloudtrail.amazonaws.com"}
    assert {
        sid: (s["Principal"], s["Action"]) for sid, s in policy.items() if sid != "EnableRootAccountPermissions"
    } == {
        "AllowCloudTrailEncryptEventDataStore": (service, "kms:GenerateDataKey"),
        "AllowCloudTrailDecryptEventDataStore": (service, "kms:Decrypt"),
        "AllowCloudTrailDescribeKey": (service, "kms:DescribeKey"),
    }
    # KMS key policies for event data stores do not support aws:SourceArn or aws:SourceAccount: a condition
    # there would stop CloudTrail from writing to the store.
    assert all("Condition" not in s for s in policy.values())


def test_query_principals_may_use_the_key_only_through_cloudtrail(statements: Statements) -> None:
    rendering = render_store(
        {"name": "organization-events", "query_principal_arns": ["arn:aws:iam::222222222222:role/SecurityAudit"]}
    )
    policy = statements(rendering.one(KEY))
    assert policy["AllowQueryPrincipalsThroughCloudTrail"] == {
        "Sid": "AllowQueryPrincipalsThroughCloudTrail",
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::222222222222:role/SecurityAudit"]},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": "cloudtrail.us-east-1.amazonaws.com"}},
    }


def test_key_policy_is_partition_aware() -> None:
    policy = event_data_store_key_policy(
        partition="aws-cn",
        account_id="444444444444",
        region="cn-north-1",
        dns_suffix="amazonaws.com.cn",
        query_principal_arns=["arn:aws-cn:iam::555555555555:role/Auditor"],
    )
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["EnableRootAccountPermissions"]["Principal"] == {"AWS": "arn:aws-cn:iam::444444444444:root"}
    assert by_sid["AllowQueryPrincipalsThroughCloudTrail"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "cloudtrail.cn-north-1.amazonaws.com.cn"}
    }


def test_rendered_in_china_the_arns_and_key_policy_follow_the_partition(statements: Statements) -> None:
    rendering = render_store(
        {"name": "organization-events", "query_principal_arns": ["arn:aws-cn:iam::555555555555:role/Auditor"]},
        account=MockAccount(account_id="444444444444", region="cn-north-1", partition="aws-cn"),
    )
    policy = statements(rendering.one(KEY))
    assert policy["EnableRootAccountPermissions"]["Principal"] == {"AWS": "arn:aws-cn:iam::444444444444:root"}
    assert policy["AllowQueryPrincipalsThroughCloudTrail"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "cloudtrail.cn-north-1.amazonaws.com.cn"}
    }
    assert rendering.outputs["arn"].startswith("arn:aws-cn:cloudtrail:cn-north-1:444444444444:eventdatastore/")


def test_selectors_cover_management_data_and_network_activity_events() -> None:
    rendering = render_store(
        {
            "name": "organization-events",
            "management_events": {"read_write_type": "WriteOnly", "exclude_event_sources": ["kms.amazonaws.com"]},
            "data_event_selectors": [
                {
                    "resource_type": "AWS::S3::Object",
                    "name": "S3 writes",
                    "field_selectors": [
                        {"field": "readOnly", "equals": ["false"]},
                        {"field": "resources.ARN", "starts_with": ["arn:aws:s3:::acme-data/"]},
                    ],
                }
            ],
            "network_activity_event_selectors": [
                {"event_source": "kms.amazonaws.com", "access_denied_only": True},
                {"event_source": "s3.amazonaws.com", "name": "S3 through VPC endpoints"},
            ],
        }
    )
    assert rendering.one(STORE).properties["advancedEventSelectors"] == [
        {
            "name": "Management events",
            "fieldSelectors": [
                {"field": "eventCategory", "equals": ["Management"]},
                {"field": "readOnly", "equals": ["false"]},
                {"field": "eventSource", "notEquals": ["kms.amazonaws.com"]},
            ],
        },
        {
            # A store has no bucket of its own: unlike a trail's, its S3 selector excludes nothing.
            "name": "S3 writes",
            "fieldSelectors": [
                {"field": "eventCategory", "equals": ["Data"]},
                {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                {"field": "readOnly", "equals": ["false"]},
                {"field": "resources.ARN", "startsWiths": ["arn:aws:s3:::acme-data/"]},
            ],
        },
        {
            "name": "kms.amazonaws.com network activity events",
            "fieldSelectors": [
                {"field": "eventCategory", "equals": ["NetworkActivity"]},
                {"field": "eventSource", "equals": ["kms.amazonaws.com"]},
                {"field": "errorCode", "equals": ["VpceAccessDenied"]},
            ],
        },
        {
            "name": "S3 through VPC endpoints",
            "fieldSelectors": [
                {"field": "eventCategory", "equals": ["NetworkActivity"]},
                {"field": "eventSource", "equals": ["s3.amazonaws.com"]},
            ],
        },
    ]


def test_explicit_settings_reach_the_store_and_key() -> None:
    rendering = render_store(
        {
            "name": "audit.events",
            "organization_enabled": False,
            "multi_region_enabled": False,
            "retention_period": 90,
            "minimum_retention_days": 90,
            "billing_mode": "FIXED_RETENTION_PRICING",
            "key_deletion_window_in_days": 7,
        }
    )
    store = rendering.one(STORE).properties
    assert (store["organizationEnabled"], store["multiRegionEnabled"]) == (False, False)
    assert (store["retentionPeriod"], store["billingMode"]) == (90, "FIXED_RETENTION_PRICING")
    assert rendering.one(KEY).properties["deletionWindowInDays"] == 7
    # Periods are valid in store names, not in aliases.
    assert rendering.one(ALIAS).properties["name"] == "alias/cloudtrail/lake/audit-events"


def test_arguments_known_only_at_deploy_time_are_validated_then() -> None:
    def program(retention: int) -> Callable[[], None]:
        return lambda: EventDataStore(
            "lake",
            {
                "name": pulumi.Output.from_input("organization-events"),
                "retention_period": pulumi.Output.from_input(retention),
            },
        )

    assert render(program(400)).one(STORE).properties["retentionPeriod"] == 400
    with pytest.raises(ValueError) as raised:
        render(program(4000))
    assert str(raised.value).splitlines()[-1] == (
        "ValueError has risen: EventDataStore 'lake': retention_period: 4000 is out of range; expected 7 to 3653 "
        "days, e.g. 2557"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"name": "organization-events", "retention_period": 4000},
            "EventDataStore 'lake': retention_period: 4000 is out of range; expected 7 to 3653 days, e.g. 2557",
        ),
        (
            {"name": "organization-events", "retention_period": 3000, "billing_mode": "FIXED_RETENTION_PRICING"},
            "EventDataStore 'lake': retention_period: 3000 is out of range for FIXED_RETENTION_PRICING; expected 7 to "
            "2557 days, e.g. 2557",
        ),
        (
            {"name": "organization-events", "retention_period": 6},
            "EventDataStore 'lake': retention_period: 6 is out of range; expected 7 to 3653 days, e.g. 2557",
        ),
        (
            {"name": "organization-events", "retention_period": 90},
            "EventDataStore 'lake': retention_period: 90 would discard events before the 365-day minimum retention; "
            "expected at least 365 days, or a lower minimum, e.g. 2557",
        ),
        (
            {"name": "x"},
            "EventDataStore 'lake': name: 'x' is not a valid event data store name; expected 3-128 letters, digits, "
            "periods, underscores or hyphens, e.g. organization-events",
        ),
        (
            {"name": "organization-events", "billing_mode": "CHEAP"},
            "EventDataStore 'lake': billing_mode: 'CHEAP' is not allowed; expected 'EXTENDABLE_RETENTION_PRICING' or "
            "'FIXED_RETENTION_PRICING', e.g. EXTENDABLE_RETENTION_PRICING",
        ),
        (
            {
                "name": "organization-events",
                "data_event_selectors": [
                    {"resource_type": "AWS::S3::Object", "field_selectors": [{"field": "errorCode", "equals": ["x"]}]}
                ],
            },
            "EventDataStore 'lake': data_event_selectors[0].field_selectors[0].field: 'errorCode' is not a field of "
            "data event selectors for trails; expected one of eventName, eventSource, eventType, readOnly, "
            "resources.ARN, sessionCredentialFromConsole, userIdentity.arn, e.g. eventName",
        ),
        (
            {"name": "organization-events", "network_activity_event_selectors": [{"event_source": "kms"}]},
            "EventDataStore 'lake': network_activity_event_selectors[0].event_source: 'kms' is not an event source; "
            "expected the service's <service>.amazonaws.com name, e.g. kms.amazonaws.com",
        ),
        (
            {"name": "organization-events", "management_events": {"enabled": False}},
            "EventDataStore 'lake': management_events.enabled: false with no data or network activity event "
            "selectors selects no events; expected true, or at least one data event selector, e.g. true",
        ),
        (
            {
                "name": "organization-events",
                "replaces_trail": True,
                "management_events": {"read_write_type": "ReadOnly"},
            },
            "EventDataStore 'lake': management_events.read_write_type: 'ReadOnly' leaves half of the management "
            "events unrecorded, and with no trail this store is the organization's only audit record; expected All, "
            "e.g. All",
        ),
        (
            {"name": "organization-events", "query_principal_arns": ["*"]},
            "EventDataStore 'lake': query_principal_arns[0]: '*' is not an IAM principal ARN; expected an account "
            "root, role or user ARN, e.g. arn:aws:iam::222222222222:role/SecurityAudit",
        ),
        (
            {"name": "organization-events", "key_deletion_window_in_days": 60},
            "EventDataStore 'lake': key_deletion_window_in_days: 60 is out of range; expected 7 to 30 days, e.g. 30",
        ),
        (
            {"name": "organization-events", "key_alias_name": "alias/aws/lake"},
            "EventDataStore 'lake': key_alias_name: 'alias/aws/lake' is not a valid KMS alias; expected 'alias/' "
            "followed by letters, digits, / _ or -, not under alias/aws/, e.g. alias/cloudtrail/organization-trail",
        ),
        (
            {"name": "organization-events", "tags": {"aws:owner": "me"}},
            "EventDataStore 'lake': tags: 'aws:owner' is not a valid tag key; expected 1-128 letters, digits, spaces "
            "or _ . : / = + - @, not starting with 'aws:', e.g. CostCenter",
        ),
    ],
)
def test_bad_arguments_fail_before_anything_is_registered(args: EventDataStoreArgs, message: str) -> None:
    mocks = RegistrationLog()
    with pytest.raises(ValueError) as raised:
        render(lambda: EventDataStore("lake", args), mocks=mocks)
    assert str(raised.value) == message
    assert mocks.registered == []


# --- stack config ------------------------------------------------------------------------------------------


def lake_error(lake: Any) -> str:
    with pytest.raises(ConfigError) as raised:
        load_lake_stack_config({"trailguard:lake": lake})
    return str(raised.value)


@pytest.mark.parametrize(
    ("lake", "message"),
    [
        (
            {"retentionDays": 4000},
            "trailguard:lake.retentionDays: 4000 is out of range; expected 7 to 3653 days, e.g. 2557",
        ),
        (
            {"retentionDays": 2558, "billingMode": "FIXED_RETENTION_PRICING"},
            "trailguard:lake.retentionDays: 2558 is out of range for FIXED_RETENTION_PRICING; expected 7 to 2557 "
            "days, e.g. 2557",
        ),
        (
            {"retentionDays": 90},
            "trailguard:lake.retentionDays: 90 would discard events before the 365-day minimum retention; expected at "
            "least 365 days, or a lower minimum, e.g. 2557",
        ),
        (
            {"retentionDays": 30, "minimumRetentionDays": 90},
            "trailguard:lake.retentionDays: 30 would discard events before the 90-day minimum retention; expected at "
            "least 90 days, or a lower minimum, e.g. 2557",
        ),
        (
            {"minimumRetentionDays": 3},
            "trailguard:lake.minimumRetentionDays: 3 is not valid (input should be greater than or equal to 7); "
            "expected the fewest days events must be kept, 7 to 3653, e.g. 365",
        ),
        (
            {"retentionDays": "a year"},
            "trailguard:lake.retentionDays: 'a year' is not valid (input should be a valid integer, unable to parse "
            "string as an integer); expected days to keep events, 7 to 3653 (2557 with FIXED_RETENTION_PRICING), "
            "e.g. 2557",
        ),
        (
            {"retention": 365},
            "trailguard:lake.retention: is not a known key; expected one of billingMode, dataEvents, "
            "keyDeletionWindowInDays, managementEvents, minimumRetentionDays, multiRegionEnabled, name, "
            "networkActivityEvents, organizationEnabled, queryPrincipalArns, replacesTrail, retentionDays, "
            "e.g. retentionDays",
        ),
        (
            {"dataEvents": [{"resourceType": "AWS::S3::Bucket"}]},
            "trailguard:lake.dataEvents[0].resourceType: 'AWS::S3::Bucket' is not a supported data event resource "
            "type; expected one of AWS::S3::Object, AWS::Lambda::Function, AWS::DynamoDB::Table, "
            "AWS::DynamoDB::Stream, AWS::S3Outposts::Object, AWS::ManagedBlockchain::Node, "
            "AWS::S3ObjectLambda::AccessPoint, AWS::EC2::Snapshot, AWS::S3::AccessPoint, AWS::Glue::Table, "
            "e.g. AWS::S3::Object",
        ),
        (
            {
                "dataEvents": [
                    {"resourceType": "AWS::S3::Object", "fieldSelectors": [{"field": "readOnly", "startsWith": ["t"]}]}
                ]
            },
            "trailguard:lake.dataEvents[0].fieldSelectors[0].startsWith: readOnly accepts only the equals operator, "
            'not startsWith; expected equals, e.g. equals: ["true"]',
        ),
        (
            {"networkActivityEvents": [{"eventSource": "kms.amazonaws.com"}, {"eventSource": "kms.amazonaws.com"}]},
            "trailguard:lake.networkActivityEvents[1].eventSource: 'kms.amazonaws.com' is selected twice; expected "
            "each event source once, e.g. kms.amazonaws.com",
        ),
        (
            {
                "dataEvents": [
                    {"resourceType": t}
                    for t in (
                        "AWS::S3::Object",
                        "AWS::Lambda::Function",
                        "AWS::DynamoDB::Table",
                        "AWS::Glue::Table",
                        "AWS::EC2::Snapshot",
                    )
                ]
            },
            "trailguard:lake.dataEvents: 6 advanced event selectors (management events count as one) exceed "
            "CloudTrail Lake's limit of 5 per event data store; expected at most 5, e.g. fewer resource types or "
            "event sources",
        ),
        (
            {
                "dataEvents": [{"resourceType": "AWS::S3::Object"}],
                "networkActivityEvents": [
                    {"eventSource": s}
                    for s in ("kms.amazonaws.com", "s3.amazonaws.com", "ec2.amazonaws.com", "sqs.amazonaws.com")
                ],
            },
            "trailguard:lake.networkActivityEvents: 6 advanced event selectors (management events count as one) "
            "exceed CloudTrail Lake's limit of 5 per event data store; expected at most 5, e.g. fewer resource types "
            "or event sources",
        ),
        (
            {"replacesTrail": True, "managementEvents": {"readWriteType": "WriteOnly"}},
            "trailguard:lake.managementEvents.readWriteType: 'WriteOnly' leaves half of the management events "
            "unrecorded, and with no trail this store is the organization's only audit record; expected All, e.g. All",
        ),
        (
            {"replacesTrail": True, "managementEvents": {"excludeEventSources": ["kms.amazonaws.com"]}},
            "trailguard:lake.managementEvents.excludeEventSources: ['kms.amazonaws.com'] leaves these sources "
            "unrecorded, and with no trail this store is the organization's only audit record; expected no "
            "exclusions, e.g. []",
        ),
        (
            {
                "replacesTrail": True,
                "managementEvents": {"enabled": False},
                "dataEvents": [{"resourceType": "AWS::S3::Object"}],
            },
            "trailguard:lake.managementEvents.enabled: false records no management events, and with no trail this "
            "store is the organization's only audit record; expected true, e.g. true",
        ),
        (
            {"replacesTrail": True, "organizationEnabled": False},
            "trailguard:lake.organizationEnabled: false leaves the member accounts unrecorded, and with no trail this "
            "store is the organization's only audit record; expected true, e.g. true",
        ),
        (
            {"replacesTrail": True, "multiRegionEnabled": False},
            "trailguard:lake.multiRegionEnabled: false leaves every other Region unrecorded, and with no trail this "
            "store is the organization's only audit record; expected true, e.g. true",
        ),
    ],
)
def test_bad_lake_config_names_the_key(lake: dict[str, Any], message: str) -> None:
    assert lake_error(lake) == message


def test_config_arrives_as_json_text_from_the_cli() -> None:
    assert lake_error(json.dumps({"retentionDays": 4000})) == (
        "trailguard:lake.retentionDays: 4000 is out of range; expected 7 to 3653 days, e.g. 2557"
    )


def test_every_problem_of_a_stack_is_reported() -> None:
    with pytest.raises(ConfigError) as raised:
        load_lake_stack_config(
            {
                "trailguard:lake": {"keyDeletionWindowInDays": 3},
                "trailguard:tags": {"aws:x": "y"},
                "trailguard:other": 1,
            }
        )
    assert raised.value.messages == [
        "trailguard:lake.keyDeletionWindowInDays: 3 is out of range; expected 7 to 30 days, e.g. 30",
        "trailguard:tags: 'aws:x' is not a valid tag key; expected 1-128 letters, digits, spaces or _ . : / = + - @, "
        "not starting with 'aws:', e.g. CostCenter",
        "trailguard:other: is not a known key; expected one of lake, tags",
    ]


def test_a_config_stands_for_the_arguments_that_render_the_same_store() -> None:
    config = load_lake_stack_config(
        {
            "trailguard:lake": {
                "name": "org-events",
                "retentionDays": 730,
                "replacesTrail": True,
                "dataEvents": [{"resourceType": "AWS::Lambda::Function"}],
                "networkActivityEvents": [{"eventSource": "kms.amazonaws.com", "accessDeniedOnly": True}],
                "queryPrincipalArns": ["arn:aws:iam::222222222222:role/SecurityAudit"],
            },
            "trailguard:tags": {"Owner": "security"},
        }
    )
    rendering = render_store(config.lake.args(tags=config.tags))
    store = rendering.one(STORE).properties
    assert (store["name"], store["retentionPeriod"], store["tags"]) == ("org-events", 730, {"Owner": "security"})
    assert [s["name"] for s in store["advancedEventSelectors"]] == [
        "Management events",
        "AWS::Lambda::Function data events",
        "kms.amazonaws.com network activity events",
    ]
    assert LakeConfig.model_validate(config.lake.args(), by_alias=False, by_name=True) == config.lake


def test_the_component_schema_is_complete_for_other_languages() -> None:
    schema = Analyzer("trailguard").analyze([EventDataStore])
    definition = schema["component_definitions"]["EventDataStore"]
    assert definition.description
    assert sorted(definition.outputs) == [
        "eventDataStoreArn",
        "eventDataStoreId",
        "kmsKeyAliasName",
        "kmsKeyArn",
        "name",
    ]
    for name, prop in {**definition.inputs, **definition.outputs}.items():
        assert prop.description, name
    for name, prop in definition.inputs.items():
        assert prop.optional == (name != "name"), name
        if prop.optional:
            assert "Default" in prop.description, name
    assert "NetworkActivityEventSelectorArgs" in schema["type_definitions"]
