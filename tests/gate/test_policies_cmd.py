"""`trailguard policies` lists every policy of the pack, with level, severity and version-labelled mappings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trailguard_gate.cli import main
from trailguard_gate.policies_cmd import mappings


def test_cis_controls_carry_their_benchmark_version() -> None:
    tags = ["cis-1.4.0:3.2", "cis-3.0.0:3.2", "security-hub:CloudTrail.4", "checkov:CKV_AWS_36"]
    assert mappings(tags) == {
        "CIS": ["v1.4.0 3.2", "v3.0.0 3.2"],
        "Security Hub": ["CloudTrail.4"],
        "AWS Config": [],
        "checkov": ["CKV_AWS_36"],
    }


def test_every_policy_of_the_pack_is_listed(capsys: pytest.CaptureFixture[str], repo_root: Path) -> None:
    assert main(["policies", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    names = [p["name"] for p in document["policies"]]
    readme = (repo_root / "policies" / "README.md").read_text(encoding="utf-8")
    assert len(names) == len(set(names)) > 25
    assert all(f"`{name}`" in readme for name in names)
    validation = next(p for p in document["policies"] if p["name"] == "cloudtrail-trail-log-file-validation")
    assert (validation["level"], validation["severity"]) == ("mandatory", "high")
    assert validation["mappings"]["Security Hub"] == ["CloudTrail.4"]
    assert all(c.startswith("v") for p in document["policies"] for c in p["mappings"]["CIS"])

    assert main(["policies"]) == 0
    text = capsys.readouterr().out
    assert all(f"\n{name}  " in text for name in names)
    assert "cloudtrail-trail-log-file-validation  mandatory  severity high" in text


def test_a_folder_without_a_pack_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["policies", "--policy-pack", str(tmp_path)]) == 2
    assert "no PulumiPolicy.yaml there" in capsys.readouterr().err
