"""`OrganizationTrail`: the trail itself, its CloudWatch Logs delivery, and optional SNS notifications."""

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Required, Self, TypedDict

import pulumi
import pulumi_aws as aws
from pydantic import AfterValidator, ValidationError, model_validator

from trailguard import documents
from trailguard._support import (
    check_input,
    child_options,
    documented_defaults,
    explicit_dependencies,
    is_plain,
    to_json,
)
from trailguard.key import TrailKey, TrailKeyArgs, default_alias_name
from trailguard.log_group import TrailLogGroup, TrailLogGroupArgs, default_log_group_name
from trailguard.selectors import (
    BasicEventSelectorArgs,
    BasicEventSelectorConfig,
    DataEventSelectorArgs,
    DataEventSelectorConfig,
    InsightType,
    ManagementEventsArgs,
    ManagementEventsConfig,
    SelectorError,
    build_advanced_event_selectors,
    build_basic_event_selectors,
    build_insight_selectors,
    check_basic_limits,
)
from trailguard.settings import ConfigModel, describe_errors, setting, trailguard_error
from trailguard.validation import (
    check_account_id,
    check_bucket_name,
    check_key_prefix,
    check_log_group_name,
    check_organization_id,
    check_retention_in_days,
    check_trail_name,
)

__all__ = ["OrganizationTrail", "OrganizationTrailArgs", "TrailConfig", "default_topic_name"]


def default_topic_name(trail_name: str) -> str:
    # SNS topic names allow letters, digits, hyphens and underscores only.
    return f"{trail_name.replace('.', '-')}-log-delivery"


class OrganizationTrailArgs(TypedDict, total=False):
    """The arguments of `OrganizationTrail`."""

    name: Required[pulumi.Input[str]]
    """The trail's name (deterministic: the bucket and key policies name the trail's ARN before it exists)."""
    s3_bucket_name: Required[pulumi.Input[str]]
    """The bucket the trail delivers to (a `TrailBucket`, possibly in another account)."""
    kms_key_id: Required[pulumi.Input[str]]
    """The ARN of the key log files are encrypted with (a `TrailKey`, possibly in another account)."""
    s3_key_prefix: pulumi.Input[str]
    """The prefix log files are written under. Default: none."""
    organization_id: pulumi.Input[str]
    """The organization of an organization trail (the delivery role may write its member streams); required while
    `is_organization_trail` is true. Default: none."""
    is_organization_trail: pulumi.Input[bool]
    """Log every account of the organization; false for a single-account trail (no `organization_id`). Default:
    true."""
    trail_account_id: pulumi.Input[str]
    """The account that owns the trail: the organization's management account, also when a CloudTrail delegated
    administrator deploys it (the trail's ARN, which every policy names, carries the owner's id). Default: the
    account this stack runs in."""
    is_multi_region_trail: pulumi.Input[bool]
    """Log every Region. Default: true."""
    include_global_service_events: pulumi.Input[bool]
    """Log global services (IAM, STS, CloudFront); a multi-Region trail requires it. Default: true."""
    enable_log_file_validation: pulumi.Input[bool]
    """Deliver signed digest files so tampering can be detected. Default: true."""
    enable_logging: pulumi.Input[bool]
    """Whether the trail is logging. Default: true."""
    management_events: ManagementEventsArgs
    """Which management events to log. Default: read and write, from every source."""
    data_event_selectors: pulumi.Input[Sequence[pulumi.Input[DataEventSelectorArgs]]]
    """Data events to log, as advanced event selectors. Default: none."""
    event_selectors: pulumi.Input[Sequence[pulumi.Input[BasicEventSelectorArgs]]]
    """Basic event selectors instead of management_events and data_event_selectors. Default: none."""
    insight_selectors: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Insights types: `ApiCallRateInsight`, `ApiErrorRateInsight`. Default: none."""
    excluded_data_event_buckets: pulumi.Input[Sequence[pulumi.Input[str]]]
    """More buckets S3 data events must never include (the trail bucket always is). Default: none."""
    cloud_watch_logs_enabled: bool
    """Stream events to a CloudWatch Logs group. Default: true."""
    log_group_name: pulumi.Input[str]
    """The log group's name. Default: `/cloudtrail/<name>`."""
    log_group_retention_in_days: pulumi.Input[int]
    """Days CloudWatch Logs keeps events. Default: 365."""
    monitoring_kms_key_arn: pulumi.Input[str]
    """The key encrypting the log group and topic. Default: a `TrailKey` created for them."""
    monitoring_key_deletion_window_in_days: pulumi.Input[int]
    """The created monitoring key's deletion window (7-30). Default: 30."""
    sns_notifications_enabled: bool
    """Notify an SNS topic of every log file delivery. Default: false."""
    sns_topic_name: pulumi.Input[str]
    """The topic's name. Default: `<name>-log-delivery`."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Tags for every taggable child. Default: none."""


