"""Typed CloudTrail event selectors: management events, data events, basic selectors and Insights.

The models check every selector against CloudTrail's own rules (field names, operators, values, limits)
before anything is deployed; the `build_*` functions turn them into the provider's selector arguments.
Data events always go through advanced event selectors, and S3 data events never include the trail's
own buckets: a trail logging its own deliveries writes a log for every log it writes (a cost loop).

See https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html and
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html
"""

from collections.abc import Sequence
from typing import Annotated, Any, Literal, Required, Self, TypedDict

import pulumi
from pydantic import AfterValidator, model_validator

from trailguard.settings import ConfigModel, setting, trailguard_error

__all__ = [
    "BASIC_DATA_RESOURCE_TYPES",
    "DATA_RESOURCE_TYPES",
    "DATA_SELECTOR_FIELDS",
    "EXCLUDABLE_MANAGEMENT_SOURCES",
    "INSIGHT_TYPES",
    "MAX_ADVANCED_VALUES",
    "MAX_DATA_RESOURCES",
    "MAX_EVENT_SELECTORS",
    "BasicEventSelectorArgs",
    "BasicEventSelectorConfig",
    "DataEventSelectorArgs",
    "DataEventSelectorConfig",
    "DataResourceArgs",
    "DataResourceConfig",
    "FieldSelectorArgs",
    "FieldSelectorConfig",
    "ManagementEventsArgs",
    "ManagementEventsConfig",
    "SelectorError",
    "build_advanced_event_selectors",
    "build_basic_event_selectors",
    "build_insight_selectors",
    "check_basic_limits",
]

DATA_RESOURCE_TYPES: tuple[str, ...] = (
    "AWS::S3::Object",
    "AWS::Lambda::Function",
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::Stream",
    "AWS::S3Outposts::Object",
    "AWS::ManagedBlockchain::Node",
    "AWS::S3ObjectLambda::AccessPoint",
    "AWS::EC2::Snapshot",
    "AWS::S3::AccessPoint",
    "AWS::Glue::Table",
)
"""The data event resource types trailguard types: S3 objects, Lambda, DynamoDB tables and streams, S3 on
Outposts, Managed Blockchain, S3 Object Lambda, EBS direct APIs (snapshots), S3 access points, Glue tables."""

BASIC_DATA_RESOURCE_TYPES: tuple[str, ...] = ("AWS::S3::Object", "AWS::Lambda::Function", "AWS::DynamoDB::Table")
"""The only types basic event selectors accept; every other type needs advanced event selectors."""

DATA_SELECTOR_FIELDS: tuple[str, ...] = (
    "eventName",
    "eventSource",
    "eventType",
    "readOnly",
    "resources.ARN",
    "sessionCredentialFromConsole",
    "userIdentity.arn",
)
"""Fields a trail's data event selector may filter on besides the two trailguard sets itself."""

IMPLIED_FIELDS = ("eventCategory", "resources.type")
EQUALS_ONLY_FIELDS = frozenset({"readOnly"})
EXCLUDABLE_MANAGEMENT_SOURCES: tuple[str, ...] = ("kms.amazonaws.com", "rdsdata.amazonaws.com")
INSIGHT_TYPES: tuple[str, ...] = ("ApiCallRateInsight", "ApiErrorRateInsight")

MAX_EVENT_SELECTORS = 5
"""Basic event selectors per trail."""
MAX_DATA_RESOURCES = 250
"""Data resources (values) across all basic event selectors of a trail."""
MAX_ADVANCED_VALUES = 500
"""Condition values across all advanced event selectors of a trail."""

OPERATORS: tuple[tuple[str, str], ...] = (
    ("equals", "equals"),
    ("not_equals", "notEquals"),
    ("starts_with", "startsWith"),
    ("not_starts_with", "notStartsWith"),
    ("ends_with", "endsWith"),
    ("not_ends_with", "notEndsWith"),
)
POSITIVE_OPERATORS = ("equals", "starts_with", "ends_with")
_CAMEL = dict(OPERATORS) | {
    "data_event_selectors": "dataEvents",
    "field_selectors": "fieldSelectors",
    "event_selectors": "eventSelectors",
    "data_resources": "dataResources",
}


def _named(name: str, by_alias: bool) -> str:
    """A path segment as the user wrote it: camelCase in stack config, snake_case in component arguments."""
    return _CAMEL.get(name, name) if by_alias else name


