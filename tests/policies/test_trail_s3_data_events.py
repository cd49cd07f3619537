"""cloudtrail-trail-s3-data-events through the Analyzer protocol: basic and advanced selectors."""

from __future__ import annotations

from pack_fixtures import BUCKET, changed, compliant_stack, last_line, messages, run, verdicts

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level

POLICY = "cloudtrail-trail-s3-data-events"
MANAGEMENT = {"name": "management", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}
ALL_OBJECTS = {
    "name": "s3",
    "fieldSelectors": [
        {"field": "eventCategory", "equals": ["Data"]},
        {"field": "resources.type", "equals": ["AWS::S3::Object"]},
    ],
}


def test_data_events_excluding_the_trail_bucket_pass(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_no_selectors_records_no_data_events(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", advancedEventSelectors=...), POLICY)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "trail 'trail' records no S3 object-level (data) events, so reads and writes of objects go unseen: add an "
            "S3 data event selector to `advancedEventSelectors` (Python: `advanced_event_selectors`). See "
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html",
        )
    ]


def test_recording_the_trail_bucket_itself_loops(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", advancedEventSelectors=[MANAGEMENT, ALL_OBJECTS]), POLICY)

    assert verdicts(found) == [(POLICY, Level.ADVISORY, "trail")]
    assert f"records the S3 data events of its own bucket '{BUCKET}'" in last_line(found[0])
    assert f"resources.ARN notStartsWith 'arn:aws:s3:::{BUCKET}/'" in last_line(found[0])


def test_write_only_data_events_miss_reads(pack: PolicyPack) -> None:
    write_only = {
        **ALL_OBJECTS,
        "fieldSelectors": [
            *ALL_OBJECTS["fieldSelectors"],
            {"field": "readOnly", "equals": ["false"]},
            {"field": "resources.ARN", "notStartsWiths": [f"arn:aws:s3:::{BUCKET}/"]},
        ],
    }
    found = run(pack, changed(compliant_stack(), "trail", advancedEventSelectors=[MANAGEMENT, write_only]), POLICY)

    assert verdicts(found) == [(POLICY, Level.ADVISORY, "trail")]
    assert "records S3 data events but not the read ones" in last_line(found[0])


def test_basic_selectors_for_every_bucket_include_the_trail_bucket(pack: PolicyPack) -> None:
    basic = [{"readWriteType": "All", "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}]}]
    stack = changed(compliant_stack(), "trail", advancedEventSelectors=..., eventSelectors=basic)

    assert [last_line(d)[:60] for d in run(pack, stack, POLICY)] == [
        f"trail 'trail' records the S3 data events of its own bucket '{BUCKET}'"[:60]
    ]


def test_basic_selectors_for_other_buckets_pass(pack: PolicyPack) -> None:
    basic = [{"dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3:::payroll/"]}]}]
    stack = changed(compliant_stack(), "trail", advancedEventSelectors=..., eventSelectors=basic)

    assert run(pack, stack, POLICY) == []


def test_an_unknown_bucket_name_only_skips_the_loop_check(pack: PolicyPack) -> None:
    stack = changed(compliant_stack(), "trail", advancedEventSelectors=[MANAGEMENT, ALL_OBJECTS], s3BucketName=UNKNOWN)

    found = run(pack, stack, POLICY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert "`s3BucketName` (Python: `s3_bucket_name`) of trail 'trail' is not known during preview" in found[0].message


def test_a_malformed_selector_is_reported(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", advancedEventSelectors=[{"fieldSelectors": "all"}]), POLICY)

    assert "advancedEventSelectors" in last_line(found[0])
    assert "is 'all' (a string); expected a list" in last_line(found[0])
