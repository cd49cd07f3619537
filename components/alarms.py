"""`TrailAlarms`: the CIS monitoring controls as metric filters and alarms on a trail's log group.

One CloudWatch Logs metric filter and one alarm per control of `trailguard.cis` (CIS v7.0.0 5.1-5.15),
notifying an SNS topic encrypted with a customer-managed key, with optional email and HTTPS subscriptions and
optional EventBridge rules for the same events. `AlarmsConfig` is the `trailguard:alarms` config sub-model.
"""

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Required, TypedDict
from urllib.parse import urlsplit

import pulumi
import pulumi_aws as aws
from pydantic import AfterValidator, BeforeValidator, model_validator

from trailguard import cis, documents
from trailguard._support import check_input, child_options, documented_defaults, log_store_options, to_json
from trailguard.settings import ConfigModel, as_validator, setting, trailguard_error
from trailguard.validation import InvalidValue, check_log_group_name, check_tags

__all__ = [
    "DEFAULT_METRIC_NAMESPACE",
    "AlarmsConfig",
    "DisabledControl",
    "DisabledControlArgs",
    "TrailAlarms",
    "TrailAlarmsArgs",
    "alarm_key_policy",
    "alarm_topic_policy",
    "alarms_args",
    "check_control_id",
    "check_email",
    "check_https_endpoint",
    "check_metric_namespace",
    "check_period",
    "check_threshold",
]

DEFAULT_METRIC_NAMESPACE = "CISBenchmark"
"""The namespace the benchmark's own remediation steps use, so dashboards built from them keep working."""

CLOUDWATCH = "cloudwatch.amazonaws.com"
EVENTBRIDGE = "events.amazonaws.com"
_KEY_USE = ["kms:Decrypt", "kms:GenerateDataKey*"]


# --- checks ------------------------------------------------------------------------------------------------
# Each returns the value or raises InvalidValue with "<what is wrong>; expected <rule>, e.g. <example>"; the
# caller prefixes the key (config) or the component and argument (code).

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
_HOST = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Metric.html (Namespace)
_NAMESPACE = re.compile(r"[A-Za-z0-9.\-_/#: ]{1,255}")
_PHYSICAL_NAME = re.compile(r"[A-Za-z0-9._-]{1,40}")


def check_email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise InvalidValue(f"{value!r} is not an email address; expected name@domain, e.g. security@example.com")
    return value


