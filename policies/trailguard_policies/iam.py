"""Just enough IAM policy evaluation to predict whether CloudTrail's own requests will be allowed.

Values that are not known during preview (the trail's account, say) enter requests as `None` parts, and
every answer is three-valued: True (allowed for any value the unknown part may take), False (denied for
every value) or None (it depends on what is not known yet). Policies report a violation only on False.
Evaluation follows https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
(explicit deny wins, then an allow, else the implicit deny) and the condition operators of
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
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


@lru_cache(maxsize=65536)
def glob_match(pattern: str, text: str, *, ignore_case: bool = False) -> bool:
    """Whether `text` matches the IAM glob `pattern` (`*` any run of characters, `?` any one character).

    The pattern is cut at its `*`s: the first piece must start the text, the last end it, and each piece between is
    placed at its leftmost fit after the previous one (leftmost is never worse, so nothing is ever retried). Pieces
    are found with `str.find`; no regular expression, no recursion, at most len(pattern) x len(text) steps whatever
    the pattern (a 20 KB policy of wildcards is judged in milliseconds: benchmarks/matcher.py).
    """
    if ignore_case:
        pattern, text = pattern.lower(), text.lower()
    pieces = pattern.split("*")
    if len(pieces) == 1:
        return len(text) == len(pattern) and _fits(pattern, text, 0)
    first, *middle, last = pieces
    end = len(text) - len(last)
    if len(first) > end or not _fits(first, text, 0) or not _fits(last, text, end):
        return False
    position = len(first)
    for piece in middle:
        if piece:
            found = _find(piece, text, position, end)
            if found < 0:
                return False
            position = found + len(piece)
    return True


def _fits(piece: str, text: str, at: int) -> bool:
    """Whether `piece` (literal characters and `?`) matches `text` at `at`."""
    if at < 0 or at + len(piece) > len(text):
        return False
    if "?" not in piece:
        return text.startswith(piece, at)
    return all(c == "?" or c == text[at + k] for k, c in enumerate(piece))


def _find(piece: str, text: str, start: int, end: int) -> int:
    """The leftmost position in [start, end - len(piece)] where `piece` fits, or -1."""
    if "?" not in piece:
        return text.find(piece, start, end)
    anchor = max(piece.split("?"), key=len)
    if not anchor:
        return start if end - start >= len(piece) else -1
    offset = piece.index(anchor)
    hit = text.find(anchor, start + offset, end)
    while hit >= 0:
        at = hit - offset
        if at + len(piece) <= end and _fits(piece, text, at):
            return at
        hit = text.find(anchor, hit + 1, end)
    return -1


@lru_cache(maxsize=4096)
def _runs_of_any(b: str) -> tuple[tuple[int, int], ...]:
    """The [start, end) runs of `?` in `b`."""
    spans: list[tuple[int, int]] = []
    start = b.find("?")
    while start >= 0:
        end = start
        while end < len(b) and b[end] == "?":
            end += 1
        spans.append((start, end))
        start = b.find("?", end)
    return tuple(spans)


@lru_cache(maxsize=65536)
def _meets_fixed(a: str, b: str) -> bool:
    """Whether glob `a` and glob `b` (`?` wildcards only: a value of known length) match some string in common.

    `glob_match`'s leftmost placement of `a`'s pieces, where a `?` of `b` fits any character: candidates are the
    exact hits of a piece's longest literal run, and the few windows that cover one of `b`'s `?`s.
    """
    spans = _runs_of_any(b)
    pieces = a.split("*")

    def fits(piece: str, at: int) -> bool:
        if at < 0 or at + len(piece) > len(b):
            return False
        return all(c == "?" or b[at + k] == "?" or c == b[at + k] for k, c in enumerate(piece))

    def find(piece: str, anchor: str, offset: int, start: int, end: int) -> int:
        if not anchor:
            return start if end - start >= len(piece) else -1
        best = -1
        hit = b.find(anchor, start + offset, end)
        while hit >= 0:
            if hit - offset + len(piece) <= end and fits(piece, hit - offset):
                best = hit - offset
                break
            hit = b.find(anchor, hit + 1, end)
        for low, high in spans:
            last = min(high - 1, end - len(piece), best - 1 if best >= 0 else end)
            for at in range(max(start, low - len(piece) + 1), last + 1):
                if fits(piece, at):
                    return at
        return best

    if len(pieces) == 1:
        return len(a) == len(b) and fits(a, 0)
    first, *_, last = pieces
    end = len(b) - len(last)
    if len(first) > end or not fits(first, 0) or not fits(last, end):
        return False
    position = len(first)
    for piece, anchor, offset in _anchored(a)[1:-1]:
        if piece:
            found = find(piece, anchor, offset, position, end)
            if found < 0:
                return False
            position = found + len(piece)
    return True


@lru_cache(maxsize=4096)
def _anchored(a: str) -> tuple[tuple[str, str, int], ...]:
    """The `*`-separated pieces of glob `a`, each with its longest literal run and that run's offset."""
    out = []
    for piece in a.split("*"):
        anchor = max(piece.split("?"), key=len)
        out.append((piece, anchor, piece.index(anchor) if anchor else 0))
    return tuple(out)


