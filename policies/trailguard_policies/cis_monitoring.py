"""cloudtrail-trail-cis-monitoring: the log group a trail streams to watches every CIS monitoring control.

CIS AWS Foundations Benchmark v7.0.0 section 5 (5.1-5.15; 4.1-4.15 in v1.4.0-v5.0.0) asks for one metric filter
and one alarm per kind of change on the trail's log group. A control counts as covered when a metric filter on
that group mentions every event name (or field and value) listed for it below, and an alarm with alarm actions
watches the filter's metric. The pack cannot import trailguard, so it keeps its own list; a test holds every
pattern of `trailguard.cis` to it so the two cannot drift. Alarms built with metric math (`metricQueries`) are
not followed. AWS's guide to the same alarms:
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import IntEnum
from functools import partial
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import LOG_GROUP, METRIC_ALARM, METRIC_FILTER, TRAIL, Res, arg
from trailguard_policies.stack import Stack
from trailguard_policies.values import Malformed, NotKnown, describe, is_unknown

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html"
BENCHMARK = "CIS AWS Foundations Benchmark v7.0.0"


@dataclass(frozen=True)
class Control:
    """One monitoring control and the words a filter pattern must contain to count as covering it."""

    id: str
    title: str
    needles: frozenset[str]


def _control(control_id: str, title: str, *needles: str) -> Control:
    return Control(control_id, title, frozenset(needles))


CONTROLS: tuple[Control, ...] = (
    _control(
        "5.1", "Ensure unauthorized API calls are monitored", "errorCode", "UnauthorizedOperation", "AccessDenied"
    ),
    _control("5.2", "Ensure management console sign-in without MFA is monitored", "ConsoleLogin", "MFAUsed"),
    _control("5.3", "Ensure usage of the 'root' account is monitored", "userIdentity", "Root"),
    _control(
        "5.4",
        "Ensure IAM policy changes are monitored",
        *("DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy"),
        *("PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion"),
        *("AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy"),
        "DetachGroupPolicy",
    ),
    _control(
        "5.5",
        "Ensure CloudTrail configuration changes are monitored",
        *("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
    ),
    _control(
        "5.6",
        "Ensure AWS Management Console authentication failures are monitored",
        *("ConsoleLogin", "errorMessage", "Failed", "authentication"),
    ),
    _control(
        "5.7",
        "Ensure disabling or scheduled deletion of customer created CMKs is monitored",
        *("DisableKey", "ScheduleKeyDeletion"),
    ),
    _control(
        "5.8",
        "Ensure S3 bucket policy changes are monitored",
        *("PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication"),
        *("DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication"),
    ),
    _control(
        "5.9",
        "Ensure AWS Config configuration changes are monitored",
        *("StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"),
    ),
    _control(
        "5.10",
        "Ensure security group changes are monitored",
        *("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress"),
        *("RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup", "ModifySecurityGroupRules"),
    ),
    _control(
        "5.11",
        "Ensure Network Access Control List (NACL) changes are monitored",
        *("CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry"),
        *("ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"),
    ),
    _control(
        "5.12",
        "Ensure changes to network gateways are monitored",
        *("CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway"),
        *("DeleteInternetGateway", "DetachInternetGateway"),
    ),
    _control(
        "5.13",
        "Ensure route table changes are monitored",
        *("CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable"),
        *("DeleteRoute", "DisassociateRouteTable"),
    ),
    _control(
        "5.14",
        "Ensure VPC changes are monitored",
        *("CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection"),
        *("DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc"),
        *("DisableVpcClassicLink", "EnableVpcClassicLink"),
    ),
    _control(
        "5.15",
        "Ensure AWS Organizations changes are monitored",
        *("AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy"),
        *("DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy"),
        *("DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization"),
        *("MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit"),
    ),
)
CONTROL_IDS = tuple(c.id for c in CONTROLS)

HANDLED_EXAMPLE = '{"controlId": "5.12", "reason": "network gateway changes are alarmed in the network account"}'

SPEC = Spec(
    name="cloudtrail-trail-cis-monitoring",
    description="The log group a trail streams to should carry a metric filter and alarm for every CIS monitoring control.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=URL,
    remediation_steps=(
        "Add trailguard's TrailAlarms on the trail's log group, or a LogMetricFilter and a MetricAlarm with "
        "alarmActions per missing control; list controls alarmed elsewhere in handledControls with a reason."
    ),
    mappings=Mappings(cis=tuple(("7.0.0", c.id) for c in CONTROLS)),
    settings={
        "handledControls": {
            "type": "array",
            "description": (
                f"Controls monitored outside this stack's log groups, each with where and why, e.g. {HANDLED_EXAMPLE}."
            ),
            "items": {
                "type": "object",
                "properties": {
                    "controlId": {"type": "string", "enum": list(CONTROL_IDS), "description": "A v7.0.0 id."},
                    "reason": {"type": "string", "minLength": 1, "description": "Where the control is handled."},
                },
                "required": ["controlId", "reason"],
                "additionalProperties": False,
            },
            "default": [],
        }
    },
)

_WORDS = re.compile(r"[A-Za-z0-9_]+")


def covered_by(pattern: str) -> list[Control]:
    """The controls a CloudWatch Logs filter pattern covers: those whose every needle is a word of it."""
    words = set(_WORDS.findall(pattern))
    return [c for c in CONTROLS if c.needles <= words]


class Tri(IntEnum):
    """Whether something holds: known no, not known until update, known yes (ordered, so max/min combine)."""

    NO = 0
    MAYBE = 1
    YES = 2


Metric = tuple[str, str]
"""(namespace, metric name)."""


@dataclass(frozen=True)
class Filter:
    res: Res
    pattern: str | None  # None: not known until update
    metric: Metric | None  # None: not known until update


@dataclass(frozen=True)
class Alarm:
    res: Res
    metric: Metric | None
    notifies: Tri


def label(res: Res) -> str:
    kind = {METRIC_FILTER: "metric filter", METRIC_ALARM: "metric alarm"}.get(res.type)
    return f"{kind} '{res.name}'" if kind else res.label


def where(res: Res, key: str) -> str:
    return f"{arg(key)} of {label(res)}"


def _string(value: Any, at: str, unknown: list[str]) -> str | None:
    """A string input: None when not known (noted in `unknown`); `Malformed` when not a string."""
    if is_unknown(value):
        unknown.append(at)
        return None
    if not isinstance(value, str) or not value:
        raise Malformed(f"{at} is {describe(value)}; expected a non-empty string")
    return value


def read_filter(res: Res, unknown: list[str]) -> Filter:
    pattern = _string(res.raw("pattern"), where(res, "pattern"), unknown)
    transformation = res.raw("metricTransformation")
    at = where(res, "metricTransformation")
    if is_unknown(transformation):
        unknown.append(at)
        return Filter(res, pattern, None)
    if not isinstance(transformation, dict):
        raise Malformed(f"{at} is {describe(transformation)}; expected an object with `name` and `namespace`")
    name = _string(transformation.get("name"), f"{at}.name", unknown)
    namespace = _string(transformation.get("namespace"), f"{at}.namespace", unknown)
    return Filter(res, pattern, (namespace, name) if name and namespace else None)


def alarm_metric(res: Res, unknown: list[str]) -> Metric | bool | None:
    """The metric an alarm watches; None when not known yet; False when it watches no plain metric (metric math,
    or values of the wrong type, which the provider refuses anyway)."""
    name, namespace = res.raw("metricName"), res.raw("namespace")
    if name is None or namespace is None:
        return False
    try:
        metric_name = _string(name, where(res, "metricName"), unknown)
        metric_namespace = _string(namespace, where(res, "namespace"), unknown)
    except Malformed:
        return False
    return (metric_namespace, metric_name) if metric_name and metric_namespace else None


def _notifies(alarm: Res, unknown: list[str]) -> Tri:
    enabled = alarm.raw("actionsEnabled")  # absent: the provider's default, true
    if is_unknown(enabled):
        unknown.append(where(alarm, "actionsEnabled"))
        return Tri.MAYBE
    if enabled is False:
        return Tri.NO
    actions = alarm.raw("alarmActions")
    if is_unknown(actions):
        unknown.append(where(alarm, "alarmActions"))
        return Tri.MAYBE
    if actions is not None and not isinstance(actions, list):
        raise Malformed(f"{where(alarm, 'alarmActions')} is {describe(actions)}; expected a list of ARNs")
    return Tri.YES if actions else Tri.NO


def on_group(res: Res, group: Res) -> Tri:
    """Whether a metric filter reads `group`: by property dependency, else by name."""
    if group.urn in res.deps("logGroupName"):
        return Tri.YES
    value = res.raw("logGroupName")
    if is_unknown(value):
        return Tri.NO if res.deps("logGroupName") else Tri.MAYBE
    return Tri.YES if isinstance(value, str) and value == group.raw("name") else Tri.NO


def coverage(filters: list[Filter], alarms: list[Alarm]) -> dict[str, Tri]:
    """For each control id: is it covered by a filter whose metric a notifying alarm watches?"""

    def watched(metric: Metric | None) -> Tri:
        best = Tri.NO
        for alarm in alarms:
            same = Tri.MAYBE if metric is None or alarm.metric is None else Tri(2 * (metric == alarm.metric))
            best = max(best, min(same, alarm.notifies))
        return best

    states = dict.fromkeys(CONTROL_IDS, Tri.NO)
    for f in filters:
        alarmed = watched(f.metric)
        covers = set(CONTROL_IDS) if f.pattern is None else {c.id for c in covered_by(f.pattern)}
        reach = Tri.MAYBE if f.pattern is None else Tri.YES
        for control_id in covers:
            states[control_id] = max(states[control_id], min(reach, alarmed))
    return states


def unmonitored(trail: Res, group: Res, stack: Stack, handled: Mapping[str, str]) -> Iterator[Violation]:
    unknown: list[str] = []
    filters: list[Filter] = []
    for res in stack.of_type(METRIC_FILTER):
        reads = on_group(res, group)
        if reads is Tri.NO:
            continue
        try:
            found = read_filter(res, unknown)
        except Malformed as error:
            yield Violation(error.message, res.urn)
            continue
        filters.append(found if reads is Tri.YES else Filter(res, None, found.metric))
    metrics = {f.metric for f in filters}
    alarms: list[Alarm] = []
    for res in stack.of_type(METRIC_ALARM):
        # Only alarms that may watch a metric of this group's filters matter, and only their unknowns.
        alarm_unknown: list[str] = []
        metric = alarm_metric(res, alarm_unknown)
        if metric is False or (metric is not None and metric not in metrics and None not in metrics):
            continue
        try:
            notifies = _notifies(res, alarm_unknown)
        except Malformed as error:
            yield Violation(error.message, res.urn)
            continue
        alarms.append(Alarm(res, metric if isinstance(metric, tuple) else None, notifies))
        unknown += alarm_unknown
    states = coverage(filters, alarms)
    missing = [c for c in CONTROLS if states[c.id] is Tri.NO and c.id not in handled]
    if missing:
        listed = "; ".join(f"{c.id} ({c.title})" for c in missing)
        yield Violation(
            f"{trail.label} delivers to {group.label}, but no metric filter there with an alarm that notifies "
            f"anyone covers {BENCHMARK} control{'s' if len(missing) > 1 else ''} {listed}. For each, add a metric "
            f"filter whose {arg('pattern')} matches the control's events and a metric alarm on that metric with "
            f"{arg('alarmActions')}; trailguard's TrailAlarms adds both. A control monitored elsewhere goes in "
            f"this policy's `handledControls`, with a reason. See {URL}",
            trail.urn,
        )
    if any(states[c] is Tri.MAYBE and c not in handled for c in CONTROL_IDS):
        raise NotKnown("; ".join(dict.fromkeys(unknown)) or f"the metric filters of {group.label}")


def handled_controls(settings: Settings) -> dict[str, str]:
    """`handledControls` as control id -> reason; bad entries become configuration problems, never honoured."""
    raw = settings.config.get("handledControls") or []
    if not isinstance(raw, list):
        settings.problems.append(f"`handledControls` is {describe(raw)}; expected a list such as [{HANDLED_EXAMPLE}]")
        return {}
    handled: dict[str, str] = {}
    for index, entry in enumerate(raw):
        control_id = entry.get("controlId") if isinstance(entry, dict) else None
        reason = entry.get("reason") if isinstance(entry, dict) else None
        if not isinstance(control_id, str):
            settings.problems.append(
                f"`handledControls` entry {index} is {describe(entry)}; expected an object with the control id as "
                f"text, such as {HANDLED_EXAMPLE}"
            )
        elif control_id not in CONTROL_IDS:
            settings.problems.append(
                f"`handledControls` entry {index} names {control_id!r}, which is not a {BENCHMARK} monitoring "
                f"control; expected one of {', '.join(CONTROL_IDS)}, e.g. {HANDLED_EXAMPLE}"
            )
        elif not isinstance(reason, str) or not reason.strip():
            settings.problems.append(
                f"`handledControls` entry {index} ({control_id}) has no `reason`, so it is ignored: every handled "
                f"control must say where it is monitored, e.g. {HANDLED_EXAMPLE}"
            )
        else:
            handled[control_id] = reason
    return handled


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    handled = handled_controls(settings)
    for trail, group in stack.trail_log_groups():
        yield trail, partial(unmonitored, trail, group, stack, handled)


POLICY = stack_policy(SPEC, {TRAIL, LOG_GROUP, METRIC_FILTER, METRIC_ALARM}, checks)