def check_https_endpoint(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not _HOST.fullmatch(parts.hostname or "") or parts.username or parts.password:
        raise InvalidValue(
            f"{value!r} is not an HTTPS URL; expected https:// and a host name (alarms leave AWS only over TLS, "
            "and without credentials in the URL), e.g. https://hooks.example.com/aws-alarms"
        )
    return value


def check_metric_namespace(value: str) -> str:
    if not _NAMESPACE.fullmatch(value) or value.startswith("AWS/") or value.strip() != value:
        raise InvalidValue(
            f"{value!r} is not a valid CloudWatch namespace; expected 1-255 letters, digits, spaces or . - _ / # :, "
            "not starting with 'AWS/', e.g. CISBenchmark"
        )
    return value


def check_threshold(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(
            f"{value!r} is not a valid alarm threshold; expected a whole number of matching events in one period, "
            "at least 1, e.g. 1"
        )
    return value


def check_period(value: int) -> int:
    # Metric filters publish standard-resolution (one-minute) metrics; an alarm on them takes a period that is
    # a multiple of 60 seconds, and period x evaluation periods (1) may not exceed one day. See
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
    if isinstance(value, bool) or not isinstance(value, int) or value < 60 or value > 86400 or value % 60:
        raise InvalidValue(
            f"{value!r} is not a valid alarm period; expected a multiple of 60 seconds from 60 to 86400, e.g. 300"
        )
    return value


def check_control_id(value: str) -> str:
    if value in cis.CONTROL_IDS:
        return value
    if value in cis.EARLIER_IDS:
        raise InvalidValue(
            f"{value!r} is an earlier benchmark's id; expected the {cis.BENCHMARK} id of the same control, "
            f"e.g. {cis.EARLIER_IDS[value]}"
        )
    raise InvalidValue(
        f"{value!r} is not a CIS monitoring control; expected one of {', '.join(cis.CONTROL_IDS)}, e.g. 5.12"
    )


def _check_reason(value: str) -> str:
    if not value.strip():
        raise InvalidValue(
            "the reason is empty; expected why the control is off, so reviewers can judge it, "
            "e.g. 'no VPCs in this organization; networking changes are blocked by an SCP'"
        )
    return value


def _check_elsewhere_reason(value: str) -> str:
    if not value.strip():
        raise InvalidValue(
            "the reason is empty; expected who subscribes to the alarm topic and how, so reviewers can check it, "
            "e.g. 'the security account's stack subscribes its paging service to the alarmTopicArn output'"
        )
    return value


def _check_unique(values: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        key = value.lower()
        if key in seen:
            raise InvalidValue(f"{value!r} is listed twice; expected each {what} once")
        seen.add(key)


# --- policy documents --------------------------------------------------------------------------------------


def alarms_arn_pattern(partition: str, region: str, account_id: str) -> str:
    """Every CloudWatch alarm of the account in the Region (alarm names are chosen by the component's user)."""
    return f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:*"


def alarm_key_policy(*, partition: str, account_id: str, region: str, event_rules: bool) -> dict[str, Any]:
    """The policy of the key encrypting the alarm topic.

    SNS encrypts a message with the *publisher's* permissions, so CloudWatch (and EventBridge, when its rules
    are on) needs kms:GenerateDataKey* and kms:Decrypt on the key, or every notification is silently dropped.
    See https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
    """
    statements: list[dict[str, Any]] = [
        documents.key_root_statement(partition, account_id),
        {
            "Sid": "AllowCloudWatchAlarmsUseOfKey",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDWATCH},
            "Action": list(_KEY_USE),
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": alarms_arn_pattern(partition, region, account_id)},
            },
        },
    ]
    if event_rules:
        statements.append(
            {
                # No aws:SourceArn/SourceAccount condition: EventBridge's KMS requests for an encrypted SNS target
                # do not carry them, so a condition would drop every event.
                # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
                "Sid": "AllowEventBridgeUseOfKey",
                "Effect": "Allow",
                "Principal": {"Service": EVENTBRIDGE},
                "Action": list(_KEY_USE),
                "Resource": "*",
            }
        )
    return {"Version": documents.VERSION, "Statement": statements}


def alarm_topic_policy(
    *, partition: str, account_id: str, region: str, topic_arn: str, event_rules: bool = False
) -> dict[str, Any]:
    """Who may publish to the alarm topic: this account's alarms, EventBridge when its rules are on, only over TLS.

    See https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html and
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AllowCloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDWATCH},
            "Action": "SNS:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": alarms_arn_pattern(partition, region, account_id)},
            },
        }
    ]
    if event_rules:
        statements.append(
            {
                # The statement AWS documents for an EventBridge target, with no Condition: "You can't use
                # Condition blocks in Amazon SNS topic policies for EventBridge." (EventBridge user guide,
                # eb-use-resource-based, "Amazon SNS permissions").
                "Sid": "AllowEventBridgeRulesPublish",
                "Effect": "Allow",
                "Principal": {"Service": EVENTBRIDGE},
                "Action": "SNS:Publish",
                "Resource": topic_arn,
            }
        )
    statements.append(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "SNS:Publish",
            "Resource": topic_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )
    return {"Version": documents.VERSION, "Statement": statements}


# --- component ---------------------------------------------------------------------------------------------


class DisabledControlArgs(TypedDict):
    """A CIS monitoring control switched off, and why."""

    control_id: Required[pulumi.Input[str]]
    """The CIS v7.0.0 id of the control, e.g. `5.12`."""
    reason: Required[pulumi.Input[str]]
    """Why it is off; required, so every exception can be reviewed."""


class TrailAlarmsArgs(TypedDict, total=False):
    """The arguments of `TrailAlarms`."""

    log_group_name: Required[pulumi.Input[str]]
    """The CloudWatch Logs group the trail delivers to; the metric filters read it."""
    metric_namespace: pulumi.Input[str]
    """The CloudWatch namespace of the filters' metrics. Default: `CISBenchmark`."""
    disabled_controls: pulumi.Input[Sequence[pulumi.Input[DisabledControlArgs]]]
    """Controls to leave out, each with a reason (a plain list: it decides which alarms exist). Default: none."""
    threshold: pulumi.Input[int]
    """Matching events within one period that set an alarm off. Default: 1."""
    period: pulumi.Input[int]
    """Seconds each alarm counts over; a multiple of 60. Default: 300."""
    emails: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Email addresses subscribed to the topic, each of which must confirm (a plain list: each is a
    subscription). Default: none."""
    https_endpoints: pulumi.Input[Sequence[pulumi.Input[str]]]
    """HTTPS URLs subscribed to the topic, each of which must confirm (a plain list: each is a subscription).
    Default: none."""
    enable_event_rules: pulumi.Input[bool]
    """Also send each control's events to the topic through EventBridge rules, within seconds rather than at the
    end of a period. They see only this account's events in this Region (global services' in us-east-1), so the
    metric filters on the organization trail stay the complete signal. Default: false."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Tags for the key, topic, alarms and rules. Default: none."""