PROVIDER_OPERATORS = {
    "equals": "equals",
    "not_equals": "not_equals",
    "starts_with": "starts_withs",
    "not_starts_with": "not_starts_withs",
    "ends_with": "ends_withs",
    "not_ends_with": "not_ends_withs",
}
"""pulumi-aws names the operator lists in the plural (`notStartsWiths` on the wire)."""


class SelectorError(ValueError):
    """A selector CloudTrail would reject (or that would log the trail's own deliveries)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


# --- component arguments -------------------------------------------------------------------------------


class FieldSelectorArgs(TypedDict, total=False):
    """One condition of an advanced event selector: a field and the values each operator compares it with."""

    field: Required[pulumi.Input[str]]
    """The event record field, e.g. `eventName`, `readOnly` or `resources.ARN`."""
    equals: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Values the field must equal. Default: none."""
    not_equals: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Values the field must not equal. Default: none."""
    starts_with: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Prefixes the field must start with. Default: none."""
    not_starts_with: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Prefixes the field must not start with. Default: none."""
    ends_with: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Suffixes the field must end with. Default: none."""
    not_ends_with: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Suffixes the field must not end with. Default: none."""


class DataEventSelectorArgs(TypedDict, total=False):
    """Data events of one resource type, optionally narrowed by field selectors."""

    resource_type: Required[pulumi.Input[str]]
    """The resource type, e.g. `AWS::S3::Object` or `AWS::Lambda::Function`."""
    name: pulumi.Input[str]
    """A descriptive name. Default: `<resource_type> data events`."""
    field_selectors: pulumi.Input[Sequence[pulumi.Input[FieldSelectorArgs]]]
    """Further conditions (eventCategory and resources.type are set for you). Default: none, all events of the type."""


class ManagementEventsArgs(TypedDict, total=False):
    """Which management events the trail logs."""

    enabled: pulumi.Input[bool]
    """Log management events. Default: true."""
    read_write_type: pulumi.Input[str]
    """`All`, `ReadOnly` or `WriteOnly`. Default: `All`."""
    exclude_event_sources: pulumi.Input[Sequence[pulumi.Input[str]]]
    """High-volume sources to leave out (`kms.amazonaws.com`, `rdsdata.amazonaws.com`). Default: none."""


class DataResourceArgs(TypedDict, total=False):
    """A data resource of a basic event selector."""

    type: Required[pulumi.Input[str]]
    """`AWS::S3::Object`, `AWS::Lambda::Function` or `AWS::DynamoDB::Table`."""
    values: Required[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """ARNs or ARN prefixes, e.g. `arn:aws:s3:::acme-data/`."""


class BasicEventSelectorArgs(TypedDict, total=False):
    """A basic event selector, for trails that must keep CloudTrail's original selector format."""

    read_write_type: pulumi.Input[str]
    """`All`, `ReadOnly` or `WriteOnly`. Default: `All`."""
    include_management_events: pulumi.Input[bool]
    """Log management events. Default: true."""
    exclude_management_event_sources: pulumi.Input[Sequence[pulumi.Input[str]]]
    """High-volume sources to leave out. Default: none."""
    data_resources: pulumi.Input[Sequence[pulumi.Input[DataResourceArgs]]]
    """Data resources to log. Default: none."""


# --- validated models ----------------------------------------------------------------------------------

ReadWriteType = Literal["All", "ReadOnly", "WriteOnly"]
ExcludableSource = Literal["kms.amazonaws.com", "rdsdata.amazonaws.com"]


def _check_resource_type(value: str) -> str:
    if value not in DATA_RESOURCE_TYPES:
        raise trailguard_error(
            f"{value!r} is not a supported data event resource type; expected one of "
            f"{', '.join(DATA_RESOURCE_TYPES)}, e.g. AWS::S3::Object"
        )
    return value


def _check_basic_resource_type(value: str) -> str:
    if value not in BASIC_DATA_RESOURCE_TYPES:
        raise trailguard_error(
            f"{value!r} is not a data resource type basic event selectors accept; expected one of "
            f"{', '.join(BASIC_DATA_RESOURCE_TYPES)} (use dataEvents for the others), e.g. AWS::S3::Object"
        )
    return value


