"""`trailguard adopt`: an import file `pulumi import --file` accepts, with the ids AWS uses and the program's names."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from audit_samples import region_state
from moto_world import ACCOUNT, REGION, World

from trailguard_gate.audit import adopt
from trailguard_gate.audit import convert as c
from trailguard_gate.audit.aws import EventHook
from trailguard_gate.audit.cli import add_commands
from trailguard_gate.cli import build_parser
from trailguard_gate.model import Resource
from trailguard_gate.render import load_project, render_stack

pytestmark = pytest.mark.slow  # each test reads a moto world and renders a stack

REPO = Path(__file__).resolve().parents[2]


def cli(argv: list[str], capsys: pytest.CaptureFixture[str], hooks: Sequence[EventHook] = ()) -> tuple[int, str, str]:
    parser, subparsers = build_parser()
    add_commands(subparsers)
    args = parser.parse_args(argv)
    code = args.func(args, hooks=hooks)
    out, err = capsys.readouterr()
    return code, out, err


def test_import_ids_follow_each_types_import_section() -> None:
    state = region_state()
    ids = {(r.type, r.name): adopt.import_id(r, state) for r in c.to_resources(state)}
    assert ids[(c.TRAIL, "org-trail")] == "arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail"
    assert ids[(c.BUCKET, "acme-cloudtrail-logs")] == "acme-cloudtrail-logs"
    assert ids[(c.BUCKET_POLICY, "acme-cloudtrail-logs-policy")] == "acme-cloudtrail-logs"
    assert ids[(c.KEY, "cloudtrail/org-trail/logs")] == "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert ids[(c.ALIAS, "cloudtrail/org-trail/logs")] == "alias/cloudtrail/org-trail/logs"
    assert ids[(c.LOG_GROUP, "/aws/cloudtrail/org-trail")] == "/aws/cloudtrail/org-trail"
    assert ids[(c.ROLE, "org-trail-cloudwatch")] == "org-trail-cloudwatch"
    assert (
        ids[(c.ROLE_POLICY, "org-trail-cloudwatch-cloudtrail-delivery")] == "org-trail-cloudwatch:cloudtrail-delivery"
    )


def test_adopt_prints_a_plain_import_file_for_the_trail_and_what_it_uses(
    aws: World, capsys: pytest.CaptureFixture[str]
) -> None:
    built = aws.good_trail()
    aws.broken_trail()
    code, out, err = cli(["adopt", "--trail", built.name], capsys)
    assert code == 0
    entries = json.loads(out)["resources"]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        assert set(entry) == {"type", "name", "id"}
        by_type.setdefault(entry["type"], []).append(entry)
    assert [e["id"] for e in by_type[c.TRAIL]] == [built.arn]
    assert sorted(e["id"] for e in by_type[c.BUCKET]) == sorted([built.bucket, built.access_log_bucket])
    assert [e["id"] for e in by_type[c.KEY]] == [built.key_arn.rsplit("/", 1)[1]]
    assert [e["id"] for e in by_type[c.ALIAS]] == [f"alias/cloudtrail/{built.name}/logs"]
    assert [e["id"] for e in by_type[c.LOG_GROUP]] == [built.log_group]
    assert [e["id"] for e in by_type[c.ROLE]] == [built.role_name]
    assert [e["id"] for e in by_type[c.ROLE_POLICY]] == [f"{built.role_name}:cloudtrail-delivery"]
    assert len(by_type[c.BUCKET_POLICY]) == 2
    assert "legacy-trail" not in out  # only the trail asked for, and what it uses
    assert len({e["name"] for e in entries}) == len(entries)
    assert err.endswith("next: pulumi import --file FILE  (imported resources are protected)\n")


def test_an_unknown_trail_lists_the_ones_there_are(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    aws.good_trail()
    code, out, err = cli(["adopt", "--trail", "nope"], capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"trailguard adopt: --trail nope: no trail of account {ACCOUNT} homed in {REGION} has that name; "
        "the trails are: org-trail\n"
    )


def test_a_region_without_trails_says_where_to_look(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    aws.good_trail()
    code, _, err = cli(["adopt", "--region", "eu-west-1"], capsys)
    assert code == 2
    assert err == (
        f"trailguard adopt: account {ACCOUNT} has no trail homed in eu-west-1; pass the trail's home Region with "
        "--region (trailguard audit lists every trail and its Region)\n"
    )


@pytest.fixture(scope="module")
def dev_stack() -> list[Resource]:
    """The repository's all-in-one stack, rendered under mocks as `trailguard check` renders it."""
    rendering = render_stack(load_project(REPO), "dev")
    assert rendering.error is None, rendering.error
    return list(rendering.resources)


