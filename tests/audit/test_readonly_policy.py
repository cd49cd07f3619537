"""docs/audit-readonly-policy.json, the IAM policy the README gives the audit's role, allows every call it makes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from moto_world import World, recorder
from test_live import audit

from trailguard_gate.audit.collect import iam_action

pytestmark = pytest.mark.slow  # runs a whole audit against a moto server

POLICY = Path(__file__).resolve().parents[2] / "docs" / "audit-readonly-policy.json"


def allowed_actions() -> set[str]:
    document = json.loads(POLICY.read_text(encoding="utf-8"))
    assert document["Version"] == "2012-10-17"
    actions: set[str] = set()
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
        actions.update(statement["Action"])
    return actions


def test_the_policy_allows_every_call_of_an_audit_and_only_reads(aws: World) -> None:
    aws.good_trail()
    aws.broken_trail()
    calls: list[str] = []
    audit([recorder(calls)], all_regions=True)
    needed = {iam_action(*call.split(".", 1)) for call in calls}
    allowed = allowed_actions()
    assert sorted(needed - allowed) == []
    verbs = {action.split(":", 1)[1] for action in allowed}
    assert sorted(v for v in verbs if not v.startswith(("Describe", "Get", "List", "Lookup"))) == []
