"""Judging what the Pulumi CLI printed, whatever the program's language: preview JSON and stack exports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gate_testing import HERE

from trailguard_gate.cli import main
from trailguard_gate.model import UNKNOWN
from trailguard_gate.preview import PulumiJSONError, load_preview, load_state
from trailguard_gate.render import SECRET_PLACEHOLDER

CLI_JSON = HERE / "fixtures" / "cli_json"
PREVIEW = CLI_JSON / "typescript-preview.json"
STATE = CLI_JSON / "typescript-state.json"


def test_a_preview_is_judged_as_the_stack_it_will_leave() -> None:
    stack = load_preview(PREVIEW)
    by_name = {r.name: r for r in stack.resources}

    assert (stack.stack, stack.project) == ("dev", "audit-ts")
    assert "old-exports" not in by_name  # deleted by the preview
    assert by_name["alerts"].properties == {"name": "alerts-v2", "kmsMasterKeyId": "alias/aws/sns"}  # the replacement
    trail = by_name["audit-trail"]
    assert trail.properties["s3BucketName"] == UNKNOWN
    assert trail.properties["kmsKeyId"] == SECRET_PLACEHOLDER
    assert trail.source == "index.ts:14"
    assert trail.provider_properties is not None and trail.provider_properties["region"] == "eu-west-1"
    assert by_name["audit"].custom is False  # the component
    assert stack.wire_config is not None and stack.wire_config["aws:region"] == "eu-west-1"
    assert any("pulumi preview --json --show-sames" in note for note in stack.notes)
    assert any(note == "not judged, as the preview deletes them: old-exports" for note in stack.notes)


def test_a_stack_export_keeps_ciphertexts_secret_and_leaves_out_pending_deletes() -> None:
    stack = load_state(STATE)
    by_name = {r.name: r for r in stack.resources}

    assert "old-exports" not in by_name
    assert by_name["audit-trail"].properties["kmsKeyId"] == SECRET_PLACEHOLDER
    assert by_name["audit-trail"].outputs is not None
    assert by_name["audit-trail"].outputs["arn"] == "arn:aws:cloudtrail:eu-west-1:123456789012:trail/audit"
    assert stack.notes == ("1 resource(s) pending deletion are not judged",)


def test_plaintext_secrets_of_an_export_with_show_secrets_are_read(tmp_path: Path) -> None:
    document = json.loads(STATE.read_text())
    trail = next(r for r in document["deployment"]["resources"] if r["urn"].endswith("::audit-trail"))
    trail["inputs"]["kmsKeyId"] = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "plaintext": '"arn:aws:kms:eu-west-1:123456789012:key/abc"',
    }
    (tmp_path / "state.json").write_text(json.dumps(document))

    (resource,) = (r for r in load_state(tmp_path / "state.json").resources if r.name == "audit-trail")

    assert resource.properties["kmsKeyId"] == "arn:aws:kms:eu-west-1:123456789012:key/abc"


@pytest.mark.parametrize(
    ("loader", "text", "message"),
    [
        (load_preview, '{"version": 3, "deployment": {}}', "this is a stack export: pass it with --state"),
        (load_preview, "not json", "not JSON"),
        (load_state, '{"steps": []}', "this is a pulumi preview --json digest; pass it with --preview-json"),
        (load_state, '{"version": 2, "deployment": {}}', "deployment version 2; the gate reads version 3 exports"),
    ],
)
def test_the_wrong_file_is_refused_with_the_fix(tmp_path: Path, loader: object, text: str, message: str) -> None:
    (tmp_path / "x.json").write_text(text)

    with pytest.raises(PulumiJSONError) as caught:
        loader(tmp_path / "x.json")  # type: ignore[operator]

    assert message in str(caught.value)


def test_the_pack_judges_a_typescript_preview_and_fails_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "out.json"

    code = main(["check", "--preview-json", str(PREVIEW), "--no-checkov", "--quiet", "--output", f"json:{report}"])

    assert code == 1
    (target,) = json.loads(report.read_text())["targets"]
    failing = {(f["rule"], f["resource_name"]) for f in target["findings"] if f["level"] == "mandatory"}
    assert ("cloudtrail-trail-log-file-validation", "audit-trail") in failing
    assert ("s3-bucket-cloudtrail-sse-kms", "audit-logs") in failing
    assert not any(f["resource_name"] == "old-exports" for f in target["findings"])


def test_a_non_python_project_is_refused_pointing_at_the_cli_json_and_still_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: web\nruntime: nodejs\n")
    sarif = tmp_path / "out" / "gate.sarif"

    code = main(["check", "--project-dir", str(tmp_path), "--output", f"sarif:{sarif}", "--quiet"])

    assert code == 2
    err = capsys.readouterr().err
    assert "trailguard check --preview-json preview.json" in err and "--state state.json" in err
    (run,) = json.loads(sarif.read_text())["runs"]
    assert "runtime 'nodejs' is not supported" in run["results"][0]["message"]["text"]
