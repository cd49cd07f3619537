"""`trailguard check` as a user runs it: bad usage exits 2 with a clear message; reports go where they are asked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from gate_testing import TRAIL_PROJECT

from trailguard_gate.cli import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture project as the current directory."""
    root = tmp_path / "trail_project"
    shutil.copytree(TRAIL_PROJECT, root)
    monkeypatch.chdir(root)
    return root


def test_outside_a_pulumi_project_it_says_where_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    assert main(["check", "--no-pack", "--no-checkov"]) == 2

    assert capsys.readouterr().err == (
        f"trailguard check: {tmp_path}: no Pulumi.yaml here; run trailguard check in a Pulumi project's directory "
        "or pass --project-dir, e.g. --project-dir infra/\n"
    )


def test_a_stack_without_a_file_renders_with_empty_config_and_says_so(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fixture's program requires trailName, so empty config cannot render: the report says both.
    assert main(["check", "--stack", "prod", "--no-pack", "--no-checkov"]) == 2

    captured = capsys.readouterr()
    assert (
        "prod: no stack file stacks/Pulumi.prod.yaml (the stacks with one: broken, insecure, secure); "
        "rendering with empty stack config" in captured.err
    )
    assert "Missing required configuration variable 'trail-fixture:trailName'" in captured.out
    assert "note: no stack file stacks/Pulumi.prod.yaml: rendered with empty stack config" in captured.out


def test_an_unexplained_skip_stops_the_gate(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".checkov.skips.yaml").write_text("skips:\n  - check: CKV_AWS_18\n")

    assert main(["check", "--no-pack", "--checkov", "/bin/true"]) == 2

    assert capsys.readouterr().err.startswith(
        f"trailguard check: {project / '.checkov.skips.yaml'}: skip entry 1 (CKV_AWS_18) has no reason: "
        "every skip says why the check does not apply"
    )


def test_a_folder_that_is_not_a_policy_pack_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--policy-pack", str(project), "--no-checkov"]) == 2

    assert capsys.readouterr().err == (
        f"trailguard check: --policy-pack {project}: no PulumiPolicy.yaml there; pass a policy pack folder\n"
    )


def test_a_policy_config_that_is_not_json_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = project / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (project / "policy-config.json").write_text("{all: mandatory}")

    assert main(["check", "--policy-pack", str(pack), "--policy-config", "policy-config.json", "--no-checkov"]) == 2

    assert capsys.readouterr().err.startswith(
        "trailguard check: --policy-config policy-config.json: not valid JSON (Expecting property name"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--output", "html:out.html"], "'html:out.html': unknown format 'html'; expected one of text, json"),
        (["check", "--output", "sarif:"], "'sarif:': no path after 'sarif:', e.g. sarif:out/trailguard.sarif"),
        (["check", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["check", "--jobs", "0"], "argument --jobs: '0' is not a positive number, e.g. 4"),
        # The same rules as stack config and `trailguard audit`.
        (
            ["check", "--region", "eu-wst-1"],
            "argument --region: 'eu-wst-1' is not an AWS Region; did you mean eu-west-1?",
        ),
        (["check", "--account-id", "1234"], "argument --account-id: '1234' is not an AWS account id"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(
    argv: list[str], message: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)

    assert exited.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_reports_go_to_stdout_and_every_output_and_progress_to_stderr(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "check",
            "--no-pack",
            "--no-checkov",
            "--output",
            "json:out/gate.json",
            "--output",
            "junit:out/gate.xml",
            "--output",
            "out/gate.md",
            "--format",
            "markdown",
        ]
    )

    out, err = capsys.readouterr()
    assert code == 2  # the broken stack could not be rendered; the others were still checked
    assert out == ""  # the bare --output took the --format report
    assert (project / "out" / "gate.md").read_text().startswith("## trailguard check\n")
    document = json.loads((project / "out" / "gate.json").read_text())
    assert [(t["name"], t["verdict"], t["resources"]) for t in document["targets"]] == [
        ("broken", "error", 0),
        ("insecure", "pass", 4),
        ("secure", "pass", 22),
    ]
    assert (project / "out" / "gate.xml").read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    assert "rendering 3 stack(s) of trail-fixture under mocks" in err
    assert "broken: could not be rendered: ValueError: trail-fixture:trailName: 'Not A Trail Name!'" in err
    assert "wrote json report to out/gate.json" in err


@pytest.mark.slow
def test_quiet_keeps_stderr_empty_and_text_goes_to_stdout(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--no-pack", "--no-checkov", "--quiet", "--stack", "secure"]) == 0

    out, err = capsys.readouterr()
    assert err == ""
    assert out == (
        "secure: PASS (22 resources, stacks/Pulumi.secure.yaml)\n  no findings\n\n"
        "1 target: 0 failing, 0 advisory, 0 skipped, 0 could not be checked\n"
    )


@pytest.mark.slow
def test_policy_config_reaches_the_pack_as_pulumi_preview_would_pass_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "policy-config.json").write_text(json.dumps({"all": "advisory"}))

    code = main(["check", "--stack", "insecure", "--no-checkov", "--policy-config", "policy-config.json", "--quiet"])

    out = capsys.readouterr().out
    assert code == 0  # every violation still reported, none mandatory
    rows = [
        line.split()[:2] for line in out.splitlines() if line.startswith("  advisory") or line.startswith("  mandatory")
    ]
    assert ["advisory", "cloudtrail-trail-multi-region"] in rows
    assert all(level == "advisory" for level, _ in rows)
    assert out.splitlines()[-1] == "1 target: 0 failing, 12 advisory, 0 skipped, 0 could not be checked"


@pytest.mark.slow
def test_a_policy_config_the_cli_would_refuse_fails_every_stack_with_the_reason(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "policy-config.json").write_text(json.dumps({"cloudtrail-trail-multi-regoin": "advisory"}))

    code = main(["check", "--stack", "secure", "--no-checkov", "--policy-config", "policy-config.json", "--quiet"])

    out = capsys.readouterr().out
    assert code == 2
    assert "secure: ERROR" in out
    assert "cloudtrail-trail-multi-regoin" in out
