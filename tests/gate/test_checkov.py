"""checkov's side of the gate without running it: the skips file, the command line, its report, its location."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from trailguard_gate.checkov import (
    CheckovError,
    CheckovOptions,
    Skip,
    SkipsError,
    apply_skips,
    checkov_command,
    component_skips,
    load_skips,
    locate_checkov,
    parse_output,
    unknown_check_ids,
)
from trailguard_gate.model import Finding, Level
from trailguard_gate.run import merge_duplicates


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".checkov.skips.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_skips_are_read_with_their_scope_and_reason(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
skips:
  - check: CKV2_AWS_62
    reason: Log buckets notify through the trail's topic.
  - check: CKV_AWS_145
    resources: "*-access-log-bucket"
    stacks: [dev, prod]
    reason: |
      SSE-S3 on purpose.
""",
    )

    assert load_skips(path) == [
        Skip(check="CKV2_AWS_62", reason="Log buckets notify through the trail's topic."),
        Skip(
            check="CKV_AWS_145", reason="SSE-S3 on purpose.", resources=("*-access-log-bucket",), stacks=("dev", "prod")
        ),
    ]


def test_a_missing_skips_file_means_no_skips(tmp_path: Path) -> None:
    assert load_skips(tmp_path / "absent.yaml") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "skips:\n  - check: CKV_AWS_18\n",
            "skip entry 1 (CKV_AWS_18) has no reason: every skip says why the check does not apply, e.g.",
        ),
        ("skips:\n  - check: CKV_AWS_18\n    reason: '  '\n", "skip entry 1 (CKV_AWS_18) has no reason"),
        (
            "skips:\n  - check: CKV_AWS_18\n    reason: ok\n  - check: nope\n    reason: x\n",
            "skip entry 2 (nope): 'check' must be a checkov check id, e.g. CKV_AWS_144 or CKV2_AWS_62",
        ),
        (
            "skips:\n  - check: CKV_AWS_18\n    reason: ok\n    resource: [x]\n",
            "skip entry 1 (CKV_AWS_18): unknown key 'resource'; the keys are check, reason, resources, stacks",
        ),
        (
            "skips:\n  - check: CKV_AWS_18\n    reason: ok\n    stacks: [1]\n",
            "skip entry 1 (CKV_AWS_18): 'stacks' must be a list of names or patterns, e.g. stacks: [dev]",
        ),
        ("- CKV_AWS_18\n", "expected a 'skips' list, e.g."),
        ("skips: [\n", "not valid YAML"),
    ],
)
def test_a_malformed_skip_is_an_error_naming_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)

    with pytest.raises(SkipsError) as caught:
        load_skips(path)

    assert str(caught.value).startswith(f"{path}: {message}")


def _finding(rule: str, name: str) -> Finding:
    return Finding(
        tool="checkov",
        rule=rule,
        level=Level.MANDATORY,
        message="m",
        urn=f"urn:pulumi:dev::p::t::{name}",
        resource_name=name,
    )


def test_scoped_skips_suppress_only_what_they_name_and_keep_the_reason() -> None:
    skips = [
        Skip("CKV_AWS_145", "SSE-S3 on purpose", resources=("*-access-log-bucket",)),
        Skip("CKV_AWS_18", "only in dev", stacks=("dev",)),
        Skip("CKV2_AWS_62", "global: checkov never runs it"),
    ]
    findings = [
        _finding("CKV_AWS_145", "trail-access-log-bucket"),
        _finding("CKV_AWS_145", "trail-bucket"),
        _finding("CKV_AWS_18", "trail-bucket"),
    ]

    in_dev = apply_skips("dev", findings, skips)
    in_prod = apply_skips("prod", findings, skips)

    assert [f.suppression for f in in_dev] == ["SSE-S3 on purpose", None, "only in dev"]
    assert [f.suppression for f in in_prod] == ["SSE-S3 on purpose", None, None]
    assert [f.fails for f in in_prod] == [False, True, True]


