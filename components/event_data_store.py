"""`EventDataStore`: a CloudTrail Lake event data store for SQL over the organization's events, with its own key.

The store is organization-wide and multi-Region by default, keeps events for seven years (never less than a
configured minimum), has termination protection on, is never deleted by Pulumi, and is encrypted with a customer-managed key
(Security Hub CloudTrail.10) whose policy is the one AWS documents for Lake. Events are chosen with the same
typed selectors as the trail's (`trailguard.selectors`), plus network activity events.

With `replaces_trail` the store is the organization's only audit record ("SQL without a bucket"): no trail, no
S3 bucket, and the config then insists on every management event, read and write, from every account and
Region.

CloudTrail Lake is closed to new customers since May 31, 2026: "AWS CloudTrail Lake will no longer be open to new
customers starting May 31, 2026. [...] Existing customers can continue to use the service as normal. For
capabilities similar to CloudTrail Lake, explore CloudWatch." (CloudTrail user guide,
cloudtrail-lake-service-availability-change). The component stays for organizations that already use Lake; a new
organization records with `OrganizationTrail` and queries its S3 logs (Athena) or its CloudWatch Logs group.
"""

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Required, Self, TypedDict

import pulumi
import pulumi_aws as aws
from pydantic import AfterValidator, ValidationError, model_validator

from trailguard._support import check_input, child_options, documented_defaults, is_plain, log_store_options, to_json
from trailguard.documents import CLOUDTRAIL, VERSION, key_root_statement
from trailguard.selectors import (
    PROVIDER_OPERATORS,
    DataEventSelectorArgs,
    DataEventSelectorConfig,
    ManagementEventsArgs,
    ManagementEventsConfig,
    SelectorError,
    build_advanced_event_selectors,
)
from trailguard.settings import (
    ConfigModel,
    DeletionWindowInDays,
    PrincipalArn,
    Tags,
    describe_errors,
    setting,
    trailguard_error,
)
from trailguard.validation import InvalidValue, check_alias_name, check_tags

__all__ = [
    "DEFAULT_MINIMUM_RETENTION_DAYS",
    "DEFAULT_RETENTION_DAYS",
    "MAX_EVENT_DATA_STORE_SELECTORS",
    "MAX_RETENTION_DAYS",
    "MIN_RETENTION_DAYS",
    "EventDataStore",
    "EventDataStoreArgs",
    "LakeConfig",
    "LakeStackConfig",
    "NetworkActivityEventSelectorArgs",
    "NetworkActivityEventsConfig",
    "check_event_data_store_name",
    "default_key_alias_name",
    "event_data_store_id",
    "event_data_store_key_policy",
    "load_lake_stack_config",
]

BillingMode = Literal["EXTENDABLE_RETENTION_PRICING", "FIXED_RETENTION_PRICING"]

# RetentionPeriod is 7-3653 days with one-year extendable retention pricing and 7-2557 days (seven years) with
# seven-year retention pricing. See
# https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateEventDataStore.html
MIN_RETENTION_DAYS = 7
MAX_RETENTION_DAYS: dict[str, int] = {"EXTENDABLE_RETENTION_PRICING": 3653, "FIXED_RETENTION_PRICING": 2557}

MAX_EVENT_DATA_STORE_SELECTORS = 5
"""Advanced event selectors per event data store (CreateEventDataStore's AdvancedEventSelectors)."""

_NAME = re.compile(r"[A-Za-z0-9._-]{3,128}")
_EVENT_SOURCE = re.compile(r"[a-z0-9-]+\.amazonaws\.com")


def check_event_data_store_name(value: str) -> str:
    """See the Name constraints of https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateEventDataStore.html"""
    if not _NAME.fullmatch(value):
        raise InvalidValue(
            f"{value!r} is not a valid event data store name; expected 3-128 letters, digits, periods, underscores "
            "or hyphens, e.g. organization-events"
        )
    return value


def default_key_alias_name(store_name: str) -> str:
    """`alias/cloudtrail/lake/<store>`; periods (valid in store names) are not valid in aliases."""
    return f"alias/cloudtrail/lake/{store_name.replace('.', '-')}"


def event_data_store_id(arn: str) -> str:
    """The id Lake SQL names a store by (`SELECT ... FROM <id>`): the last part of its ARN."""
    return arn.rsplit("/", 1)[-1]


# --- component arguments -------------------------------------------------------------------------------