@lru_cache(maxsize=4096)
def _masks(a: str) -> tuple[int, int, int, dict[str, int]]:
    """For glob `a`: the bitmasks of its `*`s, of its other positions, of its `?`s, and of each literal character."""
    stars = singles = anything = 0
    by_char: dict[str, int] = {}
    for i, c in enumerate(a):
        bit = 1 << i
        if c == "*":
            stars |= bit
            continue
        singles |= bit
        if c == "?":
            anything |= bit
        else:
            by_char[c] = by_char.get(c, 0) | bit
    return stars, singles, anything, by_char


@lru_cache(maxsize=65536)
def _intersects(a: str, b: str) -> bool:
    """Whether some string matches both globs (`*` and `?` wildcards).

    Glob `a` runs as a set of positions (a bitmask) while `b` is read once, left to right: a literal of `b` moves
    the positions where `a` has that character or `?`, a `?` of `b` moves every position but a `*`, a `*` of `b` can
    reach every position after the first one held; a `*` of `a` holds its position and may be skipped. One pass
    over `b` of integer operations on len(a) bits: no recursion, nothing retried.
    """
    stars, singles, anything, by_char = _masks(a)
    full = (1 << (len(a) + 1)) - 1
    states = 1
    while skipped := ((states & stars) << 1) & ~states:
        states |= skipped
    for c in b:
        if c == "*":
            states = full & ~((states & -states) - 1)
            continue
        movable = singles if c == "?" else by_char.get(c, 0) | anything
        states = ((states & movable) << 1) | (states & stars)
        if not states:
            return False
        while skipped := ((states & stars) << 1) & ~states:
            states |= skipped
    return bool(states >> len(a) & 1)


def match(pattern: str, value: Parts, *, ignore_case: bool = False, wildcards: bool = True) -> Tri:
    """Whether `value` matches `pattern` (an IAM glob, or a literal when `wildcards` is False)."""
    holes = [ANY if p is None else p for p in value if not isinstance(p, str)]
    if not wildcards:
        return _literal(pattern, value, holes, ignore_case)
    if not holes:
        text = "".join(p for p in value if isinstance(p, str))
        return glob_match(pattern, text, ignore_case=ignore_case)
    if all(glob_match(pattern, _fill(value, i), ignore_case=ignore_case) for i in (0, 1)):
        return True
    as_glob = "".join(p if isinstance(p, str) else (ANY if p is None else p).glob for p in value)
    if ignore_case:
        pattern, as_glob = pattern.lower(), as_glob.lower()
    meets = _meets_fixed if "*" not in as_glob else _intersects
    return None if meets(pattern, as_glob) else False


def _literal(pattern: str, value: Parts, holes: list[Hole], ignore_case: bool) -> Tri:
    """StringEquals and friends: `*` and `?` in the pattern are plain characters."""
    fold = str.lower if ignore_case else str
    if not holes:
        return fold(pattern) == fold("".join(p for p in value if isinstance(p, str)))
    if all(fold(pattern) == fold(_fill(value, i)) for i in (0, 1)):
        return True
    # Could the unknown pieces spell `pattern` exactly? Its wildcards (and the value's) are made plain characters.
    literal = _plain(fold(pattern))
    as_glob = "".join(_plain(fold(p)) if isinstance(p, str) else (ANY if p is None else p).glob for p in value)
    return None if _intersects(literal, as_glob) else False


