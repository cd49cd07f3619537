"""cloudtrail-event-data-store-kms-encryption, -termination-protection and -retention through the Analyzer protocol."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pack_fixtures import KEY, KEY_ARN, changed, compliant_stack, last_line, messages, named, run, urn, verdicts

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level, Resource, ResourceOptions

ENCRYPTION = "cloudtrail-event-data-store-kms-encryption"
TERMINATION = "cloudtrail-event-data-store-termination-protection"
RETENTION = "cloudtrail-event-data-store-retention"
POLICIES = (ENCRYPTION, TERMINATION, RETENTION)
EVENT_DATA_STORE = "aws:cloudtrail/eventDataStore:EventDataStore"
ENCRYPTION_URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-10"
TERMINATION_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/query-eds-disable-termination.html"
RETENTION_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/query-event-data-store.html"


def lake_stack() -> list[Resource]:
    """The compliant trail stack plus an event data store as trailguard's EventDataStore registers it."""
    store = Resource(
        urn=urn(EVENT_DATA_STORE, "lake"),
        type=EVENT_DATA_STORE,
        name="lake",
        properties={
            "name": "organization-events",
            "kmsKeyId": KEY_ARN,
            "retentionPeriod": 2557,
            "terminationProtectionEnabled": True,
            "multiRegionEnabled": True,
            "organizationEnabled": True,
        },
        dependencies=(urn(KEY, "key"),),
        property_dependencies={"kmsKeyId": (urn(KEY, "key"),)},
        options=ResourceOptions(protect=True),
    )
    return [*compliant_stack(), store]


def store(**properties: Any) -> list[Resource]:
    return changed(lake_stack(), "lake", **properties)


@pytest.mark.parametrize("policy", POLICIES)
def test_a_sealed_protected_long_kept_store_passes(pack: PolicyPack, policy: str) -> None:
    assert run(pack, lake_stack(), policy) == []


@pytest.mark.parametrize("policy", [TERMINATION, RETENTION])
def test_the_provider_defaults_pass(pack: PolicyPack, policy: str) -> None:
    # Absent: termination protection on, seven years' retention (pulumi-aws 7.51's documented defaults).
    assert run(pack, store(retentionPeriod=..., terminationProtectionEnabled=...), policy) == []


def test_a_store_without_a_customer_managed_key_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, store(kmsKeyId=...), ENCRYPTION)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "event data store 'lake' is encrypted with a key AWS owns: set `kmsKeyId` (Python: `kms_key_id`) to a "
            "customer-managed KMS key (choose it with care: once set, it can never be changed or removed). "
            f"See {ENCRYPTION_URL}",
        )
    ]
    assert found[0].urn == urn(EVENT_DATA_STORE, "lake")


def test_an_empty_key_id_is_no_key(pack: PolicyPack) -> None:
    assert len(run(pack, store(kmsKeyId=""), ENCRYPTION)) == 1


def test_a_key_known_only_after_update_is_a_key(pack: PolicyPack) -> None:
    assert run(pack, store(kmsKeyId=UNKNOWN), ENCRYPTION) == []


def test_a_key_id_of_the_wrong_type_is_malformed(pack: PolicyPack) -> None:
    found = run(pack, store(kmsKeyId=["arn"]), ENCRYPTION)

    assert [last_line(d) for d in found] == [
        "`kmsKeyId` (Python: `kms_key_id`) of event data store 'lake' is ['arn'] (a list); expected a KMS key ARN, "
        "id or alias"
    ]


def test_termination_protection_off_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, store(terminationProtectionEnabled=False), TERMINATION)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "event data store 'lake' can be deleted with all its events: set `terminationProtectionEnabled` (Python: "
            f"`termination_protection_enabled`) to true. See {TERMINATION_URL}",
        )
    ]


def test_termination_protection_of_the_wrong_type_is_malformed(pack: PolicyPack) -> None:
    found = run(pack, store(terminationProtectionEnabled="yes"), TERMINATION)

    assert [last_line(d) for d in found] == [
        "`terminationProtectionEnabled` (Python: `termination_protection_enabled`) of event data store 'lake' is "
        "'yes' (a string); expected true or false"
    ]


def test_termination_protection_unknown_is_noted_not_judged(pack: PolicyPack) -> None:
    found = run(pack, store(terminationProtectionEnabled=UNKNOWN), TERMINATION)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert "could not check until update, because `terminationProtectionEnabled`" in found[0].message


