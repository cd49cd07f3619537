"""The base of every config model: frozen, unknown keys rejected, camelCase keys as stack files spell them.

Each component module declares the config sub-model of what it builds on top of this base; `config.py`
composes them per stack shape. A field is declared with `setting(...)`, which records what a valid value
looks like and an example, so even pydantic's generic errors (missing key, wrong type, unknown key) turn
into trailguard messages that name the key, say what is wrong and show a valid value.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from trailguard import validation as v
from trailguard.validation import InvalidValue

__all__ = [
    "AccountId",
    "BucketName",
    "ConfigModel",
    "DeletionWindowInDays",
    "KeyPrefix",
    "LogGroupName",
    "OrganizationId",
    "PrincipalArn",
    "Region",
    "RetentionInDays",
    "Tags",
    "TrailName",
    "describe_errors",
    "setting",
    "trailguard_error",
]

T = TypeVar("T")

ERROR_TYPE = "trailguard"
"""The pydantic error type of a failed trailguard rule; its message is already in trailguard's words."""


class ConfigModel(BaseModel):
    """Frozen, `extra="forbid"`, validated by camelCase alias from stack config or by field name from code."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        hide_input_in_errors=False,
    )


def setting(default: Any = ..., *, expected: str, example: Any, **kwargs: Any) -> Any:
    """A config field that knows what a valid value looks like (`expected`) and shows one (`example`)."""
    extra = {"expected": expected, "example": example}
    if "default_factory" in kwargs:
        return Field(json_schema_extra=extra, **kwargs)
    return Field(default, json_schema_extra=extra, **kwargs)


def trailguard_error(message: str, *, path: str | None = None) -> PydanticCustomError:
    """A pydantic error carrying a finished trailguard message; `path` overrides where it is reported."""
    return PydanticCustomError(ERROR_TYPE, "{message}", {"message": message, "path": path})


def as_validator(check: Callable[[T], T]) -> Callable[[T], T]:
    """A trailguard check (which raises `InvalidValue`) as a pydantic validator keeping the check's message."""

    def run(value: T) -> T:
        try:
            return check(value)
        except InvalidValue as error:
            raise trailguard_error(str(error)) from None

    return run


def _digits_as_text(value: Any) -> Any:
    # YAML reads an unquoted 111111111111 as an int; an account id is text (and may start with 0).
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


AccountId = Annotated[str, BeforeValidator(_digits_as_text), AfterValidator(as_validator(v.check_account_id))]
OrganizationId = Annotated[str, AfterValidator(as_validator(v.check_organization_id))]
Region = Annotated[str, AfterValidator(as_validator(v.check_region))]
BucketName = Annotated[str, AfterValidator(as_validator(v.check_bucket_name))]
TrailName = Annotated[str, AfterValidator(as_validator(v.check_trail_name))]
LogGroupName = Annotated[str, AfterValidator(as_validator(v.check_log_group_name))]
KeyPrefix = Annotated[str, AfterValidator(as_validator(v.check_key_prefix))]
RetentionInDays = Annotated[int, AfterValidator(as_validator(v.check_retention_in_days))]
DeletionWindowInDays = Annotated[int, AfterValidator(as_validator(v.check_deletion_window))]
PrincipalArn = Annotated[str, AfterValidator(as_validator(v.check_principal_arn))]
Tags = Annotated[dict[str, str], AfterValidator(as_validator(v.check_tags))]


# --- turning pydantic's errors into trailguard messages -------------------------------------------------

Segment = str | int


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds, through Optional, Annotated and list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _field_of(model: type[BaseModel] | None, key: str) -> tuple[str, FieldInfo] | None:
    if model is None:
        return None
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return name, info
    return None


def _segments(path: str) -> list[Segment]:
    """`a.b[2].c` -> ["a", "b", 2, "c"]."""
    out: list[Segment] = []
    for part in path.split("."):
        name, *indexes = part.split("[")
        if name:
            out.append(name)
        out.extend(int(i.rstrip("]")) for i in indexes)
    return out


@dataclass(frozen=True)
class _Located:
    path: str
    info: FieldInfo | None
    parent: type[BaseModel] | None


def _locate(model: type[BaseModel], loc: Sequence[Segment], *, by_alias: bool) -> _Located:
    parts: list[str] = []
    current: type[BaseModel] | None = model
    parent: type[BaseModel] | None = model
    info: FieldInfo | None = None
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            continue
        parent = current
        found = _field_of(current, item)
        if found is None:
            parts.append(("." if parts else "") + item)
            info, current = None, None
            continue
        name, info = found
        shown = (info.alias or name) if by_alias else name
        parts.append(("." if parts else "") + shown)
        current = _model_of(info.annotation)
    return _Located("".join(parts), info, parent)


def _example(info: FieldInfo | None) -> str | None:
    extra = info.json_schema_extra if info is not None and isinstance(info.json_schema_extra, dict) else {}
    example = extra.get("example")
    if example is None:
        return None
    return example if isinstance(example, str) else json.dumps(example)


def _expected(info: FieldInfo | None) -> str | None:
    extra = info.json_schema_extra if info is not None and isinstance(info.json_schema_extra, dict) else {}
    expected = extra.get("expected")
    return expected if isinstance(expected, str) else None


def _tail(expected: str | None, example: str | None) -> str:
    text = f"; expected {expected}" if expected else ""
    return f"{text}, e.g. {example}" if example else text


def _describe(error: Mapping[str, Any], where: _Located, *, by_alias: bool) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    expected, example = _expected(where.info), _example(where.info)
    if kind == ERROR_TYPE:
        return str(ctx["message"])
    if kind == "missing":
        return "is required" + _tail(expected, example)
    if kind == "extra_forbidden":
        shown = [
            ((info.alias or name) if by_alias else name)
            for name, info in (where.parent or BaseModel).model_fields.items()
        ]
        known = sorted(k for k in shown if ":" not in k)  # keys of other namespaces (aws:region) are not listed here
        key = where.path.rsplit(".", 1)[-1]
        close = difflib.get_close_matches(key, known, n=1)
        text = f"is not a known key; expected one of {', '.join(known)}"
        return text + (f", e.g. {close[0]}" if close else "")
    if kind == "literal_error":
        return f"{error['input']!r} is not allowed; expected {ctx.get('expected', expected)}" + (
            f", e.g. {example}" if example else ""
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{error['input']!r} is not an object of keys" + _tail(expected, example)
    if kind == "list_type":
        return f"{error['input']!r} is not a list" + _tail(expected, example)
    message = str(error["msg"])
    reason = message[0].lower() + message[1:]
    return f"{error['input']!r} is not valid ({reason})" + _tail(expected, example)


def describe_errors(
    error: ValidationError, model: type[BaseModel], *, by_alias: bool, prefix: Callable[[str], str]
) -> list[str]:
    """One trailguard message per pydantic error: `<key>: <what is wrong>; expected ..., e.g. ...`.

    `prefix` turns the dotted path into the key as the user wrote it (`trailguard:bucket.name`, or
    `OrganizationTrail 'trail': data_event_selectors[0]` for a component's arguments).
    """
    lines = []
    for item in error.errors():
        loc: list[Segment] = list(item["loc"])
        extra_path = (item.get("ctx") or {}).get("path")
        if item["type"] == ERROR_TYPE and extra_path:
            loc += _segments(str(extra_path))
        where = _locate(model, loc, by_alias=by_alias)
        lines.append(f"{prefix(where.path)}: {_describe(item, where, by_alias=by_alias)}")
    return lines