def _check_field(value: str) -> str:
    if value in IMPLIED_FIELDS:
        raise trailguard_error(
            f"{value!r} is set by trailguard from resourceType; expected one of the other fields "
            f"{', '.join(DATA_SELECTOR_FIELDS)}, e.g. eventName"
        )
    if value not in DATA_SELECTOR_FIELDS:
        raise trailguard_error(
            f"{value!r} is not a field of data event selectors for trails; expected one of "
            f"{', '.join(DATA_SELECTOR_FIELDS)}, e.g. eventName"
        )
    return value


def _check_values(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    if not values:
        raise trailguard_error("is empty; expected at least one value, e.g. [PutObject]")
    for value in values:
        if not 1 <= len(value) <= 2048:
            raise trailguard_error(f"{value!r} is not 1-2048 characters long; expected e.g. PutObject")
    return values


def _check_insight_type(value: str) -> str:
    if value not in INSIGHT_TYPES:
        raise trailguard_error(
            f"{value!r} is not an Insights type; expected ApiCallRateInsight or ApiErrorRateInsight, "
            "e.g. ApiCallRateInsight"
        )
    return value


Values = Annotated[list[str] | None, AfterValidator(_check_values)]
InsightType = Annotated[str, AfterValidator(_check_insight_type)]


class FieldSelectorConfig(ConfigModel):
    """A condition of a data event selector."""

    field: Annotated[str, AfterValidator(_check_field)] = setting(
        expected=f"one of {', '.join(DATA_SELECTOR_FIELDS)}", example="eventName"
    )
    equals: Values = setting(None, expected="values the field must equal", example=["PutObject"])
    not_equals: Values = setting(None, expected="values the field must not equal", example=["GetObject"])
    starts_with: Values = setting(None, expected="prefixes", example=["arn:aws:s3:::acme-data/"])
    not_starts_with: Values = setting(None, expected="prefixes to exclude", example=["arn:aws:s3:::acme-tmp/"])
    ends_with: Values = setting(None, expected="suffixes", example=[".csv"])
    not_ends_with: Values = setting(None, expected="suffixes to exclude", example=[".tmp"])

    @model_validator(mode="after")
    def _operators_fit_the_field(self) -> Self:
        used = [(name, alias) for name, alias in OPERATORS if getattr(self, name) is not None]
        if not used:
            raise trailguard_error(
                f"field {self.field!r} has no operator; expected one of "
                f"{', '.join(alias for _, alias in OPERATORS)}, e.g. equals: [PutObject]"
            )
        if self.field in EQUALS_ONLY_FIELDS:
            wrong = [alias for name, alias in used if name != "equals"]
            if wrong:
                raise trailguard_error(
                    f"{self.field} accepts only the equals operator, not {wrong[0]}; expected equals, "
                    'e.g. equals: ["true"]',
                    path=wrong[0],
                )
            if self.equals is None or len(self.equals) != 1 or self.equals[0] not in ("true", "false"):
                raise trailguard_error(
                    f'{self.equals!r} is not a single true or false; expected ["true"] or ["false"], e.g. ["false"]',
                    path="equals",
                )
        return self

    def values(self) -> int:
        return sum(len(getattr(self, name) or ()) for name, _ in OPERATORS)

    def args(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field}
        for name, _ in OPERATORS:
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value)
        return out


class DataEventSelectorConfig(ConfigModel):
    """Data events of one resource type (an advanced event selector)."""

    resource_type: Annotated[str, AfterValidator(_check_resource_type)] = setting(
        expected=f"one of {', '.join(DATA_RESOURCE_TYPES)}", example="AWS::S3::Object"
    )
    name: str | None = setting(
        None, expected="a descriptive name of up to 1000 characters", example="S3 writes", max_length=1000
    )
    field_selectors: list[FieldSelectorConfig] = setting(
        default_factory=list,
        expected="further conditions",
        example=[{"field": "readOnly", "equals": ["false"]}],
    )


class ManagementEventsConfig(ConfigModel):
    """Management events: read and write by default; high-volume sources excluded only on purpose."""

    enabled: bool = setting(True, expected="true or false", example=True)
    read_write_type: ReadWriteType = setting("All", expected="All, ReadOnly or WriteOnly", example="All")
    exclude_event_sources: list[ExcludableSource] = setting(
        default_factory=list,
        expected="kms.amazonaws.com and/or rdsdata.amazonaws.com",
        example=["kms.amazonaws.com"],
    )