DEFAULTS = documented_defaults(OrganizationTrailArgs)
"""What the component applies to an input it is not given, as the input's docstring states it."""


class OrganizationTrail(pulumi.ComponentResource):
    """An organization trail with secure defaults: every account and Region, global services, log file
    validation, KMS encryption, CloudWatch Logs delivery (encrypted, deletion-protected group; least-privilege
    role), read and write management events, typed data event and Insights selectors.

    The trail resource depends on its role policy and topic policy, and on every resource passed in
    `opts.depends_on` (give it the bucket policy and the key of a `TrailBucket` and `TrailKey` in the same
    program), so it is never created before CloudTrail is allowed to deliver.
    """

    trail_arn: pulumi.Output[str]
    """The trail's ARN. Delegated administrators and member accounts must address the trail by ARN."""
    trail_name: pulumi.Output[str]
    """The trail's name."""
    log_group_name: pulumi.Output[str] | None
    """The CloudWatch Logs group's name, when CloudWatch Logs delivery is on."""
    log_group_arn: pulumi.Output[str] | None
    """The CloudWatch Logs group's ARN, when CloudWatch Logs delivery is on."""
    role_arn: pulumi.Output[str] | None
    """The delivery role's ARN, when CloudWatch Logs delivery is on."""
    monitoring_key_arn: pulumi.Output[str] | None
    """The key encrypting the log group and topic, when either exists."""
    sns_topic_arn: pulumi.Output[str] | None
    """The notification topic's ARN, when notifications are on."""

    def __init__(self, name: str, args: OrganizationTrailArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trailguard:index:OrganizationTrail", name, None, opts)
        where = f"OrganizationTrail {name!r}"
        for arg, check in (
            ("name", check_trail_name),
            ("s3_bucket_name", check_bucket_name),
            ("s3_key_prefix", check_key_prefix),
            ("organization_id", check_organization_id),
            ("trail_account_id", check_account_id),
            ("log_group_name", check_log_group_name),
            ("log_group_retention_in_days", check_retention_in_days),
        ):
            check_input(where, arg, args.get(arg), check)
        if is_plain(_selector_inputs(args)):
            _selectors(where, {**_selector_inputs(args), "partition": "aws"})
        organization_trail = args.get("is_organization_trail", DEFAULTS["is_organization_trail"])
        if organization_trail is True and args.get("organization_id") is None:
            # Without it the delivery role could not write the member accounts' log streams (o-<org>_*).
            raise ValueError(
                f"{where}: organization_id: is required for an organization trail; expected 'o-' followed by 10-32 "
                "lowercase letters or digits, e.g. o-a1b2c3d4e5 (or set is_organization_trail=False for a "
                "single-account trail)"
            )

        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke).partition
        region = aws.get_region_output(opts=invoke).region
        given_account = args.get("trail_account_id")
        account_id: pulumi.Output[str] = (
            aws.get_caller_identity_output(opts=invoke).account_id
            if given_account is None
            else pulumi.Output.from_input(given_account)
        )
        trail_name = pulumi.Output.from_input(args["name"])
        trail_arn = pulumi.Output.all(partition, region, account_id, trail_name).apply(
            lambda v: documents.trail_arn(*v)
        )

        cloud_watch = args.get("cloud_watch_logs_enabled", DEFAULTS["cloud_watch_logs_enabled"])
        notify = args.get("sns_notifications_enabled", DEFAULTS["sns_notifications_enabled"])
        group_name = pulumi.Output.from_input(args.get("log_group_name") or trail_name.apply(default_log_group_name))
        topic_name = pulumi.Output.from_input(args.get("sns_topic_name") or trail_name.apply(default_topic_name))

        depends_on: list[pulumi.Resource] = explicit_dependencies(opts)
        monitoring_key = args.get("monitoring_kms_key_arn")
        if monitoring_key is None and (cloud_watch or notify):
            key = self._monitoring_key(
                name,
                args,
                trail_name,
                account_id,
                log_group_name=group_name if cloud_watch else None,
                topic_name=topic_name if notify else None,
            )
            monitoring_key = key.key_arn
            depends_on.append(key)
        self.monitoring_key_arn = None if monitoring_key is None else pulumi.Output.from_input(monitoring_key)

        self.log_group_name = self.log_group_arn = self.role_arn = None
        cloud_watch_args: dict[str, Any] = {}
        if cloud_watch and monitoring_key is not None:
            delivery_args: TrailLogGroupArgs = {
                "log_group_name": group_name,
                "trail_name": trail_name,
                "kms_key_arn": monitoring_key,
                "trail_account_id": account_id,
                "retention_in_days": args.get("log_group_retention_in_days", DEFAULTS["log_group_retention_in_days"]),
                "tags": args.get("tags") or {},
            }
            organization_id = args.get("organization_id")
            if organization_id is not None and organization_trail is not False:
                delivery_args["organization_id"] = organization_id
            delivery = TrailLogGroup(f"{name}-log-group", delivery_args, opts=child_options(self))
            # CloudTrail wants the group's ARN with the log-stream wildcard.
            cloud_watch_args = {
                "cloud_watch_logs_group_arn": delivery.log_group_arn.apply(lambda arn: f"{arn}:*"),
                "cloud_watch_logs_role_arn": delivery.role_arn,
            }
            depends_on.append(delivery.role_policy)
            self.log_group_name = delivery.log_group_name
            self.log_group_arn = delivery.log_group_arn
            self.role_arn = delivery.role_arn

        self.sns_topic_arn = None
        if notify and monitoring_key is not None:
            topic, topic_policy = self._topic(name, args, topic_name, monitoring_key, trail_arn)
            depends_on.append(topic_policy)
            self.sns_topic_arn = topic.arn

        selectors = pulumi.Output.all(**_selector_inputs(args), partition=partition).apply(
            lambda v: _selectors(where, v)
        )
        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name,
            s3_bucket_name=args["s3_bucket_name"],
            s3_key_prefix=args.get("s3_key_prefix"),
            kms_key_id=args["kms_key_id"],
            is_organization_trail=args.get("is_organization_trail", DEFAULTS["is_organization_trail"]),
            is_multi_region_trail=args.get("is_multi_region_trail", DEFAULTS["is_multi_region_trail"]),
            include_global_service_events=args.get(
                "include_global_service_events", DEFAULTS["include_global_service_events"]
            ),
            enable_log_file_validation=args.get("enable_log_file_validation", DEFAULTS["enable_log_file_validation"]),
            enable_logging=args.get("enable_logging", DEFAULTS["enable_logging"]),
            advanced_event_selectors=selectors.apply(lambda s: s["advanced"]),
            event_selectors=selectors.apply(lambda s: s["basic"]),
            insight_selectors=selectors.apply(lambda s: s["insights"]),
            sns_topic_name=self.sns_topic_arn,
            tags=args.get("tags"),
            opts=child_options(self, depends_on=depends_on),
            **cloud_watch_args,
        )

        self.trail_arn = self.trail.arn
        self.trail_name = self.trail.name
        self.register_outputs(
            {
                "trail_arn": self.trail_arn,
                "trail_name": self.trail_name,
                "log_group_name": self.log_group_name,
                "log_group_arn": self.log_group_arn,
                "role_arn": self.role_arn,
                "monitoring_key_arn": self.monitoring_key_arn,
                "sns_topic_arn": self.sns_topic_arn,
            }
        )

    def _monitoring_key(
        self,
        name: str,
        args: OrganizationTrailArgs,
        trail_name: pulumi.Output[str],
        account_id: pulumi.Output[str],
        *,
        log_group_name: pulumi.Output[str] | None,
        topic_name: pulumi.Output[str] | None,
    ) -> TrailKey:
        """A key for the log group and topic only: CloudWatch Logs and SNS use it for this trail's group and topic."""
        key_args: TrailKeyArgs = {
            "trail_name": trail_name,
            "trail_account_id": account_id,
            "encrypt_trail_logs": False,
            "alias_name": trail_name.apply(lambda t: default_alias_name(t, "monitoring")),
            "deletion_window_in_days": args.get(
                "monitoring_key_deletion_window_in_days", DEFAULTS["monitoring_key_deletion_window_in_days"]
            ),
            "tags": args.get("tags") or {},
        }
        if log_group_name is not None:
            key_args["log_group_name"] = log_group_name
        if topic_name is not None:
            key_args["sns_topic_name"] = topic_name
        return TrailKey(f"{name}-monitoring-key", key_args, opts=child_options(self))

    def _topic(
        self,
        name: str,
        args: OrganizationTrailArgs,
        topic_name: pulumi.Output[str],
        key_arn: pulumi.Input[str],
        trail_arn: pulumi.Output[str],
    ) -> tuple[aws.sns.Topic, aws.sns.TopicPolicy]:
        """The KMS-encrypted topic notified of each log file delivery, which only this trail may publish to."""
        topic = aws.sns.Topic(
            f"{name}-topic",
            name=topic_name,
            kms_master_key_id=key_arn,
            tags=args.get("tags"),
            opts=child_options(self),
        )
        policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, trail_arn).apply(
                lambda v: to_json(documents.trail_topic_policy(topic_arn=v[0], trail_arn=v[1]))
            ),
            opts=child_options(self),
        )
        return topic, policy