def test_global_skips_go_to_checkovs_own_skip_check(tmp_path: Path) -> None:
    command = checkov_command(
        "/opt/checkov",
        [tmp_path / "dev.tfplan.json"],
        [Skip("CKV_AWS_144", "r"), Skip("CKV2_AWS_62", "r"), Skip("CKV_AWS_18", "r", stacks=("dev",))],
    )

    assert command == [
        "/opt/checkov",
        "--framework",
        "terraform_plan",
        "--output",
        "json",
        "--soft-fail",
        "--skip-download",
        "--file",
        str(tmp_path / "dev.tfplan.json"),
        "--skip-check",
        "CKV2_AWS_62,CKV_AWS_144",
    ]


def test_checkov_reports_of_every_shape_are_read() -> None:
    failed = {"check_id": "CKV_AWS_18", "file_path": "/dev.tfplan.json"}
    single = {"check_type": "terraform_plan", "results": {"failed_checks": [failed], "passed_checks": []}}
    several = [single, {"check_type": "secrets", "results": {"failed_checks": [{"check_id": "CKV_SECRET_2"}]}}]
    nothing_found = {"passed": 0, "failed": 0, "skipped": 0, "parsing_errors": 0, "resource_count": 0}

    assert parse_output(json.dumps(single), "", 0) == [failed]
    assert parse_output(json.dumps(several), "", 0) == [failed]
    assert parse_output(json.dumps(nothing_found), "", 0) == []


def test_a_checkov_crash_is_reported_in_its_own_words() -> None:
    with pytest.raises(CheckovError) as caught:
        parse_output("", "Traceback (most recent call last):\n  ...\nValueError: bad plan\n", 2)

    assert str(caught.value) == "checkov failed: Traceback (most recent call last): / ... / ValueError: bad plan"


def test_checkov_is_found_by_flag_then_environment_then_next_to_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    executable = tmp_path / ".venv-checkov" / "bin" / "checkov"
    executable.parent.mkdir(parents=True)
    executable.write_text("#!/bin/sh\n")
    project = tmp_path / "infra"
    project.mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("TRAILGUARD_CHECKOV", raising=False)

    assert locate_checkov(None, project) == str(executable)
    assert locate_checkov(str(executable), tmp_path / "elsewhere") == str(executable)
    monkeypatch.setenv("TRAILGUARD_CHECKOV", str(executable))
    assert locate_checkov(None, tmp_path / "elsewhere") == str(executable)


def test_a_missing_checkov_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("TRAILGUARD_CHECKOV", raising=False)

    with pytest.raises(CheckovError) as caught:
        locate_checkov(None, tmp_path)

    assert str(caught.value) == (
        "checkov was not found; install it in its own virtualenv (its pins conflict with pulumi's), e.g. "
        "python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov; then pass --checkov PATH, "
        "set TRAILGUARD_CHECKOV, or skip it with --no-checkov"
    )
    with pytest.raises(CheckovError, match=r"^--checkov /nowhere/checkov: no such executable; install it"):
        locate_checkov("/nowhere/checkov", tmp_path)


def test_a_scoped_skip_that_suppressed_nothing_is_named_as_stale() -> None:
    from trailguard_gate.run import stale_skips

    used = Skip("CKV_AWS_145", "SSE-S3 on purpose", resources=("*-access-log-bucket",))
    typo = Skip("CKV_AWS_18", "the replica is logged elsewhere", resources=("*-replika-bucket",))
    found = apply_skips("dev", [_finding("CKV_AWS_145", "trail-access-log-bucket")], [used, typo])

    assert stale_skips([used, typo, Skip("CKV2_AWS_62", "global")], {"dev": found}) == [typo]
    assert typo.describe() == "CKV_AWS_18 (resources *-replika-bucket)"


def _failed(rule: str, severity: str | None = None) -> Finding:
    return Finding(tool="checkov", rule=rule, level=Level.MANDATORY, message="failed", severity=severity)


