"""The value rules of AWS names and limits, as pure checks shared by the config models and the components.

Each check returns the value when it is valid and raises `InvalidValue` with the second half of a
trailguard error message otherwise: what is wrong and a valid example. The caller prefixes the key, so
the whole message reads `trailguard:organizationId: 'o-123' is not an organization id; expected ...`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from trailguard_policies import regions

__all__ = [
    "LOG_RETENTION_DAYS",
    "InvalidValue",
    "check_account_id",
    "check_alias_name",
    "check_bucket_name",
    "check_deletion_window",
    "check_key_prefix",
    "check_log_group_name",
    "check_organization_id",
    "check_principal_arn",
    "check_region",
    "check_retention_in_days",
    "check_tags",
    "check_trail_name",
]


class InvalidValue(ValueError):
    """A value breaks an AWS rule; the message says what is wrong and shows a valid example."""


_ACCOUNT_ID = re.compile(r"\d{12}")
_ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}")
_TRAIL_NAME = re.compile(r"[A-Za-z0-9._-]{3,128}")
_LOG_GROUP_NAME = re.compile(r"[A-Za-z0-9._/#-]{1,512}")
_ALIAS_NAME = re.compile(r"alias/[A-Za-z0-9/_-]{1,250}")
_KEY_PREFIX = re.compile(r"[A-Za-z0-9!_.*'()/-]{1,200}")
_PRINCIPAL_ARN = re.compile(r"arn:aws(-[a-z]+)*:iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)")
_TAG_CHARS = re.compile(r"[\w\s.:/=+\-@]*")

LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
"""The retention periods CloudWatch Logs accepts (PutRetentionPolicy); 0 in the provider means never expire."""


def check_account_id(value: str) -> str:
    if not _ACCOUNT_ID.fullmatch(value):
        raise InvalidValue(f"{value!r} is not an AWS account id; expected 12 digits, e.g. 111111111111")
    return value


def check_organization_id(value: str) -> str:
    if not _ORGANIZATION_ID.fullmatch(value):
        raise InvalidValue(
            f"{value!r} is not an organization id; expected 'o-' followed by 10-32 lowercase letters or digits, "
            "e.g. o-a1b2c3d4e5"
        )
    return value


def check_region(value: str) -> str:
    # One Region rule for the config, the components and the gate: the AWS SDK's partition data.
    if regions.region_partition(value) is None:
        raise InvalidValue(f"{value!r} is not an AWS Region name; expected <area>-<direction>-<number>, e.g. us-east-1")
    return value


def _bucket_name_problem(value: str) -> str | None:
    """Why S3 would reject a general purpose bucket name. See
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    """
    if not 3 <= len(value) <= 63:
        return f"it has {len(value)} characters"
    if not re.fullmatch(r"[a-z0-9.-]+", value):
        return "it may contain only lowercase letters, digits, hyphens and periods"
    if not (value[0].isalnum() and value[-1].isalnum()):
        return "it must start and end with a letter or digit"
    if ".." in value:
        return "it must not contain two adjacent periods"
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        pass
    else:
        return "it must not be formatted as an IP address"
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if value.startswith(prefix):
            return f"it must not start with {prefix!r}"
    for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"):
        if value.endswith(suffix):
            return f"it must not end with {suffix!r}"
    return None


def check_bucket_name(value: str) -> str:
    problem = _bucket_name_problem(value)
    if problem:
        raise InvalidValue(
            f"{value!r} is not a valid S3 bucket name ({problem}); expected 3-63 lowercase letters, digits, "
            "hyphens or periods, starting and ending with a letter or digit, e.g. acme-cloudtrail-logs"
        )
    return value


def check_trail_name(value: str) -> str:
    """See https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-trail-naming-requirements.html"""
    valid = (
        _TRAIL_NAME.fullmatch(value)
        and value[0].isalnum()
        and value[-1].isalnum()
        and not re.search(r"[._-]{2}", value)
        and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value)
    )
    if not valid:
        raise InvalidValue(
            f"{value!r} is not a valid trail name; expected 3-128 letters, digits, periods, underscores or "
            "hyphens, starting and ending with a letter or digit, with no two symbols in a row, "
            "e.g. organization-trail"
        )
    return value


def check_log_group_name(value: str) -> str:
    if not _LOG_GROUP_NAME.fullmatch(value):
        raise InvalidValue(
            f"{value!r} is not a valid log group name; expected 1-512 letters, digits or . _ / # -, "
            "e.g. /cloudtrail/organization-trail"
        )
    return value


def check_alias_name(value: str) -> str:
    if not _ALIAS_NAME.fullmatch(value) or value.startswith("alias/aws/"):
        raise InvalidValue(
            f"{value!r} is not a valid KMS alias; expected 'alias/' followed by letters, digits, / _ or -, "
            "not under alias/aws/, e.g. alias/cloudtrail/organization-trail"
        )
    return value


def check_key_prefix(value: str) -> str:
    if not _KEY_PREFIX.fullmatch(value) or value.startswith("/") or value.endswith("/") or "//" in value:
        raise InvalidValue(
            f"{value!r} is not a valid S3 key prefix; expected up to 200 letters, digits or ! _ . * ' ( ) / -, "
            "with no leading, trailing or doubled slash, e.g. cloudtrail"
        )
    return value


def check_retention_in_days(value: int) -> int:
    if value != 0 and value not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(v) for v in LOG_RETENTION_DAYS)
        raise InvalidValue(
            f"{value} is not a retention CloudWatch Logs accepts; expected 0 (never expire) or one of {allowed}, "
            "e.g. 365"
        )
    return value


def check_deletion_window(value: int) -> int:
    if not 7 <= value <= 30:
        raise InvalidValue(f"{value} is out of range; expected 7 to 30 days, e.g. 30")
    return value


def check_principal_arn(value: str) -> str:
    if not _PRINCIPAL_ARN.fullmatch(value):
        raise InvalidValue(
            f"{value!r} is not an IAM principal ARN; expected an account root, role or user ARN, "
            "e.g. arn:aws:iam::222222222222:role/SecurityAudit"
        )
    return value


def check_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """See https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html (50 tags, 128/256 characters)."""
    if len(tags) > 50:
        raise InvalidValue(f"{len(tags)} tags exceed AWS's limit of 50 per resource; expected at most 50")
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or not _TAG_CHARS.fullmatch(key) or key.lower().startswith("aws:"):
            raise InvalidValue(
                f"{key!r} is not a valid tag key; expected 1-128 letters, digits, spaces or _ . : / = + - @, "
                "not starting with 'aws:', e.g. CostCenter"
            )
        if len(value) > 256 or not _TAG_CHARS.fullmatch(value):
            raise InvalidValue(
                f"{value!r} is not a valid value for tag {key!r}; expected up to 256 letters, digits, spaces or "
                "_ . : / = + - @, e.g. security"
            )
    return dict(tags)
