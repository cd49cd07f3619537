"""The CIS monitoring controls' filter patterns, run against CloudTrail records that should and should not match.

The samples under `cloudtrail_samples/` are CloudTrail log files (`{"Records": [...]}`), one directory per
control with `matching.json` and `not-matching.json`; `routine.json` holds everyday events no control may count.
Each record reaches the filter as CloudWatch Logs receives it: one JSON text per log event.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from cloudwatch_filter import And, Comparison, FieldTest, FilterSyntaxError, Or, matches, parse

from trailguard import cis

SAMPLES = Path(__file__).parent / "cloudtrail_samples"
CONTROL_IDS = [c.id for c in cis.CONTROLS]


def records(path: Path) -> list[dict[str, Any]]:
    log_file = json.loads(path.read_text())
    assert set(log_file) == {"Records"}, f"{path} is not a CloudTrail log file"
    return list(log_file["Records"])


def sample_dir(control: cis.MonitoringControl) -> Path:
    return SAMPLES / f"{control.id}-{control.slug}"


def log_event(record: dict[str, Any]) -> str:
    """A CloudTrail record as CloudWatch Logs receives it from the trail: one JSON text."""
    return json.dumps(record)


# --- the evaluator ----------------------------------------------------------------------------------------


class TestEvaluator:
    EVENT: ClassVar[dict[str, Any]] = {
        "eventName": "CreateTrail",
        "errorCode": "Client.UnauthorizedOperation",
        "userIdentity": {"type": "Root", "sessionContext": {"attributes": {"mfaAuthenticated": "false"}}},
        "requestParameters": None,
        "resources": [{"ARN": "arn:aws:s3:::logs"}, {"ARN": "arn:aws:s3:::other"}],
        "readOnly": False,
        "count": 12,
    }

    @pytest.mark.parametrize(
        ("pattern", "expected"),
        [
            ("{ $.eventName = CreateTrail }", True),
            ('{ $.eventName = "CreateTrail" }', True),
            ("{ $.eventName = createtrail }", False),
            ("{ $.eventName = Create* }", True),
            ("{ $.eventName = *Trail }", True),
            ("{ $.eventName = C*T*l }", True),
            ("{ $.eventName = Trail* }", False),
            ('{ $.errorCode = "*UnauthorizedOperation" }', True),
            ("{ $.eventName = * }", True),
            ("{ $.missing = * }", False),
            ("{ $.eventName != DeleteTrail }", True),
            ("{ $.eventName != Create* }", False),
            ("{ $.userIdentity.sessionContext.attributes.mfaAuthenticated = false }", True),
            ("{ $.resources[1].ARN = arn:aws:s3:::other }", True),
            ("{ $.resources[2].ARN = * }", False),
            ("{ $.count = 12 }", True),
            ("{ $.count > 11 && $.count <= 12 }", True),
            ("{ $.count < 12 }", False),
            ("{ $.requestParameters IS NULL }", True),
            ("{ $.eventName IS NULL }", False),
            ("{ $.readOnly IS FALSE }", True),
            ("{ $.readOnly IS TRUE }", False),
        ],
    )
    def test_conditions(self, pattern: str, expected: bool) -> None:
        assert matches(pattern, self.EVENT) is expected

    def test_a_missing_field_fails_every_comparison_even_not_equal(self) -> None:
        # CloudWatch does not treat an absent field as "different": only NOT EXISTS matches it.
        assert matches("{ $.userIdentity.invokedBy != x }", self.EVENT) is False
        assert matches("{ $.userIdentity.invokedBy = * }", self.EVENT) is False
        assert matches("{ $.userIdentity.invokedBy NOT EXISTS }", self.EVENT) is True
        assert matches("{ $.requestParameters NOT EXISTS }", self.EVENT) is False

    def test_and_binds_tighter_than_or(self) -> None:
        pattern = "{ ($.eventName = CreateTrail) || ($.errorCode = nope) && ($.eventName = nope) }"
        assert matches(pattern, self.EVENT) is True
        assert (
            matches("{ (($.eventName = CreateTrail) || ($.errorCode = nope)) && ($.eventName = nope) }", self.EVENT)
            is False
        )

    @pytest.mark.parametrize(
        ("pattern", "dependent"),
        [
            ('{ ($.eventName = CreateTrail) || ($.errorCode = "*UnauthorizedOperation") && ($.x = y) }', True),
            ("{ $.a = 1 && $.b = 2 || $.c = 3 }", True),
            ("{ ($.a = 1 && $.b = 2) || $.c = 3 }", False),
            ("{ ($.a = 1 || $.b = 2) && $.c = 3 }", False),
            ("{ $.a = 1 && $.b = 2 && $.c = 3 }", False),
            ("{ $.a = 1 || $.b = 2 || $.c = 3 }", False),
        ],
    )
    def test_knows_when_a_pattern_rests_on_precedence(self, pattern: str, dependent: bool) -> None:
        assert parse(pattern).precedence_dependent is dependent

    def test_reads_log_events_as_text(self) -> None:
        assert matches("{ $.eventName = CreateTrail }", json.dumps(self.EVENT)) is True

    @pytest.mark.parametrize(
        ("pattern", "message"),
        [
            ("", "a JSON filter pattern must start with '{' at column 1 of ''"),
            ("$.a = b", "a JSON filter pattern must start with '{' at column 1 of '$.a = b'"),
            ("{}", "empty expression at column 2 of '{}'"),
            ("{ $.a = b", "expected '}' but found the end at column 10 of '{ $.a = b'"),
            ("{ $.a = }", "expected a value after '=' but found '}' at column 9 of '{ $.a = }'"),
            ("{ $.a == b }", "expected a value after '=' but found '=' at column 8 of '{ $.a == b }'"),
            ('{ $.a = "b }', "unterminated string at column 9 of '{ $.a = \"b }'"),
            ("{ ($.a = b }", "expected ')' but found '}' at column 12 of '{ ($.a = b }'"),
            ("{ () }", "empty parentheses at column 4 of '{ () }'"),
            (
                "{ $.a = b && }",
                "expected a selector such as $.eventName but found '}' at column 14 of '{ $.a = b && }'",
            ),
            ("{ a = b }", "expected a selector such as $.eventName but found 'a' at column 3 of '{ a = b }'"),
            (
                "{ $.errorMessage = Failed authentication }",
                "expected '}' but found 'authentication' at column 27 of '{ $.errorMessage = Failed authentication }'",
            ),
            (
                "{ $.a IS }",
                "expected a comparison, IS NULL, NOT EXISTS, IS TRUE or IS FALSE after $.a at column 7 of '{ $.a IS }'",
            ),
            ("{ $.a < b }", "'<' compares numbers but 'b' is not one at column 9 of '{ $.a < b }'"),
            ("{ $.a = b } $.c = d", "unexpected text after the closing '}' at column 13 of '{ $.a = b } $.c = d'"),
            ("{ $.a = b & $.c = d }", "unexpected character '&' at column 11 of '{ $.a = b & $.c = d }'"),
        ],
    )
    def test_rejects_invalid_syntax(self, pattern: str, message: str) -> None:
        with pytest.raises(FilterSyntaxError) as raised:
            parse(pattern)
        assert str(raised.value) == message


# --- the controls as data ---------------------------------------------------------------------------------


def test_the_fifteen_monitoring_controls_of_v7_in_order() -> None:
    assert [f"5.{n}" for n in range(1, 16)] == CONTROL_IDS
    assert [c.title for c in cis.CONTROLS][:3] == [
        "Ensure unauthorized API calls are monitored",
        "Ensure management console sign-in without MFA is monitored",
        "Ensure usage of the 'root' account is monitored",
    ]
    assert cis.control("5.15").title == "Ensure AWS Organizations changes are monitored"


def test_earlier_numberings_are_kept() -> None:
    assert cis.control("5.1").earlier_ids == (("v1.4.0-v5.0.0", "4.1"), ("v1.2.0", "3.1"))
    assert cis.control("5.14").earlier == "4.14 in v1.4.0-v5.0.0, 3.14 in v1.2.0"
    # v1.2.0 had no AWS Organizations control.
    assert cis.control("5.15").earlier_ids == (("v1.4.0-v5.0.0", "4.15"),)
    assert cis.EARLIER_IDS["4.10"] == "5.10"
    assert cis.EARLIER_IDS["3.3"] == "5.3"
    assert "3.15" not in cis.EARLIER_IDS


def test_unknown_control_id() -> None:
    with pytest.raises(KeyError) as raised:
        cis.control("5.16")
    assert raised.value.args[0] == (
        "'5.16' is not a CIS monitoring control; expected one of "
        "5.1, 5.2, 5.3, 5.4, 5.5, 5.6, 5.7, 5.8, 5.9, 5.10, 5.11, 5.12, 5.13, 5.14, 5.15"
    )


def test_names_are_unique_and_fit_aws_limits() -> None:
    assert len({c.metric_name for c in cis.CONTROLS}) == len(cis.CONTROLS)
    assert len({c.slug for c in cis.CONTROLS}) == len(cis.CONTROLS)
    for c in cis.CONTROLS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c.slug), c.slug
        assert re.fullmatch(r"[A-Za-z0-9]{1,255}", c.metric_name), c.metric_name
        # The component prefixes `<name>-cis-<id>-` (name at most 40) to a filter name (512) and alarm name (255).
        assert len(f"{'x' * 40}-cis-{c.id}-{c.slug}") <= 255


@pytest.mark.parametrize("control", cis.CONTROLS, ids=CONTROL_IDS)
def test_every_pattern_is_valid_and_means_the_same_whatever_the_precedence(control: cis.MonitoringControl) -> None:
    pattern = parse(control.filter_pattern)
    assert not pattern.precedence_dependent, f"{control.label} mixes && and || without parentheses"


def test_only_the_documented_deviations_differ_from_the_benchmark_text() -> None:
    assert [c.id for c in cis.CONTROLS if c.deviation] == ["5.1", "5.13"]
    # 5.13 keeps the benchmark's event source, applied to every event name.
    route_tables = parse(cis.control("5.13").filter_pattern).expression
    assert isinstance(route_tables, And)
    source, names = route_tables.terms
    assert source == Comparison(("eventSource",), "=", "ec2.amazonaws.com", quoted=False)
    assert isinstance(names, Or)
    assert len(names.terms) == 7


def test_root_usage_excludes_service_calls_made_for_the_root() -> None:
    conditions = list(parse(cis.control("5.3").filter_pattern).conditions())
    assert FieldTest(("userIdentity", "invokedBy"), "NOT EXISTS") in conditions
    assert Comparison(("eventType",), "!=", "AwsServiceEvent", quoted=True) in conditions


# --- the samples ------------------------------------------------------------------------------------------


def test_every_control_has_samples_and_no_sample_belongs_to_no_control() -> None:
    expected = {f"{c.id}-{c.slug}" for c in cis.CONTROLS}
    assert {p.name for p in SAMPLES.iterdir() if p.is_dir()} == expected
    for control in cis.CONTROLS:
        assert len(records(sample_dir(control) / "matching.json")) >= 1, control.id
        assert len(records(sample_dir(control) / "not-matching.json")) >= 1, control.id


@pytest.mark.parametrize("control", cis.CONTROLS, ids=CONTROL_IDS)
def test_the_filter_counts_every_matching_sample(control: cis.MonitoringControl) -> None:
    pattern = parse(control.filter_pattern)
    for record in records(sample_dir(control) / "matching.json"):
        assert pattern.matches(log_event(record)), f"{control.label} misses {record['eventName']} ({record['eventID']})"


@pytest.mark.parametrize("control", cis.CONTROLS, ids=CONTROL_IDS)
def test_the_filter_counts_no_other_sample(control: cis.MonitoringControl) -> None:
    pattern = parse(control.filter_pattern)
    for record in records(sample_dir(control) / "not-matching.json"):
        assert not pattern.matches(log_event(record)), (
            f"{control.label} counts {record['eventName']} ({record['eventID']})"
        )


def test_routine_activity_sets_off_no_control() -> None:
    routine = records(SAMPLES / "routine.json")
    assert len(routine) >= 5
    for control in cis.CONTROLS:
        pattern = parse(control.filter_pattern)
        for record in routine:
            assert not pattern.matches(log_event(record)), f"{control.label} counts routine {record['eventName']}"


def all_sample_records() -> list[tuple[str, dict[str, Any]]]:
    found = [(p.relative_to(SAMPLES).as_posix(), r) for p in sorted(SAMPLES.rglob("*.json")) for r in records(p)]
    assert found
    return found


def test_samples_are_cloudtrail_records() -> None:
    required = {
        "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
        "userAgent", "requestParameters", "responseElements", "eventID", "readOnly", "eventType",
        "managementEvent", "recipientAccountId", "eventCategory",
    }  # fmt: skip
    event_ids = set()
    for where, record in all_sample_records():
        assert required <= set(record), f"{where}: {record.get('eventName')} lacks {sorted(required - set(record))}"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["eventTime"]), where
        assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", record["eventID"]), where
        assert re.fullmatch(r"\d{12}", record["recipientAccountId"]), where
        assert record["eventType"] in {"AwsApiCall", "AwsConsoleSignIn", "AwsServiceEvent"}, where
        assert "type" in record["userIdentity"], where
        event_ids.add(record["eventID"])
    assert len(event_ids) == len(all_sample_records()), "eventIDs must be unique"


# --- the EventBridge patterns -----------------------------------------------------------------------------


def event_bridge_event(record: dict[str, Any]) -> dict[str, Any]:
    """A CloudTrail record as EventBridge delivers it: wrapped in an event envelope."""
    sign_in = record["eventType"] == "AwsConsoleSignIn"
    return {
        "version": "0",
        "detail-type": cis.CONSOLE_SIGN_IN if sign_in else cis.API_CALL,
        "source": "aws." + record["eventSource"].split(".")[0],
        "account": record["recipientAccountId"],
        "region": record["awsRegion"],
        "detail": record,
    }


def event_bridge_matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """EventBridge pattern matching, for the matchers the controls use (values, prefix, suffix,
    anything-but, exists). See https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
    """
    for key, wanted in pattern.items():
        present = isinstance(event, dict) and key in event
        value = event.get(key) if present else None
        if isinstance(wanted, dict):
            if not present or not event_bridge_matches(wanted, value):
                return False
            continue
        if not any(_matches_one(m, present, value) for m in wanted):
            return False
    return True


def _matches_one(matcher: Any, present: bool, value: Any) -> bool:
    if isinstance(matcher, dict):
        ((kind, operand),) = matcher.items()
        if kind == "exists":
            return present is operand
        if not present or not isinstance(value, str):
            return False
        if kind == "prefix":
            return value.startswith(operand)
        if kind == "suffix":
            return value.endswith(operand)
        if kind == "anything-but":
            return value != operand
        raise AssertionError(f"matcher {kind!r} is not supported by this test")
    return present and value == matcher


@pytest.mark.parametrize("control", cis.CONTROLS, ids=CONTROL_IDS)
def test_the_event_rule_agrees_with_the_filter_on_every_sample(control: cis.MonitoringControl) -> None:
    pattern = json.loads(json.dumps(control.event_pattern))
    for record in records(sample_dir(control) / "matching.json"):
        assert event_bridge_matches(pattern, event_bridge_event(record)), (
            f"{control.label} rule misses {record['eventName']}"
        )
    for record in records(sample_dir(control) / "not-matching.json") + records(SAMPLES / "routine.json"):
        assert not event_bridge_matches(pattern, event_bridge_event(record)), (
            f"{control.label} rule counts {record['eventName']}"
        )


@pytest.mark.parametrize("control", cis.CONTROLS, ids=CONTROL_IDS)
def test_the_event_rule_names_the_same_events_and_source_as_the_filter(control: cis.MonitoringControl) -> None:
    conditions = list(parse(control.filter_pattern).conditions())
    names = {
        c.value for c in conditions if isinstance(c, Comparison) and c.selector == ("eventName",) and c.operator == "="
    }
    sources = {c.value for c in conditions if isinstance(c, Comparison) and c.selector == ("eventSource",)}
    detail = control.event_pattern["detail"]
    rule_names = {n for n in detail.get("eventName", []) if isinstance(n, str)}
    assert rule_names == names
    assert set(detail.get("eventSource", [])) == sources
