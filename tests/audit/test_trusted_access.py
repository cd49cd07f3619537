"""`trailguard audit` reports an organization in which CloudTrail has no trusted access (organization trails need it)."""

from __future__ import annotations

import pytest
from moto_world import ACCOUNT, REGION, World, deny

from trailguard_gate.audit.aws import Connector
from trailguard_gate.audit.run import AuditOptions, run_audit
from trailguard_gate.model import Level

pytestmark = pytest.mark.slow  # each test drives the audit against a moto server

RULE = "organizations-cloudtrail-trusted-access"


def findings_of(aws: World, options: AuditOptions | None = None) -> list[tuple[str, Level, str, str]]:
    [result] = run_audit(options or AuditOptions())
    assert result.name == f"{ACCOUNT}/{REGION}"
    return [(f.rule, f.level, f.message, f.fix) for f in result.findings if f.rule.startswith("organizations-")]


def test_an_organization_without_trusted_access_for_cloudtrail_is_reported_with_the_command(aws: World) -> None:
    organization = aws.client("organizations").create_organization(FeatureSet="ALL")["Organization"]["Id"]
    aws.good_trail()
    assert findings_of(aws) == [
        (
            RULE,
            Level.MANDATORY,
            f"organization {organization} has not enabled trusted access for CloudTrail: creating or updating an "
            "organization trail fails with CloudTrailAccessNotEnabledException, and existing organization trails "
            "stop logging the member accounts.",
            "From the management account: aws organizations enable-aws-service-access --service-principal "
            "cloudtrail.amazonaws.com (or create the trail once from the CloudTrail console, which enables it).",
        )
    ]


def test_trusted_access_enabled_or_no_organization_is_no_finding(aws: World) -> None:
    aws.good_trail()
    assert findings_of(aws) == []  # an account outside any organization: nothing to enable
    org = aws.client("organizations")
    org.create_organization(FeatureSet="ALL")
    org.enable_aws_service_access(ServicePrincipal="cloudtrail.amazonaws.com")
    assert findings_of(aws) == []


def test_a_denied_read_is_said_never_passed(aws: World) -> None:
    aws.client("organizations").create_organization(FeatureSet="ALL")
    aws.good_trail()
    options = AuditOptions(connector=Connector(hooks=(deny("organizations", "ListAWSServiceAccessForOrganization"),)))
    [result] = run_audit(options)
    denied = [f for f in result.findings if f.rule == "audit-read-complete"]
    assert len(denied) == 1
    assert "organizations:ListAWSServiceAccessForOrganization" in denied[0].message
    assert all(f.rule != RULE for f in result.findings)
