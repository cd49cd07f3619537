"""examples/lake: SQL over the organization's events from one event data store, with no trail and no bucket."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from trailguard.config import ConfigError
from trailguard_gate.mocks import Rendering
from trailguard_gate.render import load_project, render_stack

from .conftest import RenderExample

STORE = "aws:cloudtrail/eventDataStore:EventDataStore"
KEY = "aws:kms/key:Key"
Statements = Callable[..., dict[str, dict[str, Any]]]


@pytest.fixture(scope="module")
def security(render_example: RenderExample) -> Rendering:
    return render_example("lake", "security")


def test_the_stack_is_one_event_data_store_and_its_key(security: Rendering) -> None:
    assert sorted((r.type, r.name) for r in security.resources) == [
        ("aws:cloudtrail/eventDataStore:EventDataStore", "lake-store"),
        ("aws:kms/alias:Alias", "lake-key-alias"),
        ("aws:kms/key:Key", "lake-key"),
        ("trailguard:index:EventDataStore", "lake"),
    ]


def test_the_store_keeps_every_management_event_of_the_organization_for_seven_years(security: Rendering) -> None:
    store = security.one(STORE)
    assert {k: v for k, v in store.properties.items() if k not in ("advancedEventSelectors", "kmsKeyId")} == {
        "name": "organization-events",
        "organizationEnabled": True,
        "multiRegionEnabled": True,
        "retentionPeriod": 2557,
        "billingMode": "EXTENDABLE_RETENTION_PRICING",
        "terminationProtectionEnabled": True,
        "suspend": "false",
        "tags": {"Owner": "security", "Environment": "production"},
    }
    assert store.properties["advancedEventSelectors"] == [
        {"name": "Management events", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]},
        {
            "name": "kms.amazonaws.com network activity events",
            "fieldSelectors": [
                {"field": "eventCategory", "equals": ["NetworkActivity"]},
                {"field": "eventSource", "equals": ["kms.amazonaws.com"]},
                {"field": "errorCode", "equals": ["VpceAccessDenied"]},
            ],
        },
    ]
    assert (store.options.protect, store.options.retain_on_delete) == (True, True)


def test_the_management_accounts_auditors_may_use_the_key_through_cloudtrail(
    security: Rendering, statements: Statements
) -> None:
    policy = statements(security.one(KEY))
    # The stack runs in the delegated administrator's account (aws:allowedAccountIds), which owns the key.
    assert policy["EnableRootAccountPermissions"]["Principal"] == {"AWS": "arn:aws:iam::333333333333:root"}
    assert policy["AllowQueryPrincipalsThroughCloudTrail"]["Principal"] == {
        "AWS": ["arn:aws:iam::111111111111:role/SecurityAudit"]
    }
    assert security.one(KEY).properties["deletionWindowInDays"] == 30


def test_exports_name_the_store_by_arn_and_sql_id(security: Rendering) -> None:
    outputs = security.outputs
    assert sorted(outputs) == ["eventDataStoreArn", "eventDataStoreId", "kmsKeyArn"]
    assert (
        outputs["eventDataStoreArn"]
        == f"arn:aws:cloudtrail:us-east-1:333333333333:eventdatastore/{outputs['eventDataStoreId']}"
    )
    assert outputs["kmsKeyArn"] == security.one(STORE).properties["kmsKeyId"]


def test_a_store_that_would_leave_events_unrecorded_is_refused(render_example: RenderExample) -> None:
    lake = {"replacesTrail": True, "managementEvents": {"readWriteType": "WriteOnly"}}
    with pytest.raises(ConfigError) as raised:
        render_example("lake", "security", {"trailguard:lake": lake})
    assert str(raised.value) == (
        "trailguard:lake.managementEvents.readWriteType: 'WriteOnly' leaves half of the management events "
        "unrecorded, and with no trail this store is the organization's only audit record; expected All, e.g. All"
    )


def test_retention_beyond_the_service_maximum_is_refused(render_example: RenderExample) -> None:
    with pytest.raises(ConfigError) as raised:
        render_example("lake", "security", {"trailguard:lake": json.dumps({"retentionDays": 4000})})
    assert (
        str(raised.value) == "trailguard:lake.retentionDays: 4000 is out of range; expected 7 to 3653 days, e.g. 2557"
    )


@pytest.mark.slow
def test_the_project_renders_as_the_gate_sees_it(repo_root: Path) -> None:
    project = load_project(repo_root / "examples" / "lake")
    rendering = render_stack(project, "security")
    assert rendering.error is None
    assert sorted(r.type for r in rendering.resources) == sorted(
        ["trailguard:index:EventDataStore", KEY, "aws:kms/alias:Alias", STORE]
    )


def test_the_example_says_lake_is_closed_to_new_customers() -> None:
    # "AWS CloudTrail Lake will no longer be open to new customers starting May 31, 2026" (CloudTrail user guide,
    # cloudtrail-lake-service-availability-change): whoever copies the example must read it first.
    import trailguard.event_data_store

    example = Path(__file__).resolve().parents[2] / "examples" / "lake"
    for text in (
        (example / "__main__.py").read_text(),
        (example / "Pulumi.security.yaml").read_text(),
        trailguard.event_data_store.EventDataStore.__doc__ or "",
    ):
        assert "May 31, 2026" in " ".join(text.replace("#", " ").split())