DEFAULTS = documented_defaults(TrailAlarmsArgs)
"""What the component applies to an input it is not given, as the input's docstring states it."""


class TrailAlarms(pulumi.ComponentResource):
    """A metric filter and alarm per CIS monitoring control, notifying a KMS-encrypted SNS topic.

    Alarm `<name>-cis-5.1-unauthorized-api-calls` counts the events filter `<name>-cis-5.1-unauthorized-api-calls`
    finds in the log group; every alarm notifies the topic. The topic's key is protected: deleting it would stop
    every notification.
    """

    topic_arn: pulumi.Output[str]
    """The SNS topic every alarm (and rule) notifies; subscribe more endpoints to it."""
    key_arn: pulumi.Output[str]
    """The customer-managed KMS key the topic is encrypted with."""
    alarm_arns: pulumi.Output[dict[str, str]]
    """Each enabled control's alarm ARN, by CIS v7.0.0 id (`5.1`)."""
    event_rule_arns: pulumi.Output[dict[str, str]]
    """Each enabled control's EventBridge rule ARN, by CIS v7.0.0 id; empty when the rules are off."""
    enabled_control_ids: pulumi.Output[list[str]]
    """The CIS v7.0.0 ids of the controls that have a filter and alarm, in the benchmark's order."""

    def __init__(self, name: str, args: TrailAlarmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trailguard:index:TrailAlarms", name, None, opts)
        where = f"TrailAlarms {name!r}"
        _check_name(where, name)
        disabled = _disabled_control_ids(where, args.get("disabled_controls"))
        enable_event_rules = _plain_bool(
            where, "enable_event_rules", args.get("enable_event_rules", DEFAULTS["enable_event_rules"])
        )
        check_input(where, "log_group_name", args.get("log_group_name"), check_log_group_name)
        check_input(where, "metric_namespace", args.get("metric_namespace"), check_metric_namespace)
        check_input(where, "threshold", args.get("threshold"), check_threshold)
        check_input(where, "period", args.get("period"), check_period)
        check_input(where, "tags", args.get("tags"), _check_plain_tags)
        emails = _plain_strings(where, "emails", args.get("emails"), check_email, "address")
        endpoints = _plain_strings(where, "https_endpoints", args.get("https_endpoints"), check_https_endpoint, "URL")

        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke).partition
        region = aws.get_region_output(opts=invoke).region
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        tags = args.get("tags")
        namespace = args.get("metric_namespace") or DEFAULT_METRIC_NAMESPACE
        controls = [c for c in cis.CONTROLS if c.id not in disabled]

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"trailguard {name}: encrypts the CIS monitoring alarm topic",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.all(partition, account_id, region).apply(
                lambda v: to_json(
                    alarm_key_policy(partition=v[0], account_id=v[1], region=v[2], event_rules=enable_event_rules)
                )
            ),
            tags=tags,
            # Kept like every key of the trail: alarms delivered while it is gone could not be read.
            opts=log_store_options(self),
        )
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            kms_master_key_id=self.key.arn,
            tags=tags,
            opts=child_options(self),
        )

        alarm_arns: dict[str, pulumi.Output[str]] = {}
        for control in controls:
            physical = f"{name}-cis-{control.id}-{control.slug}"
            metric_filter = aws.cloudwatch.LogMetricFilter(
                f"{name}-cis-{control.id}-filter",
                name=physical,
                log_group_name=args["log_group_name"],
                pattern=control.filter_pattern,
                metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                    name=control.metric_name, namespace=namespace, value="1"
                ),
                opts=child_options(self),
            )
            alarm = aws.cloudwatch.MetricAlarm(
                f"{name}-cis-{control.id}-alarm",
                name=physical,
                alarm_description=_description(control),
                namespace=metric_filter.metric_transformation.namespace,
                metric_name=metric_filter.metric_transformation.name,
                statistic="Sum",
                period=args.get("period", DEFAULTS["period"]),
                evaluation_periods=1,
                threshold=args.get("threshold", DEFAULTS["threshold"]),
                comparison_operator="GreaterThanOrEqualToThreshold",
                # No events in a period means nothing happened, not that monitoring broke.
                treat_missing_data="notBreaching",
                alarm_actions=[self.topic.arn],
                tags=tags,
                opts=child_options(self, depends_on=[metric_filter]),
            )
            alarm_arns[control.id] = alarm.arn

        rule_arns: dict[str, pulumi.Output[str]] = {}
        if enable_event_rules:
            for control in controls:
                rule = aws.cloudwatch.EventRule(
                    f"{name}-cis-{control.id}-rule",
                    name=f"{name}-cis-{control.id}",
                    description=_description(control),
                    event_pattern=json.dumps(control.event_pattern),
                    tags=tags,
                    opts=child_options(self),
                )
                aws.cloudwatch.EventTarget(
                    f"{name}-cis-{control.id}-target",
                    rule=rule.name,
                    arn=self.topic.arn,
                    opts=child_options(self),
                )
                rule_arns[control.id] = rule.arn

        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(partition, account_id, region, self.topic.arn).apply(
                lambda v: to_json(
                    alarm_topic_policy(
                        partition=v[0], account_id=v[1], region=v[2], topic_arn=v[3], event_rules=enable_event_rules
                    )
                )
            ),
            opts=child_options(self),
        )
        for protocol, endpoint in [("email", e) for e in emails] + [("https", u) for u in endpoints]:
            aws.sns.TopicSubscription(
                f"{name}-{protocol}-{_digest(endpoint)}",
                topic=self.topic.arn,
                protocol=protocol,
                endpoint=endpoint,
                opts=child_options(self),
            )

        self.topic_arn = self.topic.arn
        self.key_arn = self.key.arn
        self.alarm_arns = pulumi.Output.all(**alarm_arns).apply(dict) if alarm_arns else pulumi.Output.from_input({})
        self.event_rule_arns = pulumi.Output.all(**rule_arns).apply(dict) if rule_arns else pulumi.Output.from_input({})
        self.enabled_control_ids = pulumi.Output.from_input([c.id for c in controls])
        self.register_outputs(
            {
                "topic_arn": self.topic_arn,
                "key_arn": self.key_arn,
                "alarm_arns": self.alarm_arns,
                "event_rule_arns": self.event_rule_arns,
                "enabled_control_ids": self.enabled_control_ids,
            }
        )