class NetworkActivityEventSelectorArgs(TypedDict, total=False):
    """Network activity events (AWS API calls through VPC endpoints) of one event source."""

    event_source: Required[pulumi.Input[str]]
    """The service whose VPC endpoint traffic is logged, e.g. `kms.amazonaws.com` or `s3.amazonaws.com`."""
    access_denied_only: pulumi.Input[bool]
    """Keep only calls a VPC endpoint policy denied (`errorCode` `VpceAccessDenied`). Default: false, every call."""
    name: pulumi.Input[str]
    """A descriptive name. Default: `<event_source> network activity events`."""


class EventDataStoreArgs(TypedDict, total=False):
    """The arguments of `EventDataStore`."""

    name: Required[pulumi.Input[str]]
    """The event data store's name: 3-128 letters, digits, periods, underscores or hyphens."""
    organization_enabled: pulumi.Input[bool]
    """Collect the events of every account of the organization (run from the management account or a CloudTrail
    delegated administrator). Default: true."""
    multi_region_enabled: pulumi.Input[bool]
    """Collect the events of every Region. Default: true."""
    retention_period: pulumi.Input[int]
    """Days events are kept: 7-3653 with `EXTENDABLE_RETENTION_PRICING`, 7-2557 with `FIXED_RETENTION_PRICING`.
    Default: 2557 (seven years)."""
    minimum_retention_days: pulumi.Input[int]
    """The fewest days events must be kept: a shorter `retention_period` is refused (CloudTrail deletes older
    events as soon as the period shrinks). Default: 365."""
    billing_mode: pulumi.Input[str]
    """`EXTENDABLE_RETENTION_PRICING` or `FIXED_RETENTION_PRICING` (AWS cannot switch from extendable to fixed
    later). Default: `EXTENDABLE_RETENTION_PRICING`."""
    replaces_trail: bool
    """The store is the organization's only audit record (no trail, no bucket): then it must collect every
    management event, read and write, from every account and Region. Default: false."""
    management_events: ManagementEventsArgs
    """Which management events to collect. Default: read and write, from every source."""
    data_event_selectors: pulumi.Input[Sequence[pulumi.Input[DataEventSelectorArgs]]]
    """Data events to collect, one selector per resource type. Default: none."""
    network_activity_event_selectors: pulumi.Input[Sequence[pulumi.Input[NetworkActivityEventSelectorArgs]]]
    """Network activity events to collect, one selector per event source. Default: none."""
    query_principal_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    """IAM principals (e.g. roles in the management account) allowed to use the key through CloudTrail, which
    creating, updating and querying an encrypted store requires. Principals of the key's own account need only
    an IAM policy. Default: none."""
    key_alias_name: pulumi.Input[str]
    """The key's alias. Default: `alias/cloudtrail/lake/<name>`."""
    key_deletion_window_in_days: pulumi.Input[int]
    """Days (7-30) between scheduling the key's deletion and its deletion. Default: 30, the longest."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Tags for the store and its key. Default: none."""


DEFAULTS = documented_defaults(EventDataStoreArgs)
"""What the component applies to an input it is not given, as the input's docstring states it."""
DEFAULT_RETENTION_DAYS: int = DEFAULTS["retention_period"]
"""Seven years: what CloudTrail Lake was built to keep, and the longest both billing modes allow."""
DEFAULT_MINIMUM_RETENTION_DAYS: int = DEFAULTS["minimum_retention_days"]
"""One year, like the trail bucket's minimum: audit standards (e.g. PCI DSS 10.5.1) keep a year of audit logs."""


# --- validated models ----------------------------------------------------------------------------------


def _check_event_source(value: str) -> str:
    if not _EVENT_SOURCE.fullmatch(value):
        raise trailguard_error(
            f"{value!r} is not an event source; expected the service's <service>.amazonaws.com name, "
            "e.g. kms.amazonaws.com"
        )
    return value


def _check_name(value: str) -> str:
    try:
        return check_event_data_store_name(value)
    except InvalidValue as error:
        raise trailguard_error(str(error)) from None