def declared(resources: Sequence[Resource], token: str, role: str) -> Resource:
    [found] = [r for r in resources if r.type == token and r.name.endswith(role)]
    return found


def build_like(aws: World, stack: Sequence[Resource], **changes: str) -> Any:
    """A live trail with the physical names the stack's config gives, as if built by hand before adoption."""
    trail = declared(stack, c.TRAIL, "-trail")
    names = {
        "name": trail.properties["name"],
        "bucket": declared(stack, c.BUCKET, "-bucket-bucket").properties["bucket"],
        "access_log_bucket": declared(stack, c.BUCKET, "-access-log-bucket").properties["bucket"],
        "log_group": declared(stack, c.LOG_GROUP, "-log-group").properties["name"],
    }
    names.update(changes)
    return aws.good_trail(names.pop("name"), **names)


def test_adopting_into_a_stack_uses_the_programs_names_and_component_parents(
    aws: World, dev_stack: list[Resource], capsys: pytest.CaptureFixture[str]
) -> None:
    built = build_like(aws, dev_stack)
    code, out, err = cli(["adopt", "--stack", "dev", "--project-dir", str(REPO)], capsys)
    assert code == 0, err
    entries = {e["name"]: e for e in json.loads(out)["resources"]}
    by_urn = {r.urn: r for r in dev_stack}

    def expected_parent(resource: Resource) -> str | None:
        parent = by_urn.get(resource.parent or "")
        return None if parent is None else parent.name

    adopted = {
        (c.TRAIL, "-trail"): built.arn,
        (c.BUCKET, "-bucket-bucket"): built.bucket,
        (c.BUCKET, "-access-log-bucket"): built.access_log_bucket,
        (c.BUCKET_POLICY, "-bucket-policy"): built.bucket,
        (c.BUCKET_LOGGING, "-bucket-logging"): built.bucket,
        (c.KEY, "log-archive-key-key"): built.key_arn.rsplit("/", 1)[1],
        (c.LOG_GROUP, "-log-group-log-group"): built.log_group,
        (c.ROLE, "-log-group-role"): built.role_name,
        (c.ROLE_POLICY, "-log-group-role-policy"): f"{built.role_name}:cloudtrail-delivery",
    }
    for (token, role), physical_id in adopted.items():
        resource = declared(dev_stack, token, role)
        entry = entries[resource.name]
        assert entry["type"] == token
        assert entry["id"] == physical_id
        assert entry.get("parent") == expected_parent(resource)
    # Every parent named is itself in the file, as an empty component to create, before its children.
    order = [e["name"] for e in json.loads(out)["resources"]]
    for entry in entries.values():
        if "parent" in entry:
            parent = entries[entry["parent"]]
            assert parent["component"] is True and "id" not in parent
            assert order.index(entry["parent"]) < order.index(entry["name"])
    assert entries["organization-trail"]["type"] == "trailguard:index:OrganizationTrail"
    assert "warning:" not in err
    assert (
        f"note: adopting the live trail {built.name!r} ({built.arn}) of account {aws.account}, homed in us-east-1, "
        "into stack 'dev'\n" in err
    ), err
    updates = [line for line in err.splitlines() if line.startswith("note: pulumi up will update ")]
    assert all(" in place: " in line for line in updates), err
    # The live trail was built in another account than the stack's config names: pulumi up would rewrite the policies.
    assert (
        "note: pulumi up will update aws:s3/bucketPolicy:BucketPolicy 'log-archive-bucket-policy' in place: "
        "policy (differs)"
    ) in updates, err
    # The program's second key has no live counterpart: said, not invented.
    assert "aws:kms/key:Key 'organization-trail-monitoring-key-key' has no live counterpart" in err