def _selector_inputs(args: OrganizationTrailArgs) -> dict[str, Any]:
    return {
        "management_events": args.get("management_events") or {},
        "data_event_selectors": args.get("data_event_selectors") or [],
        "event_selectors": args.get("event_selectors"),
        "insight_selectors": args.get("insight_selectors") or [],
        "bucket": args["s3_bucket_name"],
        "excluded": args.get("excluded_data_event_buckets") or [],
    }


class _SelectorArgs(ConfigModel):
    """The selector arguments of an OrganizationTrail, validated by the same rules as stack config."""

    management_events: ManagementEventsConfig
    data_event_selectors: list[DataEventSelectorConfig]
    event_selectors: Annotated[list[BasicEventSelectorConfig], AfterValidator(check_basic_limits)] | None
    insight_selectors: list[InsightType]


def _selectors(where: str, v: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and build the trail's selectors; raise one clear ValueError naming the argument."""
    try:
        parsed = _SelectorArgs.model_validate(
            {k: v[k] for k in _SelectorArgs.model_fields}, by_alias=False, by_name=True
        )
    except ValidationError as error:
        lines = describe_errors(error, _SelectorArgs, by_alias=False, prefix=lambda path: f"{where}: {path}")
        raise ValueError("\n".join(lines)) from None
    buckets = [str(b) for b in (v["bucket"], *v["excluded"]) if b]
    partition = str(v["partition"])
    try:
        insights = build_insight_selectors(parsed.insight_selectors) or None
        if parsed.event_selectors is not None:
            basic = build_basic_event_selectors(
                parsed.event_selectors, excluded_buckets=buckets, partition=partition, by_alias=False
            )
            return {"advanced": None, "basic": basic, "insights": insights}
        advanced = build_advanced_event_selectors(
            parsed.management_events,
            parsed.data_event_selectors,
            excluded_buckets=buckets,
            partition=partition,
            by_alias=False,
        )
        return {"advanced": advanced, "basic": None, "insights": insights}
    except SelectorError as error:
        raise ValueError(f"{where}: {error.path}: {error.message}") from None


class TrailConfig(ConfigModel):
    """`trailguard:trail`: what the trail logs and how."""

    is_organization_trail: bool = setting(DEFAULTS["is_organization_trail"], expected="true or false", example=True)
    is_multi_region_trail: bool = setting(DEFAULTS["is_multi_region_trail"], expected="true or false", example=True)
    include_global_service_events: bool = setting(
        DEFAULTS["include_global_service_events"], expected="true or false", example=True
    )
    enable_log_file_validation: bool = setting(
        DEFAULTS["enable_log_file_validation"], expected="true or false", example=True
    )
    enable_logging: bool = setting(DEFAULTS["enable_logging"], expected="true or false", example=True)
    management_events: ManagementEventsConfig = setting(
        default_factory=ManagementEventsConfig,
        expected="which management events to log",
        example={"readWriteType": "All"},
    )
    data_events: list[DataEventSelectorConfig] = setting(
        default_factory=list,
        expected="data event selectors",
        example=[{"resourceType": "AWS::S3::Object"}],
    )
    event_selectors: Annotated[list[BasicEventSelectorConfig], AfterValidator(check_basic_limits)] | None = setting(
        None,
        expected="basic event selectors (instead of managementEvents and dataEvents)",
        example=[{"readWriteType": "All"}],
    )
    insight_selectors: list[InsightType] = setting(
        default_factory=list,
        expected="ApiCallRateInsight and/or ApiErrorRateInsight",
        example=["ApiCallRateInsight", "ApiErrorRateInsight"],
    )
    sns_notifications: bool = setting(DEFAULTS["sns_notifications_enabled"], expected="true or false", example=True)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.is_multi_region_trail and not self.include_global_service_events:
            raise trailguard_error(
                "false is not allowed for a multi-Region trail (CloudTrail rejects it); expected true, e.g. true",
                path="includeGlobalServiceEvents",
            )
        if self.event_selectors is not None:
            mixed = {"managementEvents", "dataEvents"} & {
                (info.alias or n) for n, info in type(self).model_fields.items() if n in self.model_fields_set
            }
            if mixed:
                raise trailguard_error(
                    f"cannot be combined with {' or '.join(sorted(mixed))} (a trail takes basic or advanced "
                    "selectors, not both); expected one of the two, e.g. dataEvents",
                    path="eventSelectors",
                )
            logs_management = any(s.include_management_events for s in self.event_selectors)
            read_write = {s.read_write_type for s in self.event_selectors if s.include_management_events}
        else:
            logs_management = self.management_events.enabled
            read_write = {self.management_events.read_write_type} if logs_management else set()
            if not logs_management and not self.data_events:
                raise trailguard_error(
                    "false with no dataEvents would log nothing; expected true, or at least one data event "
                    "selector, e.g. true",
                    path="managementEvents.enabled",
                )
        if self.insight_selectors:
            if len(set(self.insight_selectors)) != len(self.insight_selectors):
                raise trailguard_error(
                    f"{self.insight_selectors!r} names a type twice; expected each type once, "
                    "e.g. [ApiCallRateInsight, ApiErrorRateInsight]",
                    path="insightSelectors",
                )
            if not logs_management:
                raise trailguard_error(
                    "Insights analyse management events, which this trail does not log; expected "
                    "managementEvents.enabled true, e.g. [ApiCallRateInsight]",
                    path="insightSelectors",
                )
            if "ApiCallRateInsight" in self.insight_selectors and read_write == {"ReadOnly"}:
                raise trailguard_error(
                    "ApiCallRateInsight analyses write management events, which this trail does not log; "
                    "expected readWriteType All or WriteOnly, e.g. [ApiErrorRateInsight]",
                    path="insightSelectors",
                )
        return self

    def selector_args(self) -> dict[str, Any]:
        """The selector arguments of `OrganizationTrailArgs` this config stands for."""
        if self.event_selectors is not None:
            return {
                "event_selectors": [s.model_dump(exclude_none=True) for s in self.event_selectors],
                "insight_selectors": list(self.insight_selectors),
            }
        return {
            "management_events": self.management_events.model_dump(),
            "data_event_selectors": [e.model_dump(exclude_none=True) for e in self.data_events],
            "insight_selectors": list(self.insight_selectors),
        }

    def check_selectors(self, *, excluded_buckets: Sequence[str], partition: str) -> None:
        """Build the selectors once, so an own-bucket or limit problem fails at config time."""
        if self.event_selectors is not None:
            build_basic_event_selectors(self.event_selectors, excluded_buckets=excluded_buckets, partition=partition)
        else:
            build_advanced_event_selectors(
                self.management_events, self.data_events, excluded_buckets=excluded_buckets, partition=partition
            )