def _description(control: cis.MonitoringControl) -> str:
    return (
        f"{control.label}: {control.title}. {cis.BENCHMARK} control {control.id} ({control.earlier}); "
        f"counts the CloudTrail events its filter matches as {control.metric_name}."
    )


def _digest(endpoint: str) -> str:
    # A stable resource name per endpoint, so reordering the list replaces no subscription.
    return hashlib.sha256(endpoint.lower().encode()).hexdigest()[:8]


def _check_plain_tags(tags: Mapping[str, Any]) -> Mapping[str, Any]:
    # Tags whose values are Outputs are AWS's to judge when they resolve.
    if all(isinstance(v, str) for v in tags.values()):
        check_tags(tags)
    return tags


def _check_name(where: str, name: str) -> None:
    # The name prefixes the physical names of filters, alarms and EventBridge rules (at most 64 characters).
    if not _PHYSICAL_NAME.fullmatch(name):
        raise ValueError(
            f"{where}: the component name {name!r} is not usable in AWS resource names; expected 1-40 letters, "
            "digits, . _ or -, e.g. alarms"
        )


def _plain_bool(where: str, arg: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(
            f"{where}: {arg}: {value!r} is not true or false; expected a plain bool (it decides which resources "
            "exist, so it cannot wait for an Output), e.g. false"
        )
    return value


def _plain_list(where: str, arg: str, value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, pulumi.Output) or not isinstance(value, Sequence) or isinstance(value, str):
        raise ValueError(
            f"{where}: {arg}: expected a plain list (it decides which resources exist, so it cannot wait for an "
            "Output), e.g. []"
        )
    return list(value)


def _plain_strings(where: str, arg: str, value: object, check: Callable[[str], str], what: str) -> list[str]:
    items = _plain_list(where, arg, value)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise ValueError(f"{where}: {arg}[{i}]: expected a plain string, e.g. {_EXAMPLES[arg]}")
        check_input(where, f"{arg}[{i}]", item, check)
    try:
        _check_unique(items, what)
    except InvalidValue as error:
        raise ValueError(f"{where}: {arg}: {error}") from None
    return items


_EXAMPLES = {"emails": "security@example.com", "https_endpoints": "https://hooks.example.com/aws-alarms"}


def _disabled_control_ids(where: str, value: object) -> set[str]:
    ids: list[str] = []
    for i, item in enumerate(_plain_list(where, "disabled_controls", value)):
        at = f"disabled_controls[{i}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where}: {at}: expected {{control_id, reason}}, e.g. {_DISABLED_EXAMPLE}")
        control_id, reason = item.get("control_id"), item.get("reason")
        if not isinstance(control_id, str) or not isinstance(reason, str):
            raise ValueError(f"{where}: {at}: expected a plain string control_id and reason, e.g. {_DISABLED_EXAMPLE}")
        check_input(where, f"{at}.control_id", control_id, check_control_id)
        check_input(where, f"{at}.reason", reason, _check_reason)
        ids.append(control_id)
    try:
        _check_unique(ids, "control")
    except InvalidValue as error:
        raise ValueError(f"{where}: disabled_controls: {error}") from None
    if len(ids) == len(cis.CONTROLS):
        raise ValueError(
            f"{where}: disabled_controls: every CIS monitoring control is disabled; expected at least one left on "
            "(to monitor nothing, do not create TrailAlarms)"
        )
    return set(ids)


