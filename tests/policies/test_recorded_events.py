"""What a trail records, read from its selectors (pure functions, no pack process)."""

from __future__ import annotations

from trailguard_policies.recorded_events import Management, S3Scope, management, s3_scopes
from trailguard_policies.resources import Res


def trail(**props: object) -> Res:
    return Res(urn="urn:t", type="aws:cloudtrail/trail:Trail", name="t", props=props)


def test_no_selectors_record_all_management_events() -> None:
    assert management(trail()) == Management(read=True, write=True)


def test_a_source_is_missed_only_when_every_selector_excludes_it() -> None:
    selectors = [
        {"readWriteType": "ReadOnly", "excludeManagementEventSources": ["kms.amazonaws.com"]},
        {"readWriteType": "WriteOnly", "excludeManagementEventSources": ["kms.amazonaws.com", "rdsdata.amazonaws.com"]},
    ]

    assert management(trail(eventSelectors=selectors)) == Management(True, True, frozenset({"kms.amazonaws.com"}))


def test_a_data_only_selector_records_no_management_events() -> None:
    selectors = [
        {"includeManagementEvents": False, "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}]}
    ]

    assert management(trail(eventSelectors=selectors)) == Management(False, False)


def test_advanced_selectors_restricted_to_a_source() -> None:
    selectors = [
        {
            "fieldSelectors": [
                {"field": "eventCategory", "equals": ["Management"]},
                {"field": "eventSource", "equals": ["iam.amazonaws.com"]},
            ]
        }
    ]

    assert management(trail(advancedEventSelectors=selectors)).only_sources == frozenset({"iam.amazonaws.com"})


def test_s3_scopes_of_basic_selectors() -> None:
    selectors = [
        {"readWriteType": "WriteOnly", "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3:::b/"]}]}
    ]

    assert s3_scopes(trail(eventSelectors=selectors), "aws") == [
        S3Scope(read=False, write=True, prefixes=("arn:aws:s3:::b/",))
    ]


def test_an_excluded_prefix_is_not_covered() -> None:
    scope = S3Scope(True, True, None, ("arn:aws:s3:::logs/",))

    assert (scope.covers("arn:aws:s3:::logs/"), scope.covers("arn:aws:s3:::data/")) == (False, True)
