"""cloudtrail-trail-cis-monitoring through the Analyzer protocol (AnalyzeStack), and its control list held to
`trailguard.cis` so the pack and the components cannot drift apart."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pack_fixtures import GROUP_NAME, LOG_GROUP, TRAIL, changed, compliant_stack, last_line, messages, run, urn

from trailguard import cis
from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level, Resource
from trailguard_policies import cis_monitoring

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "security"))
from security_stacks import STACK_FILES, render_stack_file

POLICY = "cloudtrail-trail-cis-monitoring"
FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC_ARN = "arn:aws:sns:us-east-1:111111111111:cis-alarms"
URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html"
ADVICE = (
    "For each, add a metric filter whose `pattern` matches the control's events and a metric alarm on that metric "
    "with `alarmActions` (Python: `alarm_actions`); trailguard's TrailAlarms adds both. A control monitored "
    f"elsewhere goes in this policy's `handledControls`, with a reason. See {URL}"
)
HEAD = (
    "trail 'trail' delivers to log group 'log-group', but no metric filter there with an alarm that notifies anyone "
    "covers CIS AWS Foundations Benchmark v7.0.0"
)


def missing(*ids: str, trail: str = "trail", group: str = "log-group") -> str:
    listed = "; ".join(f"{i} ({cis.control(i).title})" for i in ids)
    head = HEAD.replace("'trail'", f"'{trail}'", 1).replace("'log-group'", f"'{group}'", 1)
    return f"{head} control{'s' if len(ids) > 1 else ''} {listed}. {ADVICE}"


def monitoring(control: cis.MonitoringControl, **filter_props: Any) -> list[Resource]:
    """The metric filter and alarm TrailAlarms registers for one control, as the engine sends them."""
    group = urn(LOG_GROUP, "log-group")
    metric_filter = Resource(
        urn=urn(FILTER, f"cis-{control.id}-filter"),
        type=FILTER,
        name=f"cis-{control.id}-filter",
        properties={
            "name": f"cis-{control.id}",
            "logGroupName": GROUP_NAME,
            "pattern": control.filter_pattern,
            "metricTransformation": {"name": control.metric_name, "namespace": "CISBenchmark", "value": "1"},
            **filter_props,
        },
        dependencies=(group,),
        property_dependencies={"logGroupName": (group,)},
    )
    alarm = Resource(
        urn=urn(ALARM, f"cis-{control.id}-alarm"),
        type=ALARM,
        name=f"cis-{control.id}-alarm",
        properties={
            "name": f"cis-{control.id}",
            "namespace": "CISBenchmark",
            "metricName": control.metric_name,
            "statistic": "Sum",
            "period": 300,
            "evaluationPeriods": 1,
            "threshold": 1,
            "comparisonOperator": "GreaterThanOrEqualToThreshold",
            "alarmActions": [TOPIC_ARN],
        },
        dependencies=(metric_filter.urn,),
    )
    return [metric_filter, alarm]


def monitored_stack() -> list[Resource]:
    """The compliant trail stack with a filter and alarm for every control on the trail's log group."""
    return [*compliant_stack(), *(r for c in cis.CONTROLS for r in monitoring(c))]


def set_props(resources: Sequence[Resource], name: str, **properties: Any) -> list[Resource]:
    return changed(resources, name, **properties)


# --- the pack's list of controls and trailguard.cis -----------------------------------------------------------


def test_the_pack_lists_the_same_controls_with_the_same_titles_as_trailguard() -> None:
    assert [(c.id, c.title) for c in cis_monitoring.CONTROLS] == [(c.id, c.title) for c in cis.CONTROLS]


@pytest.mark.parametrize("control", cis.CONTROLS, ids=[c.id for c in cis.CONTROLS])
def test_every_trailguard_pattern_covers_exactly_its_control(control: cis.MonitoringControl) -> None:
    assert [c.id for c in cis_monitoring.covered_by(control.filter_pattern)] == [control.id]


def test_a_pattern_missing_one_event_name_does_not_cover_the_control() -> None:
    pattern = cis.control("5.5").filter_pattern.replace(" || ($.eventName = StopLogging)", "")

    assert "StopLogging" not in pattern and cis_monitoring.covered_by(pattern) == []


def test_one_filter_may_cover_several_controls() -> None:
    pattern = f"{{ ({cis.control('5.5').filter_pattern[1:-1]}) || ({cis.control('5.7').filter_pattern[1:-1]}) }}"

    assert [c.id for c in cis_monitoring.covered_by(pattern)] == ["5.5", "5.7"]


# --- through the Analyzer protocol ----------------------------------------------------------------------------


def test_a_filter_and_alarm_for_every_control_pass(pack: PolicyPack) -> None:
    assert run(pack, monitored_stack(), POLICY) == []


def test_no_monitoring_lists_every_control_in_one_message(pack: PolicyPack) -> None:
    found = run(pack, compliant_stack(), POLICY)

    assert messages(found) == [(Level.ADVISORY, missing(*cis.CONTROL_IDS))]
    assert found[0].urn == urn(TRAIL, "trail")