def _plain(text: str) -> str:
    return text.replace("*", "\0").replace("?", "\1")


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
class Multi:
    """A multivalued condition key (`kms:EncryptionContextKeys`): its members known to be present, and whether
    they are all of them (when not, a set operator that depends on the rest is undecided)."""

    members: tuple[Parts, ...]
    complete: bool = True


Value = Parts | Multi


@dataclass(frozen=True)
class Request:
    """A request as IAM evaluates it.

    `context` holds the condition keys AWS sets on it (lower-cased) and `absent` the keys AWS documents it does
    not set. Any other key is unknown: a condition on it is undecided (None), never "certainly absent", so a
    hardening condition on a key the model does not know (a data-perimeter Deny, say) is never taken to block.
    """

    action: str
    resource: Parts
    service: str | None = None
    context: Mapping[str, Value] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    """Keys AWS documents the request does not carry; `prefix:*` stands for every key under the prefix."""
    principal: str | None = None
    """The ARN of the IAM role making the request (None for a service principal's own requests)."""

    def lacks(self, key: str) -> bool:
        return key in self.absent or any(a.endswith("*") and key.startswith(a[:-1]) for a in self.absent)


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


def _named(principal: Principal, request: Request) -> bool:
    """Whether a Principal element names the caller: its service, its role ARN, or its account."""
    if principal.everyone:
        return True
    if request.service is not None and request.service.lower() in principal.services:
        return True
    if request.principal is None:
        return False
    account = request.principal.split(":")[4] if request.principal.count(":") >= 5 else ""
    partition = request.principal.split(":")[1] if request.principal.count(":") >= 5 else "aws"
    names = {f"AWS:{request.principal}", f"AWS:{account}", f"AWS:arn:{partition}:iam::{account}:root"}
    return bool(names & principal.others)


def _principal_applies(statement: Statement, request: Request) -> Tri:
    if statement.principal is not None:
        return _named(statement.principal, request)
    if statement.not_principal is not None:
        return not _named(statement.not_principal, request)
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


_NOT_PRESENT = object()


def _condition_applies(condition: Condition, request: Request) -> Tri:
    """One condition key of one operator (IAM User Guide, reference_policies_elements_condition_operators).

    "If the key that you specify in a policy condition is not present in the request context, the values do not
    match and the condition is false. If the policy condition requires that the key is not matched, such as
    StringNotLike or ArnNotLike, and the right key is not present, the condition is true." A key neither set nor
    documented absent is unknown, and so is the condition (None).
    """
    qualifier, _, operator = condition.operator.rpartition(":")  # ForAnyValue: / ForAllValues:
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    key = condition.key.lower()
    actual: Value | object = request.context.get(key, _NOT_PRESENT if request.lacks(key) else None)
    if actual is None:
        return None  # the model does not say whether AWS sets this key
    if operator == "Null":
        missing = actual is _NOT_PRESENT
        return any3((value.lower() == "true") == missing for value in condition.values)
    negated = "Not" in operator
    if actual is _NOT_PRESENT:
        # "ForAllValues ... returns true if there are no keys in the request"; ForAnyValue then matches nothing
        # (IAM User Guide, reference_policies_condition-single-vs-multi-valued-context-keys).
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return True if if_exists else negated
    if not isinstance(actual, tuple | Multi):
        return None
    test = _tester(operator.replace("Not", ""), condition.values)
    if test is None:
        return None  # numeric, date, IP and binary operators: no delivery request carries such keys
    members, complete = (actual.members, actual.complete) if isinstance(actual, Multi) else ((actual,), True)

    def holds(member: Parts) -> Tri:
        result = test(member)
        return not3(result) if negated else result

    if qualifier == "ForAllValues":
        result = all3(holds(m) for m in members)
        return None if result is True and not complete else result
    if qualifier == "ForAnyValue" or (len(members) == 1 and complete):
        result = any3(holds(m) for m in members)
        return None if result is False and not complete else result
    return None  # a single-valued operator on a multivalued key: not modelled


def _tester(base: str, values: tuple[str, ...]) -> Callable[[Parts], Tri] | None:
    if base == "StringEquals":
        return lambda member: any3(match(v, member, wildcards=False) for v in values)
    if base in ("StringEqualsIgnoreCase", "Bool"):
        return lambda member: any3(match(v, member, wildcards=False, ignore_case=True) for v in values)
    if base == "StringLike":
        return lambda member: any3(match(v, member) for v in values)
    if base in ("ArnLike", "ArnEquals"):
        return lambda member: any3(arn_match(v, member) for v in values)
    return None


