"""What an audit finding says about a live resource: its ARN, account, Region and Security Hub control, and the fix
as an AWS CLI action on it, beside the Pulumi argument the pack names.

The CLI options are those of the AWS CLI reference: `aws cloudtrail update-trail --name <value>
[--is-multi-region-trail] [--include-global-service-events] [--enable-log-file-validation]
[--cloud-watch-logs-log-group-arn <value>] [--cloud-watch-logs-role-arn <value>] [--kms-key-id <value>]`, and
"UpdateTrail must be called from the Region in which the trail was created" (AWS CLI Command Reference,
cloudtrail update-trail).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from trailguard_gate.model import Finding, Resource
from trailguard_gate.report import fix_text

_TRAIL = "aws cloudtrail update-trail --region {region} --name {arn}"
LIVE_FIXES: dict[str, str] = {
    "cloudtrail-trail-multi-region": _TRAIL + " --is-multi-region-trail --include-global-service-events",
    "cloudtrail-trail-global-service-events": _TRAIL + " --include-global-service-events",
    "cloudtrail-trail-log-file-validation": _TRAIL + " --enable-log-file-validation",
    "cloudtrail-trail-kms-encryption": _TRAIL + " --kms-key-id <customer-managed key ARN>",
    "cloudtrail-trail-cloudwatch-logs": _TRAIL
    + " --cloud-watch-logs-log-group-arn <log group ARN> --cloud-watch-logs-role-arn <delivery role ARN>",
    "cloudtrail-trail-logging": "aws cloudtrail start-logging --region {region} --name {arn}",
    "kms-key-rotation": "aws kms enable-key-rotation --region {region} --key-id {arn}",
    "s3-bucket-cloudtrail-not-public": "aws s3api put-public-access-block --bucket {name} "
    "--public-access-block-configuration "
    "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
    "s3-bucket-cloudtrail-versioning": "aws s3api put-bucket-versioning --bucket {name} "
    "--versioning-configuration Status=Enabled",
    "cloudwatch-log-group-cloudtrail-retention": "aws logs put-retention-policy --region {region} "
    "--log-group-name {name} --retention-in-days 365",
}
"""The AWS CLI action that fixes a live resource, by policy; `{arn}`, `{name}` and `{region}` are the resource's."""


def security_hub_ids(tags: Sequence[str]) -> list[str]:
    """The Security Hub control ids among a policy's tags (`security-hub:CloudTrail.4`)."""
    return [t.split(":", 1)[1] for t in tags if t.startswith("security-hub:")]


def describe(
    findings: Sequence[Finding],
    resources: Sequence[Resource],
    *,
    account_id: str,
    region: str,
    policy_tags: Mapping[str, Sequence[str]],
) -> list[Finding]:
    """The findings of one audited account and Region, each naming the live resource and its live fix."""
    by_urn = {r.urn: r for r in resources}
    out = []
    for finding in findings:
        resource = by_urn.get(finding.urn or "")
        outputs: Mapping[str, Any] = (resource.outputs or {}) if resource else {}
        arn = str(outputs.get("arn") or "")
        details = {"account": account_id, "Region": region}
        if arn:
            details = {"ARN": arn, **details}
        controls = security_hub_ids(policy_tags.get(finding.rule, ()))
        if controls:
            details["Security Hub"] = ", ".join(controls)
        fix = fix_text(finding, live=True) or None  # an audit only reads: no remediation runs on live resources
        pulumi_fix = fix
        template = LIVE_FIXES.get(finding.rule)
        if template and resource is not None:
            name = str(resource.properties.get("bucket") or resource.properties.get("name") or resource.name)
            action = template.format(arn=arn or name, name=name, region=region)
            fix = f"Live: `{action}`." + (f" In Pulumi: {pulumi_fix}" if pulumi_fix else "")
        out.append(dataclasses.replace(finding, details={**(finding.details or {}), **details}, fix=fix))
    return out