def test_a_physical_name_the_program_would_change_is_a_replacement_warning(
    aws: World, dev_stack: list[Resource], capsys: pytest.CaptureFixture[str]
) -> None:
    build_like(aws, dev_stack, bucket="hand-made-trail-logs")
    code, out, err = cli(["adopt", "--stack", "dev", "--project-dir", str(REPO)], capsys)
    configured = declared(dev_stack, c.BUCKET, "-bucket-bucket").properties["bucket"]
    assert code == 1
    assert json.loads(out)["resources"]
    stack_file = REPO / "stacks" / "Pulumi.dev.yaml"
    line = stack_file.read_text(encoding="utf-8").splitlines().index(f"    name: {configured}") + 1
    assert (
        f"warning: aws:s3/bucket:Bucket 'log-archive-bucket-bucket': the program sets bucket = {configured!r} but "
        f"the live resource has 'hand-made-trail-logs'; set `trailguard:bucket.name` (stacks/Pulumi.dev.yaml line "
        f"{line}) to 'hand-made-trail-logs' before `pulumi up`, or it will be replaced\n"
    ) in err


def test_a_single_account_stack_adopts_a_single_account_trail(
    aws: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The project's program with the dev stack turned into a standalone account's trail (no organization).
    import yaml

    for name in ("Pulumi.yaml", "__main__.py"):
        (tmp_path / name).write_text((REPO / name).read_text())
    document = yaml.safe_load((REPO / "stacks" / "Pulumi.dev.yaml").read_text())
    config = document["config"]
    del config["trailguard:organizationId"]
    config["trailguard:trail"]["isOrganizationTrail"] = False
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.single.yaml").write_text(yaml.safe_dump(document))
    rendering = render_stack(load_project(tmp_path), "single")
    assert rendering.error is None, rendering.error
    built = build_like(aws, list(rendering.resources))
    code, out, err = cli(["adopt", "--stack", "single", "--project-dir", str(tmp_path)], capsys)
    assert code == 0, err
    entries = {e["name"]: e for e in json.loads(out)["resources"]}
    trail = declared(rendering.resources, c.TRAIL, "-trail")
    assert entries[trail.name]["id"] == built.arn
    assert trail.properties["isOrganizationTrail"] is False
    assert "warning:" not in err


def test_an_unknown_stack_is_refused_with_the_known_ones(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    aws.good_trail()
    code, _, err = cli(["adopt", "--stack", "prod", "--project-dir", str(REPO)], capsys)
    assert code == 2
    assert err.startswith("trailguard adopt: --stack prod: no Pulumi.prod.yaml; the stacks are: dev, ")


def test_what_cannot_be_identified_is_left_out_and_said(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    from moto_world import deny

    built = aws.good_trail()
    code, out, err = cli(["adopt"], capsys, [deny("iam", "ListRolePolicies")])
    assert code == 0
    types = [e["type"] for e in json.loads(out)["resources"]]
    assert c.ROLE in types and c.ROLE_POLICY not in types
    assert f"warning: iam:ListRolePolicies on role {built.role_name!r} was denied" in err
    assert (
        f"note: {c.ROLE_POLICY} '{built.role_name}-policies' is left out: what identifies it could not be read "
        "(see the warnings above)\n"
    ) in err
