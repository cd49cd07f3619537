"""One audit from start to verdict: enter each account, read each Region, judge it with the pack, add delivery health.

The result is one `TargetResult` per account and Region (`111111111111/us-east-1`), rendered and scored by the
same `trailguard_gate.report` as `trailguard check`. Only what stops every account (no credentials, an unknown
profile, no Region, an organization that cannot be listed) raises `AuditError`; anything else is reported on the
account or Region it concerns, and the rest of the audit goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

from trailguard_gate.audit import gaps, health
from trailguard_gate.audit.aws import AccountSession, Connector, arn_account
from trailguard_gate.audit.collect import Fault, Gap, Reader, RegionState, collect_region
from trailguard_gate.audit.convert import KEY, TRAIL, key_name, stack_name, to_resources, urn
from trailguard_gate.audit.live import describe
from trailguard_gate.audit.orgwalk import DEFAULT_CONCURRENCY, Account, EntryError, enter, organization_accounts, walk
from trailguard_gate.audit.trusted_access import trusted_access_findings
from trailguard_gate.model import Finding, Resource, TargetResult
from trailguard_policies.stack import arn_partition

Progress = Callable[[str], None]


class AuditError(RuntimeError):
    """The audit cannot start; the message says what to set or pass."""


@dataclass(frozen=True)
class AuditOptions:
    connector: Connector = field(default_factory=Connector)
    regions: Sequence[str] = ()
    """Regions to audit in every account; empty: the session's Region and the home Regions of the trails it lists."""
    all_regions: bool = False
    """Audit every Region enabled in each account (`ec2:DescribeRegions`)."""
    assume_role: str | None = None
    """Walk the organization, entering each account with this role."""
    external_id: str | None = None
    accounts: Sequence[str] = ()
    """With `assume_role`: only these account ids."""
    concurrency: int = DEFAULT_CONCURRENCY
    max_delivery_age: timedelta = health.DEFAULT_MAX_DELIVERY_AGE
    policy_pack: Path | None = None
    """The pack folder; None judges delivery health and gaps only."""
    policy_config: Mapping[str, Any] | None = None
    timeout: float = 300.0


@dataclass(frozen=True)
class Audited:
    """One account and Region, read and converted, before the pack judges it."""

    name: str
    resources: list[Resource] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None


def target_name(account_id: str, region: str) -> str:
    return f"{account_id}/{region}"


def start(connector: Connector) -> AccountSession:
    """The caller's own account: who the credentials belong to, in which partition, from which Region."""
    try:
        session = connector.session()
    except ProfileNotFound:
        profiles = ", ".join(boto3.Session().available_profiles) or "(none)"
        raise AuditError(
            f"--profile {connector.profile}: no such profile in the AWS config and credentials files; "
            f"the profiles are: {profiles}"
        ) from None
    region = session.region_name
    if not region:
        raise AuditError("no AWS Region: pass --region, e.g. --region us-east-1, or set AWS_REGION")
    try:
        identity = session.client("sts", region_name=region, config=connector.config()).get_caller_identity()
    except NoCredentialsError:
        raise AuditError(
            "no AWS credentials found: set AWS_PROFILE or pass --profile, export AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or sign in (e.g. aws sso login --profile NAME)"
        ) from None
    except NoRegionError:
        raise AuditError("no AWS Region: pass --region, e.g. --region us-east-1, or set AWS_REGION") from None
    except ClientError as error:
        info = error.response.get("Error", {})
        raise AuditError(
            f"AWS rejected the credentials (sts:GetCallerIdentity: {info.get('Code')}: {info.get('Message')}); "
            "refresh them or pass another --profile"
        ) from None
    except BotoCoreError as error:
        raise AuditError(f"cannot use the AWS credentials: {error}") from None
    account_id = str(identity["Account"])
    return AccountSession(
        connector, session, account_id, arn_partition(str(identity["Arn"])) or "aws", region, account_id
    )


def regions_for(account: AccountSession, options: AuditOptions) -> tuple[list[str], list[Fault]]:
    """Which Regions to read in `account`, and any fault met while finding out."""
    if options.regions:
        return list(dict.fromkeys(options.regions)), []
    reader = Reader(account, account.default_region)
    if options.all_regions:
        listed = reader.call(
            "ec2", "describe_regions", f"the Regions of account {account.account_id}", "auditing every Region"
        )
        if not isinstance(listed, Gap):
            return sorted(str(r["RegionName"]) for r in listed.get("Regions") or []), reader.faults
    else:
        trails = reader.call(
            "cloudtrail",
            "describe_trails",
            f"the trails of account {account.account_id}",
            "finding the trails' home Regions",
            includeShadowTrails=True,
        )
        if not isinstance(trails, Gap):
            homes = {
                str(t["HomeRegion"])
                for t in trails.get("trailList") or []
                if t.get("HomeRegion") and arn_account(str(t.get("TrailARN", ""))) == account.account_id
            }
            return sorted(homes | {account.default_region}), []
        # The same DescribeTrails fails again when the Region is read, and is reported there, once.
        return [account.default_region], []
    return [account.default_region], reader.faults