@pytest.mark.parametrize(
    ("options", "levels"),
    [
        (CheckovOptions(), ["mandatory", "mandatory", "mandatory"]),
        (CheckovOptions(level=Level.ADVISORY), ["advisory", "advisory", "advisory"]),
        (CheckovOptions(soft_fail_on=("CKV_AWS_18",)), ["advisory", "mandatory", "mandatory"]),
        (CheckovOptions(hard_fail_on=("CKV_AWS_2*",)), ["advisory", "mandatory", "advisory"]),
        (CheckovOptions(hard_fail_on=("HIGH",)), ["advisory", "advisory", "mandatory"]),
        (CheckovOptions(soft_fail_on=("MEDIUM",)), ["advisory", "advisory", "mandatory"]),
    ],
)
def test_checkovs_own_fail_options_decide_each_findings_level(options: CheckovOptions, levels: list[str]) -> None:
    findings = [_failed("CKV_AWS_18", "low"), _failed("CKV_AWS_21", "medium"), _failed("CKV_AWS_145", "high")]

    assert [options.level_of(f).value for f in findings] == levels


def test_check_and_skip_check_pass_through_to_checkov(tmp_path: Path) -> None:
    options = CheckovOptions(check=("CKV_AWS_18", "CKV_AWS_21"), skip_check=("CKV_AWS_144",))
    skips = [Skip(check="CKV2_AWS_62", reason="notified elsewhere")]

    command = checkov_command("checkov", [tmp_path / "dev.tfplan.json"], skips, options)

    assert command[command.index("--check") + 1] == "CKV_AWS_18,CKV_AWS_21"
    assert command[command.index("--skip-check") + 1] == "CKV2_AWS_62,CKV_AWS_144"


def test_a_check_id_checkov_does_not_have_is_named_with_the_nearest() -> None:
    known = ["CKV_AWS_144", "CKV_AWS_145", "CKV2_AWS_62"]

    assert unknown_check_ids(["CKV_AWS_145", "CKV_AWS_1455", "HIGH", "CKV_AWS_1*"], known) == [
        "CKV_AWS_1455 is not a check of the installed checkov; did you mean CKV_AWS_145 or CKV_AWS_144?"
    ]


def test_the_shipped_skips_cover_only_what_trailguards_components_create() -> None:
    shipped = component_skips()
    component_bucket = Finding(
        tool="checkov",
        rule="CKV_AWS_144",
        level=Level.MANDATORY,
        message="failed",
        resource_name="archive-bucket-bucket",
        urn="urn:pulumi:dev::shop::trailguard:index:LogArchive$trailguard:index:TrailBucket$aws:s3/bucket:Bucket::"
        "archive-bucket-bucket",
    )
    own_bucket = replace(component_bucket, urn="urn:pulumi:dev::shop::aws:s3/bucket:Bucket::uploads")

    assert all(s.shipped and s.reason and not s.is_global for s in shipped)
    assert apply_skips("dev", [component_bucket], shipped)[0].suppression is not None
    assert apply_skips("dev", [own_bucket], shipped)[0].suppression is None


def test_a_pack_policy_and_the_checkov_check_it_maps_to_make_one_finding() -> None:
    urn = "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::logs"
    pack = [
        Finding(tool="policy", rule="s3-bucket-cloudtrail-sse-kms", level=Level.MANDATORY, message="no KMS", urn=urn)
    ]
    checkov = [
        replace(_failed("CKV_AWS_145"), urn=urn),
        replace(_failed("CKV_AWS_145"), urn="urn:pulumi:dev::shop::aws:s3/bucket:Bucket::other"),
        replace(_failed("CKV_AWS_18"), urn=urn),
    ]

    merged = merge_duplicates(pack, checkov, {"s3-bucket-cloudtrail-sse-kms": ("CKV_AWS_145",)})

    assert [(f.tool, f.rule, f.urn.rsplit("::", 1)[-1]) for f in merged if f.urn] == [
        ("policy", "s3-bucket-cloudtrail-sse-kms", "logs"),
        ("checkov", "CKV_AWS_145", "other"),
        ("checkov", "CKV_AWS_18", "logs"),
    ]
    assert merged[0].message == "no KMS (checkov CKV_AWS_145 reports the same; this finding stands for both)"