def test_a_missing_filter_is_named_with_its_title(pack: PolicyPack) -> None:
    stack = [r for r in monitored_stack() if r.name != "cis-5.5-filter"]

    assert messages(run(pack, stack, POLICY)) == [(Level.ADVISORY, missing("5.5"))]


def test_a_filter_whose_pattern_misses_an_event_does_not_count(pack: PolicyPack) -> None:
    pattern = cis.control("5.5").filter_pattern.replace(" || ($.eventName = StopLogging)", "")

    found = run(pack, set_props(monitored_stack(), "cis-5.5-filter", pattern=pattern), POLICY)

    assert [last_line(d) for d in found] == [missing("5.5")]


def test_a_missing_alarm_is_missing_monitoring(pack: PolicyPack) -> None:
    stack = [r for r in monitored_stack() if r.name != "cis-5.3-alarm"]

    assert [last_line(d) for d in run(pack, stack, POLICY)] == [missing("5.3")]


@pytest.mark.parametrize(
    "props",
    [{"alarmActions": ...}, {"alarmActions": []}, {"actionsEnabled": False}],
    ids=["no actions", "empty actions", "actions disabled"],
)
def test_an_alarm_that_notifies_nobody_does_not_count(pack: PolicyPack, props: dict[str, Any]) -> None:
    found = run(pack, set_props(monitored_stack(), "cis-5.3-alarm", **props), POLICY)

    assert [last_line(d) for d in found] == [missing("5.3")]


def test_an_alarm_on_another_namespace_does_not_watch_the_filter(pack: PolicyPack) -> None:
    found = run(pack, set_props(monitored_stack(), "cis-5.8-alarm", namespace="Other"), POLICY)

    assert [last_line(d) for d in found] == [missing("5.8")]


def test_a_filter_on_another_log_group_does_not_count(pack: PolicyPack) -> None:
    stack = [
        replace(r, properties={**r.properties, "logGroupName": "/aws/lambda/app"}, property_dependencies={})
        if r.name == "cis-5.1-filter"
        else r
        for r in monitored_stack()
    ]

    assert [last_line(d) for d in run(pack, stack, POLICY)] == [missing("5.1")]


def test_a_filter_is_found_on_its_group_by_name_without_dependencies(pack: PolicyPack) -> None:
    stack = [replace(r, property_dependencies={}) if r.type == FILTER else r for r in monitored_stack()]

    assert run(pack, stack, POLICY) == []


def test_a_trail_without_a_log_group_is_not_judged_here(pack: PolicyPack) -> None:
    stack = changed(compliant_stack(), "trail", cloudWatchLogsGroupArn=..., cloudWatchLogsRoleArn=...)

    assert run(pack, stack, POLICY) == []


def test_an_unknown_pattern_is_noted_not_judged(pack: PolicyPack) -> None:
    # Until update the pattern could match any control's events, so no control it might cover is reported.
    stack = [r for r in monitored_stack() if r.name != "cis-5.1-filter"]

    found = run(pack, set_props(stack, "cis-5.5-filter", pattern=UNKNOWN), POLICY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert (
        "could not check until update, because `pattern` of metric filter 'cis-5.5-filter' is not known during "
        "preview; everything else was checked"
    ) in found[0].message


def test_an_unknown_alarm_metric_is_noted_and_every_other_control_judged(pack: PolicyPack) -> None:
    stack = [r for r in monitored_stack() if r.name != "cis-5.1-filter"]

    found = run(pack, set_props(stack, "cis-5.9-alarm", metricName=UNKNOWN), POLICY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY, Level.ADVISORY]
    assert last_line(found[0]) == missing("5.1")
    assert "because `metricName` (Python: `metric_name`) of metric alarm 'cis-5.9-alarm' is not known" in (
        found[1].message
    )


def test_unknown_values_that_cannot_matter_are_not_noted(pack: PolicyPack) -> None:
    # Every control is covered by known filters and alarms; an extra alarm of unknown metric changes nothing.
    extra = Resource(
        urn=urn(ALARM, "app-errors"),
        type=ALARM,
        name="app-errors",
        properties={"namespace": UNKNOWN, "metricName": UNKNOWN, "alarmActions": [TOPIC_ARN]},
    )

    assert run(pack, [*monitored_stack(), extra], POLICY) == []


def test_a_pattern_of_the_wrong_type_is_malformed(pack: PolicyPack) -> None:
    found = run(pack, set_props(monitored_stack(), "cis-5.5-filter", pattern=5), POLICY)

    assert [last_line(d) for d in found] == [
        "`pattern` of metric filter 'cis-5.5-filter' is 5.0 (a number); expected a non-empty string",
        missing("5.5"),
    ]
    assert found[0].urn == urn(FILTER, "cis-5.5-filter")


def test_alarm_actions_of_the_wrong_type_are_malformed(pack: PolicyPack) -> None:
    found = run(pack, set_props(monitored_stack(), "cis-5.6-alarm", alarmActions=TOPIC_ARN), POLICY)

    assert [last_line(d) for d in found] == [
        f"`alarmActions` (Python: `alarm_actions`) of metric alarm 'cis-5.6-alarm' is '{TOPIC_ARN}' (a string); "
        "expected a list of ARNs",
        missing("5.6"),
    ]


def test_a_metric_transformation_of_the_wrong_type_is_malformed(pack: PolicyPack) -> None:
    found = run(pack, set_props(monitored_stack(), "cis-5.2-filter", metricTransformation=["x"]), POLICY)

    assert [last_line(d) for d in found] == [
        "`metricTransformation` (Python: `metric_transformation`) of metric filter 'cis-5.2-filter' is ['x'] "
        "(a list); expected an object with `name` and `namespace`",
        missing("5.2"),
    ]


def test_handled_controls_are_not_reported(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: {"handledControls": [{"controlId": "5.12", "reason": "alarmed in the network account"}]}})
    stack = [r for r in monitored_stack() if not r.name.startswith(("cis-5.12-", "cis-5.13-"))]

    assert [last_line(d) for d in run(pack, stack, POLICY)] == [missing("5.13")]


