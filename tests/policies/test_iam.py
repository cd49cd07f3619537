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


def test_a_missing_condition_key_fails_positive_operators_and_passes_negated_ones() -> None:
    positive = iam.Condition("StringEquals", "aws:SourceAccount", ("1",))
    negated = iam.Condition("StringNotEquals", "aws:SourceAccount", ("1",))
    if_exists = iam.Condition("StringEqualsIfExists", "aws:SourceAccount", ("1",))
    absent: dict[str, iam.Parts] = {}

    assert [iam._condition_applies(c, absent) for c in (positive, negated, if_exists)] == [False, True, True]


def test_public_allows() -> None:
    public = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    pinned = {**public, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
    wildcard_pin = {**public, "Condition": {"StringLike": {"aws:SourceAccount": "*"}}}

    assert [iam.is_public_allow(s) for s in statements(public, pinned, wildcard_pin)] == [True, False, True]


def test_statements_are_validated() -> None:
    with pytest.raises(Malformed) as raised:
        statements({"Effect": "Allow", "Action": 5})

    assert raised.value.message == "policy, statement 0 Action is 5 (a number); expected a string or a list of strings"
