"""Whether CloudTrail has trusted access in the audited organization, without which no organization trail works.

"If you choose to create an organization trail using the AWS CLI or the AWS API, you must manually configure
trusted access" (AWS Organizations user guide, services-that-can-integrate-cloudtrail); without it CreateTrail
fails: "CloudTrailAccessNotEnabledException: This exception is thrown when trusted access has not been enabled
between AWS CloudTrail and AWS Organizations" (CloudTrail API reference). Disabled later, "the trails stop
functioning for member accounts because CloudTrail can't access the organization" (same Organizations page). Only the management account (or a delegated administrator) can list the services with trusted access,
so the check runs where the audit starts, once per audit.
"""

from __future__ import annotations

from trailguard_gate.audit.aws import AccountSession
from trailguard_gate.audit.collect import Gap, Reader
from trailguard_gate.audit.gaps import fault_findings
from trailguard_gate.audit.health import Rule, Subject
from trailguard_gate.model import Finding, Level

CLOUDTRAIL = "cloudtrail.amazonaws.com"
ORGANIZATION = "AWS::Organizations::Organization"

TRUSTED_ACCESS = Rule(
    "organizations-cloudtrail-trusted-access",
    "CloudTrail has trusted access in AWS Organizations, which organization trails need.",
    Level.MANDATORY,
    "high",
    "https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-cloudtrail.html",
    "From the management account: aws organizations enable-aws-service-access --service-principal "
    "cloudtrail.amazonaws.com (or create the trail once from the CloudTrail console, which enables it).",
)
RULES = (TRUSTED_ACCESS,)


def trusted_access_findings(account: AccountSession) -> list[Finding]:
    """A finding when `account` manages an organization in which CloudTrail has no trusted access.

    Nothing for an account outside any organization or a member account (it cannot see the setting; the
    management account's audit reports it); a read the audit may not make is reported as such, never as a pass.
    """
    reader = Reader(account, account.default_region)
    described = reader.call(
        "organizations",
        "describe_organization",
        f"the organization of account {account.account_id}",
        "checking CloudTrail's trusted access",
        absent=("AWSOrganizationsNotInUseException",),
    )
    if described is Gap.ABSENT:
        return []
    if isinstance(described, Gap):
        return fault_findings(reader.faults)
    organization = described.get("Organization") or {}
    if organization.get("MasterAccountId") != account.account_id:
        return []
    listed = reader.pages(
        "organizations",
        "list_aws_service_access_for_organization",
        "EnabledServicePrincipals",
        f"the services with trusted access in organization {organization.get('Id')}",
        "checking CloudTrail's trusted access",
    )
    if isinstance(listed, Gap):
        return fault_findings(reader.faults)
    if any(entry.get("ServicePrincipal") == CLOUDTRAIL for entry in listed):
        return []
    organization_id = str(organization.get("Id") or "")
    return [
        TRUSTED_ACCESS.finding(
            f"organization {organization_id} has not enabled trusted access for CloudTrail: creating or updating an "
            "organization trail fails with CloudTrailAccessNotEnabledException, and existing organization trails "
            "stop logging the member accounts.",
            Subject(organization_id, ORGANIZATION),
        )
    ]
