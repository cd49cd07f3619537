"""Run the policy pack on audited accounts: the same pack, through the same Analyzer protocol, as `trailguard check`.

Each account and Region is one stack to the pack (`111111111111-us-east-1` in project `trailguard-audit`). What a
live resource cannot show (Pulumi options) is not judged because the audit turns those policies off in the pack's
config (`CODE_ONLY_POLICIES`); no trailguard policy reads the stack's `trailguard:audit` tag.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from trailguard_gate.audit.convert import PROJECT
from trailguard_gate.model import Finding, Resource

AUDIT_STACK = "audit"
"""The stack every audited target is judged as: one pack process serves the whole audit (a new stack restarts it)."""
AUDIT_STACK_TAG = "trailguard:audit"
"""The stack tag of an audit (value `true`): no trailguard policy reads it; a pack of your own may, to tell live
resources from code."""
CODE_ONLY_POLICIES = (
    "s3-bucket-cloudtrail-deletion-protection",
    "kms-key-cloudtrail-deletion-protection",
    "cloudtrail-trail-cis-monitoring",
)
"""Policies an audit cannot judge, turned off rather than fail every account on what it cannot see: the Pulumi
resource options (`protect`, `forceDestroy`), which live resources do not have, and CIS monitoring, whose metric
filters and alarms the audit does not read yet."""


def audit_config(given: Mapping[str, Any] | None, policies: Mapping[str, Any]) -> dict[str, Any]:
    """The user's policy config, with the code-only policies the pack has turned off."""
    config = dict(given or {})
    for name in CODE_ONLY_POLICIES:
        if name in policies:
            config[name] = "disabled"
    return config


def judge(
    targets: Mapping[str, Sequence[Resource]],
    *,
    pack_dir: Path,
    policy_config: Mapping[str, Any] | None = None,
    timeout: float = 300.0,
) -> dict[str, list[Finding] | str]:
    """Findings per target name, or why the pack could not judge it (a pack that cannot start judges nothing)."""
    from trailguard_gate.analyzer import PolicyPack
    from trailguard_gate.audit.live import describe
    from trailguard_gate.run import pack_python

    out: dict[str, list[Finding] | str] = {}
    try:
        with PolicyPack(pack_dir, python=pack_python(pack_dir), timeout=timeout) as pack:
            pack.configure_stack(stack=AUDIT_STACK, project=PROJECT, tags={AUDIT_STACK_TAG: "true"})
            policies = {p.name: p for p in pack.info().policies}
            pack.configure(audit_config(policy_config, policies))
            for name, resources in targets.items():
                found = pack.findings(resources)
                account_id, _, region = name.partition("/")
                tags = {p.name: p.tags for p in policies.values()}
                out[name] = describe(found, resources, account_id=account_id, region=region, policy_tags=tags)
    except Exception as exc:  # a pack that cannot start or crashes is reported on every target
        message = f"policy pack {pack_dir}: {exc}"
        return {name: out.get(name, message) for name in targets}
    return out
