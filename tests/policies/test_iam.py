"""The IAM evaluation behind the delivery policies: three-valued answers when parts of a request are unknown."""

from __future__ import annotations

import pytest

from trailguard_policies import iam
from trailguard_policies.values import Malformed

TRAIL = ("arn:aws:cloudtrail:", iam.REGION, ":", iam.ACCOUNT, ":trail/org")


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("arn:aws:s3:::b/AWSLogs/*", ("arn:aws:s3:::b/AWSLogs/111111111111/x",), True),
        ("arn:aws:s3:::b/AWSLogs/111111111111/*", ("arn:aws:s3:::b/AWSLogs/222222222222/x",), False),
        ("arn:aws:s3:::b/AWSLogs/*", ("arn:aws:s3:::b/AWSLogs/", iam.ACCOUNT, "/x"), True),
        ("arn:aws:s3:::b/AWSLogs/111111111111/*", ("arn:aws:s3:::b/AWSLogs/", iam.ACCOUNT, "/x"), None),
        # An organization id can never be an account id: a path naming an account cannot serve the organization.
        ("arn:aws:s3:::b/AWSLogs/111111111111/*", ("arn:aws:s3:::b/AWSLogs/", iam.ORGANIZATION, "/x"), False),
        ("arn:aws:cloudtrail:us-east-1:111111111111:trail/org", TRAIL, None),
        ("arn:aws:cloudtrail:*:111111111111:trail/*", TRAIL, None),
        ("arn:aws:cloudtrail:*:*:trail/org", TRAIL, True),
        ("arn:aws:cloudtrail:us-east-1:111111111111:trail/other", TRAIL, False),
        ("s3:Put*", ("s3:PutObject",), True),
    ],
)
def test_match(pattern: str, value: iam.Parts, expected: bool | None) -> None:
    assert iam.match(pattern, value, ignore_case=pattern.startswith("s3:")) is expected


def test_literal_operators_do_not_expand_wildcards() -> None:
    assert iam.match("a*", ("abc",), wildcards=False) is False
    assert iam.match("a*", ("a*",), wildcards=False) is True


def statements(*raw: dict[str, object]) -> tuple[iam.Statement, ...]:
    return iam.parse_document({"Statement": list(raw)}, where="policy")


ALLOW_WRITE = {
    "Effect": "Allow",
    "Principal": {"Service": "cloudtrail.amazonaws.com"},
    "Action": "s3:PutObject",
    "Resource": "arn:aws:s3:::b/*",
    "Condition": {"StringEquals": {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111111111111:trail/org"}},
}


def request(source: iam.Parts, service: str = "cloudtrail.amazonaws.com") -> iam.Request:
    return iam.Request("s3:PutObject", ("arn:aws:s3:::b/AWSLogs/x",), service, {"aws:sourcearn": source})


def test_an_allow_for_this_trail() -> None:
    assert (
        iam.decide(statements(ALLOW_WRITE), request(("arn:aws:cloudtrail:us-east-1:111111111111:trail/org",))) is True
    )


def test_an_allow_for_another_service() -> None:
    assert iam.decide(statements(ALLOW_WRITE), request(TRAIL, service="ec2.amazonaws.com")) is False


def test_an_unknown_account_leaves_the_answer_open() -> None:
    assert iam.decide(statements(ALLOW_WRITE), request(TRAIL)) is None


def test_an_explicit_deny_wins() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}

    assert (
        iam.decide(statements(ALLOW_WRITE, deny), request(("arn:aws:cloudtrail:us-east-1:111111111111:trail/org",)))
        is False
    )


def test_a_deny_on_insecure_transport_spares_tls_requests() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    secure = iam.Request(
        "s3:PutObject", ("arn:aws:s3:::b/x",), "cloudtrail.amazonaws.com", {"aws:securetransport": ("true",)}
    )
    allow = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "*",
    }

    assert iam.decide(statements(allow, deny), secure) is True


CONDITIONS = (
    iam.Condition("StringEquals", "aws:SourceAccount", ("1",)),
    iam.Condition("StringNotEquals", "aws:SourceAccount", ("1",)),
    iam.Condition("StringEqualsIfExists", "aws:SourceAccount", ("1",)),
    iam.Condition("Null", "aws:SourceAccount", ("true",)),
)


def test_a_key_documented_absent_fails_positive_operators_and_passes_negated_ones() -> None:
    absent = iam.Request("sts:AssumeRole", ("*",), "cloudtrail.amazonaws.com", absent=frozenset({"aws:sourceaccount"}))

    assert [iam._condition_applies(c, absent) for c in CONDITIONS] == [False, True, True, True]