def judge_region(
    state: RegionState, options: AuditOptions, now: datetime, earlier_faults: Sequence[Fault] = ()
) -> Audited:
    """Convert one Region's state and add what the pack cannot see: delivery health, gaps, coverage.

    `earlier_faults`: reads that failed before this Region was read (finding the Regions to audit).
    """
    name = target_name(state.account_id, state.region)
    if state.trails_unread:
        # Nothing in the Region could be judged: that is the target's error, not one finding among others.
        return Audited(name, findings=gaps.fault_findings(earlier_faults), error=state.faults[0].message())
    findings = gaps.fault_findings([*earlier_faults, *state.faults])
    resources = to_resources(state)
    stack = stack_name(state.account_id, state.region)
    by_urn = {r.urn: r for r in resources}
    for trail in state.trails:
        trail_urn = urn(stack, TRAIL, trail.name)
        findings.extend(
            health.trail_health(
                trail, urn=trail_urn if trail_urn in by_urn else None, now=now, max_age=options.max_delivery_age
            )
        )
    key_urns = {arn: urn(stack, KEY, key_name(key)) for arn, key in state.keys.items()}
    findings.extend(health.key_health(state.keys.values(), key_urns))
    findings.extend(gaps.reference_findings(state.references, state.account_id))
    findings.extend(gaps.coverage_findings(state))
    return Audited(name, resources=resources, findings=findings)


def audit_account(account: AccountSession, options: AuditOptions, now: datetime, progress: Progress) -> list[Audited]:
    regions, faults = regions_for(account, options)
    progress(f"account {account.label}: {len(regions)} Region(s): {', '.join(regions)}")
    out = []
    for index, region in enumerate(regions):
        state = collect_region(account, region)
        audited = judge_region(state, options, now, faults if index == 0 else ())
        progress(
            f"  {audited.name}: {len(state.trails)} trail(s), {len(audited.resources)} resource(s)"
            + (f", {len(state.faults)} read(s) failed" if state.faults else "")
        )
        out.append(audited)
    return out


def run_audit(
    options: AuditOptions, progress: Progress = lambda _: None, now: datetime | None = None
) -> list[TargetResult]:
    """Audit the caller's account, or every account of its organization, and judge each Region."""
    moment = now or datetime.now(UTC)
    base = start(options.connector)
    lock = threading.Lock()

    def say(message: str) -> None:
        with lock:
            progress(message)

    if options.assume_role:
        accounts = [a for a in organization_accounts(base) if not options.accounts or a.id in options.accounts]
        missing = sorted(set(options.accounts) - {a.id for a in accounts})
        if missing:
            raise AuditError(f"--account {missing[0]}: not an account of this organization")
        skipped = [a for a in accounts if a.status != "ACTIVE"]
        for a in skipped:
            say(f"account {a.label} is {a.status.lower()}: not audited")
        accounts = [a for a in accounts if a.status == "ACTIVE"]
        say(f"organization: {len(accounts)} active account(s), {options.concurrency} at a time")
        base.client("sts")  # created once here: clients are thread-safe, their creation is not

        def one(account: Account) -> list[Audited]:
            try:
                entered = enter(
                    options.connector, base, account, options.assume_role or "", external_id=options.external_id
                )
            except EntryError as error:
                say(f"account {account.label}: {error}")
                return [Audited(account.id, error=str(error))]
            return _guarded(account.id, lambda: audit_account(entered, options, moment, say))

        audited = [a for group in walk(accounts, one, options.concurrency) for a in group]
    else:
        audited = audit_account(base, options, moment, say)
    # An organization-wide prerequisite, read once from where the audit starts, reported on that account.
    organization = trusted_access_findings(base)
    if organization and audited:
        own = next((t for t in audited if t.name.startswith(f"{base.account_id}/")), audited[0])
        own.findings.extend(organization)

    judged: dict[str, list[Finding] | str] = {}
    targets = {t.name: t.resources for t in audited if t.error is None}
    if options.policy_pack is not None and targets:
        from trailguard_gate.audit.judge import CODE_ONLY_POLICIES, judge

        say(
            f"policy pack on {len(targets)} account Region(s); not judged in an audit (Pulumi options, or state "
            f"the audit does not read): {', '.join(CODE_ONLY_POLICIES)}"
        )
        judged = judge(
            targets, pack_dir=options.policy_pack, policy_config=options.policy_config, timeout=options.timeout
        )
    results = []
    for target in audited:
        verdict = judged.get(target.name, [])
        pack_findings = verdict if isinstance(verdict, list) else []
        account_id, _, region = target.name.partition("/")
        health_findings = describe(
            target.findings, target.resources, account_id=account_id, region=region, policy_tags={}
        )
        results.append(
            TargetResult(
                name=target.name,
                findings=(*pack_findings, *health_findings),
                error=target.error or (verdict if isinstance(verdict, str) else None),
                resources=len(target.resources),
                kind="audit",
            )
        )
    return results


def _guarded(name: str, work: Callable[[], list[Audited]]) -> list[Audited]:
    """One account's failure (an expired session, an endpoint gone) is that account's error, not the walk's."""
    try:
        return work()
    except (ClientError, BotoCoreError) as error:
        return [Audited(name, error=f"account {name}: {error}")]
