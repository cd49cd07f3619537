"""Bad input, by property: every invalid value of a key is refused with a message naming the key and showing a
valid example, and every valid value is accepted.

Values are generated from AWS's published rules, written here independently of `trailguard.validation`, and set
into the committed dev stack's config (and the lake example's where the key lives there), which is then loaded as
`pulumi up` would load it.
"""

from __future__ import annotations

import ipaddress
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from security_stacks import STACK_FILES

from trailguard.config import ConfigError, load_config
from trailguard_policies.regions import partitions

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DEV = next(s for s in STACK_FILES if s.label == "dev").config()


def with_value(key: str, value: Any) -> dict[str, Any]:
    """The dev stack's config with `key` (`trailguard:bucket.name`, `aws:region`) set to `value`."""
    namespace_key, *path = key.split(".")
    config = dict(DEV)
    if not path:
        config[namespace_key] = value
        return config
    node = dict(config.get(namespace_key) or {})
    config[namespace_key] = node
    for part in path[:-1]:
        node[part] = dict(node.get(part) or {})
        node = node[part]
    node[path[-1]] = value
    return config


def refusal(key: str, value: Any) -> str:
    """The message line about `key` when the config holding `value` is loaded; fails if it is accepted."""
    with pytest.raises(ConfigError) as raised:
        load_config(with_value(key, value))
    lines = [m for m in raised.value.messages if m.startswith(f"{key}: ")]
    assert lines, f"{value!r} for {key} was refused, but not at that key: {raised.value.messages}"
    return lines[0]


def accepted(key: str, value: Any) -> None:
    load_config(with_value(key, value))


def numeric(value: str) -> bool:
    """Whether pydantic's lax mode may read the text as a number ('30', ' -0', '7.0', '1_0')."""
    try:
        float(value)
    except ValueError:
        return False
    return True