_DISABLED_EXAMPLE = "{'control_id': '5.12', 'reason': 'no internet gateways: egress goes through the network account'}"


# --- config ------------------------------------------------------------------------------------------------


def _text_id(value: Any) -> Any:
    # YAML reads an unquoted 5.10 as the number 5.1: refuse numbers rather than monitor the wrong control.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise trailguard_error(
            f"{value!r} is a number; expected the control id as quoted text, so 5.10 does not become 5.1, e.g. '5.10'"
        )
    return value


ControlId = Annotated[str, BeforeValidator(_text_id), AfterValidator(as_validator(check_control_id))]
Email = Annotated[str, AfterValidator(as_validator(check_email))]
HttpsEndpoint = Annotated[str, AfterValidator(as_validator(check_https_endpoint))]
MetricNamespace = Annotated[str, AfterValidator(as_validator(check_metric_namespace))]
Threshold = Annotated[int, AfterValidator(as_validator(check_threshold))]
Period = Annotated[int, AfterValidator(as_validator(check_period))]
Reason = Annotated[str, AfterValidator(as_validator(_check_reason))]
ElsewhereReason = Annotated[str, AfterValidator(as_validator(_check_elsewhere_reason))]


class DisabledControl(ConfigModel):
    """One entry of `trailguard:alarms.disabledControls`."""

    control_id: ControlId = setting(
        expected=f"a CIS v7.0.0 monitoring control id, {cis.CONTROL_IDS[0]} to {cis.CONTROL_IDS[-1]}", example="5.12"
    )
    reason: Reason = setting(
        expected="why the control is off", example="no internet gateways: egress goes through the network account"
    )


