"""The trailguard policy pack: CloudTrail done right, checked at `pulumi preview`."""

from pulumi_policy import EnforcementLevel, PolicyPack

from trailguard_policies.catalog import POLICIES

PolicyPack(
    name="trailguard",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=POLICIES,
    description="CloudTrail best practices: multi-Region, validated, encrypted, monitored trails whose delivery works.",
    display_name="trailguard: AWS CloudTrail",
    provider="aws",
    tags=["aws", "cloudtrail", "cis", "security-hub"],
    repository="https://github.com/trailguard/trailguard",
)
