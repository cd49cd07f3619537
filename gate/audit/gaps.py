"""What an audit of one account and Region could not judge, and what is missing outright, as findings.

A denied or throttled read, a bucket that lives in another account, a log group that was deleted, a Region no
trail covers: each is said precisely, so "no violation" is never mistaken for "checked".
"""

from __future__ import annotations

from collections.abc import Iterable

from trailguard_gate.audit.collect import Fault, Reference, RegionState
from trailguard_gate.audit.health import Rule, Subject
from trailguard_gate.model import Finding, Level
from trailguard_policies.resources import BUCKET, KEY, LOG_GROUP, ROLE, TRAIL

READ_COMPLETE = Rule(
    "audit-read-complete",
    "The audit could read everything the rules need.",
    Level.ADVISORY,
    "medium",
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/SecurityAudit.html",
    "Allow the named action for the principal the audit runs as (the AWS managed policy SecurityAudit grants "
    "most of them), then audit again; until then the rules named were not checked.",
)
IN_ANOTHER_ACCOUNT = Rule(
    "audit-resource-in-another-account",
    "What a trail delivers to is in the audited account, or audited in its own account.",
    Level.ADVISORY,
    "info",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-receive-logs-from-multiple-accounts.html",
    "Audit the account that owns it as well (`trailguard audit --profile <that account>`, or `--assume-role NAME` "
    "to walk the whole organization).",
)
DESTINATION_EXISTS = Rule(
    "cloudtrail-trail-destination-exists",
    "The bucket, key, log group and role a trail uses exist.",
    Level.MANDATORY,
    "critical",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-update-a-trail-console.html",
    "Recreate what was deleted, or point the trail at an existing destination (`aws cloudtrail update-trail`, or "
    "the component's arguments and `pulumi up`).",
)
REGION_COVERED = Rule(
    "cloudtrail-region-covered",
    "At least one trail, of the account or of its organization, records events in every audited Region.",
    Level.MANDATORY,
    "critical",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail.html",
    "Create a multi-Region trail (or an organization trail in the management account): trailguard's "
    "OrganizationTrail component does both.",
)
RULES = (READ_COMPLETE, IN_ANOTHER_ACCOUNT, DESTINATION_EXISTS, REGION_COVERED)

_TYPES = {
    "bucket": BUCKET,
    "KMS key": KEY,
    "log group": LOG_GROUP,
    "role": ROLE,
}


def fault_findings(faults: Iterable[Fault]) -> list[Finding]:
    return [READ_COMPLETE.finding(fault.message(), Subject(fault.target, fault.action)) for fault in faults]


def reference_findings(references: Iterable[Reference], account_id: str) -> list[Finding]:
    findings = []
    for ref in references:
        trail = ref.trail_arn.rsplit("/", 1)[-1]
        where = Subject(ref.identifier, _TYPES.get(ref.kind, ref.kind))
        if ref.situation == "missing":
            findings.append(
                DESTINATION_EXISTS.finding(
                    f"trail {trail!r} uses {ref.kind} {ref.identifier!r}, which does not exist: "
                    "nothing the trail records reaches it.",
                    where,
                )
            )
        else:
            owner = f"account {ref.owner}" if ref.owner else "another account (ListBuckets in this account omits it)"
            findings.append(
                IN_ANOTHER_ACCOUNT.finding(
                    f"trail {trail!r} uses {ref.kind} {ref.identifier!r}, which belongs to {owner}, not {account_id}: "
                    f"its rules were not checked in this audit.",
                    where,
                )
            )
    return findings


def coverage_findings(state: RegionState) -> list[Finding]:
    """A Region no trail covers: the one gap the rest of the audit cannot see, because there is nothing to judge."""
    if state.trails_unread or state.covering:
        return []
    return [
        REGION_COVERED.finding(
            f"no trail records events in account {state.account_id}, Region {state.region}: neither a trail of "
            "this account nor an organization trail covers it.",
            Subject(f"{state.account_id}/{state.region}", TRAIL),
        )
    ]
