"""An evaluator of CloudWatch Logs JSON filter patterns, so tests can run metric filters against CloudTrail records.

It covers what metric filters on CloudTrail use: `{ ... }` around conditions on `$.`-selectors, `=` and `!=`
against quoted or bare values with `*` wildcards, numeric `<`, `<=`, `>`, `>=`, `IS NULL`, `NOT EXISTS`,
`IS TRUE`/`IS FALSE`, parentheses, `&&` and `||`. Anything else is a `FilterSyntaxError` naming the column, as CloudWatch would reject it. See
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html

Semantics, where the documentation is silent, follow what CloudWatch does:
- A comparison on a field the event lacks is false, for `!=` as much as for `=` (a filter with
  `$.userIdentity.invokedBy != "x"` does not match records without invokedBy); only `NOT EXISTS` matches a
  missing field. Reported in https://github.com/DataBiosphere/azul/issues/5884.
- `&&` binds tighter than `||`, as in the C family the syntax borrows from. `Pattern.precedence_dependent`
  tells whether a pattern's meaning rests on that (it mixes both at one level without parentheses), so tests
  can insist that deployed patterns never do.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "And",
    "Comparison",
    "FieldTest",
    "FilterSyntaxError",
    "Or",
    "Pattern",
    "matches",
    "parse",
]


class FilterSyntaxError(ValueError):
    """The pattern is not valid CloudWatch Logs JSON filter syntax."""


_MISSING = object()


@dataclass(frozen=True)
class Comparison:
    """`$.a.b = value`, `$.a.b != value` (`*` in the value matches any run of characters), or a numeric order."""

    selector: tuple[str | int, ...]
    operator: str
    value: str
    quoted: bool

    def evaluate(self, event: Any) -> bool:
        found = _select(event, self.selector)
        if found is _MISSING or isinstance(found, bool) or found is None or isinstance(found, dict | list):
            return False
        if self.operator in _ORDER:
            return isinstance(found, int | float) and _ORDER[self.operator](float(found), float(self.value))
        equal = _value_matches(self.value, found, quoted=self.quoted)
        return equal if self.operator == "=" else not equal


@dataclass(frozen=True)
class FieldTest:
    """`$.a IS NULL`, `$.a NOT EXISTS`, `$.a IS TRUE`, `$.a IS FALSE`."""

    selector: tuple[str | int, ...]
    test: str

    def evaluate(self, event: Any) -> bool:
        found = _select(event, self.selector)
        if self.test == "NOT EXISTS":
            return found is _MISSING
        if found is _MISSING:
            return False
        if self.test == "IS NULL":
            return found is None
        return found is (self.test == "IS TRUE")


@dataclass(frozen=True)
class And:
    terms: tuple[Node, ...]

    def evaluate(self, event: Any) -> bool:
        return all(t.evaluate(event) for t in self.terms)


@dataclass(frozen=True)
class Or:
    terms: tuple[Node, ...]

    def evaluate(self, event: Any) -> bool:
        return any(t.evaluate(event) for t in self.terms)


Node = Comparison | FieldTest | And | Or


@dataclass(frozen=True)
class Pattern:
    """A parsed pattern: its expression tree, and whether its meaning depends on operator precedence."""

    text: str
    expression: Node
    precedence_dependent: bool

    def matches(self, event: Mapping[str, Any] | str) -> bool:
        """Whether a log event (a parsed JSON object, or its text as CloudWatch receives it) matches."""
        record = json.loads(event) if isinstance(event, str) else event
        return self.expression.evaluate(record)

    def conditions(self) -> Iterator[Comparison | FieldTest]:
        """Every leaf condition, left to right."""
        yield from _leaves(self.expression)


def parse(text: str) -> Pattern:
    """Parse a JSON filter pattern; `FilterSyntaxError` says what is wrong and where."""
    parser = _Parser(text)
    expression = parser.pattern()
    return Pattern(text=text, expression=expression, precedence_dependent=parser.mixed)


def matches(pattern: str | Pattern, event: Mapping[str, Any] | str) -> bool:
    return (parse(pattern) if isinstance(pattern, str) else pattern).matches(event)


# --- evaluation --------------------------------------------------------------------------------------------


def _select(event: Any, selector: tuple[str | int, ...]) -> Any:
    current = event
    for step in selector:
        if isinstance(step, int):
            if not isinstance(current, list) or step >= len(current):
                return _MISSING
            current = current[step]
        else:
            if not isinstance(current, dict) or step not in current:
                return _MISSING
            current = current[step]
    return current


def _value_matches(expected: str, found: str | int | float, *, quoted: bool) -> bool:
    if isinstance(found, int | float) and not quoted and "*" not in expected:
        try:
            return float(expected) == float(found)
        except ValueError:
            return False
    text = found if isinstance(found, str) else _number_text(found)
    regex = ".*".join(re.escape(part) for part in expected.split("*"))
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


def _number_text(value: int | float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _leaves(node: Node) -> Iterator[Comparison | FieldTest]:
    if isinstance(node, And | Or):
        for term in node.terms:
            yield from _leaves(term)
    else:
        yield node


# --- parsing -----------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<brace>[{}])
    | (?P<paren>[()])
    | (?P<logic>&&|\|\|)
    | (?P<compare>!=|<=|>=|=|<|>)
    | (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<selector>\$(?:\.[A-Za-z_@][\w@-]*|\[\d+\])+)
    | (?P<word>[^\s{}()&|=!"<>]+)
    """,
    re.VERBOSE,
)
_ORDER: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_SELECTOR_STEP = re.compile(r"\.([A-Za-z_@][\w@-]*)|\[(\d+)\]")
_FIELD_TESTS = {("IS", "NULL"), ("NOT", "EXISTS"), ("IS", "TRUE"), ("IS", "FALSE")}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    column: int