def arn_match(pattern: str, value: Parts) -> Tri:
    """ArnLike/ArnEquals: "Each of the six colon-delimited components of the ARN is checked separately and each
    can include multi-character match wildcards (*) or single-character match wildcards (?)" (IAM User Guide,
    reference_policies_elements_condition_operators, ARN condition operators)."""
    if any(not isinstance(p, str) for p in value):
        return match(pattern, value)  # unknown pieces: compared as one string, which can only widen the answer
    text = "".join(p for p in value if isinstance(p, str))
    wanted, given = pattern.split(":", 5), text.split(":", 5)
    if len(wanted) != 6 or len(given) != 6:
        return glob_match(pattern, text) if len(wanted) < 6 and len(given) < 6 else False
    return all(glob_match(w, g) for w, g in zip(wanted, given, strict=True))


def statement_applies(statement: Statement, request: Request) -> Tri:
    return all3(
        [
            _principal_applies(statement, request),
            _action_applies(statement, request),
            _resource_applies(statement, request),
            *(_condition_applies(c, request) for c in statement.conditions),
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
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
    )
)


def _fixed(condition: Condition) -> bool:
    """A condition that pins its key to fixed values: S3 counts no other as restricting."""
    operator = condition.operator.split(":", 1)[-1]
    if operator.endswith("IfExists") or operator == "Null" or "Not" in operator:
        return False  # IfExists passes when the key is absent; Null and negations admit everyone else
    return bool(condition.values) and not any("*" in v or "?" in v or "${" in v for v in condition.values)


def is_public_allow(statement: Statement) -> bool:
    """An Allow S3 would call public (S3 User Guide, access-control-block-public-access, "The meaning of public").

    "To be considered non-public, a bucket policy must grant access only to fixed values (values that don't contain
    a wildcard or an AWS Identity and Access Management Policy Variable)" of a principal, aws:SourceIp, aws:SourceArn,
    aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount, ...: so an ...IfExists or Null operator, a
    negated one, or a wildcard value restricts nothing.
    """
    if statement.effect != "Allow":
        return False
    to_everyone = (statement.principal is not None and statement.principal.everyone) or (
        statement.not_principal is not None
    )
    if not to_everyone:
        return False
    return not any(c.key.lower() in _RESTRICTING_KEYS and _fixed(c) for c in statement.conditions)


def _names_exactly(statement: Statement, request: Request) -> bool:
    return statement.principal is not None and f"AWS:{request.principal}" in statement.principal.others


def authorize(
    request: Request,
    resource: Iterable[Statement] = (),
    identity: Iterable[Statement] | None = None,
    boundary: Iterable[Statement] | None = None,
    *,
    key_policy: bool = False,
) -> Tri:
    """Whether AWS allows `request`, from the resource policy, the caller's identity policies and its boundary.

    A service principal holds no identity policies: only the resource policy can grant it anything. A role of
    the resource's account is allowed by an Allow naming it in the resource policy, or by its identity policies
    within its permissions boundary; a KMS key policy must also delegate to IAM by naming the account ("Unless
    the key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS key", AWS KMS
    Developer Guide, key-policies). An explicit Deny in any of them wins (IAM User Guide,
    reference_policies_evaluation-logic).
    """
    resource = tuple(resource)
    if request.principal is None:
        return decide(resource, request)
    held = tuple(identity or ())
    limits = tuple(boundary) if boundary is not None else None
    everything = (*resource, *held, *(limits or ()))
    denied = any3(statement_applies(s, request) for s in everything if s.effect == "Deny")
    allows = [s for s in resource if s.effect == "Allow"]
    direct = any3(statement_applies(s, request) for s in allows if _names_exactly(s, request))
    delegated = any3(statement_applies(s, request) for s in allows if not _names_exactly(s, request))
    own = any3(statement_applies(s, request) for s in held if s.effect == "Allow")
    bounded = True if limits is None else any3(statement_applies(s, request) for s in limits if s.effect == "Allow")
    through_iam = all3([own, bounded, delegated if key_policy else True])
    allowed = any3([direct, through_iam])
    if denied is True or allowed is False:
        return False
    if denied is False and allowed is True:
        return True
    return None
