"""The stack config: one frozen model per stack shape, read once at the edge by `load_config`.

`trailguard:layout` picks the shape:

- `all-in-one`: bucket, key and trail in one account (the management account of an organization, or a
  standalone account with `trail.isOrganizationTrail: false`);
- `log-archive`: the log-archive account's half, the bucket and key (deploy first; without
  `organizationId` it serves a single-account trail);
- `management`: the management account's half, the trail, its log group and role; it reads the
  log-archive stack's outputs through a StackReference (`trailguard:logArchive: {stack: <org>/<project>/<stack>}`),
  or takes them as literal values (`pulumi stack output -s log-archive`).

Bad config fails before any resource is registered, with one `ConfigError` whose every line names the
key, says what is wrong and shows a valid value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError, model_validator

from trailguard import documents
from trailguard.alarms import AlarmsConfig
from trailguard.bucket import BucketConfig
from trailguard.key import KeyConfig
from trailguard.log_group import LogGroupConfig, default_log_group_name
from trailguard.selectors import SelectorError
from trailguard.settings import (
    AccountId,
    BucketName,
    ConfigModel,
    KeyPrefix,
    OrganizationId,
    Region,
    Tags,
    TrailName,
    describe_errors,
    setting,
    trailguard_error,
)
from trailguard.trail import TrailConfig
from trailguard.validation import InvalidValue, check_bucket_name

__all__ = [
    "LAYOUTS",
    "AllInOneConfig",
    "ConfigError",
    "LogArchiveConfig",
    "LogArchiveOutputs",
    "ManagementConfig",
    "StackConfig",
    "load_config",
    "read_stack_config",
]

NAMESPACE = "trailguard"


class ConfigError(ValueError):
    """The stack config is invalid; `messages` holds one line per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def default_bucket_name(trail_name: str, management_account_id: str) -> str:
    """`<trail>-<management account>`: deterministic and, through the account id, globally unique."""
    slug = re.sub(r"[^a-z0-9-]", "-", trail_name.lower()).strip("-")
    return f"{slug}-{management_account_id}"