class _Parser:
    """Recursive descent: pattern := '{' or '}'; or := and ('||' and)*; and := atom ('&&' atom)*."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = list(self._tokenize(text))
        self.position = 0
        self.mixed = False

    def _tokenize(self, text: str) -> Iterator[_Token]:
        column = 0
        while column < len(text):
            match = _TOKEN.match(text, column)
            if match is None:
                if text[column] == '"':
                    raise self._error("unterminated string", column + 1)
                raise self._error(f"unexpected character {text[column]!r}", column + 1)
            kind = match.lastgroup or ""
            if kind != "space":
                yield _Token(kind, match.group(), column + 1)
            column = match.end()

    def _error(self, message: str, column: int | None = None) -> FilterSyntaxError:
        where = column if column is not None else self._column()
        return FilterSyntaxError(f"{message} at column {where} of {self.text!r}")

    def _column(self) -> int:
        token = self._peek()
        return token.column if token else len(self.text) + 1

    def _peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self, kind: str, text: str | None = None) -> _Token:
        token = self._peek()
        if token is None or token.kind != kind or (text is not None and token.text != text):
            wanted = repr(text) if text else kind
            found = f"{token.text!r}" if token else "the end"
            raise self._error(f"expected {wanted} but found {found}")
        self.position += 1
        return token

    def _at(self, kind: str, text: str | None = None) -> bool:
        token = self._peek()
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def pattern(self) -> Node:
        if not self._at("brace", "{"):
            raise self._error("a JSON filter pattern must start with '{'")
        self._take("brace", "{")
        if self._at("brace", "}"):
            raise self._error("empty expression")
        expression = _unwrap(self._or())
        self._take("brace", "}")
        if self._peek() is not None:
            raise self._error("unexpected text after the closing '}'")
        return expression

    def _or(self) -> Node:
        terms = [self._and()]
        while self._at("logic", "||"):
            self._take("logic")
            terms.append(self._and())
        if len(terms) == 1:
            return terms[0]
        if any(isinstance(t, _Ungrouped) for t in terms):
            self.mixed = True
        return Or(tuple(_unwrap(t) for t in terms))

    def _and(self) -> Node:
        terms = [self._atom()]
        while self._at("logic", "&&"):
            self._take("logic")
            terms.append(self._atom())
        if len(terms) == 1:
            return terms[0]
        return _Ungrouped(tuple(_unwrap(t) for t in terms))

    def _atom(self) -> Node:
        if self._at("paren", "("):
            self._take("paren", "(")
            if self._at("paren", ")"):
                raise self._error("empty parentheses")
            inner = _unwrap(self._or())
            self._take("paren", ")")
            return inner
        return self._condition()

    def _condition(self) -> Node:
        token = self._peek()
        if token is None or token.kind != "selector":
            found = repr(token.text) if token else "the end"
            raise self._error(f"expected a selector such as $.eventName but found {found}")
        self.position += 1
        selector = tuple(
            int(index) if index else name for name, index in _SELECTOR_STEP.findall(token.text.removeprefix("$"))
        )
        if self._at("compare"):
            comparison = self._take("compare").text
            value = self._peek()
            if value is None or value.kind not in ("string", "word"):
                found = repr(value.text) if value else "the end"
                raise self._error(f"expected a value after {comparison!r} but found {found}")
            self.position += 1
            if comparison in _ORDER and not _is_number(value.text):
                raise self._error(f"{comparison!r} compares numbers but {value.text!r} is not one", value.column)
            if value.kind == "string":
                return Comparison(selector, comparison, _unquote(value.text), quoted=True)
            return Comparison(selector, comparison, value.text, quoted=False)
        words = self.tokens[self.position : self.position + 2]
        test = tuple(w.text for w in words if w.kind == "word")
        if test in _FIELD_TESTS:
            self.position += 2
            return FieldTest(selector, " ".join(test))
        raise self._error(f"expected a comparison, IS NULL, NOT EXISTS, IS TRUE or IS FALSE after {token.text}")


@dataclass(frozen=True)
class _Ungrouped(And):
    """An `&&` chain that parentheses did not enclose: inside an `||`, its meaning rests on precedence."""


def _unwrap(node: Node) -> Node:
    return And(node.terms) if isinstance(node, _Ungrouped) else node


def _is_number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", text) is not None


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])
