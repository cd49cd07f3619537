"""What a trail records, read from its basic (`eventSelectors`) or advanced (`advancedEventSelectors`) selectors.

A trail with neither records every read and write management event and no data event (the CloudTrail
default). Field names follow pulumi-aws 7's `TrailEventSelector` and `TrailAdvancedEventSelectorFieldSelector`;
the semantics follow
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html and
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trailguard_policies.resources import Res, field_of, nested_list
from trailguard_policies.values import Malformed, describe

S3_OBJECT = "AWS::S3::Object"
READ_WRITE_TYPES = ("All", "ReadOnly", "WriteOnly")


@dataclass(frozen=True)
class Management:
    read: bool
    write: bool
    excluded_sources: frozenset[str] = frozenset()
    only_sources: frozenset[str] | None = None
    """Set when selectors record management events from these sources only."""


@dataclass(frozen=True)
class S3Scope:
    """One selector's S3 data events: which kinds, and which object ARN prefixes (None: every bucket)."""

    read: bool
    write: bool
    prefixes: tuple[str, ...] | None
    excluded_prefixes: tuple[str, ...] = ()

    def covers(self, prefix: str) -> bool:
        included = self.prefixes is None or any(prefix.startswith(p) or p.startswith(prefix) for p in self.prefixes)
        return included and not any(prefix.startswith(p) for p in self.excluded_prefixes)


def _strings(value: Any, where: str) -> list[str]:
    items = nested_list(value, where=where)
    if not all(isinstance(item, str) for item in items):
        raise Malformed(f"{where} is {describe(value)}; expected a list of strings")
    return items


def _text(value: Any, where: str, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise Malformed(f"{where} is {describe(value)}; expected a string")
    return value


def _flag(value: Any, where: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise Malformed(f"{where} is {describe(value)}; expected true or false")
    return value


def _reads_writes(read_write_type: str, where: str) -> tuple[bool, bool]:
    if read_write_type not in READ_WRITE_TYPES:
        raise Malformed(f"{where} is {read_write_type!r}; expected one of {', '.join(READ_WRITE_TYPES)}")
    return read_write_type != "WriteOnly", read_write_type != "ReadOnly"


def _fields(trail: Res, index: int, selector: Any) -> dict[str, dict[str, list[str]]]:
    """An advanced selector's field selectors as {field: {operator: values}}."""
    where = f"{trail.where('advancedEventSelectors')}[{index}]"
    fields: dict[str, dict[str, list[str]]] = {}
    for j, raw in enumerate(
        nested_list(field_of(selector, "fieldSelectors", where=where), where=f"{where}.fieldSelectors")
    ):
        at = f"{where}.fieldSelectors[{j}]"
        name = field_of(raw, "field", where=at)
        if not isinstance(name, str):
            raise Malformed(f'{at}.field is {describe(name)}; expected a field name such as "eventCategory"')
        operators = fields.setdefault(name, {})
        for operator in ("equals", "notEquals", "startsWiths", "notStartsWiths", "endsWiths", "notEndsWiths"):
            values = field_of(raw, operator, where=at)
            if values is not None:
                operators.setdefault(operator, []).extend(_strings(values, f"{at}.{operator}"))
    return fields


def _advanced_reads_writes(fields: dict[str, dict[str, list[str]]]) -> tuple[bool, bool]:
    read_only = fields.get("readOnly", {}).get("equals")
    if not read_only:
        return True, True
    return "true" in read_only, "false" in read_only


def management(trail: Res) -> Management:
    basic, advanced = trail.items("eventSelectors"), trail.items("advancedEventSelectors")
    if advanced:
        return _advanced_management(trail, advanced)
    if not basic:
        return Management(read=True, write=True)
    read = write = False
    excluded: set[str] | None = None
    for index, selector in enumerate(basic):
        where = f"{trail.where('eventSelectors')}[{index}]"
        if not _flag(
            field_of(selector, "includeManagementEvents", where=where), f"{where}.includeManagementEvents", True
        ):
            continue
        r, w = _reads_writes(
            _text(field_of(selector, "readWriteType", where=where), f"{where}.readWriteType", "All"),
            f"{where}.readWriteType",
        )
        read, write = read or r, write or w
        sources = set(
            _strings(
                field_of(selector, "excludeManagementEventSources", where=where),
                f"{where}.excludeManagementEventSources",
            )
        )
        # A source is missed only when every selector that records management events excludes it.
        excluded = sources if excluded is None else excluded & sources
    return Management(read, write, frozenset(excluded or ()))


def _advanced_management(trail: Res, advanced: list[Any]) -> Management:
    read = write = False
    excluded: set[str] | None = None
    only: set[str] = set()
    unrestricted = False
    for index, selector in enumerate(advanced):
        fields = _fields(trail, index, selector)
        if "Management" not in fields.get("eventCategory", {}).get("equals", []):
            continue
        r, w = _advanced_reads_writes(fields)
        read, write = read or r, write or w
        source = fields.get("eventSource", {})
        not_sources = set(source.get("notEquals", [])) | set(source.get("notStartsWiths", []))
        excluded = not_sources if excluded is None else excluded & not_sources
        named = set(source.get("equals", [])) | set(source.get("startsWiths", []))
        only |= named
        unrestricted = unrestricted or not named
    return Management(read, write, frozenset(excluded or ()), None if unrestricted or not only else frozenset(only))


def s3_scopes(trail: Res, partition: str) -> list[S3Scope]:
    """The selectors recording S3 object-level (data) events."""
    everything = {f"arn:{partition}:s3", f"arn:{partition}:s3:::"}
    scopes = []
    advanced = trail.items("advancedEventSelectors")
    if advanced:
        for index, selector in enumerate(advanced):
            fields = _fields(trail, index, selector)
            if "Data" not in fields.get("eventCategory", {}).get("equals", []):
                continue
            if S3_OBJECT not in fields.get("resources.type", {}).get("equals", []):
                continue
            arns = fields.get("resources.ARN", {})
            included = arns.get("startsWiths", []) + arns.get("equals", [])
            excluded = arns.get("notStartsWiths", []) + arns.get("notEquals", [])
            r, w = _advanced_reads_writes(fields)
            scopes.append(S3Scope(r, w, tuple(included) if included else None, tuple(excluded)))
        return scopes
    for index, selector in enumerate(trail.items("eventSelectors")):
        where = f"{trail.where('eventSelectors')}[{index}]"
        r, w = _reads_writes(
            _text(field_of(selector, "readWriteType", where=where), f"{where}.readWriteType", "All"),
            f"{where}.readWriteType",
        )
        for j, resource in enumerate(
            nested_list(field_of(selector, "dataResources", where=where), where=f"{where}.dataResources")
        ):
            at = f"{where}.dataResources[{j}]"
            if field_of(resource, "type", where=at) != S3_OBJECT:
                continue
            values = _strings(field_of(resource, "values", where=at), f"{at}.values")
            prefixes = None if any(v in everything for v in values) else tuple(values)
            scopes.append(S3Scope(r, w, prefixes))
    return scopes
