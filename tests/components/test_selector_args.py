"""The selector builders: what CloudTrail receives for each typed selector, and what it would refuse."""

from __future__ import annotations

from typing import Any

import pytest

from trailguard.selectors import (
    DATA_RESOURCE_TYPES,
    BasicEventSelectorConfig,
    DataEventSelectorConfig,
    ManagementEventsConfig,
    SelectorError,
    build_advanced_event_selectors,
    build_basic_event_selectors,
    build_insight_selectors,
)

OWN = ["acme-cloudtrail", "acme-cloudtrail-access-logs"]


def advanced(data: list[dict[str, Any]], **management: Any) -> list[dict[str, Any]]:
    return build_advanced_event_selectors(
        ManagementEventsConfig.model_validate(management, by_alias=True),
        [DataEventSelectorConfig.model_validate(d, by_alias=True) for d in data],
        excluded_buckets=OWN,
        partition="aws",
    )


def test_management_events_read_and_write_from_every_source() -> None:
    assert advanced([]) == [
        {"name": "Management events", "field_selectors": [{"field": "eventCategory", "equals": ["Management"]}]}
    ]


def test_management_events_narrowed_on_purpose() -> None:
    assert advanced(
        [], readWriteType="WriteOnly", excludeEventSources=["kms.amazonaws.com", "rdsdata.amazonaws.com"]
    ) == [
        {
            "name": "Management events",
            "field_selectors": [
                {"field": "eventCategory", "equals": ["Management"]},
                {"field": "readOnly", "equals": ["false"]},
                {"field": "eventSource", "not_equals": ["kms.amazonaws.com", "rdsdata.amazonaws.com"]},
            ],
        }
    ]
    read_only = advanced([], readWriteType="ReadOnly")[0]["field_selectors"][1]
    assert read_only == {"field": "readOnly", "equals": ["true"]}


def test_management_events_off_leaves_only_data_selectors() -> None:
    selectors = advanced([{"resourceType": "AWS::DynamoDB::Table"}], enabled=False)
    assert [s["name"] for s in selectors] == ["AWS::DynamoDB::Table data events"]


@pytest.mark.parametrize("resource_type", DATA_RESOURCE_TYPES)
def test_every_typed_resource_type_becomes_an_advanced_selector(resource_type: str) -> None:
    selector = advanced([{"resourceType": resource_type}])[1]
    assert selector["field_selectors"][:2] == [
        {"field": "eventCategory", "equals": ["Data"]},
        {"field": "resources.type", "equals": [resource_type]},
    ]


def test_s3_objects_in_every_bucket_but_the_trails_own() -> None:
    selector = advanced([{"resourceType": "AWS::S3::Object"}])[1]
    assert selector["field_selectors"][2] == {
        "field": "resources.ARN",
        "not_starts_withs": ["arn:aws:s3:::acme-cloudtrail/", "arn:aws:s3:::acme-cloudtrail-access-logs/"],
    }


def test_own_buckets_join_an_existing_exclusion() -> None:
    selector = advanced(
        [
            {
                "resourceType": "AWS::S3::Object",
                "fieldSelectors": [{"field": "resources.ARN", "notStartsWith": ["arn:aws:s3:::scratch/"]}],
            }
        ]
    )[1]
    assert selector["field_selectors"][2] == {
        "field": "resources.ARN",
        "not_starts_withs": [
            "arn:aws:s3:::scratch/",
            "arn:aws:s3:::acme-cloudtrail/",
            "arn:aws:s3:::acme-cloudtrail-access-logs/",
        ],
    }


def test_selected_buckets_need_no_exclusion() -> None:
    selector = advanced(
        [
            {
                "resourceType": "AWS::S3::Object",
                "fieldSelectors": [
                    {"field": "resources.ARN", "startsWith": ["arn:aws:s3:::acme-data/"]},
                    {"field": "eventName", "equals": ["PutObject", "DeleteObject"]},
                ],
            }
        ]
    )[1]
    assert selector["field_selectors"][2:] == [
        {"field": "resources.ARN", "starts_withs": ["arn:aws:s3:::acme-data/"]},
        {"field": "eventName", "equals": ["PutObject", "DeleteObject"]},
    ]


