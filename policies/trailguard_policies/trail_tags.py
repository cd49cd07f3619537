"""cloudtrail-trail-tags: tagged trails can be found, owned and costed (and matched with their bucket)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, resource_policy
from trailguard_policies.resources import TRAIL, Res, arg
from trailguard_policies.values import NotKnown, is_unknown

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-tags"

SPEC = Spec(
    name="cloudtrail-trail-tags",
    description="A CloudTrail trail should carry tags, including any the organization requires.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.LOW,
    url=URL,
    remediation_steps="Set tags on the trail (or defaultTags on its provider), including every key in requiredTags.",
    mappings=Mappings(security_hub=("CloudTrail.9",), aws_config=("required-tags",)),
    settings={
        "requiredTags": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": [],
            "description": 'Tag keys every trail must carry, e.g. ["owner", "data-classification"].',
        }
    },
)


def tag_keys(trail: Res) -> set[str]:
    """The keys the trail will carry: its own tags and its provider's default tags."""
    own = trail.mapping("tags")
    defaults = _object(trail.provider.get("defaultTags"))
    inherited = defaults.get("tags") if isinstance(defaults, dict) else None
    if is_unknown(inherited):
        raise NotKnown(f"the default tags of the provider of {trail.label}")
    return set(own) | (set(inherited) if isinstance(inherited, dict) else set())


def _object(value: Any) -> Any:
    """A default provider's inputs come from stack config, where an object is JSON text (`aws:defaultTags`)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def untagged(trail: Res, required: list[str]) -> Iterable[Violation]:
    keys = tag_keys(trail)
    missing = [k for k in required if k not in keys]
    if not keys:
        needed = f", including {', '.join(required)}" if required else ""
        yield Violation(
            f"{trail.label} has no tags: set {arg('tags')}{needed} so the trail can be found, owned and costed. "
            f"See {URL}"
        )
    elif missing:
        yield Violation(f"{trail.label} lacks the required tags {', '.join(missing)}: add them to {arg('tags')}")


def checks(trail: Res, settings: Settings) -> list[Check]:
    required = settings.strings("requiredTags")
    return [lambda: untagged(trail, required)]


POLICY = resource_policy(SPEC, [TRAIL], checks)
