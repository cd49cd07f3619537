"""TrailAlarms: the filters, alarms, key, topic, subscriptions and rules it registers, and its config."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pydantic import ValidationError

from trailguard import cis
from trailguard.alarms import (
    AlarmsConfig,
    TrailAlarms,
    TrailAlarmsArgs,
    alarm_key_policy,
    alarm_topic_policy,
    alarms_args,
)
from trailguard.settings import describe_errors
from trailguard_gate.mocks import MockAccount, PlausibleMocks, Rendering, render

COMPONENT = "trailguard:index:TrailAlarms"
FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
KEY = "aws:kms/key:Key"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"

LOG_GROUP = "/cloudtrail/organization-trail"
ACCOUNT = "111111111111"
ALARMS_IN_ACCOUNT = "arn:aws:cloudwatch:us-east-1:111111111111:alarm:*"
Statements = Callable[..., dict[str, dict[str, Any]]]


def render_alarms(args: dict[str, Any], *, account: MockAccount | None = None) -> Rendering:
    """Render TrailAlarms and export its outputs, so tests see both what it registers and what it returns."""
    account = account or MockAccount()

    def program() -> None:
        alarms = TrailAlarms("alarms", {"log_group_name": LOG_GROUP, **args})  # type: ignore[typeddict-item]
        for output in ("topic_arn", "key_arn", "alarm_arns", "event_rule_arns", "enabled_control_ids"):
            pulumi.export(output, getattr(alarms, output))

    return render(program, config={"aws:region": account.region}, mocks=PlausibleMocks(account))


def by_control(resources: list[Any], kind: str) -> dict[str, Any]:
    """Resources named `alarms-cis-<id>-<kind>`, by control id."""
    found = {r.name.removeprefix("alarms-cis-").removesuffix(f"-{kind}"): r for r in resources}
    assert all(r.name == f"alarms-cis-{cid}-{kind}" for cid, r in found.items())
    # Registration order is not deterministic; the benchmark's order is.
    return {cid: found[cid] for cid in sorted(found, key=cis.CONTROL_IDS.index)}


@pytest.fixture(scope="module")
def default() -> Rendering:
    return render_alarms({})


@pytest.fixture(scope="module")
def everything() -> Rendering:
    return render_alarms(
        {
            "emails": ["security@example.com", "SOC@example.org"],
            "https_endpoints": ["https://hooks.example.com/aws-alarms"],
            "enable_event_rules": True,
            "tags": {"Owner": "security"},
        }
    )


# --- filters and alarms -----------------------------------------------------------------------------------


def test_one_metric_filter_per_control_on_the_trail_log_group(default: Rendering) -> None:
    filters = by_control(default.by_type(FILTER), "filter")
    assert list(filters) == [c.id for c in cis.CONTROLS]
    for control in cis.CONTROLS:
        assert filters[control.id].properties == {
            "name": f"alarms-cis-{control.id}-{control.slug}",
            "logGroupName": LOG_GROUP,
            "pattern": control.filter_pattern,
            "metricTransformation": {"name": control.metric_name, "namespace": "CISBenchmark", "value": "1"},
        }


def test_each_alarm_counts_its_filters_metric_and_notifies_the_topic(default: Rendering) -> None:
    filters = by_control(default.by_type(FILTER), "filter")
    alarms = by_control(default.by_type(ALARM), "alarm")
    topic_arn = default.outputs["topic_arn"]
    assert list(alarms) == [c.id for c in cis.CONTROLS]
    for control in cis.CONTROLS:
        alarm = alarms[control.id]
        transformation = filters[control.id].properties["metricTransformation"]
        assert {k: v for k, v in alarm.properties.items() if k != "alarmDescription"} == {
            "name": f"alarms-cis-{control.id}-{control.slug}",
            "namespace": transformation["namespace"],
            "metricName": transformation["name"],
            "statistic": "Sum",
            "period": 300,
            "evaluationPeriods": 1,
            "threshold": 1,
            "comparisonOperator": "GreaterThanOrEqualToThreshold",
            "treatMissingData": "notBreaching",
            "alarmActions": [topic_arn],
        }
        assert filters[control.id].urn in alarm.dependencies


def test_alarm_descriptions_name_the_control_in_every_numbering(default: Rendering) -> None:
    alarms = by_control(default.by_type(ALARM), "alarm")
    assert alarms["5.1"].properties["alarmDescription"] == (
        "CIS 5.1: Ensure unauthorized API calls are monitored. CIS AWS Foundations Benchmark v7.0.0 control 5.1 "
        "(4.1 in v1.4.0-v5.0.0, 3.1 in v1.2.0); counts the CloudTrail events its filter matches as "
        "UnauthorizedAPICalls."
    )
    for control in cis.CONTROLS:
        description = alarms[control.id].properties["alarmDescription"]
        assert description.startswith(f"CIS {control.id}: {control.title}.")


def test_every_child_belongs_to_the_component(everything: Rendering) -> None:
    component = everything.one(COMPONENT)
    children = [r for r in everything.resources if r.type != COMPONENT]
    assert children
    assert {r.parent for r in children} == {component.urn}


def test_outputs(default: Rendering) -> None:
    outputs = default.outputs
    assert outputs["topic_arn"].startswith("arn:aws:sns:us-east-1:111111111111:alarms-topic-")
    assert outputs["key_arn"].startswith("arn:aws:kms:us-east-1:111111111111:key/")
    assert outputs["enabled_control_ids"] == [c.id for c in cis.CONTROLS]
    assert (
        outputs["alarm_arns"]["5.3"]
        == "arn:aws:cloudwatch:us-east-1:111111111111:alarm:alarms-cis-5.3-root-account-usage"
    )
    assert sorted(outputs["alarm_arns"]) == sorted(c.id for c in cis.CONTROLS)
    assert outputs["event_rule_arns"] == {}


def test_thresholds_periods_and_namespace_are_configurable() -> None:
    rendering = render_alarms({"threshold": 5, "period": 60, "metric_namespace": "Acme/CIS"})
    for alarm in rendering.by_type(ALARM):
        assert (alarm.properties["threshold"], alarm.properties["period"]) == (5, 60)
        assert alarm.properties["namespace"] == "Acme/CIS"
    for metric_filter in rendering.by_type(FILTER):
        assert metric_filter.properties["metricTransformation"]["namespace"] == "Acme/CIS"


def test_disabled_controls_get_no_filter_and_no_alarm() -> None:
    rendering = render_alarms(
        {
            "disabled_controls": [
                {"control_id": "5.12", "reason": "no internet gateways: egress goes through the network account"},
                {"control_id": "5.2", "reason": "console sign-in is through IAM Identity Center, which enforces MFA"},
            ],
            "enable_event_rules": True,
        }
    )
    expected = [c.id for c in cis.CONTROLS if c.id not in {"5.2", "5.12"}]
    assert list(by_control(rendering.by_type(FILTER), "filter")) == expected
    assert list(by_control(rendering.by_type(ALARM), "alarm")) == expected
    assert list(by_control(rendering.by_type(RULE), "rule")) == expected
    assert rendering.outputs["enabled_control_ids"] == expected


# --- key and topic ----------------------------------------------------------------------------------------


def test_the_topic_key_rotates_waits_30_days_and_is_protected(default: Rendering) -> None:
    key = default.one(KEY)
    assert key.name == "alarms-key"
    assert key.properties["enableKeyRotation"] is True
    assert key.properties["deletionWindowInDays"] == 30
    assert key.options.protect is True


def test_the_key_lets_cloudwatch_alarms_of_this_account_encrypt_notifications(
    default: Rendering, statements: Statements
) -> None:
    policy = statements(default.one(KEY))
    assert list(policy) == ["EnableRootAccountPermissions", "AllowCloudWatchAlarmsUseOfKey"]
    assert policy["EnableRootAccountPermissions"]["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert policy["AllowCloudWatchAlarmsUseOfKey"] == {
        "Sid": "AllowCloudWatchAlarmsUseOfKey",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": ALARMS_IN_ACCOUNT},
        },
    }


def test_the_topic_is_encrypted_with_the_key(default: Rendering) -> None:
    topic = default.one(TOPIC)
    assert topic.properties["kmsMasterKeyId"] == default.outputs["key_arn"]
    assert default.one(KEY).urn in topic.dependencies


def test_only_this_accounts_alarms_may_publish_and_only_over_tls(default: Rendering, statements: Statements) -> None:
    topic_arn = default.outputs["topic_arn"]
    topic_policy = default.one(TOPIC_POLICY)
    assert topic_policy.properties["arn"] == topic_arn
    assert statements(topic_policy) == {
        "AllowCloudWatchAlarmsPublish": {
            "Sid": "AllowCloudWatchAlarmsPublish",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "SNS:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": ALARMS_IN_ACCOUNT},
            },
        },
        "DenyInsecureTransport": {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "SNS:Publish",
            "Resource": topic_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    }


def test_arns_follow_the_partition(statements: Statements) -> None:
    gov = MockAccount(account_id="444444444444", region="us-gov-west-1", partition="aws-us-gov")
    rendering = render_alarms({}, account=gov)
    alarms_in_account = "arn:aws-us-gov:cloudwatch:us-gov-west-1:444444444444:alarm:*"
    key = statements(rendering.one(KEY))
    assert key["EnableRootAccountPermissions"]["Principal"] == {"AWS": "arn:aws-us-gov:iam::444444444444:root"}
    assert key["AllowCloudWatchAlarmsUseOfKey"]["Condition"]["ArnLike"] == {"aws:SourceArn": alarms_in_account}
    topic = statements(rendering.one(TOPIC_POLICY))
    assert topic["AllowCloudWatchAlarmsPublish"]["Condition"]["ArnLike"] == {"aws:SourceArn": alarms_in_account}


# --- subscriptions and rules ------------------------------------------------------------------------------


def test_no_subscriptions_and_no_event_rules_by_default(default: Rendering) -> None:
    assert default.by_type(SUBSCRIPTION) == []
    assert default.by_type(RULE) == []
    assert default.by_type(TARGET) == []


def test_emails_and_https_endpoints_subscribe_to_the_topic(everything: Rendering) -> None:
    topic_arn = everything.outputs["topic_arn"]
    subscriptions = sorted(
        (s.properties["protocol"], s.properties["endpoint"]) for s in everything.by_type(SUBSCRIPTION)
    )
    assert subscriptions == [
        ("email", "SOC@example.org"),
        ("email", "security@example.com"),
        ("https", "https://hooks.example.com/aws-alarms"),
    ]
    assert {s.properties["topic"] for s in everything.by_type(SUBSCRIPTION)} == {topic_arn}


def test_reordering_subscribers_replaces_none() -> None:
    names = [
        sorted(s.name for s in render_alarms({"emails": emails}).by_type(SUBSCRIPTION))
        for emails in (["a@example.com", "b@example.com"], ["b@example.com", "a@example.com"])
    ]
    assert names[0] == names[1]


def test_event_rules_send_each_controls_events_to_the_topic(everything: Rendering) -> None:
    rules = by_control(everything.by_type(RULE), "rule")
    targets = by_control(everything.by_type(TARGET), "target")
    assert list(rules) == list(targets) == [c.id for c in cis.CONTROLS]
    for control in cis.CONTROLS:
        rule = rules[control.id].properties
        assert rule["name"] == f"alarms-cis-{control.id}"
        assert rule["description"].startswith(f"CIS {control.id}: {control.title}.")
        assert json.loads(rule["eventPattern"]) == control.event_pattern
        assert targets[control.id].properties == {"rule": rule["name"], "arn": everything.outputs["topic_arn"]}
    assert everything.outputs["event_rule_arns"]["5.7"] == "arn:aws:events:us-east-1:111111111111:rule/alarms-cis-5.7"


def test_event_rules_may_use_the_key_and_publish_only_as_themselves(
    everything: Rendering, statements: Statements
) -> None:
    key = statements(everything.one(KEY))
    assert key["AllowEventBridgeUseOfKey"] == {
        "Sid": "AllowEventBridgeUseOfKey",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
    }
    topic = statements(everything.one(TOPIC_POLICY))
    assert list(topic) == ["AllowCloudWatchAlarmsPublish", "AllowEventBridgeRulesPublish", "DenyInsecureTransport"]
    assert topic["AllowEventBridgeRulesPublish"] == {
        "Sid": "AllowEventBridgeRulesPublish",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "SNS:Publish",
        "Resource": everything.outputs["topic_arn"],
    }


def test_tags_reach_every_taggable_child(everything: Rendering, taggable: Callable[[str], bool]) -> None:
    tagged = [r for r in everything.resources if r.type != COMPONENT and taggable(r.type)]
    assert {r.type for r in tagged} == {KEY, TOPIC, ALARM, RULE}
    for resource in tagged:
        assert resource.properties["tags"] == {"Owner": "security"}, resource.name


# --- bad arguments ----------------------------------------------------------------------------------------

WHERE = "TrailAlarms 'alarms'"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"emails": ["ops@"]},
            f"{WHERE}: emails[0]: 'ops@' is not an email address; expected name@domain, e.g. security@example.com",
        ),
        (
            {"emails": ["a@example.com", "A@example.com"]},
            f"{WHERE}: emails: 'A@example.com' is listed twice; expected each address once",
        ),
        (
            {"https_endpoints": ["http://hooks.example.com/aws-alarms"]},
            f"{WHERE}: https_endpoints[0]: 'http://hooks.example.com/aws-alarms' is not an HTTPS URL; expected https:// "
            "and a host name (alarms leave AWS only over TLS, and without credentials in the URL), "
            "e.g. https://hooks.example.com/aws-alarms",
        ),
        (
            {"disabled_controls": [{"control_id": "4.3", "reason": "root is locked away"}]},
            f"{WHERE}: disabled_controls[0].control_id: '4.3' is an earlier benchmark's id; expected the "
            "CIS AWS Foundations Benchmark v7.0.0 id of the same control, e.g. 5.3",
        ),
        (
            {"disabled_controls": [{"control_id": "5.16", "reason": "no such control"}]},
            f"{WHERE}: disabled_controls[0].control_id: '5.16' is not a CIS monitoring control; expected one of "
            "5.1, 5.2, 5.3, 5.4, 5.5, 5.6, 5.7, 5.8, 5.9, 5.10, 5.11, 5.12, 5.13, 5.14, 5.15, e.g. 5.12",
        ),
        (
            {"disabled_controls": [{"control_id": "5.12", "reason": "  "}]},
            f"{WHERE}: disabled_controls[0].reason: the reason is empty; expected why the control is off, so "
            "reviewers can judge it, e.g. 'no VPCs in this organization; networking changes are blocked by an SCP'",
        ),
        (
            {"disabled_controls": [{"control_id": "5.12"}]},
            f"{WHERE}: disabled_controls[0]: expected a plain string control_id and reason, e.g. "
            "{'control_id': '5.12', 'reason': 'no internet gateways: egress goes through the network account'}",
        ),
        (
            {"disabled_controls": [{"control_id": c.id, "reason": "SIEM"} for c in cis.CONTROLS]},
            f"{WHERE}: disabled_controls: every CIS monitoring control is disabled; expected at least one left on "
            "(to monitor nothing, do not create TrailAlarms)",
        ),
        (
            {"period": 90},
            f"{WHERE}: period: 90 is not a valid alarm period; expected a multiple of 60 seconds from 60 to 86400, "
            "e.g. 300",
        ),
        (
            {"threshold": 0},
            f"{WHERE}: threshold: 0 is not a valid alarm threshold; expected a whole number of matching events in "
            "one period, at least 1, e.g. 1",
        ),
        (
            {"metric_namespace": "AWS/CloudTrail"},
            f"{WHERE}: metric_namespace: 'AWS/CloudTrail' is not a valid CloudWatch namespace; expected 1-255 "
            "letters, digits, spaces or . - _ / # :, not starting with 'AWS/', e.g. CISBenchmark",
        ),
        (
            {"tags": {"aws:owner": "security"}},
            f"{WHERE}: tags: 'aws:owner' is not a valid tag key; expected 1-128 letters, digits, spaces or "
            "_ . : / = + - @, not starting with 'aws:', e.g. CostCenter",
        ),
        (
            {"enable_event_rules": "yes"},
            f"{WHERE}: enable_event_rules: 'yes' is not true or false; expected a plain bool (it decides which "
            "resources exist, so it cannot wait for an Output), e.g. false",
        ),
    ],
)
def test_bad_arguments_fail_before_anything_is_created(args: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        render_alarms(args)
    assert str(raised.value) == message


def test_which_alarms_exist_cannot_wait_for_an_output() -> None:
    def program() -> None:
        disabled = pulumi.Output.from_input([{"control_id": "5.2", "reason": "SSO enforces MFA"}])
        TrailAlarms("alarms", {"log_group_name": LOG_GROUP, "disabled_controls": disabled})  # type: ignore[typeddict-item]

    with pytest.raises(ValueError) as raised:
        render(program, config={"aws:region": "us-east-1"})
    assert str(raised.value) == (
        f"{WHERE}: disabled_controls: expected a plain list (it decides which resources exist, so it cannot wait "
        "for an Output), e.g. []"
    )


def test_tags_may_wait_for_outputs() -> None:
    def program() -> None:
        owner = pulumi.Output.from_input("security")
        TrailAlarms("alarms", {"log_group_name": LOG_GROUP, "tags": {"Owner": owner}})

    rendering = render(program, config={"aws:region": "us-east-1"})
    assert rendering.one(TOPIC).properties["tags"] == {"Owner": "security"}


def test_the_component_name_must_fit_aws_names() -> None:
    with pytest.raises(ValueError) as raised:
        render(lambda: TrailAlarms("cis alarms", {"log_group_name": LOG_GROUP}), config={"aws:region": "us-east-1"})
    assert str(raised.value) == (
        "TrailAlarms 'cis alarms': the component name 'cis alarms' is not usable in AWS resource names; "
        "expected 1-40 letters, digits, . _ or -, e.g. alarms"
    )


# --- config -----------------------------------------------------------------------------------------------


def config_errors(raw: dict[str, Any]) -> list[str]:
    """The messages a stack with `trailguard:alarms: <raw>` gets."""
    with pytest.raises(ValidationError) as raised:
        AlarmsConfig.model_validate(raw)
    return describe_errors(raised.value, AlarmsConfig, by_alias=True, prefix=lambda path: f"trailguard:alarms.{path}")


def test_config_defaults_are_the_secure_ones() -> None:
    config = AlarmsConfig.model_validate({})
    assert config.enabled is True
    assert config.metric_namespace == "CISBenchmark"
    assert (config.threshold, config.period) == (1, 300)
    assert config.disabled_controls == [] and config.emails == [] and config.https_endpoints == []
    assert config.event_rules is False


def test_config_becomes_component_arguments() -> None:
    config = AlarmsConfig.model_validate(
        {
            "metricNamespace": "Acme/CIS",
            "disabledControls": [{"controlId": "5.14", "reason": "VPCs are owned by the network account's pipeline"}],
            "threshold": 2,
            "period": 600,
            "emails": ["security@example.com"],
            "httpsEndpoints": ["https://hooks.example.com/aws-alarms"],
            "eventRules": True,
        }
    )
    args: TrailAlarmsArgs = alarms_args(config, log_group_name=LOG_GROUP, tags={"Owner": "security"})
    assert args == {
        "log_group_name": LOG_GROUP,
        "metric_namespace": "Acme/CIS",
        "disabled_controls": [
            {"control_id": "5.14", "reason": "VPCs are owned by the network account's pipeline"},
        ],
        "threshold": 2,
        "period": 600,
        "emails": ["security@example.com"],
        "https_endpoints": ["https://hooks.example.com/aws-alarms"],
        "enable_event_rules": True,
        "tags": {"Owner": "security"},
    }
    rendering = render(lambda: TrailAlarms("alarms", args), config={"aws:region": "us-east-1"})
    assert len(rendering.by_type(ALARM)) == 14
    assert len(rendering.by_type(RULE)) == 14


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"emails": ["ops@"]},
            "trailguard:alarms.emails[0]: 'ops@' is not an email address; expected name@domain, e.g. security@example.com",
        ),
        (
            {"emails": ["security@example.com", "security@example.com"]},
            "trailguard:alarms.emails: 'security@example.com' is listed twice; expected each address once",
        ),
        (
            {"httpsEndpoints": ["https://user:secret@hooks.example.com/"]},
            "trailguard:alarms.httpsEndpoints[0]: 'https://user:secret@hooks.example.com/' is not an HTTPS URL; "
            "expected https:// and a host name (alarms leave AWS only over TLS, and without credentials in the URL), "
            "e.g. https://hooks.example.com/aws-alarms",
        ),
        (
            {"disabledControls": [{"controlId": 5.1, "reason": "quoted ids only"}]},
            "trailguard:alarms.disabledControls[0].controlId: 5.1 is a number; expected the control id as quoted "
            "text, so 5.10 does not become 5.1, e.g. '5.10'",
        ),
        (
            {"disabledControls": [{"controlId": "3.9", "reason": "Config is managed by Control Tower"}]},
            "trailguard:alarms.disabledControls[0].controlId: '3.9' is an earlier benchmark's id; expected the "
            "CIS AWS Foundations Benchmark v7.0.0 id of the same control, e.g. 5.9",
        ),
        (
            {"disabledControls": [{"controlId": "5.9", "reason": ""}]},
            "trailguard:alarms.disabledControls[0].reason: the reason is empty; expected why the control is off, "
            "so reviewers can judge it, e.g. 'no VPCs in this organization; networking changes are blocked by an SCP'",
        ),
        (
            {
                "disabledControls": [
                    {"controlId": "5.9", "reason": "Config is managed by Control Tower"},
                    {"controlId": "5.9", "reason": "twice"},
                ]
            },
            "trailguard:alarms.disabledControls: '5.9' is listed twice; expected each control once",
        ),
        (
            {"disabledControls": [{"controlId": c.id, "reason": "a SIEM reads the trail"} for c in cis.CONTROLS]},
            "trailguard:alarms.disabledControls: every CIS monitoring control is disabled; expected at least one "
            "left on (to monitor nothing, set alarms.enabled: false)",
        ),
        (
            {"period": 45},
            "trailguard:alarms.period: 45 is not a valid alarm period; expected a multiple of 60 seconds from 60 "
            "to 86400, e.g. 300",
        ),
        (
            {"threshold": 0},
            "trailguard:alarms.threshold: 0 is not a valid alarm threshold; expected a whole number of matching "
            "events in one period, at least 1, e.g. 1",
        ),
        (
            {"metricNamespace": " CIS"},
            "trailguard:alarms.metricNamespace: ' CIS' is not a valid CloudWatch namespace; expected 1-255 letters, "
            "digits, spaces or . - _ / # :, not starting with 'AWS/', e.g. CISBenchmark",
        ),
    ],
)
def test_bad_config_is_reported_at_its_key(raw: dict[str, Any], message: str) -> None:
    assert config_errors(raw) == [message]


def test_a_disabled_control_needs_a_reason() -> None:
    assert config_errors({"disabledControls": [{"controlId": "5.9"}]}) == [
        "trailguard:alarms.disabledControls[0].reason: is required; expected why the control is off, "
        "e.g. no internet gateways: egress goes through the network account"
    ]


# --- the policy documents as pure functions ---------------------------------------------------------------


def test_key_policy_without_and_with_event_rules() -> None:
    without = alarm_key_policy(partition="aws", account_id=ACCOUNT, region="us-east-1", event_rules=False)
    with_rules = alarm_key_policy(partition="aws", account_id=ACCOUNT, region="us-east-1", event_rules=True)
    assert [s["Sid"] for s in without["Statement"]] == ["EnableRootAccountPermissions", "AllowCloudWatchAlarmsUseOfKey"]
    assert [s["Sid"] for s in with_rules["Statement"]] == [
        "EnableRootAccountPermissions",
        "AllowCloudWatchAlarmsUseOfKey",
        "AllowEventBridgeUseOfKey",
    ]
    assert with_rules["Version"] == "2012-10-17"


def test_topic_policy_lets_eventbridge_publish_without_a_condition() -> None:
    # "You can't use Condition blocks in Amazon SNS topic policies for EventBridge." (EventBridge user guide,
    # eb-use-resource-based, "Amazon SNS permissions")
    policy = alarm_topic_policy(
        partition="aws",
        account_id=ACCOUNT,
        region="eu-west-1",
        topic_arn="arn:aws:sns:eu-west-1:111111111111:t",
        event_rules=True,
    )
    publish = {s["Sid"]: s for s in policy["Statement"]}["AllowEventBridgeRulesPublish"]
    assert publish == {
        "Sid": "AllowEventBridgeRulesPublish",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "SNS:Publish",
        "Resource": "arn:aws:sns:eu-west-1:111111111111:t",
    }
    without = alarm_topic_policy(
        partition="aws", account_id=ACCOUNT, region="eu-west-1", topic_arn="arn:aws:sns:eu-west-1:111111111111:t"
    )
    assert "AllowEventBridgeRulesPublish" not in {s["Sid"] for s in without["Statement"]}
    cloudwatch = {s["Sid"]: s for s in policy["Statement"]}["AllowCloudWatchAlarmsPublish"]
    assert cloudwatch["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*"}