def test_remediation_turns_termination_protection_on(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({TERMINATION: "remediate"})

    [remediation] = pack.remediate(named(store(terminationProtectionEnabled=False), "lake"))

    assert remediation.properties is not None
    assert remediation.properties["terminationProtectionEnabled"] is True
    assert remediation.properties["kmsKeyId"] == KEY_ARN


def test_remediation_leaves_a_protected_store_alone(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({TERMINATION: "remediate"})

    assert pack.remediate(named(lake_stack(), "lake")) == []
    assert pack.remediate(named(store(terminationProtectionEnabled=UNKNOWN), "lake")) == []


def test_short_retention_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, store(retentionPeriod=90), RETENTION)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "event data store 'lake' keeps events 90 days: set `retentionPeriod` (Python: `retention_period`) to at "
            f"least 365. See {RETENTION_URL}",
        )
    ]


def test_a_year_is_enough_by_default(pack: PolicyPack) -> None:
    assert run(pack, store(retentionPeriod=365), RETENTION) == []
    assert len(run(pack, store(retentionPeriod=364), RETENTION)) == 1


def test_the_minimum_is_configurable_and_judges_the_provider_default(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({RETENTION: {"minimumRetentionDays": 3000}})

    found = run(pack, store(retentionPeriod=...), RETENTION)

    assert verdicts(found) == [(RETENTION, Level.ADVISORY, "lake")]
    assert "keeps events 2555 days" in last_line(found[0])
    assert "to at least 3000" in last_line(found[0])


def test_retention_of_the_wrong_type_is_malformed(pack: PolicyPack) -> None:
    found = run(pack, store(retentionPeriod="seven years"), RETENTION)

    assert [last_line(d) for d in found] == [
        "`retentionPeriod` (Python: `retention_period`) of event data store 'lake' is 'seven years' (a string); "
        "expected a whole number of days"
    ]


def test_retention_unknown_is_noted_not_judged(pack: PolicyPack) -> None:
    found = run(pack, store(retentionPeriod=UNKNOWN), RETENTION)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert "could not check until update, because `retentionPeriod`" in found[0].message


def test_a_bad_minimum_setting_is_reported_and_the_default_used(pack: PolicyPack) -> None:
    pack.configure_raw({RETENTION: (Level.ADVISORY, {"minimumRetentionDays": "a year"})})
    try:
        found = run(pack, store(retentionPeriod=300), RETENTION)
    finally:
        pack.configure({})

    assert verdicts(found) == [(RETENTION, Level.ADVISORY, "lake"), (RETENTION, Level.ADVISORY, "lake")]
    assert "keeps events 300 days" in last_line(found[0])
    assert "to at least 365" in last_line(found[0])
    assert last_line(found[1]) == (
        f"the configuration of policy {RETENTION} is invalid: setting `minimumRetentionDays` is 'a year' "
        "(a string); expected a whole number such as 365"
    )


def test_an_excluded_store_is_not_judged(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({ENCRYPTION: {"exclude": [{"resource": "lake", "reason": "a scratch store for query tests"}]}})

    assert run(pack, store(kmsKeyId=...), ENCRYPTION) == []


def test_an_exclusion_without_reason_is_not_honoured(pack: PolicyPack) -> None:
    pack.configure_raw({TERMINATION: (Level.ADVISORY, {"exclude": [{"resource": "lake"}]})})
    try:
        found = run(pack, store(terminationProtectionEnabled=False), TERMINATION)
    finally:
        pack.configure({})

    assert [last_line(d) for d in found][1:] == [
        f"exclude entry 0 ('lake') of policy {TERMINATION} has no `reason`, so it is ignored: every exclusion must "
        'say why, e.g. {"resource": "legacy-trail", "reason": "replaced by the organization trail in Q3"}'
    ]
    assert last_line(found[0]).startswith("event data store 'lake' can be deleted")


def test_other_resources_are_not_judged(pack: PolicyPack) -> None:
    # A trail carries the same property names; only event data stores are judged.
    trail = named(compliant_stack(), "trail")
    other = replace(trail, properties={**trail.properties, "terminationProtectionEnabled": False, "kmsKeyId": None})

    for policy in POLICIES:
        assert run(pack, [other], policy) == []