class AlarmsConfig(ConfigModel):
    """`trailguard:alarms`: the CIS monitoring alarms on the trail's log group."""

    enabled: bool = setting(True, expected="true or false", example=True)
    metric_namespace: MetricNamespace = setting(
        DEFAULT_METRIC_NAMESPACE, expected="a CloudWatch namespace not starting with AWS/", example="CISBenchmark"
    )
    disabled_controls: list[DisabledControl] = setting(
        default_factory=list,
        expected="a list of {controlId, reason}",
        example=[{"controlId": "5.12", "reason": "no internet gateways: egress goes through the network account"}],
    )
    threshold: Threshold = setting(
        DEFAULTS["threshold"], expected="matching events per period that set an alarm off, at least 1", example=1
    )
    period: Period = setting(DEFAULTS["period"], expected="a multiple of 60 seconds from 60 to 86400", example=300)
    emails: list[Email] = setting(
        default_factory=list, expected="a list of email addresses", example=["security@example.com"]
    )
    https_endpoints: list[HttpsEndpoint] = setting(
        default_factory=list, expected="a list of HTTPS URLs", example=["https://hooks.example.com/aws-alarms"]
    )
    event_rules: bool = setting(DEFAULTS["enable_event_rules"], expected="true or false", example=False)
    subscriptions_managed_elsewhere: ElsewhereReason | None = setting(
        None,
        expected="why the alarm topic needs no emails or httpsEndpoints here (who subscribes to it, and how)",
        example="the security account's stack subscribes its paging service to the alarmTopicArn output",
    )

    @property
    def has_subscriber(self) -> bool:
        """Whether someone hears the alarms: an endpoint here, or a stated reason that one is subscribed elsewhere."""
        return bool(self.emails or self.https_endpoints or self.subscriptions_managed_elsewhere)

    @model_validator(mode="after")
    def _lists_are_sets(self) -> "AlarmsConfig":
        # Reported at the key that breaks the rule, not at `alarms` as a whole.
        for key, values, what in (
            ("emails", self.emails, "address"),
            ("httpsEndpoints", self.https_endpoints, "URL"),
            ("disabledControls", [d.control_id for d in self.disabled_controls], "control"),
        ):
            try:
                _check_unique(values, what)
            except InvalidValue as error:
                raise trailguard_error(str(error), path=key) from None
        if len(self.disabled_controls) == len(cis.CONTROLS):
            raise trailguard_error(
                "every CIS monitoring control is disabled; expected at least one left on "
                "(to monitor nothing, set alarms.enabled: false)",
                path="disabledControls",
            )
        return self


def alarms_args(
    config: AlarmsConfig,
    *,
    log_group_name: pulumi.Input[str],
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
) -> TrailAlarmsArgs:
    """The `TrailAlarms` arguments a validated `trailguard:alarms` config describes."""
    args: TrailAlarmsArgs = {
        "log_group_name": log_group_name,
        "metric_namespace": config.metric_namespace,
        "disabled_controls": [{"control_id": d.control_id, "reason": d.reason} for d in config.disabled_controls],
        "threshold": config.threshold,
        "period": config.period,
        "emails": list(config.emails),
        "https_endpoints": list(config.https_endpoints),
        "enable_event_rules": config.event_rules,
    }
    if tags is not None:
        args["tags"] = tags
    return args