def _check_data_resource_value(value: str) -> str:
    if not value.startswith("arn:"):
        raise trailguard_error(f"{value!r} is not an ARN or ARN prefix; expected e.g. arn:aws:s3:::acme-data/")
    return value


class DataResourceConfig(ConfigModel):
    type: Annotated[str, AfterValidator(_check_basic_resource_type)] = setting(
        expected=f"one of {', '.join(BASIC_DATA_RESOURCE_TYPES)}", example="AWS::S3::Object"
    )
    values: list[Annotated[str, AfterValidator(_check_data_resource_value)]] = setting(
        expected="ARNs or ARN prefixes", example=["arn:aws:s3:::acme-data/"], min_length=1
    )


class BasicEventSelectorConfig(ConfigModel):
    """A basic event selector."""

    read_write_type: ReadWriteType = setting("All", expected="All, ReadOnly or WriteOnly", example="All")
    include_management_events: bool = setting(True, expected="true or false", example=True)
    exclude_management_event_sources: list[ExcludableSource] = setting(
        default_factory=list, expected="kms.amazonaws.com and/or rdsdata.amazonaws.com", example=[]
    )
    data_resources: list[DataResourceConfig] = setting(
        default_factory=list,
        expected="data resources",
        example=[{"type": "AWS::S3::Object", "values": ["arn:aws:s3:::acme-data/"]}],
    )


def check_basic_limits(selectors: list[BasicEventSelectorConfig]) -> list[BasicEventSelectorConfig]:
    """CloudTrail's limits on basic event selectors: 5 selectors, 250 data resources across them."""
    if len(selectors) > MAX_EVENT_SELECTORS:
        raise trailguard_error(
            f"{len(selectors)} event selectors exceed CloudTrail's limit of {MAX_EVENT_SELECTORS} per trail; "
            f"expected at most {MAX_EVENT_SELECTORS}, e.g. one selector with several dataResources"
        )
    resources = sum(len(r.values) for s in selectors for r in s.data_resources)
    if resources > MAX_DATA_RESOURCES:
        raise trailguard_error(
            f"{resources} data resources exceed CloudTrail's limit of {MAX_DATA_RESOURCES} per trail; expected "
            f"at most {MAX_DATA_RESOURCES}, e.g. a bucket prefix such as arn:aws:s3:::acme-data/ instead of "
            "object ARNs, or dataEvents with startsWith"
        )
    return selectors


# --- builders ------------------------------------------------------------------------------------------


def _own_prefixes(partition: str, buckets: Sequence[str]) -> list[str]:
    return [f"arn:{partition}:s3:::{b}/" for b in buckets]


def _may_match(operator: str, value: str, own: str) -> bool:
    """Whether a positive condition on resources.ARN can select objects whose ARN starts with `own`."""
    if operator == "equals":
        return value.startswith(own)
    if operator == "starts_with":
        return value.startswith(own) or own.startswith(value)
    return True  # ends_with: any bucket can hold an object with that suffix


def _exclude_own_buckets(
    fields: list[dict[str, Any]], own: list[str], buckets: Sequence[str], path: str, implied: int, by_alias: bool
) -> list[dict[str, Any]]:
    arn_fields = [f for f in fields if f["field"] == "resources.ARN"]
    if not arn_fields:
        return [*fields, {"field": "resources.ARN", "not_starts_with": own}]
    for index, field in enumerate(fields):
        if field["field"] != "resources.ARN":
            continue
        positive = [(op, v) for op in POSITIVE_OPERATORS for v in field.get(op, ())]
        for op, value in positive:
            for prefix, bucket in zip(own, buckets, strict=True):
                if _may_match(op, value, prefix):
                    raise SelectorError(
                        f"{path}.{_named('field_selectors', by_alias)}[{index - implied}]",
                        f"{value!r} ({_named(op, by_alias)}) would log the trail's own bucket {bucket} (CloudTrail would log its "
                        "own deliveries, a cost feedback loop); expected startsWith prefixes of other buckets, "
                        "or no resources.ARN condition to log every bucket but the trail's, "
                        "e.g. startsWith: [arn:aws:s3:::acme-data/]",
                    )
        if not positive:
            existing = list(field.get("not_starts_with", ()))
            field["not_starts_with"] = existing + [p for p in own if p not in existing]
    return fields