@pytest.mark.parametrize(
    ("condition", "shown"),
    [
        ({"startsWith": ["arn:aws:s3:::acme-cloud"]}, "'arn:aws:s3:::acme-cloud' (startsWith)"),
        (
            {"startsWith": ["arn:aws:s3:::acme-cloudtrail/AWSLogs/"]},
            "'arn:aws:s3:::acme-cloudtrail/AWSLogs/' (startsWith)",
        ),
        ({"equals": ["arn:aws:s3:::acme-cloudtrail/x.json.gz"]}, "'arn:aws:s3:::acme-cloudtrail/x.json.gz' (equals)"),
        ({"endsWith": [".json.gz"]}, "'.json.gz' (endsWith)"),
    ],
)
def test_a_condition_that_could_select_the_trails_bucket_is_refused(condition: dict[str, Any], shown: str) -> None:
    with pytest.raises(SelectorError) as raised:
        advanced([{"resourceType": "AWS::S3::Object", "fieldSelectors": [{"field": "resources.ARN", **condition}]}])
    assert raised.value.path == "dataEvents[0].fieldSelectors[0]"
    assert raised.value.message == (
        f"{shown} would log the trail's own bucket acme-cloudtrail (CloudTrail would log its own deliveries, a cost "
        "feedback loop); expected startsWith prefixes of other buckets, or no resources.ARN condition to log every "
        "bucket but the trail's, e.g. startsWith: [arn:aws:s3:::acme-data/]"
    )


def test_the_500_condition_values_limit() -> None:
    values = [f"arn:aws:s3:::bucket-{i}/" for i in range(497)]
    within = [{"resourceType": "AWS::S3::Object", "fieldSelectors": [{"field": "resources.ARN", "startsWith": values}]}]
    assert len(advanced(within)[1]["field_selectors"][2]["starts_withs"]) == 497  # 1 + 2 + 497 = 500 values
    over = [
        {
            "resourceType": "AWS::S3::Object",
            "fieldSelectors": [{"field": "resources.ARN", "startsWith": [*values, "arn:aws:s3:::one-more/"]}],
        }
    ]
    with pytest.raises(SelectorError) as raised:
        advanced(over)
    assert (raised.value.path, raised.value.message) == (
        "dataEvents",
        "the advanced event selectors would hold 501 condition values, over CloudTrail's limit of 500 per trail; "
        "expected at most 500, e.g. fewer resources.ARN values or a broader startsWith prefix",
    )


def test_basic_selectors() -> None:
    selectors = [
        BasicEventSelectorConfig.model_validate(
            {
                "readWriteType": "All",
                "excludeManagementEventSources": ["kms.amazonaws.com"],
                "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3:::acme-data/"]}],
            },
            by_alias=True,
        )
    ]
    assert build_basic_event_selectors(selectors, excluded_buckets=OWN, partition="aws") == [
        {
            "read_write_type": "All",
            "include_management_events": True,
            "exclude_management_event_sources": ["kms.amazonaws.com"],
            "data_resources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3:::acme-data/"]}],
        }
    ]


@pytest.mark.parametrize("value", ["arn:aws:s3", "arn:aws:s3:::", "arn:aws:s3:::acme-cloudtrail/"])
def test_basic_selectors_cannot_log_the_trails_bucket(value: str) -> None:
    selector = BasicEventSelectorConfig.model_validate(
        {"dataResources": [{"type": "AWS::S3::Object", "values": [value]}]}, by_alias=True
    )
    with pytest.raises(SelectorError) as raised:
        build_basic_event_selectors([selector], excluded_buckets=OWN, partition="aws")
    assert raised.value.path == "eventSelectors[0].dataResources[0].values"
    assert raised.value.message.startswith(f"{value!r} would log the trail's own bucket (basic selectors cannot")


def test_insight_selectors() -> None:
    assert build_insight_selectors(["ApiCallRateInsight", "ApiErrorRateInsight"]) == [
        {"insight_type": "ApiCallRateInsight"},
        {"insight_type": "ApiErrorRateInsight"},
    ]
    assert build_insight_selectors([]) == []
