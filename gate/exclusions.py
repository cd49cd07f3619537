"""What the `exclude` entries of `--policy-config` suppressed, so reports show it with the reason instead of silence.

The pack honours an exclusion by not reporting the finding at all, as `pulumi preview --policy-pack-config` does.
Where the config has reasoned exclusions, the gate judges the stacks a second time with those entries taken out:
each finding of that pass that the real pass lacks, on a resource an entry names, is a suppressed finding. The
verdict is always the real pass's; the second pass only adds what was suppressed, marked with its reason.
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from trailguard_gate.model import Finding

Judge = Callable[[Mapping[str, Any]], Mapping[str, Sequence[Finding] | str]]


@dataclasses.dataclass(frozen=True)
class Exclusion:
    policy: str
    resource: str
    """A resource name, or a pattern over names and URNs with `*` (as the pack matches it)."""
    reason: str

    def covers(self, finding: Finding) -> bool:
        if finding.rule != self.policy:
            return False
        names = [n for n in (finding.resource_name, finding.urn) if n]
        return any(n == self.resource or fnmatch.fnmatchcase(n, self.resource) for n in names)


def reasoned_exclusions(config: Mapping[str, Any] | None) -> list[Exclusion]:
    """Every `exclude` entry with a resource and a reason (the pack itself reports the ones without a reason)."""
    found = []
    for policy, settings in (config or {}).items():
        entries = settings.get("exclude") if isinstance(settings, Mapping) else None
        for entry in entries if isinstance(entries, list) else []:
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            reason = entry.get("reason") if isinstance(entry, Mapping) else None
            if isinstance(resource, str) and resource and isinstance(reason, str) and reason.strip():
                found.append(Exclusion(str(policy), resource, reason.strip()))
    return found


def without_exclusions(config: Mapping[str, Any], exclusions: Sequence[Exclusion]) -> dict[str, Any]:
    """The config with the reasoned entries taken out (entries without a reason stay: the pack reports them)."""
    out = copy.deepcopy(dict(config))
    for policy, settings in out.items():
        if isinstance(settings, dict) and isinstance(settings.get("exclude"), list):
            settings["exclude"] = [
                e
                for e in settings["exclude"]
                if not any(
                    isinstance(e, Mapping) and x.policy == policy and e.get("resource") == x.resource
                    for x in exclusions
                )
            ]
    return out


def _key(finding: Finding) -> tuple[str, str, str]:
    return (finding.rule, finding.urn or "", finding.message)


def suppressed_by_exclusions(
    config: Mapping[str, Any] | None, judged: Mapping[str, Sequence[Finding] | str], judge: Judge
) -> dict[str, list[Finding]]:
    """Per stack, the findings the reasoned exclusions suppressed, each with `suppression` set to the reason."""
    exclusions = reasoned_exclusions(config)
    if not exclusions or config is None:
        return {}
    shadow = judge(without_exclusions(config, exclusions))
    out: dict[str, list[Finding]] = {}
    for stack, findings in shadow.items():
        real = judged.get(stack)
        if isinstance(findings, str) or not isinstance(real, Sequence) or isinstance(real, str):
            continue
        seen = {_key(f) for f in real}
        for finding in findings:
            exclusion = next((x for x in exclusions if x.covers(finding)), None)
            if exclusion is not None and _key(finding) not in seen:
                reason = f"excluded in the policy config: {exclusion.reason}"
                out.setdefault(stack, []).append(dataclasses.replace(finding, suppression=reason))
    return out
