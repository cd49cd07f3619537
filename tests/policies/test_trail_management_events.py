"""cloudtrail-trail-management-events through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

from dataclasses import replace

from pack_fixtures import changed, compliant_stack, last_line, messages, named, run

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level

POLICY = "cloudtrail-trail-management-events"
URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html"


def test_default_selectors_record_everything(pack: PolicyPack) -> None:
    assert run(pack, changed(compliant_stack(), "trail", advancedEventSelectors=...), POLICY) == []


def test_advanced_selectors_for_all_management_events_pass(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_read_only_basic_selector_misses_writes(pack: PolicyPack) -> None:
    stack = changed(
        compliant_stack(), "trail", advancedEventSelectors=..., eventSelectors=[{"readWriteType": "ReadOnly"}]
    )

    assert messages(run(pack, stack, POLICY)) == [
        (
            Level.MANDATORY,
            "no multi-Region trail records every read and write management event: trail 'trail' does not, because it "
            f"records no write management events. Record all management events on at least one. See {URL}",
        )
    ]


def test_excluded_sources_are_reported_unless_allowed(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    selectors = [{"readWriteType": "All", "excludeManagementEventSources": ["kms.amazonaws.com"]}]
    stack = changed(compliant_stack(), "trail", advancedEventSelectors=..., eventSelectors=selectors)

    assert "because it excludes events from kms.amazonaws.com" in last_line(run(pack, stack, POLICY)[0])
    configure({POLICY: {"allowedExcludedSources": ["kms.amazonaws.com"]}})
    assert run(pack, stack, POLICY) == []


def test_advanced_read_only_and_source_exclusions(pack: PolicyPack) -> None:
    selector = {
        "name": "management",
        "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Management"]},
            {"field": "readOnly", "equals": ["true"]},
            {"field": "eventSource", "notEquals": ["rdsdata.amazonaws.com"]},
        ],
    }
    found = run(pack, changed(compliant_stack(), "trail", advancedEventSelectors=[selector]), POLICY)

    assert "because it records no write management events and it excludes events from rdsdata.amazonaws.com" in (
        last_line(found[0])
    )


def test_one_complete_trail_is_enough(pack: PolicyPack) -> None:
    # The data-events-only trail beside a complete one does not matter.
    stack = compliant_stack()
    second = replace(
        named(stack, "trail"),
        urn=named(stack, "trail").urn + "-data",
        name="data-trail",
        properties={
            **named(stack, "trail").properties,
            "name": "data-trail",
            "advancedEventSelectors": [
                {
                    "name": "s3",
                    "fieldSelectors": [
                        {"field": "eventCategory", "equals": ["Data"]},
                        {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                    ],
                }
            ],
        },
    )

    assert run(pack, [*stack, second], POLICY) == []


def test_a_single_region_stack_is_left_to_the_multi_region_policy(pack: PolicyPack) -> None:
    stack = changed(
        compliant_stack(),
        "trail",
        isMultiRegionTrail=False,
        eventSelectors=[{"readWriteType": "ReadOnly"}],
        advancedEventSelectors=...,
    )

    assert run(pack, stack, POLICY) == []


def test_a_stopped_trail_does_not_count(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", enableLogging=False), POLICY)

    assert "because it is not logging" in last_line(found[0])


def test_unknown_selectors_are_noted(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", advancedEventSelectors=UNKNOWN), POLICY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert "`advancedEventSelectors`" in found[0].message


def test_an_invalid_read_write_type_is_malformed(pack: PolicyPack) -> None:
    stack = changed(compliant_stack(), "trail", advancedEventSelectors=..., eventSelectors=[{"readWriteType": "Both"}])

    assert last_line(run(pack, stack, POLICY)[0]).endswith("is 'Both'; expected one of All, ReadOnly, WriteOnly")
