"""Nothing is lost: under mocks, every committed stack keeps its audit logs through `pulumi destroy`, resource
removal, accidental replacement and repeated runs.

A log store is anything that holds audit logs or unlocks them: the S3 buckets (trail, access-log, replica), the KMS
keys (logs encrypted under a deleted key are unreadable for good), the CloudWatch Logs group and CloudTrail Lake
event data stores. The trail itself is not one: deleting a trail stops delivery but loses no delivered log, and
docs/restore.md says how to recreate it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import pytest
from security_stacks import REPO, STACK_FILES, StackFile, render_stack_file

from trailguard_gate.mocks import Rendering
from trailguard_gate.model import Resource, ResourceOptions

BUCKETS = {"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"}
KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
EVENT_DATA_STORE = "aws:cloudtrail/eventDataStore:EventDataStore"
LOG_STORES = BUCKETS | {KEY, LOG_GROUP, EVENT_DATA_STORE}

# What each committed stack must keep, by resource name: a store that disappears from a stack, or a new one this
# suite does not know about, fails here first.
EXPECTED_STORES: dict[str, set[str]] = {
    "dev": {
        "log-archive-bucket-bucket",
        "log-archive-bucket-access-log-bucket",
        "log-archive-key-key",
        "organization-trail-monitoring-key-key",
        "organization-trail-log-group-log-group",
        "alarms-key",
    },
    "log-archive": {
        "log-archive-bucket-bucket",
        "log-archive-bucket-access-log-bucket",
        "log-archive-bucket-replica-bucket",
        "log-archive-bucket-replica-access-log-bucket",
        "log-archive-key-key",
        "log-archive-bucket-replica-key",
    },
    "management": {"organization-trail-monitoring-key-key", "organization-trail-log-group-log-group", "alarms-key"},
    "delegated-admin/management": set(),
    "lake/security": {"lake-store", "lake-key"},
    "python-consumer/management": {
        "archive-bucket-bucket",
        "archive-bucket-access-log-bucket",
        "archive-key-key",
        "organization-monitoring-key-key",
        "organization-log-group-log-group",
        "alarms-key",
    },
}

# The stores above that logs are encrypted under (a key for the alarm topic's messages holds no log).
EXPECTED_LOG_KEYS: dict[str, set[str]] = {
    "dev": {"log-archive-key-key", "organization-trail-monitoring-key-key"},
    "log-archive": {"log-archive-key-key", "log-archive-bucket-replica-key"},
    "management": {"organization-trail-monitoring-key-key"},
    "delegated-admin/management": set(),
    "lake/security": {"lake-key"},
    "python-consumer/management": {"archive-key-key", "organization-monitoring-key-key"},
}

# The input holding a store's physical name; a key has none (AWS picks its id), its alias names it instead.
NAME_INPUTS = {**dict.fromkeys(BUCKETS, "bucket"), LOG_GROUP: "name", EVENT_DATA_STORE: "name"}

# One year: CIS AWS Foundations 3.x and most audit regimes ask for at least this much online retention.
MINIMUM_RETENTION_DAYS = 365


def log_stores(rendering: Rendering) -> list[Resource]:
    return [r for r in rendering.resources if r.type in LOG_STORES]


def by_name(rendering: Rendering) -> dict[str, Resource]:
    return {r.name: r for r in rendering.resources}


# --- what the engine does with a resource on `pulumi destroy` ---------------------------------------------------


class Outcome(StrEnum):
    REFUSED = "refused"  # the engine will not delete it, and the operation fails
    FORGOTTEN = "forgotten"  # dropped from the state; the cloud resource and its data stay
    DELETED = "deleted"


def destroy_outcome(options: ResourceOptions, *, unprotected: bool = False) -> Outcome:
    """The engine's rule for a resource being deleted (destroy, removal from the program, or replacement).

    `protect` makes the engine refuse the operation; `retainOnDelete` makes it remove the resource from the state
    without calling the provider's Delete. See https://www.pulumi.com/docs/iac/concepts/options/protect/ and
    https://www.pulumi.com/docs/iac/concepts/options/retainondelete/. `unprotected` is the state after someone ran
    `pulumi state unprotect --all`.
    """
    if options.protect and not unprotected:
        return Outcome.REFUSED
    return Outcome.FORGOTTEN if options.retain_on_delete else Outcome.DELETED


def test_every_stack_file_is_judged() -> None:
    assert {s.label for s in STACK_FILES} == set(EXPECTED_STORES)


def test_each_stack_keeps_exactly_the_stores_expected(stack_file: StackFile, rendering: Rendering) -> None:
    assert {r.name for r in log_stores(rendering)} == EXPECTED_STORES[stack_file.label]


def test_log_stores_are_protected_and_retained_on_delete(rendering: Rendering) -> None:
    for store in log_stores(rendering):
        assert (store.options.protect, store.options.retain_on_delete) == (True, True), store.name


def test_pulumi_destroy_leaves_the_logs_in_place(rendering: Rendering) -> None:
    """`pulumi destroy` fails on every store; even after `pulumi state unprotect --all` it only forgets them."""
    for store in log_stores(rendering):
        assert destroy_outcome(store.options) is Outcome.REFUSED, store.name
        assert destroy_outcome(store.options, unprotected=True) is Outcome.FORGOTTEN, store.name


def test_the_destroy_model_distinguishes_the_options() -> None:
    """The rule above is not vacuous: unprotected, unretained resources are deleted."""
    assert destroy_outcome(ResourceOptions()) is Outcome.DELETED
    assert destroy_outcome(ResourceOptions(protect=True), unprotected=True) is Outcome.DELETED
    assert destroy_outcome(ResourceOptions(retain_on_delete=True)) is Outcome.FORGOTTEN


def test_buckets_are_never_force_destroyed(rendering: Rendering) -> None:
    # force_destroy would let a bucket deletion empty it first, every object version included.
    for bucket in (r for r in rendering.resources if r.type in BUCKETS):
        assert bucket.properties.get("forceDestroy", False) is False, bucket.name


def test_keys_wait_the_longest_deletion_window(rendering: Rendering) -> None:
    # 30 days, the most KMS allows, to notice and cancel a scheduled deletion (kms:CancelKeyDeletion).
    for key in rendering.by_type(KEY):
        assert key.properties["deletionWindowInDays"] == 30, key.name
        assert key.properties["enableKeyRotation"] is True, key.name


def test_log_groups_are_deletion_protected_and_keep_a_year(rendering: Rendering) -> None:
    for group in rendering.by_type(LOG_GROUP):
        assert group.properties["deletionProtectionEnabled"] is True, group.name
        retention = group.properties.get("retentionInDays", 0)  # absent or 0: never expire
        assert retention == 0 or retention >= MINIMUM_RETENTION_DAYS, (group.name, retention)


def test_event_data_stores_have_termination_protection_and_keep_a_year(rendering: Rendering) -> None:
    for store in rendering.by_type(EVENT_DATA_STORE):
        assert store.properties["terminationProtectionEnabled"] is True, store.name
        assert store.properties["retentionPeriod"] >= MINIMUM_RETENTION_DAYS, store.name


# The resources that encrypt logs with a key they name: the trail (log and digest files), bucket encryption and
# replication (the files at rest), the log group and the event data store.
ENCRYPTING = {
    "aws:cloudtrail/trail:Trail",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    LOG_GROUP,
    EVENT_DATA_STORE,
}


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, Mapping):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def log_keys(rendering: Rendering) -> set[str]:
    """The names of the keys that logs are encrypted under (the alarm topic's key, say, is not one)."""
    named = set().union(*(_strings(r.properties) for r in rendering.resources if r.type in ENCRYPTING))
    return {k.name for k in rendering.by_type(KEY) if (k.outputs or {}).get("arn") in named}


def physical_names(rendering: Rendering) -> dict[str, str]:
    """Each store's physical name as the program sets it: the name input, or for a key that logs are encrypted
    under, its alias's name (a key's id is AWS's choice; after a lost state, the alias is how you find it)."""
    names: dict[str, str] = {}
    resources = rendering.resources
    keys = log_keys(rendering)
    for store in log_stores(rendering):
        if store.type == KEY:
            if store.name not in keys:
                continue
            key_id = (store.outputs or {})["keyId"]
            aliases = [
                r.properties["name"]
                for r in resources
                if r.type == "aws:kms/alias:Alias" and r.properties.get("targetKeyId") == key_id
            ]
            names[store.name] = ",".join(sorted(aliases))
        else:
            names[store.name] = store.properties.get(NAME_INPUTS[store.type], "")
    return names


def test_logs_are_encrypted_under_the_stacks_own_keys(stack_file: StackFile, rendering: Rendering) -> None:
    assert log_keys(rendering) == EXPECTED_LOG_KEYS[stack_file.label]


def test_physical_names_are_set_by_the_program_not_generated(rendering: Rendering) -> None:
    """A generated name (`bucket-a1b2c3d`) changes whenever Pulumi re-creates it; a set one never does."""
    for name, physical in physical_names(rendering).items():
        assert physical, f"{name}: no physical name set (a key needs an alias)"
        assert not re.search(r"-[0-9a-f]{7}$", physical), f"{name}: {physical!r} looks auto-named"


def test_physical_names_are_identical_across_runs(stack_file: StackFile, rendering: Rendering) -> None:
    again = render_stack_file(stack_file)
    assert physical_names(again) == physical_names(rendering)
    first, second = by_name(rendering), by_name(again)
    for store in log_stores(rendering):
        assert second[store.name].properties == first[store.name].properties, store.name


# --- config keys whose change replaces a protected resource ------------------------------------------------------

# Every config value whose change would replace a log store, as the README's "Nothing is lost" lists it.
REPLACING_KEYS = (
    "aws:region",
    "trailguard:bucket.name",
    "trailguard:bucket.accessLogBucketName",
    "trailguard:trailName",
    "trailguard:managementAccountId",
    "trailguard:logGroup.name",
    "trailguard:bucket.replication.region",
    "trailguard:bucket.replication.bucketName",
    "trailguard:bucket.replication.accessLogBucketName",
)


def readme_section(title: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^(#+) {re.escape(title)}\s*$(.*?)(?=^\1 |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no section titled {title!r}"
    return match.group(2)


@pytest.mark.parametrize("key", REPLACING_KEYS)
def test_the_readme_lists_each_replacing_key(key: str) -> None:
    section = readme_section("Nothing is lost")
    assert f"`{key}`" in section, f"README.md 'Nothing is lost' does not list `{key}`"


def test_the_readme_says_what_users_see_when_a_store_would_be_replaced() -> None:
    assert "pulumi up" in readme_section("Nothing is lost")


def identities(rendering: Rendering, region: str) -> dict[str, tuple[str, str]]:
    """What AWS identifies each store by and cannot change in place: its physical name and its Region."""
    names = physical_names(rendering)
    return {r.name: (names.get(r.name, ""), r.properties.get("region", region)) for r in log_stores(rendering)}


def _set(config: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """`trailguard:bucket.replication.region` -> config["trailguard:bucket"]["replication"]["region"] = value;
    None removes the key."""
    namespace_key, *path = key.split(".")
    changed = dict(config)
    if not path:
        if value is None:
            changed.pop(namespace_key, None)
        else:
            changed[namespace_key] = value
        return changed
    node: dict[str, Any] = dict(changed.get(namespace_key) or {})
    changed[namespace_key] = node
    for part in path[:-1]:
        node[part] = dict(node.get(part) or {})
        node = node[part]
    if value is None:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return changed


# (key, stack, changes made first so the key is the one deciding, new value, a store that must be replaced)
REPLACEMENTS: list[tuple[str, str, Mapping[str, Any], Any, str]] = [
    ("trailguard:bucket.name", "dev", {}, "acme-other-cloudtrail", "log-archive-bucket-bucket"),
    (
        "trailguard:bucket.accessLogBucketName",
        "dev",
        {},
        "acme-other-access-logs",
        "log-archive-bucket-access-log-bucket",
    ),
    ("trailguard:trailName", "dev", {}, "other-trail", "organization-trail-log-group-log-group"),
    (
        "trailguard:trailName",
        "log-archive",
        {"trailguard:bucket.name": None},
        "other-trail",
        "log-archive-bucket-bucket",
    ),
    (
        "trailguard:managementAccountId",
        "log-archive",
        {"trailguard:bucket.name": None},
        "444444444444",
        "log-archive-bucket-bucket",
    ),
    ("trailguard:logGroup.name", "management", {}, "/cloudtrail/other", "organization-trail-log-group-log-group"),
    ("trailguard:bucket.replication.region", "log-archive", {}, "eu-west-1", "log-archive-bucket-replica-bucket"),
    (
        "trailguard:bucket.replication.bucketName",
        "log-archive",
        {},
        "acme-other-replica",
        "log-archive-bucket-replica-bucket",
    ),
    (
        "trailguard:bucket.replication.accessLogBucketName",
        "log-archive",
        {},
        "acme-other-replica-access-logs",
        "log-archive-bucket-replica-access-log-bucket",
    ),
]


@pytest.mark.parametrize(
    ("key", "stack", "setup", "value", "replaced"), REPLACEMENTS, ids=[f"{r[0]}@{r[1]}" for r in REPLACEMENTS]
)
def test_each_listed_key_does_replace_a_protected_store(
    key: str, stack: str, setup: Mapping[str, Any], value: Any, replaced: str
) -> None:
    """Changing the key changes what AWS identifies a protected store by, so `pulumi up` would have to replace it
    and stops instead (protect), leaving the old store and its logs in place."""
    stack_file = next(s for s in STACK_FILES if s.label == stack)
    config = stack_file.config()
    for setup_key, setup_value in setup.items():
        config = _set(config, setup_key, setup_value)
    region = config["aws:region"]
    before = render_stack_file(stack_file, config)
    after = render_stack_file(stack_file, _set(config, key, value))
    old, new = identities(before, region), identities(after, region)
    assert old[replaced] != new[replaced], f"{key} did not change {replaced}"
    assert by_name(after)[replaced].options.protect is True
    changed = {name for name in old if old[name] != new.get(name)}
    assert key in REPLACING_KEYS and changed, changed


def test_every_replacing_key_but_the_region_is_shown_to_replace_a_store() -> None:
    # aws:region moves every resource of the stack; it needs no rendering to prove.
    assert {r[0] for r in REPLACEMENTS} == set(REPLACING_KEYS) - {"aws:region"}
