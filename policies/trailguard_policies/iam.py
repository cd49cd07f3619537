"""Just enough IAM policy evaluation to predict whether CloudTrail's own requests will be allowed.

Values that are not known during preview (the trail's account, say) enter requests as `None` parts, and
every answer is three-valued: True (allowed for any value the unknown part may take), False (denied for
every value) or None (it depends on what is not known yet). Policies report a violation only on False.
Evaluation follows https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
(explicit deny wins, then an allow, else the implicit deny) and the condition operators of
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from trailguard_policies.values import Malformed, describe


@dataclass(frozen=True)
class Hole:
    """A piece of a request value not known before update, with what it can look like.

    `glob` is every value it may take (for deciding whether a pattern could match), `samples` two unlike
    values (a pattern matching both is taken to match whatever the piece turns out to be).
    """

    glob: str = "*"
    samples: tuple[str, str] = ("123456789012", "o-a1b2c3d4e5/us-gov-west-1:Zz_9.-")


ANY = Hole()
ACCOUNT = Hole("????????????", ("123456789012", "210987654321"))
REGION = Hole("*-*-*", ("us-east-1", "ap-southeast-4"))
ORGANIZATION = Hole("o-*", ("o-a1b2c3d4e5", "o-zz9yy8xx7ww6"))

Parts = tuple[str | Hole | None, ...]
"""A request value built from known text and unknown pieces (`Hole`, or None for any text)."""

Tri = bool | None


def known(text: str) -> Parts:
    return (text,)


def any3(values: Iterable[Tri]) -> Tri:
    result: Tri = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def all3(values: Iterable[Tri]) -> Tri:
    result: Tri = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def not3(value: Tri) -> Tri:
    return None if value is None else not value


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _intersects(a: str, b: str) -> bool:
    """Whether some string matches both globs (`*` and `?` wildcards)."""

    @cache
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return go(i + 1, j) or (j < len(b) and go(i, j + 1))
        if j < len(b) and b[j] == "*":
            return go(i, j + 1) or (i < len(a) and go(i + 1, j))
        if i == len(a) or j == len(b):
            return False
        return (a[i] == "?" or b[j] == "?" or a[i] == b[j]) and go(i + 1, j + 1)

    return go(0, 0)


def match(pattern: str, value: Parts, *, ignore_case: bool = False, wildcards: bool = True) -> Tri:
    """Whether `value` matches `pattern` (an IAM glob, or a literal when `wildcards` is False)."""
    if not wildcards:
        pattern = pattern.replace("*", "\0").replace("?", "\1")
    regex = _glob(pattern, ignore_case)
    holes = [ANY if p is None else p for p in value if not isinstance(p, str)]
    if not holes:
        text = "".join(p for p in value if isinstance(p, str))
        if not wildcards:
            text = text.replace("*", "\0").replace("?", "\1")
        return regex.fullmatch(text) is not None
    if all(regex.fullmatch(_fill(value, i)) for i in (0, 1)):
        return True
    as_glob = "".join(p if isinstance(p, str) else (ANY if p is None else p).glob for p in value)
    if ignore_case:
        return None if _intersects(pattern.lower(), as_glob.lower()) else False
    return None if _intersects(pattern, as_glob) else False


def _fill(value: Parts, sample: int) -> str:
    return "".join(p if isinstance(p, str) else (ANY if p is None else p).samples[sample] for p in value)


@dataclass(frozen=True)
class Principal:
    everyone: bool = False
    services: frozenset[str] = frozenset()
    others: frozenset[str] = frozenset()
    """AWS, federated and canonical-user principals, prefixed with their kind (`AWS:arn:...`)."""

    def names(self) -> list[str]:
        named = ["*"] if self.everyone else []
        return named + sorted(self.services) + sorted(self.others)


@dataclass(frozen=True)
class Condition:
    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    sid: str
    effect: str
    principal: Principal | None
    not_principal: Principal | None
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    conditions: tuple[Condition, ...] = ()

    @property
    def label(self) -> str:
        return f"statement {self.sid!r}" if self.sid else "a statement without Sid"


@dataclass(frozen=True)
class Request:
    """A request as IAM evaluates it; `context` holds the condition keys present, lower-cased."""

    action: str
    resource: Parts
    service: str | None = None
    context: Mapping[str, Parts] = field(default_factory=dict)


def parse_document(document: Mapping[str, Any], *, where: str) -> tuple[Statement, ...]:
    """The statements of a policy document; `Malformed` names what is wrong and where."""
    raw = document.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise Malformed(
            f"{where} has no Statement list (found {describe(raw)}); "
            'expected {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", ...}]}'
        )
    return tuple(_statement(s, f"{where}, statement {i}") for i, s in enumerate(raw))


def _statement(raw: Any, where: str) -> Statement:
    if not isinstance(raw, dict):
        raise Malformed(f"{where} is {describe(raw)}; expected an object with Effect, Action and Resource")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise Malformed(f'{where} has Effect {describe(effect)}; expected "Allow" or "Deny"')
    return Statement(
        sid=str(raw.get("Sid") or ""),
        effect=effect,
        principal=_principal(raw["Principal"], where) if "Principal" in raw else None,
        not_principal=_principal(raw["NotPrincipal"], where) if "NotPrincipal" in raw else None,
        actions=_strings(raw["Action"], f"{where} Action") if "Action" in raw else None,
        not_actions=_strings(raw["NotAction"], f"{where} NotAction") if "NotAction" in raw else None,
        resources=_strings(raw["Resource"], f"{where} Resource") if "Resource" in raw else None,
        not_resources=_strings(raw["NotResource"], f"{where} NotResource") if "NotResource" in raw else None,
        conditions=_conditions(raw.get("Condition"), where),
    )


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(item, str) for item in items):
        raise Malformed(f"{where} is {describe(raw)}; expected a string or a list of strings")
    return tuple(items)


def _principal(raw: Any, where: str) -> Principal:
    if raw == "*":
        return Principal(everyone=True)
    if not isinstance(raw, dict):
        raise Malformed(f'{where} has Principal {describe(raw)}; expected "*" or {{"Service": "..."}}')
    everyone, services, others = False, set(), set()
    for kind, names in raw.items():
        for name in _strings(names, f"{where} Principal.{kind}"):
            if kind == "AWS" and name == "*":
                everyone = True
            elif kind == "Service":
                services.add(name.lower())
            else:
                others.add(f"{kind}:{name}")
    return Principal(everyone, frozenset(services), frozenset(others))


def _conditions(raw: Any, where: str) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise Malformed(f'{where} has Condition {describe(raw)}; expected {{"StringEquals": {{"key": "value"}}}}')
    found = []
    for operator, block in raw.items():
        if not isinstance(block, dict):
            raise Malformed(f"{where} Condition.{operator} is {describe(block)}; expected an object of keys")
        for key, values in block.items():
            items = values if isinstance(values, list) else [values]
            texts = tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in items)
            found.append(Condition(str(operator), str(key), texts))
    return tuple(found)


def _principal_applies(statement: Statement, request: Request) -> Tri:
    service = (request.service or "").lower()
    if statement.principal is not None:
        return statement.principal.everyone or service in statement.principal.services
    if statement.not_principal is not None:
        return not (statement.not_principal.everyone or service in statement.not_principal.services)
    return True  # identity policies have no principal: they apply to whoever holds them


def _action_applies(statement: Statement, request: Request) -> Tri:
    action = known(request.action)
    if statement.actions is not None:
        return any3(match(p, action, ignore_case=True) for p in statement.actions)
    if statement.not_actions is not None:
        return not3(any3(match(p, action, ignore_case=True) for p in statement.not_actions))
    return False


def _resource_applies(statement: Statement, request: Request) -> Tri:
    if statement.resources is not None:
        return any3(match(p, request.resource) for p in statement.resources)
    if statement.not_resources is not None:
        return not3(any3(match(p, request.resource) for p in statement.not_resources))
    return True  # trust policies name no resource


def _condition_applies(condition: Condition, context: Mapping[str, Parts]) -> Tri:
    operator = condition.operator.split(":", 1)[-1]  # ForAnyValue:/ForAllValues: on single-valued keys
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    actual = context.get(condition.key.lower())
    if operator == "Null":
        absent = actual is None
        return any3((value.lower() == "true") == absent for value in condition.values)
    negated = "Not" in operator
    if actual is None:
        # A key missing from the request: only IfExists and negated operators hold.
        return True if if_exists else negated
    base = operator.replace("Not", "")
    if base == "StringEquals":
        result = any3(match(v, actual, wildcards=False) for v in condition.values)
    elif base == "StringEqualsIgnoreCase" or base == "Bool":
        result = any3(match(v, actual, wildcards=False, ignore_case=True) for v in condition.values)
    elif base in ("StringLike", "ArnLike", "ArnEquals"):
        result = any3(match(v, actual) for v in condition.values)
    else:
        return None  # numeric, date and IP operators never test the keys CloudTrail's requests carry
    return not3(result) if negated else result


def statement_applies(statement: Statement, request: Request) -> Tri:
    return all3(
        [
            _principal_applies(statement, request),
            _action_applies(statement, request),
            _resource_applies(statement, request),
            *(_condition_applies(c, request.context) for c in statement.conditions),
        ]
    )


def decide(statements: Iterable[Statement], request: Request) -> Tri:
    """Allowed (True), denied (False) or not decidable before update (None)."""
    statements = tuple(statements)
    denied = any3(statement_applies(s, request) for s in statements if s.effect == "Deny")
    allowed = any3(statement_applies(s, request) for s in statements if s.effect == "Allow")
    if denied is True or allowed is False:
        return False
    if denied is False and allowed is True:
        return True
    return None


# Condition keys that pin a grant to particular accounts, organizations, networks or sources.
_RESTRICTING_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceOwner",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceIp",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalServiceName",
        "aws:userid",
        "aws:username",
        "aws:VpcSourceIp",
        "s3:DataAccessPointAccount",
        "s3:DataAccessPointArn",
    )
)


def is_public_allow(statement: Statement) -> bool:
    """An Allow to everyone (`*`) with no condition that pins it to known accounts, sources or networks."""
    if statement.effect != "Allow":
        return False
    to_everyone = (statement.principal is not None and statement.principal.everyone) or (
        statement.not_principal is not None
    )
    if not to_everyone:
        return False
    return not any(
        c.key.lower() in _RESTRICTING_KEYS and "Not" not in c.operator and any(v != "*" for v in c.values)
        for c in statement.conditions
    )
