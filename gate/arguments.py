"""The argument types every `trailguard` command shares, so `check`, `audit` and `adopt` refuse bad values alike."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

from trailguard_gate.report import FORMATS

_ACCOUNT = re.compile(r"\d{12}")


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
    """An AWS Region name, by the AWS SDK's partition data, as the gate judges `aws:region` in stack config."""
    from trailguard_gate.render import region_problem

    problem = region_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"{value!r} {problem.replace(' (pulumi config set aws:region <region>)', '')}")
    return value


def account(value: str) -> str:
    """An AWS account id: 12 digits."""
    if not _ACCOUNT.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an AWS account id; expected 12 digits, e.g. 111111111111")
    return value