class NetworkActivityEventsConfig(ConfigModel):
    """Network activity events of one event source (an advanced event selector). See
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-network-events-with-cloudtrail.html
    """

    event_source: Annotated[str, AfterValidator(_check_event_source)] = setting(
        expected="the service's <service>.amazonaws.com name", example="kms.amazonaws.com"
    )
    access_denied_only: bool = setting(
        False, expected="true to keep only calls a VPC endpoint policy denied", example=True
    )
    name: str | None = setting(
        None, expected="a descriptive name of up to 1000 characters", example="KMS calls denied", max_length=1000
    )

    def selector(self) -> dict[str, Any]:
        """The provider's advanced event selector for these events."""
        fields: list[dict[str, Any]] = [
            {"field": "eventCategory", "equals": ["NetworkActivity"]},
            {"field": "eventSource", "equals": [self.event_source]},
        ]
        if self.access_denied_only:
            # The only errorCode network activity selectors accept.
            fields.append({"field": "errorCode", "equals": ["VpceAccessDenied"]})
        return {"name": self.name or f"{self.event_source} network activity events", "field_selectors": fields}


def _selector_values(selectors: Sequence[Mapping[str, Any]]) -> int:
    """Condition values across the provider's selectors (CloudTrail allows 500 per store)."""
    operators = PROVIDER_OPERATORS.values()
    return sum(len(f.get(op) or ()) for s in selectors for f in s["field_selectors"] for op in operators)