wrong_types = st.one_of(
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
text = st.text(alphabet=string.printable, max_size=70)

# --- organizationId: 'o-' then 10-32 lowercase letters or digits ---------------------------------------------------
# https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html

ORG_CHARS = string.ascii_lowercase + string.digits
valid_org_ids = st.text(ORG_CHARS, min_size=10, max_size=32).map(lambda s: f"o-{s}")


def is_org_id(value: str) -> bool:
    body = value[2:]
    return value.startswith("o-") and 10 <= len(body) <= 32 and all(c in ORG_CHARS for c in body)


@SETTINGS
@given(st.one_of(text.filter(lambda v: not is_org_id(v)), valid_org_ids.map(str.upper), st.integers()))
def test_invalid_organization_ids_are_refused(value: Any) -> None:
    line = refusal("trailguard:organizationId", value)
    assert "e.g. o-a1b2c3d4e5" in line


@SETTINGS
@given(valid_org_ids)
def test_valid_organization_ids_are_accepted(value: str) -> None:
    accepted("trailguard:organizationId", value)


# --- managementAccountId: 12 digits, as text (YAML's unquoted number is read as text too) --------------------------

valid_account_ids = st.text(string.digits, min_size=12, max_size=12)


@SETTINGS
@given(
    st.one_of(
        text.filter(lambda v: not (len(v) == 12 and v.isdigit() and v.isascii())),
        st.integers(min_value=0, max_value=10**11 - 1),  # 11 digits or fewer
        st.integers(min_value=10**12),
    )
)
def test_invalid_account_ids_are_refused(value: Any) -> None:
    line = refusal("trailguard:managementAccountId", value)
    assert "e.g. 111111111111" in line


@SETTINGS
@given(st.one_of(valid_account_ids, st.integers(min_value=10**11, max_value=10**12 - 1)))
def test_valid_account_ids_are_accepted(value: Any) -> None:
    accepted("trailguard:managementAccountId", value)


# --- aws:region: <area>-[gov-]<direction>-<number> ------------------------------------------------------------------
# https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html

AREAS = ("af", "ap", "ca", "eu", "il", "me", "mx", "sa", "us")
DIRECTIONS = ("central", "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest")
# Every Region the AWS SDK's partition data names (the one Region rule, trailguard_policies.regions), plus names
# shaped like a Region newer than that data: a commercial area, a direction word existing Regions use, a number.
valid_regions = st.one_of(
    st.sampled_from(sorted(r for p in partitions() for r in p.get("regions", {}) if not r.startswith("aws-"))),
    st.builds(
        lambda area, direction, number: f"{area}-{direction}-{number}",
        st.sampled_from(AREAS),
        st.sampled_from(sorted(set(DIRECTIONS) & {r.split("-")[-2] for p in partitions() for r in p["regions"]})),
        st.integers(min_value=1, max_value=9),
    ),
)


@SETTINGS
@given(
    st.one_of(
        valid_regions.map(str.upper),
        valid_regions.map(lambda r: r.replace("-", "_")),
        valid_regions.map(lambda r: r.rsplit("-", 1)[0]),  # no number
        st.sampled_from(["", "us-east", "useast1", "us-middle-1", "mars-east-1", "us-east-1 "]),
    )
)
def test_invalid_regions_are_refused(value: str) -> None:
    line = refusal("aws:region", value)
    assert "e.g. us-east-1" in line


@SETTINGS
@given(valid_regions)
def test_valid_regions_are_accepted(value: str) -> None:
    accepted("aws:region", value)


# --- logGroup.retentionInDays: one of CloudWatch Logs' values, or 0 -------------------------------------------------
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html

RETENTION_DAYS = (0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557)
RETENTION_DAYS += (2922, 3288, 3653)


@SETTINGS
@given(
    st.one_of(
        st.integers().filter(lambda d: d not in RETENTION_DAYS),
        text.filter(lambda v: not numeric(v)),
    )
)
def test_invalid_log_retentions_are_refused(value: Any) -> None:
    line = refusal("trailguard:logGroup.retentionInDays", value)
    assert "e.g. 365" in line


@SETTINGS
@given(st.sampled_from(RETENTION_DAYS))
def test_valid_log_retentions_are_accepted(value: int) -> None:
    accepted("trailguard:logGroup.retentionInDays", value)


# --- key.deletionWindowInDays: 7 to 30 ------------------------------------------------------------------------------
# https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html


@SETTINGS
@given(st.one_of(st.integers(max_value=6), st.integers(min_value=31), text.filter(lambda v: not numeric(v))))
def test_invalid_deletion_windows_are_refused(value: Any) -> None:
    line = refusal("trailguard:key.deletionWindowInDays", value)
    assert "e.g. 30" in line


@SETTINGS
@given(st.integers(min_value=7, max_value=30))
def test_valid_deletion_windows_are_accepted(value: int) -> None:
    accepted("trailguard:key.deletionWindowInDays", value)


# --- bucket.name: S3's general purpose bucket naming rules ----------------------------------------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html

LOWER = string.ascii_lowercase + string.digits
RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def _is_ip(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


# At most 51 characters: the access-log bucket's default name appends `-access-logs` and must fit S3's 63 too.
valid_bucket_names = st.builds(
    lambda first, middle, last: first + middle + last,
    st.sampled_from(LOWER),
    st.text(LOWER + "-.", min_size=1, max_size=49),
    st.sampled_from(LOWER),
).filter(
    lambda v: (
        ".." not in v and not _is_ip(v) and not v.startswith(RESERVED_PREFIXES) and not v.endswith(RESERVED_SUFFIXES)
    )
)
invalid_bucket_names = st.one_of(
    st.text(LOWER, min_size=64, max_size=80),  # too long
    st.text(LOWER, max_size=2),  # too short
    valid_bucket_names.filter(lambda v: any(c.isalpha() for c in v)).map(str.upper),
    valid_bucket_names.map(lambda v: f"-{v}"),
    valid_bucket_names.map(lambda v: f"{v}."),
    valid_bucket_names.map(lambda v: f"{v}..{v}"),
    valid_bucket_names.map(lambda v: f"{v}_x"),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda parts: ".".join(map(str, parts))),
    st.sampled_from(RESERVED_PREFIXES).map(lambda p: f"{p}logs"),
    st.sampled_from(RESERVED_SUFFIXES).map(lambda s: f"logs{s}"),
)


@SETTINGS
@given(invalid_bucket_names)
def test_invalid_bucket_names_are_refused(value: str) -> None:
    line = refusal("trailguard:bucket.name", value)
    assert line.startswith(f"trailguard:bucket.name: {value!r} is not a valid S3 bucket name (")
    assert "e.g. acme-cloudtrail-logs" in line


@SETTINGS
@given(valid_bucket_names)
def test_valid_bucket_names_are_accepted(value: str) -> None:
    accepted("trailguard:bucket.name", value)


# --- wrong types, for each key --------------------------------------------------------------------------------------

KEYS = (
    "trailguard:organizationId",
    "trailguard:managementAccountId",
    "aws:region",
    "trailguard:logGroup.retentionInDays",
    "trailguard:key.deletionWindowInDays",
    "trailguard:bucket.name",
)


@pytest.mark.parametrize("key", KEYS)
@SETTINGS
@given(value=wrong_types)
@pytest.mark.slow
def test_wrong_types_are_refused_at_the_key(key: str, value: Any) -> None:
    is_int_key = key.endswith("Days")
    # pydantic reads true as 1 for an integer, which is a valid retention; YAML's `true` there is a typo, but so is 1.
    assume(not (is_int_key and isinstance(value, bool)))
    # An explicit null for the bucket name asks for the default name, as leaving the key out does.
    assume(not (key == "trailguard:bucket.name" and value is None))
    line = refusal(key, value)
    assert "e.g. " in line, line


def test_the_generators_hold_what_they_claim() -> None:
    """Spot checks that the rules above mean what AWS says (a generator accepting anything would prove nothing)."""
    checks: list[tuple[Callable[[str], bool], str, bool]] = [
        (is_org_id, "o-a1b2c3d4e5", True),
        (is_org_id, "o-a1b2c3d4", False),
        (is_org_id, "o-A1B2C3D4E5", False),
        (_is_ip, "192.168.5.4", True),
        (_is_ip, "acme-logs", False),
    ]
    for check, value, expected in checks:
        assert check(value) is expected, value
