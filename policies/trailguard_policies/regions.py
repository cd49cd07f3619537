"""AWS Region names and their partitions, from the AWS SDK's own partition data: the one Region rule the
components' config, the gate's flags and stack config all use.

Kept beside the pack (which ships in the same wheel) so the library and the gate share it without importing each
other; the pack's policies do not need it, and it imports nothing the pack's own environment lacks.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from pathlib import Path
from typing import Any

# Used only where botocore is not installed: the partitions' own patterns, no Region list.
_FALLBACK: list[dict[str, Any]] = [
    {"id": "aws-us-gov", "regionRegex": r"^us\-gov\-\w+\-\d+$", "regions": {}},
    {"id": "aws-iso-b", "regionRegex": r"^us\-isob\-\w+\-\d+$", "regions": {}},
    {"id": "aws-iso", "regionRegex": r"^us\-iso\-\w+\-\d+$", "regions": {}},
    {"id": "aws-cn", "regionRegex": r"^cn\-\w+\-\d+$", "regions": {}},
    {"id": "aws", "regionRegex": r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$", "regions": {}},
]
# The direction words Region names use, for the fallback and for Regions newer than the SDK's data.
_DIRECTIONS = {"central", "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"}


@functools.cache
def partitions() -> tuple[dict[str, Any], ...]:
    """The AWS SDK's partition data (botocore/data/partitions.json): each partition's Region pattern and Regions."""
    try:
        import botocore

        data = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text(encoding="utf-8"))
        return tuple(data["partitions"])
    except (ImportError, OSError, ValueError, KeyError):
        return tuple(_FALLBACK)


def region_partition(region: str) -> str | None:
    """The partition of `region` (`aws-cn` for `cn-north-1`); None if it is not a Region name at all."""
    for partition in partitions():
        if region in partition.get("regions", {}):
            return str(partition["id"])
    # A Region newer than the SDK's data: its partition's pattern, with a direction word Regions use
    # (`ap-southeast-7` yes, `eu-wst-1` no). The specific patterns (us-gov-, us-iso-) before the commercial one.
    words = {r.split("-")[-2] for p in partitions() for r in p.get("regions", {}) if r.count("-") >= 2}
    for partition in sorted(partitions(), key=lambda p: p["id"] == "aws"):
        if re.match(partition["regionRegex"], region) and region.split("-")[-2] in (words or _DIRECTIONS):
            return str(partition["id"])
    return None


def closest_region(value: str) -> str | None:
    """The known Region nearest to a misspelt one, for a 'did you mean'."""
    names = [r for p in partitions() for r in p.get("regions", {}) if not r.startswith("aws-")]
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.6)
    return close[0] if close else None