def build_advanced_event_selectors(
    management: ManagementEventsConfig,
    data_events: Sequence[DataEventSelectorConfig],
    *,
    excluded_buckets: Sequence[str],
    partition: str,
    by_alias: bool = True,
) -> list[dict[str, Any]]:
    """The trail's advanced event selectors (the provider's `advanced_event_selectors`).

    Raises `SelectorError` when an S3 selector would include one of `excluded_buckets` or the selectors
    exceed CloudTrail's limit on condition values.
    """
    selectors: list[dict[str, Any]] = []
    if management.enabled:
        fields: list[dict[str, Any]] = [{"field": "eventCategory", "equals": ["Management"]}]
        if management.read_write_type != "All":
            fields.append(
                {"field": "readOnly", "equals": ["true" if management.read_write_type == "ReadOnly" else "false"]}
            )
        if management.exclude_event_sources:
            fields.append({"field": "eventSource", "not_equals": list(management.exclude_event_sources)})
        selectors.append({"name": "Management events", "field_selectors": fields})
    own = _own_prefixes(partition, excluded_buckets)
    for i, event in enumerate(data_events):
        implied = [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": [event.resource_type]},
        ]
        fields = [*implied, *(f.args() for f in event.field_selectors)]
        if event.resource_type == "AWS::S3::Object" and own:
            path = f"{_named('data_event_selectors', by_alias)}[{i}]"
            fields = _exclude_own_buckets(fields, own, excluded_buckets, path, len(implied), by_alias)
        selectors.append({"name": event.name or f"{event.resource_type} data events", "field_selectors": fields})
    values = sum(len(f.get(op, ())) for s in selectors for f in s["field_selectors"] for op, _ in OPERATORS)
    if values > MAX_ADVANCED_VALUES:
        raise SelectorError(
            _named("data_event_selectors", by_alias),
            f"the advanced event selectors would hold {values} condition values, over CloudTrail's limit of "
            f"{MAX_ADVANCED_VALUES} per trail; expected at most {MAX_ADVANCED_VALUES}, e.g. fewer resources.ARN "
            "values or a broader startsWith prefix",
        )
    return [
        {
            "name": s["name"],
            "field_selectors": [
                {PROVIDER_OPERATORS.get(key, key): value for key, value in f.items()} for f in s["field_selectors"]
            ],
        }
        for s in selectors
    ]


def build_basic_event_selectors(
    selectors: Sequence[BasicEventSelectorConfig],
    *,
    excluded_buckets: Sequence[str],
    partition: str,
    by_alias: bool = True,
) -> list[dict[str, Any]]:
    """The trail's basic event selectors (the provider's `event_selectors`).

    Basic selectors cannot exclude a bucket, so one that logs all S3 objects (or the trail's own bucket)
    is refused: use data events (advanced selectors) for that.
    """
    own = _own_prefixes(partition, excluded_buckets)
    every_bucket = {f"arn:{partition}:s3", f"arn:{partition}:s3:::"}
    out: list[dict[str, Any]] = []
    for i, selector in enumerate(selectors):
        resources = []
        for j, resource in enumerate(selector.data_resources):
            if resource.type == "AWS::S3::Object":
                for value in resource.values:
                    hits = value in every_bucket or any(value.startswith(p) or p.startswith(value) for p in own)
                    if hits and own:
                        raise SelectorError(
                            f"{_named('event_selectors', by_alias)}[{i}].{_named('data_resources', by_alias)}[{j}]"
                            ".values",
                            f"{value!r} would log the trail's own bucket (basic selectors cannot exclude it, and "
                            "CloudTrail would log its own deliveries); expected prefixes of other buckets, or "
                            "dataEvents to log every bucket but the trail's, e.g. arn:aws:s3:::acme-data/",
                        )
            resources.append({"type": resource.type, "values": list(resource.values)})
        entry: dict[str, Any] = {
            "read_write_type": selector.read_write_type,
            "include_management_events": selector.include_management_events,
        }
        if selector.exclude_management_event_sources:
            entry["exclude_management_event_sources"] = list(selector.exclude_management_event_sources)
        if resources:
            entry["data_resources"] = resources
        out.append(entry)
    return out


def build_insight_selectors(types: Sequence[str]) -> list[dict[str, str]]:
    return [{"insight_type": t} for t in types]
