"""`--assume-role`: every account of the organization, entered with a role, judged on its own, side by side."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from moto_world import ACCOUNT, REGION, World, deny, recorder

from trailguard_gate.audit.aws import Connector
from trailguard_gate.audit.cli import add_commands
from trailguard_gate.audit.orgwalk import Account, WalkError, organization_accounts, role_arn, walk
from trailguard_gate.audit.run import AuditError, AuditOptions, run_audit, start
from trailguard_gate.cli import build_parser
from trailguard_gate.model import Level

pytestmark = pytest.mark.slow  # each test walks an organization in a moto server

ROLE = "OrganizationAccountAccessRole"


def organization(aws: World, *names: str) -> dict[str, str]:
    """An organization whose management account is the caller's; member account ids by name."""
    org = aws.client("organizations")
    org.create_organization(FeatureSet="ALL")
    # As an organization with a working organization trail has it (test_trusted_access checks its absence).
    org.enable_aws_service_access(ServicePrincipal="cloudtrail.amazonaws.com")
    ids = {}
    for name in names:
        ids[name] = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"][
            "AccountId"
        ]
    return ids


def test_every_account_is_entered_with_the_role_and_judged_on_its_own(aws: World) -> None:
    members = organization(aws, "workloads", "sandbox")
    aws.good_trail()
    aws.in_account(members["workloads"]).broken_trail("workload-trail")
    calls: list[str] = []
    results = run_audit(AuditOptions(connector=Connector(hooks=(recorder(calls),)), assume_role=ROLE, concurrency=3))
    names = [r.name for r in results]
    assert sorted(names) == sorted(
        [f"{ACCOUNT}/{REGION}", f"{members['workloads']}/{REGION}", f"{members['sandbox']}/{REGION}"]
    )
    by_name = {r.name: r for r in results}
    assert by_name[f"{ACCOUNT}/{REGION}"].findings == ()
    assert by_name[f"{members['workloads']}/{REGION}"].resources == 3  # trail, bucket, bucket policy
    sandbox = by_name[f"{members['sandbox']}/{REGION}"]
    assert [(f.rule, f.level) for f in sandbox.findings] == [("cloudtrail-region-covered", Level.MANDATORY)]
    # The management account is audited with the caller's own credentials; each member through the role.
    assert calls.count("sts.AssumeRole") == 2
    assert all(
        c.split(".")[1].startswith(("Describe", "Get", "List", "Lookup")) for c in calls if c != "sts.AssumeRole"
    )


def test_an_account_that_cannot_be_entered_is_reported_and_the_walk_goes_on(aws: World) -> None:
    members = organization(aws, "locked", "open")
    aws.in_account(members["open"]).good_trail("open-trail")
    hook = deny("sts", "AssumeRole", only=members["locked"])
    results = run_audit(AuditOptions(connector=Connector(hooks=(hook,)), assume_role=ROLE))
    by_name = {r.name: r for r in results}
    locked = by_name[members["locked"]]
    assert locked.error == (
        f"could not enter account {members['locked']} (locked): sts:AssumeRole on "
        f"arn:aws:iam::{members['locked']}:role/{ROLE} failed (AccessDenied: User is not authorized to perform: "
        f"AssumeRole); the role must exist there and trust account {ACCOUNT}"
    )
    assert by_name[f"{members['open']}/{REGION}"].error is None
    assert by_name[f"{members['open']}/{REGION}"].findings == ()


def test_the_cli_exits_2_when_an_account_could_not_be_judged(aws: World, capsys: pytest.CaptureFixture[str]) -> None:
    members = organization(aws, "locked")
    aws.good_trail()
    parser, subparsers = build_parser()
    add_commands(subparsers)
    args = parser.parse_args(["audit", "--no-pack", "--quiet", "--assume-role", ROLE, "--format", "json"])
    code = args.func(args, hooks=[deny("sts", "AssumeRole")])
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    verdicts = {t["name"]: (t["verdict"], t["error"] is not None) for t in report["targets"]}
    assert verdicts[f"{ACCOUNT}/{REGION}"][1] is False
    assert verdicts[members["locked"]][1] is True


def test_only_the_accounts_asked_for_are_walked(aws: World) -> None:
    members = organization(aws, "one", "two")
    results = run_audit(AuditOptions(assume_role=ROLE, accounts=(members["two"],)))
    assert [r.name for r in results] == [f"{members['two']}/{REGION}"]
    with pytest.raises(AuditError, match=r"^--account 999999999999: not an account of this organization$"):
        run_audit(AuditOptions(assume_role=ROLE, accounts=("999999999999",)))


def test_an_external_id_is_passed_to_assume_role(aws: World) -> None:
    members = organization(aws, "partner")
    seen: list[Any] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        seen.append(params["body"])

    run_audit(AuditOptions(connector=Connector(hooks=(("before-call.sts.AssumeRole", capture),)), assume_role=ROLE,
                           external_id="trailguard-2025"))  # fmt: skip
    [body] = seen
    assert body["ExternalId"] == "trailguard-2025"
    assert body["RoleArn"] == f"arn:aws:iam::{members['partner']}:role/{ROLE}"
    assert body["RoleSessionName"] == "trailguard-audit"


def test_a_caller_outside_the_management_account_is_told_where_to_run(aws: World) -> None:
    base = start(Connector(hooks=(deny("organizations", "ListAccounts", code="AWSOrganizationsNotInUseException"),)))
    with pytest.raises(WalkError) as error:
        organization_accounts(base)
    assert str(error.value) == (
        f"cannot list the organization's accounts from account {ACCOUNT} (organizations:ListAccounts: "
        "AWSOrganizationsNotInUseException: User is not authorized to perform: ListAccounts); run --assume-role "
        "from the management account or a delegated administrator account, or audit one account without "
        "--assume-role"
    )


def test_suspended_accounts_are_skipped_with_a_note(aws: World) -> None:
    members = organization(aws, "closing")
    aws.client("organizations").close_account(AccountId=members["closing"])
    notes: list[str] = []
    results = run_audit(AuditOptions(assume_role=ROLE), notes.append)
    assert [r.name for r in results] == [f"{ACCOUNT}/{REGION}"]
    assert any(
        n.startswith(f"account {members['closing']} (closing) is ") and n.endswith(": not audited") for n in notes
    )


def test_role_arns_carry_the_partition_and_an_optional_path() -> None:
    assert role_arn("aws", "222222222222", ROLE) == f"arn:aws:iam::222222222222:role/{ROLE}"
    assert (
        role_arn("aws-us-gov", "222222222222", "audit/Reader") == "arn:aws-us-gov:iam::222222222222:role/audit/Reader"
    )


def test_the_walk_runs_accounts_side_by_side_within_the_bound() -> None:
    running = 0
    peak = 0
    lock = threading.Lock()
    barrier = threading.Barrier(3, timeout=10)

    def work(account: Account) -> str:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        barrier.wait()  # three accounts must be in flight at once, or this times out
        with lock:
            running -= 1
        return account.id

    accounts = [Account(str(n) * 12) for n in range(1, 7)]
    assert walk(accounts, work, concurrency=3) == [a.id for a in accounts]
    assert peak == 3