def test_a_key_the_model_does_not_set_is_unknown_never_absent() -> None:
    unknown = iam.Request("sts:AssumeRole", ("*",), "cloudtrail.amazonaws.com")

    assert [iam._condition_applies(c, unknown) for c in CONDITIONS] == [None, None, None, None]


def test_a_prefix_in_absent_covers_every_key_under_it() -> None:
    request = iam.Request(
        "kms:DescribeKey", ("*",), "cloudtrail.amazonaws.com", absent=frozenset({"kms:encryptioncontext:*"})
    )
    condition = iam.Condition("StringLike", "kms:EncryptionContext:aws:cloudtrail:arn", ("*",))

    assert iam._condition_applies(condition, request) is False


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("ForAnyValue:StringEquals", ("aws:cloudtrail:arn",), True),
        ("ForAnyValue:StringEquals", ("aws:s3:arn",), None),  # the model knows one member, not all
        ("ForAllValues:StringEquals", ("aws:cloudtrail:arn", "aws:s3:arn"), None),
        ("ForAllValues:StringEquals", ("aws:s3:arn",), False),
    ],
)
def test_set_operators_on_a_partly_known_multivalued_key(
    operator: str, values: tuple[str, ...], expected: bool | None
) -> None:
    keys = iam.Multi((("aws:cloudtrail:arn",),), complete=False)
    request = iam.Request(
        "kms:GenerateDataKey", ("*",), "cloudtrail.amazonaws.com", {"kms:encryptioncontextkeys": keys}
    )

    assert iam._condition_applies(iam.Condition(operator, "kms:EncryptionContextKeys", values), request) is expected


def test_for_all_values_holds_when_the_key_is_missing() -> None:
    # "It also returns true if there are no keys in the request" (IAM User Guide, condition set operators).
    request = iam.Request("kms:DescribeKey", ("*",), None, absent=frozenset({"kms:encryptioncontextkeys"}))

    assert iam._condition_applies(
        iam.Condition("ForAllValues:StringEquals", "kms:EncryptionContextKeys", ("x",)), request
    )


def test_arn_like_matches_each_of_the_six_components_separately() -> None:
    # "Each of the six colon-delimited components of the ARN is checked separately" (IAM User Guide, ARN operators).
    assert iam.arn_match(
        "arn:aws:cloudtrail:*:111111111111:trail/*", ("arn:aws:cloudtrail:us-east-1:111111111111:trail/t",)
    )
    assert (
        iam.arn_match("arn:aws:*:111111111111:trail/*", ("arn:aws:cloudtrail:us-east-1:111111111111:trail/t",)) is False
    )
    assert iam.match("arn:aws:*:111111111111:trail/*", ("arn:aws:cloudtrail:us-east-1:111111111111:trail/t",))


class TestLinearMatcher:
    def test_many_stars_against_a_long_value_do_not_backtrack(self) -> None:
        # A backtracking regex takes exponential time on this; the matcher is one pass with one resume point.
        pattern = "a*" * 40 + "b"
        assert iam.glob_match(pattern, "a" * 5000) is False

    def test_a_pattern_longer_than_the_recursion_limit_is_judged(self) -> None:
        pattern = "*?" * 5000
        assert iam.glob_match(pattern, "x" * 5000) is True
        assert iam._intersects("*a" * 600, "?" * 599) is False

    @pytest.mark.parametrize(
        ("pattern", "text", "expected"),
        [
            ("*", "", True),
            ("?", "", False),
            ("a?c", "abc", True),
            ("a*c", "ac", True),
            ("a*b*c", "aXbYc", True),
            ("a*b*c", "aXcYb", False),
            ("*.json.gz", "x/y.json.gz", True),
            ("A*", "abc", False),
        ],
    )
    def test_globs(self, pattern: str, text: str, expected: bool) -> None:
        assert iam.glob_match(pattern, text) is expected


def test_public_allows() -> None:
    public = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    pinned = {**public, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
    wildcard_pin = {**public, "Condition": {"StringLike": {"aws:SourceAccount": "1111*"}}}
    if_exists = {**public, "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": "111111111111"}}}
    null = {**public, "Condition": {"Null": {"aws:SourceAccount": "false"}}}
    negated = {**public, "Condition": {"StringNotEquals": {"aws:SourceAccount": "111111111111"}}}
    source_arn = {**public, "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:1:trail/t"}}}

    # S3: "a bucket policy must grant access only to fixed values (values that don't contain a wildcard ...)".
    assert [
        iam.is_public_allow(s) for s in statements(public, pinned, wildcard_pin, if_exists, null, negated, source_arn)
    ] == [True, False, True, True, True, True, False]


def test_statements_are_validated() -> None:
    with pytest.raises(Malformed) as raised:
        statements({"Effect": "Allow", "Action": 5})

    assert raised.value.message == "policy, statement 0 Action is 5 (a number); expected a string or a list of strings"