def _check_kms_key_arn(value: str) -> str:
    if not re.fullmatch(r"arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+", value):
        raise trailguard_error(
            f"{value!r} is not a KMS key ARN; expected the log-archive stack's kmsKeyArn output, "
            "e.g. arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        )
    return value


KmsKeyArn = Annotated[str, AfterValidator(_check_kms_key_arn)]


class _Stack(ConfigModel):
    """What every layout shares: where, for which organization and trail, and the tags."""

    region: Region = Field(alias="aws:region", json_schema_extra={"expected": "an AWS Region", "example": "us-east-1"})
    organization_id: OrganizationId | None = setting(
        None, expected="'o-' followed by 10-32 lowercase letters or digits", example="o-a1b2c3d4e5"
    )
    management_account_id: AccountId = setting(
        expected="the 12-digit id of the organization's management account", example="111111111111"
    )
    trail_name: TrailName = setting("organization-trail", expected="the trail's name", example="organization-trail")
    s3_key_prefix: KeyPrefix | None = setting(
        None, expected="the prefix log files are written under", example="cloudtrail"
    )
    tags: Tags = setting(
        default_factory=dict, expected="tags for every taggable resource", example={"Owner": "security"}
    )

    @property
    def partition(self) -> str:
        return documents.region_partition(self.region)


class _HasBucket(_Stack):
    bucket: BucketConfig = setting(
        default_factory=BucketConfig, expected="the trail bucket's settings", example={"transitionDays": 90}
    )
    key: KeyConfig = setting(
        default_factory=KeyConfig, expected="the KMS key's settings", example={"deletionWindowInDays": 30}
    )

    @property
    def bucket_name(self) -> str:
        return self.bucket.name or default_bucket_name(self.trail_name, self.management_account_id)

    @property
    def access_log_bucket_name(self) -> str:
        return self.bucket.access_log_bucket_name or f"{self.bucket_name}-access-logs"

    @property
    def replica_bucket_name(self) -> str | None:
        if self.bucket.replication is None:
            return None
        return self.bucket.replication.bucket_name or f"{self.bucket_name}-replica"

    @property
    def replica_access_log_bucket_name(self) -> str | None:
        if self.bucket.replication is None:
            return None
        return self.bucket.replication.access_log_bucket_name or f"{self.replica_bucket_name}-access-logs"

    @property
    def log_bucket_names(self) -> list[str]:
        """Every bucket this stack keeps logs in: S3 data events must never include them."""
        names = [self.bucket_name, self.access_log_bucket_name]
        return names + [n for n in (self.replica_bucket_name, self.replica_access_log_bucket_name) if n]

    def _check_buckets(self) -> None:
        derived: list[tuple[str, str | None, str | None]] = [
            ("bucket.name", self.bucket.name, self.bucket_name),
            ("bucket.accessLogBucketName", self.bucket.access_log_bucket_name, self.access_log_bucket_name),
        ]
        replication = self.bucket.replication
        if replication is not None:
            derived += [
                ("bucket.replication.bucketName", replication.bucket_name, self.replica_bucket_name),
                (
                    "bucket.replication.accessLogBucketName",
                    replication.access_log_bucket_name,
                    self.replica_access_log_bucket_name,
                ),
            ]
        for path, given, name in derived:
            if given is not None or name is None:
                continue
            try:
                check_bucket_name(name)
            except InvalidValue as error:
                raise trailguard_error(f"is not set, and the default {error}", path=path) from None
        if replication is not None and replication.region == self.region:
            raise trailguard_error(
                f"{replication.region!r} is the bucket's own Region; expected a second Region, e.g. "
                f"{'us-west-2' if self.region != 'us-west-2' else 'us-east-2'}",
                path="bucket.replication.region",
            )


class _HasTrail(_Stack):
    trail: TrailConfig = setting(
        default_factory=TrailConfig,
        expected="what the trail logs",
        example={"insightSelectors": ["ApiCallRateInsight"]},
    )
    log_group: LogGroupConfig = setting(
        default_factory=LogGroupConfig,
        expected="the CloudWatch Logs group's settings",
        example={"retentionInDays": 365},
    )
    alarms: AlarmsConfig = setting(
        default_factory=AlarmsConfig,
        expected="the CIS monitoring alarms' settings",
        example={"emails": ["security@example.com"]},
    )

    @property
    def log_group_name(self) -> str:
        return self.log_group.name or default_log_group_name(self.trail_name)

    def _check_trail(self, excluded_buckets: list[str]) -> None:
        if self.trail.is_organization_trail and self.organization_id is None:
            raise trailguard_error(
                "is required for an organization trail; expected 'o-' followed by 10-32 lowercase letters or "
                "digits, e.g. o-a1b2c3d4e5 (or set trail.isOrganizationTrail: false)",
                path="organizationId",
            )
        try:
            self.trail.check_selectors(excluded_buckets=excluded_buckets, partition=self.partition)
        except SelectorError as error:
            raise trailguard_error(error.message, path=f"trail.{error.path}") from None

    def _check_alarm_subscribers(self) -> None:
        # An alarm nobody hears monitors nothing: the CIS monitoring controls' audit ends with "Ensure there is at
        # least one active subscriber to the SNS topic" (CIS AWS Foundations Benchmark, 5.1-5.15, audit step 7).
        if self.alarms.enabled and not self.alarms.has_subscriber:
            raise trailguard_error(
                "has no subscriber: the CIS alarms would notify no one (the benchmark asks for at least one active "
                "subscriber to the alarm topic); expected emails or httpsEndpoints, or subscriptionsManagedElsewhere "
                'with the reason, or enabled: false, e.g. {"emails": ["security@example.com"]}',
                path="alarms",
            )


class AllInOneConfig(_HasBucket, _HasTrail):
    """`trailguard:layout: all-in-one`: the bucket, the key and the trail in one account and stack."""

    layout: Literal["all-in-one"] = setting(expected="all-in-one", example="all-in-one")

    @model_validator(mode="after")
    def _consistent(self) -> AllInOneConfig:
        self._check_buckets()
        self._check_trail(self.log_bucket_names)
        self._check_alarm_subscribers()
        return self


class LogArchiveConfig(_HasBucket):
    """`trailguard:layout: log-archive`: the bucket and key, in the log-archive account. Deploy it first."""

    layout: Literal["log-archive"] = setting(expected="log-archive", example="log-archive")
    home_region: Region | None = setting(
        None, expected="the Region the management stack creates the trail in", example="us-east-1"
    )

    @property
    def trail_region(self) -> str:
        return self.home_region or self.region

    @model_validator(mode="after")
    def _consistent(self) -> LogArchiveConfig:
        self._check_buckets()
        return self


def _check_stack_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", value):
        raise trailguard_error(
            f"{value!r} is not a fully qualified stack name; expected <organization>/<project>/<stack> as "
            "`pulumi stack ls --all` shows it (a self-managed backend's organization is 'organization'), "
            "e.g. organization/trailguard/log-archive"
        )
    return value


StackName = Annotated[str, AfterValidator(_check_stack_name)]
STACK_EXAMPLE = {"stack": "organization/trailguard/log-archive"}


class LogArchiveOutputs(ConfigModel):
    """`trailguard:logArchive`: the log-archive stack's outputs, read through a StackReference (`stack`) or given
    as literal values (`pulumi stack output -s log-archive`)."""

    stack: StackName | None = setting(
        None,
        expected="the log-archive stack's fully qualified name, whose outputs the stack reads (a StackReference)",
        example="organization/trailguard/log-archive",
    )
    bucket_name: BucketName | None = setting(
        None, expected="the log-archive stack's bucketName output", example="organization-trail-111111111111"
    )
    kms_key_arn: KmsKeyArn | None = setting(
        None,
        expected="the log-archive stack's kmsKeyArn output",
        example="arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    )
    log_bucket_names: list[BucketName] = setting(
        default_factory=list,
        expected="the log-archive stack's logBucketNames output: every bucket holding logs, which S3 data events skip",
        example=["organization-trail-111111111111", "organization-trail-111111111111-access-logs"],
    )

    @model_validator(mode="after")
    def _one_source(self) -> LogArchiveOutputs:
        literal = [
            key
            for key, value in (
                ("bucketName", self.bucket_name),
                ("kmsKeyArn", self.kms_key_arn),
                ("logBucketNames", self.log_bucket_names),
            )
            if value
        ]
        if self.stack is not None:
            if literal:
                raise trailguard_error(
                    f"cannot be combined with {', '.join(literal)} (the outputs come from that stack); expected the "
                    f"stack alone, or the literal values without it, e.g. {json.dumps(STACK_EXAMPLE)}",
                    path="stack",
                )
            return self
        if not literal:
            raise trailguard_error(
                "names no log-archive stack and no outputs; expected stack (read through a StackReference), or "
                f"bucketName and kmsKeyArn, e.g. {json.dumps(STACK_EXAMPLE)}"
            )
        for key, value, expected, example in (
            ("bucketName", self.bucket_name, "bucketName", "organization-trail-111111111111"),
            (
                "kmsKeyArn",
                self.kms_key_arn,
                "kmsKeyArn",
                "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            ),
        ):
            if value is None:
                raise trailguard_error(
                    f"is required without stack; expected the log-archive stack's {expected} output, e.g. {example}",
                    path=key,
                )
        return self

    @property
    def excluded_bucket_names(self) -> list[str]:
        """The literal log buckets other than the trail bucket (empty when they come from the referenced stack)."""
        return [b for b in self.log_bucket_names if b != self.bucket_name]


class ManagementConfig(_HasTrail):
    """`trailguard:layout: management`: the trail, its log group and role, in the management account."""

    layout: Literal["management"] = setting(expected="management", example="management")
    log_archive: LogArchiveOutputs = setting(
        expected="the log-archive stack to read the outputs of, or its outputs",
        example=STACK_EXAMPLE,
    )
    key: KeyConfig = setting(
        default_factory=KeyConfig, expected="the monitoring key's settings", example={"deletionWindowInDays": 30}
    )

    @model_validator(mode="after")
    def _consistent(self) -> ManagementConfig:
        if self.key.reader_principal_arns:
            raise trailguard_error(
                "belongs to the log-archive stack, whose key encrypts the log files; expected no readers here, e.g. []",
                path="key.readerPrincipalArns",
            )
        outputs = self.log_archive
        # With a StackReference the bucket names are known at deployment only; OrganizationTrail checks them then.
        self._check_trail([b for b in (outputs.bucket_name, *outputs.excluded_bucket_names) if b])
        self._check_alarm_subscribers()
        return self


StackConfig = AllInOneConfig | LogArchiveConfig | ManagementConfig
LAYOUTS: dict[str, type[AllInOneConfig] | type[LogArchiveConfig] | type[ManagementConfig]] = {
    "all-in-one": AllInOneConfig,
    "log-archive": LogArchiveConfig,
    "management": ManagementConfig,
}


def _decode(value: Any) -> Any:
    """The CLI passes every config value as text; structured values (objects, lists) arrive as JSON."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _key(path: str) -> str:
    return path if ":" in path.split(".")[0] else f"{NAMESPACE}:{path}"


def load_config(raw: Mapping[str, Any]) -> StackConfig:
    """Validate a stack's whole config map (fully qualified keys, as `pulumi config` shows them)."""
    values = {key.split(":", 1)[1]: _decode(v) for key, v in raw.items() if key.startswith(f"{NAMESPACE}:")}
    if "aws:region" in raw:
        values["aws:region"] = raw["aws:region"]
    layout = values.get("layout")
    if layout is None:
        raise ConfigError(
            [f"{NAMESPACE}:layout: is required; expected all-in-one, log-archive or management, e.g. all-in-one"]
        )
    if layout not in LAYOUTS:
        raise ConfigError(
            [
                f"{NAMESPACE}:layout: {layout!r} is not a layout; expected all-in-one, log-archive or management, "
                "e.g. all-in-one"
            ]
        )
    model = LAYOUTS[layout]
    try:
        return model.model_validate(values, by_alias=True, by_name=False)
    except ValidationError as error:
        raise ConfigError(describe_errors(error, model, by_alias=True, prefix=_key)) from None


def read_stack_config() -> dict[str, Any]:
    """Every config value of the running stack.

    The SDK has no public way to list config keys, and `extra="forbid"` needs the whole map: the CLI's
    language host passes it as the PULUMI_CONFIG environment variable, and tests set it with
    `pulumi.runtime.set_all_config`.
    """
    from pulumi.runtime import config as runtime_config

    return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