def test_a_handled_control_without_reason_is_not_honoured(pack: PolicyPack) -> None:
    pack.configure_raw({POLICY: (Level.ADVISORY, {"handledControls": [{"controlId": "5.12"}]})})
    stack = [r for r in monitored_stack() if not r.name.startswith("cis-5.12-")]
    try:
        found = run(pack, stack, POLICY)
    finally:
        pack.configure({})

    assert [last_line(d) for d in found] == [
        missing("5.12"),
        f"the configuration of policy {POLICY} is invalid: `handledControls` entry 0 (5.12) has no `reason`, so it "
        "is ignored: every handled control must say where it is monitored, e.g. "
        '{"controlId": "5.12", "reason": "network gateway changes are alarmed in the network account"}',
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            {"controlId": "4.12", "reason": "old report"},
            "`handledControls` entry 0 names '4.12', which is not a CIS AWS Foundations Benchmark v7.0.0 monitoring "
            "control; expected one of 5.1, 5.2, 5.3, 5.4, 5.5, 5.6, 5.7, 5.8, 5.9, 5.10, 5.11, 5.12, 5.13, 5.14, "
            "5.15, e.g. ",
        ),
        (
            {"controlId": 5.1, "reason": "unquoted in YAML"},
            "`handledControls` entry 0 is {'controlId': 5.1, 'reason': 'unquoted in YAML'} (an object); expected an "
            "object with the control id as text, such as ",
        ),
    ],
    ids=["earlier benchmark id", "number"],
)
def test_bad_handled_controls_are_reported(pack: PolicyPack, entry: dict[str, Any], problem: str) -> None:
    pack.configure_raw({POLICY: (Level.ADVISORY, {"handledControls": [entry]})})
    try:
        found = run(pack, monitored_stack(), POLICY)
    finally:
        pack.configure({})

    assert len(found) == 1
    assert last_line(found[0]).startswith(f"the configuration of policy {POLICY} is invalid: {problem}")


def test_the_cli_refuses_a_handled_control_without_reason(pack: PolicyPack) -> None:
    schema = pack.info().policy(POLICY).config_schema
    assert schema is not None

    items = schema["properties"]["handledControls"]["items"]

    assert items["required"] == ["controlId", "reason"]
    assert items["properties"]["controlId"]["enum"] == list(cis.CONTROL_IDS)


def test_an_excluded_trail_is_not_judged(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: {"exclude": [{"resource": "trail", "reason": "monitored by the SIEM, not CloudWatch"}]}})

    assert run(pack, compliant_stack(), POLICY) == []


# --- the repository's own dev stack ---------------------------------------------------------------------------

DEV = next(s for s in STACK_FILES if s.project == "trailguard" and s.stack == "dev")


REASON = "network gateway changes are alarmed in the network account"


@pytest.fixture(scope="module")
def dev_stack() -> list[Resource]:
    return list(render_stack_file(DEV).resources)


@pytest.fixture(scope="module")
def dev_stack_without_5_12() -> list[Resource]:
    """The dev stack with TrailAlarms told to leave 5.12 out, as its stack file's comment shows how."""
    config = DEV.config()
    config["trailguard:alarms"] = {
        **config["trailguard:alarms"],
        "disabledControls": [{"controlId": "5.12", "reason": REASON}],
    }
    return list(render_stack_file(DEV, config).resources)


def test_the_dev_stack_monitors_every_control(pack: PolicyPack, dev_stack: list[Resource]) -> None:
    assert run(pack, dev_stack, POLICY) == []


def test_a_control_the_alarms_leave_out_is_reported_until_the_pack_config_says_why(
    pack: PolicyPack,
    configure,  # type: ignore[no-untyped-def]
    dev_stack_without_5_12: list[Resource],
) -> None:
    # The pack cannot read component config: the reason given to TrailAlarms must also reach the policy.
    found = run(pack, dev_stack_without_5_12, POLICY)
    assert [last_line(d) for d in found] == [
        missing("5.12", trail="organization-trail-trail", group="organization-trail-log-group-log-group")
    ]

    configure({POLICY: {"handledControls": [{"controlId": "5.12", "reason": REASON}]}})

    assert run(pack, dev_stack_without_5_12, POLICY) == []