class LakeConfig(ConfigModel):
    """`trailguard:lake`: a CloudTrail Lake event data store. The field names are `EventDataStoreArgs`' names."""

    name: Annotated[str, AfterValidator(_check_name)] = setting(
        "organization-events", expected="3-128 letters, digits, periods, underscores or hyphens", example="org-events"
    )
    retention_period: int = setting(
        DEFAULT_RETENTION_DAYS,
        expected="days to keep events, 7 to 3653 (2557 with FIXED_RETENTION_PRICING)",
        example=2557,
        alias="retentionDays",
    )
    minimum_retention_days: int = setting(
        DEFAULT_MINIMUM_RETENTION_DAYS,
        expected=f"the fewest days events must be kept, {MIN_RETENTION_DAYS} to 3653",
        example=365,
        ge=MIN_RETENTION_DAYS,
        le=3653,
    )
    billing_mode: BillingMode = setting(
        "EXTENDABLE_RETENTION_PRICING",
        expected="EXTENDABLE_RETENTION_PRICING or FIXED_RETENTION_PRICING",
        example="EXTENDABLE_RETENTION_PRICING",
    )
    organization_enabled: bool = setting(DEFAULTS["organization_enabled"], expected="true or false", example=True)
    multi_region_enabled: bool = setting(DEFAULTS["multi_region_enabled"], expected="true or false", example=True)
    replaces_trail: bool = setting(
        DEFAULTS["replaces_trail"], expected="true when the store is the organization's only audit record", example=True
    )
    management_events: ManagementEventsConfig = setting(
        default_factory=ManagementEventsConfig,
        expected="which management events to collect",
        example={"readWriteType": "All"},
    )
    data_event_selectors: list[DataEventSelectorConfig] = setting(
        default_factory=list,
        expected="data events, one entry per resource type",
        example=[{"resourceType": "AWS::Lambda::Function"}],
        alias="dataEvents",
    )
    network_activity_event_selectors: list[NetworkActivityEventsConfig] = setting(
        default_factory=list,
        expected="network activity events, one entry per event source",
        example=[{"eventSource": "kms.amazonaws.com", "accessDeniedOnly": True}],
        alias="networkActivityEvents",
    )
    query_principal_arns: list[PrincipalArn] = setting(
        default_factory=list,
        expected="IAM principals allowed to use the key through CloudTrail",
        example=["arn:aws:iam::111111111111:role/SecurityAudit"],
    )
    key_deletion_window_in_days: DeletionWindowInDays = setting(
        DEFAULTS["key_deletion_window_in_days"],
        expected="7 to 30 days between scheduling the key's deletion and its deletion",
        example=30,
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self._check_retention()
        if self.replaces_trail:
            self._check_complete_record()
        self._check_selectors()
        return self

    def _check_retention(self) -> None:
        most = MAX_RETENTION_DAYS[self.billing_mode]
        if not MIN_RETENTION_DAYS <= self.retention_period <= most:
            mode = "" if self.billing_mode == "EXTENDABLE_RETENTION_PRICING" else f" for {self.billing_mode}"
            raise trailguard_error(
                f"{self.retention_period} is out of range{mode}; expected {MIN_RETENTION_DAYS} to {most} days, "
                f"e.g. {DEFAULT_RETENTION_DAYS}",
                path="retentionDays",
            )
        if self.retention_period < self.minimum_retention_days:
            raise trailguard_error(
                f"{self.retention_period} would discard events before the {self.minimum_retention_days}-day minimum "
                f"retention; expected at least {self.minimum_retention_days} days, or a lower minimum, "
                f"e.g. {DEFAULT_RETENTION_DAYS}",
                path="retentionDays",
            )

    def _check_complete_record(self) -> None:
        """Without a trail, anything the store leaves out is not recorded anywhere (CIS 3.1, Security Hub CloudTrail.1)."""
        why = "with no trail this store is the organization's only audit record"
        for key, value, left_out in (
            ("organizationEnabled", self.organization_enabled, "the member accounts"),
            ("multiRegionEnabled", self.multi_region_enabled, "every other Region"),
        ):
            if not value:
                raise trailguard_error(
                    f"false leaves {left_out} unrecorded, and {why}; expected true, e.g. true", path=key
                )
        management = self.management_events
        if not management.enabled:
            raise trailguard_error(
                f"false records no management events, and {why}; expected true, e.g. true",
                path="managementEvents.enabled",
            )
        if management.read_write_type != "All":
            raise trailguard_error(
                f"{management.read_write_type!r} leaves half of the management events unrecorded, and {why}; "
                "expected All, e.g. All",
                path="managementEvents.readWriteType",
            )
        if management.exclude_event_sources:
            raise trailguard_error(
                f"{list(management.exclude_event_sources)!r} leaves these sources unrecorded, and {why}; "
                "expected no exclusions, e.g. []",
                path="managementEvents.excludeEventSources",
            )

    def _check_selectors(self) -> None:
        if not (self.management_events.enabled or self.data_event_selectors or self.network_activity_event_selectors):
            raise trailguard_error(
                "false with no data or network activity event selectors selects no events; expected true, or at "
                "least one data event selector, e.g. true",
                path="managementEvents.enabled",
            )
        sources = [n.event_source for n in self.network_activity_event_selectors]
        for index, source in enumerate(sources):
            if source in sources[:index]:
                raise trailguard_error(
                    f"{source!r} is selected twice; expected each event source once, e.g. {source}",
                    path=f"networkActivityEvents[{index}].eventSource",
                )
        management = 1 if self.management_events.enabled else 0
        data = management + len(self.data_event_selectors)
        total = data + len(self.network_activity_event_selectors)
        if total > MAX_EVENT_DATA_STORE_SELECTORS:
            raise trailguard_error(
                f"{total} advanced event selectors (management events count as one) exceed CloudTrail Lake's limit "
                f"of {MAX_EVENT_DATA_STORE_SELECTORS} per event data store; expected at most "
                f"{MAX_EVENT_DATA_STORE_SELECTORS}, e.g. fewer resource types or event sources",
                path="dataEvents" if data > MAX_EVENT_DATA_STORE_SELECTORS else "networkActivityEvents",
            )
        try:
            selectors = self.advanced_event_selectors()
        except SelectorError as error:
            raise trailguard_error(error.message, path=error.path) from None
        values = _selector_values(selectors)
        if values > 500:
            raise trailguard_error(
                f"the advanced event selectors would hold {values} condition values, over CloudTrail's limit of 500 "
                "per event data store; expected at most 500, e.g. fewer resources.ARN values",
                path="networkActivityEvents",
            )

    def advanced_event_selectors(self) -> list[dict[str, Any]]:
        """The provider's `advanced_event_selectors`: management, data, then network activity events.

        A store has no bucket of its own, so no S3 prefix is excluded (a trail's selectors exclude its bucket).
        """
        selectors = build_advanced_event_selectors(
            self.management_events, self.data_event_selectors, excluded_buckets=(), partition="aws"
        )
        return [*selectors, *(n.selector() for n in self.network_activity_event_selectors)]

    def args(self, *, tags: Mapping[str, str] | None = None) -> EventDataStoreArgs:
        """The `EventDataStoreArgs` this config stands for."""
        args: EventDataStoreArgs = {
            "name": self.name,
            "organization_enabled": self.organization_enabled,
            "multi_region_enabled": self.multi_region_enabled,
            "retention_period": self.retention_period,
            "minimum_retention_days": self.minimum_retention_days,
            "billing_mode": self.billing_mode,
            "replaces_trail": self.replaces_trail,
            "management_events": {
                "enabled": self.management_events.enabled,
                "read_write_type": self.management_events.read_write_type,
                "exclude_event_sources": list(self.management_events.exclude_event_sources),
            },
            "data_event_selectors": [e.model_dump(exclude_none=True) for e in self.data_event_selectors],  # type: ignore[misc]
            "network_activity_event_selectors": [
                n.model_dump(exclude_none=True)  # type: ignore[misc]
                for n in self.network_activity_event_selectors
            ],
            "query_principal_arns": list(self.query_principal_arns),
            "key_deletion_window_in_days": self.key_deletion_window_in_days,
        }
        if tags:
            args["tags"] = dict(tags)
        return args


class LakeStackConfig(ConfigModel):
    """The config of a stack that runs only an event data store (`examples/lake`): `trailguard:lake` and
    `trailguard:tags`."""

    lake: LakeConfig = setting(
        default_factory=LakeConfig, expected="the event data store's settings", example={"retentionDays": 2557}
    )
    tags: Tags = setting(default_factory=dict, expected="tags for the store and its key", example={"Owner": "security"})


def load_lake_stack_config(raw: Mapping[str, Any]) -> LakeStackConfig:
    """Validate the `trailguard:` keys of a stack's config map (structured values as objects or JSON text).

    Raises `ConfigError` with one `trailguard:<key>: ...` line per problem.
    """
    # config.py composes this module's models: importing it at module level would be circular.
    from trailguard.config import ConfigError, _decode  # _decode: structured values arrive as JSON text

    values = {key.split(":", 1)[1]: _decode(value) for key, value in raw.items() if key.startswith("trailguard:")}
    try:
        return LakeStackConfig.model_validate(values, by_alias=True, by_name=False)
    except ValidationError as error:
        raise ConfigError(
            describe_errors(error, LakeStackConfig, by_alias=True, prefix=lambda path: f"trailguard:{path}")
        ) from None


# --- the key policy --------------------------------------------------------------------------------------


def event_data_store_key_policy(
    *, partition: str, account_id: str, region: str, dns_suffix: str, query_principal_arns: Sequence[str] = ()
) -> dict[str, Any]:
    """The key policy of a customer-managed key encrypting CloudTrail Lake event data stores.

    CloudTrail needs GenerateDataKey and Decrypt on the key and may describe it. Unlike a trail's key, these
    grants cannot be bound to one store: KMS key policies for event data stores do not support the
    `aws:SourceArn` or `aws:SourceAccount` condition keys. Whoever creates, updates or queries the store needs
    Decrypt and GenerateDataKey too (CloudTrail calls KMS on their behalf): the key's own account through IAM,
    other principals through `query_principal_arns`, only via CloudTrail in the key's Region. See
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html and
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/default-kms-key-policy.html
    """
    statements: list[dict[str, Any]] = [
        key_root_statement(partition, account_id),
        {
            "Sid": "AllowCloudTrailEncryptEventDataStore",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "kms:GenerateDataKey",
            "Resource": "*",
        },
        {
            "Sid": "AllowCloudTrailDecryptEventDataStore",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "kms:Decrypt",
            "Resource": "*",
        },
        {
            "Sid": "AllowCloudTrailDescribeKey",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "kms:DescribeKey",
            "Resource": "*",
        },
    ]
    if query_principal_arns:
        statements.append(
            {
                "Sid": "AllowQueryPrincipalsThroughCloudTrail",
                "Effect": "Allow",
                "Principal": {"AWS": list(query_principal_arns)},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": f"cloudtrail.{region}.{dns_suffix}"}},
            }
        )
    return {"Version": VERSION, "Statement": statements}


# --- the component -------------------------------------------------------------------------------------

_CONFIG_ARGS = tuple(LakeConfig.model_fields)


def _parse(where: str, values: Mapping[str, Any]) -> LakeConfig:
    """Validate the arguments `LakeConfig` covers; raise one ValueError naming each bad argument."""
    try:
        return LakeConfig.model_validate(
            {k: v for k, v in values.items() if v is not None}, by_alias=False, by_name=True
        )
    except ValidationError as error:
        lines = describe_errors(error, LakeConfig, by_alias=False, prefix=lambda path: f"{where}: {path}")
        raise ValueError("\n".join(lines)) from None


def _provider_selectors(config: LakeConfig) -> list[Any]:
    return list(config.advanced_event_selectors())


class EventDataStore(pulumi.ComponentResource):
    """A CloudTrail Lake event data store with secure defaults: every account and Region of the organization,
    read and write management events, seven years of retention, termination protection, and its own
    customer-managed key (rotation on, 30-day deletion window, alias).

    For existing CloudTrail Lake customers only: AWS closed Lake to new customers on May 31, 2026 (CloudTrail user
    guide, cloudtrail-lake-service-availability-change); an account that never used Lake cannot create a store.

    The store and its key are protected and retained on delete: AWS cannot re-key a store, and events of a
    deleted store or under a deleted key are lost for good. Created from a CloudTrail delegated administrator
    account, an organization store lives in the management account: its ARN (`event_data_store_arn`) carries
    the management account's id, and every later call must use that ARN.
    """

    event_data_store_arn: pulumi.Output[str]
    """The store's ARN: what `start-query`, `update-event-data-store` and IAM policies name. From a delegated
    administrator account, use the ARN (the store lives in the management account)."""
    event_data_store_id: pulumi.Output[str]
    """The store's id, the last part of its ARN: what Lake SQL selects `FROM`."""
    name: pulumi.Output[str]
    """The store's name."""
    kms_key_arn: pulumi.Output[str]
    """The ARN of the key the store is encrypted with."""
    kms_key_alias_name: pulumi.Output[str]
    """The alias pointing at the key."""

    def __init__(self, name: str, args: EventDataStoreArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        where = f"EventDataStore {name!r}"
        check_input(where, "key_alias_name", args.get("key_alias_name"), check_alias_name)
        check_input(where, "tags", args.get("tags"), check_tags)
        settings: dict[str, Any] = {key: args.get(key) for key in _CONFIG_ARGS}
        if is_plain(settings):
            _parse(where, settings)
        super().__init__("trailguard:index:EventDataStore", name, None, opts)

        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke)
        region = aws.get_region_output(opts=invoke).region
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        parsed = pulumi.Output.all(**settings).apply(lambda v: _parse(where, v))

        policy = pulumi.Output.all(
            partition=partition.partition,
            dns_suffix=partition.dns_suffix,
            region=region,
            account_id=account_id,
            principals=parsed.apply(lambda c: list(c.query_principal_arns)),
        ).apply(
            lambda v: to_json(
                event_data_store_key_policy(
                    partition=v["partition"],
                    account_id=v["account_id"],
                    region=v["region"],
                    dns_suffix=v["dns_suffix"],
                    query_principal_arns=v["principals"],
                )
            )
        )
        store_name = pulumi.Output.from_input(args["name"])
        self.key = aws.kms.Key(
            f"{name}-key",
            description=store_name.apply(lambda n: f"CloudTrail Lake: event data store {n}"),
            enable_key_rotation=True,
            deletion_window_in_days=parsed.apply(lambda c: c.key_deletion_window_in_days),
            policy=policy,
            tags=args.get("tags"),
            opts=log_store_options(self),
        )
        self.alias = aws.kms.Alias(
            f"{name}-key-alias",
            name=args.get("key_alias_name") or store_name.apply(default_key_alias_name),
            target_key_id=self.key.key_id,
            opts=child_options(self),
        )
        self.store = aws.cloudtrail.EventDataStore(
            f"{name}-store",
            name=store_name,
            organization_enabled=parsed.apply(lambda c: c.organization_enabled),
            multi_region_enabled=parsed.apply(lambda c: c.multi_region_enabled),
            retention_period=parsed.apply(lambda c: c.retention_period),
            billing_mode=parsed.apply(lambda c: c.billing_mode),
            advanced_event_selectors=parsed.apply(_provider_selectors),
            kms_key_id=self.key.arn,
            termination_protection_enabled=True,
            # Explicitly ingesting: if someone stops ingestion by hand, the next `pulumi up` restarts it.
            suspend="false",
            tags=args.get("tags"),
            opts=log_store_options(self),
        )

        self.event_data_store_arn = self.store.arn
        self.event_data_store_id = self.store.arn.apply(event_data_store_id)
        self.name = self.store.name
        self.kms_key_arn = self.key.arn
        self.kms_key_alias_name = self.alias.name
        self.register_outputs(
            {
                "event_data_store_arn": self.event_data_store_arn,
                "event_data_store_id": self.event_data_store_id,
                "name": self.name,
                "kms_key_arn": self.kms_key_arn,
                "kms_key_alias_name": self.kms_key_alias_name,
            }
        )
