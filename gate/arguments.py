"""The argument types every `trailguard` command shares, so `check`, `audit` and `adopt` refuse bad values alike."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from trailguard_gate.report import FORMATS


def positive(kind: type[int] | type[float], example: str = "4") -> Callable[[str], int | float]:
    """A parser of numbers above zero: `--jobs 4`, `--timeout 2.5`."""

    def parse(value: str) -> int | float:
        try:
            number = kind(value)
        except ValueError:
            number = 0
        if number <= 0:
            raise argparse.ArgumentTypeError(f"{value!r} is not a positive number, e.g. {example}")
        return number

    return parse


def output_spec(stem: str) -> Callable[[str], tuple[str | None, str]]:
    """A parser of `--output [FORMAT:]PATH`: `sarif:out/<stem>.sarif` -> ("sarif", path); a bare path takes --format."""

    def parse(value: str) -> tuple[str | None, str]:
        fmt, sep, path = value.partition(":")
        if sep and fmt in FORMATS:
            if not path:
                raise argparse.ArgumentTypeError(f"{value!r}: no path after '{fmt}:', e.g. {fmt}:out/{stem}.{fmt}")
            return fmt, path
        # One letter before the colon is a Windows drive (C:\out.sarif), a slash means a folder: both are paths.
        if sep and len(fmt) > 1 and "/" not in fmt and "\\" not in fmt:
            raise argparse.ArgumentTypeError(
                f"{value!r}: unknown format {fmt!r}; expected one of {', '.join(FORMATS)}, e.g. sarif:out/{stem}.sarif"
            )
        return None, value

    return parse


def region(value: str) -> str:
    """An AWS Region name, by the rule the components' config applies (trailguard.validation)."""
    from trailguard.validation import check_region

    return _validated(check_region, value)


def account(value: str) -> str:
    """An AWS account id, by the rule the components' config applies (trailguard.validation)."""
    from trailguard.validation import check_account_id

    return _validated(check_account_id, value)


def _validated(check: Callable[[str], str], value: str) -> str:
    # trailguard.validation is imported by the callers only when the argument is given: importing the library
    # pulls in pulumi_aws, which no other argument needs.
    from trailguard.validation import InvalidValue

    try:
        return check(value)
    except InvalidValue as error:
        raise argparse.ArgumentTypeError(str(error)) from None
