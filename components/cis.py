"""The monitoring controls of the CIS AWS Foundations Benchmark, as data: one metric filter and alarm each.

Ids follow v7.0.0 (section 5 "Monitoring", 5.1-5.15). The same fifteen controls, in the same order, were
4.1-4.15 from v1.4.0 through v5.0.0 and 3.1-3.14 in v1.2.0 (which had no AWS Organizations control);
`MonitoringControl.earlier_ids` keeps both so an auditor holding an older report can find each one.

Filter patterns are the benchmark's own, character for character, except where `deviation` says why not.
Each control also carries the equivalent EventBridge event pattern (for the optional near-real-time rules).
The benchmark's text: https://www.cisecurity.org/benchmark/amazon_web_services; AWS's guide to the same
alarms: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BENCHMARK",
    "CONTROLS",
    "CONTROL_IDS",
    "EARLIER_IDS",
    "MonitoringControl",
    "control",
]

BENCHMARK = "CIS AWS Foundations Benchmark v7.0.0"

API_CALL = "AWS API Call via CloudTrail"
CONSOLE_SIGN_IN = "AWS Console Sign In via CloudTrail"
"""EventBridge's detail-types for CloudTrail management events and console sign-ins."""


@dataclass(frozen=True)
class MonitoringControl:
    """One CIS monitoring control: what to count in the trail's log group and what to call it."""

    id: str
    """The v7.0.0 id, e.g. `5.1`."""
    title: str
    """The benchmark's title of the control."""
    slug: str
    """A short kebab-case name, used in the physical names of the filter, alarm and rule."""
    metric_name: str
    """The CloudWatch metric the filter counts into and the alarm watches."""
    filter_pattern: str
    """The CloudWatch Logs filter pattern, in JSON filter syntax."""
    event_pattern: Mapping[str, Any]
    """The EventBridge event pattern that matches the same CloudTrail events."""
    earlier_ids: tuple[tuple[str, str], ...]
    """`(benchmark versions, id)` pairs of earlier numberings, newest first."""
    deviation: str | None = None
    """Why `filter_pattern` differs from the v7.0.0 text, when it does."""

    @property
    def label(self) -> str:
        """`CIS 5.1`: how alarms, rules and messages name the control."""
        return f"CIS {self.id}"

    @property
    def earlier(self) -> str:
        """`4.1 in v1.4.0-v5.0.0, 3.1 in v1.2.0`, for descriptions read by auditors holding older reports."""
        return ", ".join(f"{old} in {versions}" for versions, old in self.earlier_ids)


def _earlier(number: int) -> tuple[tuple[str, str], ...]:
    ids = [("v1.4.0-v5.0.0", f"4.{number}")]
    if number <= 14:
        ids.append(("v1.2.0", f"3.{number}"))
    return tuple(ids)


def _api_calls(event_names: Sequence[str], event_source: str | None = None) -> dict[str, Any]:
    """The EventBridge pattern of management events with these names (and this source, where the filter has one)."""
    detail: dict[str, Any] = {"eventName": list(event_names)}
    if event_source is not None:
        detail = {"eventSource": [event_source], **detail}
    return {"detail-type": [API_CALL], "detail": detail}


_IAM_POLICY_EVENTS = (
    "DeleteGroupPolicy",
    "DeleteRolePolicy",
    "DeleteUserPolicy",
    "PutGroupPolicy",
    "PutRolePolicy",
    "PutUserPolicy",
    "CreatePolicy",
    "DeletePolicy",
    "CreatePolicyVersion",
    "DeletePolicyVersion",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "AttachGroupPolicy",
    "DetachGroupPolicy",
)
_CLOUDTRAIL_EVENTS = ("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")
_KMS_EVENTS = ("DisableKey", "ScheduleKeyDeletion")
_S3_EVENTS = (
    "PutBucketAcl",
    "PutBucketPolicy",
    "PutBucketCors",
    "PutBucketLifecycle",
    "PutBucketReplication",
    "DeleteBucketPolicy",
    "DeleteBucketCors",
    "DeleteBucketLifecycle",
    "DeleteBucketReplication",
)
_CONFIG_EVENTS = (
    "StopConfigurationRecorder",
    "DeleteDeliveryChannel",
    "PutDeliveryChannel",
    "PutConfigurationRecorder",
)
_SECURITY_GROUP_EVENTS = (
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
    "ModifySecurityGroupRules",
)
_NACL_EVENTS = (
    "CreateNetworkAcl",
    "CreateNetworkAclEntry",
    "DeleteNetworkAcl",
    "DeleteNetworkAclEntry",
    "ReplaceNetworkAclEntry",
    "ReplaceNetworkAclAssociation",
)
_GATEWAY_EVENTS = (
    "CreateCustomerGateway",
    "DeleteCustomerGateway",
    "AttachInternetGateway",
    "CreateInternetGateway",
    "DeleteInternetGateway",
    "DetachInternetGateway",
)
_ROUTE_TABLE_EVENTS = (
    "CreateRoute",
    "CreateRouteTable",
    "ReplaceRoute",
    "ReplaceRouteTableAssociation",
    "DeleteRouteTable",
    "DeleteRoute",
    "DisassociateRouteTable",
)
_VPC_EVENTS = (
    "CreateVpc",
    "DeleteVpc",
    "ModifyVpcAttribute",
    "AcceptVpcPeeringConnection",
    "CreateVpcPeeringConnection",
    "DeleteVpcPeeringConnection",
    "RejectVpcPeeringConnection",
    "AttachClassicLinkVpc",
    "DetachClassicLinkVpc",
    "DisableVpcClassicLink",
    "EnableVpcClassicLink",
)
_ORGANIZATIONS_EVENTS = (
    "AcceptHandshake",
    "AttachPolicy",
    "CreateAccount",
    "CreateOrganizationalUnit",
    "CreatePolicy",
    "DeclineHandshake",
    "DeleteOrganization",
    "DeleteOrganizationalUnit",
    "DeletePolicy",
    "DetachPolicy",
    "DisablePolicyType",
    "EnablePolicyType",
    "InviteAccountToOrganization",
    "LeaveOrganization",
    "MoveAccount",
    "RemoveAccountFromOrganization",
    "UpdatePolicy",
    "UpdateOrganizationalUnit",
)

CONTROLS: tuple[MonitoringControl, ...] = (
    MonitoringControl(
        id="5.1",
        title="Ensure unauthorized API calls are monitored",
        slug="unauthorized-api-calls",
        metric_name="UnauthorizedAPICalls",
        filter_pattern='{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
        event_pattern={
            "detail-type": [API_CALL],
            "detail": {
                "errorCode": [{"suffix": "UnauthorizedOperation"}, {"prefix": "AccessDenied"}],
                "sourceIPAddress": [{"anything-but": "delivery.logs.amazonaws.com"}],
                "eventName": [{"anything-but": "HeadBucket"}],
            },
        },
        earlier_ids=_earlier(1),
        deviation=(
            "v7.0.0 prints `(A) || (B) && (C) && (D)` without grouping the error codes; if && binds tighter "
            "than || that counts UnauthorizedOperation errors of CloudWatch Logs delivery too. The two error "
            "codes are grouped so both exclusions apply to both, whatever the precedence."
        ),
    ),
    # v7.0.0 also offers a narrower variant for organizations signing in through IAM Identity Center, adding
    # `($.userIdentity.type = IAMUser) && ($.responseElements.ConsoleLogin = Success)`; the default form is kept
    # because it also counts federated and failed sign-ins without MFA.
    MonitoringControl(
        id="5.2",
        title="Ensure management console sign-in without MFA is monitored",
        slug="console-sign-in-without-mfa",
        metric_name="ConsoleSignInWithoutMfa",
        filter_pattern='{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
        event_pattern={
            "detail-type": [CONSOLE_SIGN_IN],
            "detail": {
                "eventName": ["ConsoleLogin"],
                "additionalEventData": {"MFAUsed": [{"anything-but": "Yes"}]},
            },
        },
        earlier_ids=_earlier(2),
    ),
    MonitoringControl(
        id="5.3",
        title="Ensure usage of the 'root' account is monitored",
        slug="root-account-usage",
        metric_name="RootAccountUsage",
        filter_pattern='{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
        event_pattern={
            "detail-type": [API_CALL, CONSOLE_SIGN_IN],
            "detail": {
                "userIdentity": {"type": ["Root"], "invokedBy": [{"exists": False}]},
                "eventType": [{"anything-but": "AwsServiceEvent"}],
            },
        },
        earlier_ids=_earlier(3),
    ),
    # The benchmark names no event source here, so AWS Organizations' own CreatePolicy and DeletePolicy count
    # too (as well as under 5.15): noise on the safe side.
    MonitoringControl(
        id="5.4",
        title="Ensure IAM policy changes are monitored",
        slug="iam-policy-changes",
        metric_name="IAMPolicyChanges",
        filter_pattern="{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}",
        event_pattern=_api_calls(_IAM_POLICY_EVENTS),
        earlier_ids=_earlier(4),
    ),
    MonitoringControl(
        id="5.5",
        title="Ensure CloudTrail configuration changes are monitored",
        slug="cloudtrail-configuration-changes",
        metric_name="CloudTrailConfigurationChanges",
        filter_pattern="{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
        event_pattern=_api_calls(_CLOUDTRAIL_EVENTS),
        earlier_ids=_earlier(5),
    ),
    MonitoringControl(
        id="5.6",
        title="Ensure AWS Management Console authentication failures are monitored",
        slug="console-authentication-failures",
        metric_name="ConsoleAuthenticationFailures",
        filter_pattern='{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
        event_pattern={
            "detail-type": [CONSOLE_SIGN_IN],
            "detail": {"eventName": ["ConsoleLogin"], "errorMessage": ["Failed authentication"]},
        },
        earlier_ids=_earlier(6),
    ),
    MonitoringControl(
        id="5.7",
        title="Ensure disabling or scheduled deletion of customer created CMKs is monitored",
        slug="kms-key-disabled-or-deletion-scheduled",
        metric_name="KmsKeyDisabledOrDeletionScheduled",
        filter_pattern="{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
        event_pattern=_api_calls(_KMS_EVENTS, "kms.amazonaws.com"),
        earlier_ids=_earlier(7),
    ),
    MonitoringControl(
        id="5.8",
        title="Ensure S3 bucket policy changes are monitored",
        slug="s3-bucket-policy-changes",
        metric_name="S3BucketPolicyChanges",
        filter_pattern="{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }",
        event_pattern=_api_calls(_S3_EVENTS, "s3.amazonaws.com"),
        earlier_ids=_earlier(8),
    ),
    MonitoringControl(
        id="5.9",
        title="Ensure AWS Config configuration changes are monitored",
        slug="aws-config-changes",
        metric_name="AWSConfigChanges",
        filter_pattern="{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
        event_pattern=_api_calls(_CONFIG_EVENTS, "config.amazonaws.com"),
        earlier_ids=_earlier(9),
    ),
    MonitoringControl(
        id="5.10",
        title="Ensure security group changes are monitored",
        slug="security-group-changes",
        metric_name="SecurityGroupChanges",
        filter_pattern="{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }",
        event_pattern=_api_calls(_SECURITY_GROUP_EVENTS),
        earlier_ids=_earlier(10),
    ),
    MonitoringControl(
        id="5.11",
        title="Ensure Network Access Control List (NACL) changes are monitored",
        slug="network-acl-changes",
        metric_name="NetworkACLChanges",
        filter_pattern="{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
        event_pattern=_api_calls(_NACL_EVENTS),
        earlier_ids=_earlier(11),
    ),
    MonitoringControl(
        id="5.12",
        title="Ensure changes to network gateways are monitored",
        slug="network-gateway-changes",
        metric_name="NetworkGatewayChanges",
        filter_pattern="{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }",
        event_pattern=_api_calls(_GATEWAY_EVENTS),
        earlier_ids=_earlier(12),
    ),
    MonitoringControl(
        id="5.13",
        title="Ensure route table changes are monitored",
        slug="route-table-changes",
        metric_name="RouteTableChanges",
        filter_pattern="{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }",
        event_pattern=_api_calls(_ROUTE_TABLE_EVENTS, "ec2.amazonaws.com"),
        earlier_ids=_earlier(13),
        deviation=(
            "v7.0.0's audit step prints `(eventSource) && (CreateRoute) || (CreateRouteTable) || ...` "
            "without grouping the event names, and its remediation step leaves eventSource out. The event "
            "names are grouped under ec2.amazonaws.com, so the source applies to all of them and API "
            "Gateway's own CreateRoute and DeleteRoute calls are not counted."
        ),
    ),
    MonitoringControl(
        id="5.14",
        title="Ensure VPC changes are monitored",
        slug="vpc-changes",
        metric_name="VPCChanges",
        filter_pattern="{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
        event_pattern=_api_calls(_VPC_EVENTS),
        earlier_ids=_earlier(14),
    ),
    MonitoringControl(
        id="5.15",
        title="Ensure AWS Organizations changes are monitored",
        slug="organizations-changes",
        metric_name="OrganizationsChanges",
        filter_pattern="{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = AcceptHandshake) || ($.eventName = AttachPolicy) || ($.eventName = CreateAccount) || ($.eventName = CreateOrganizationalUnit) || ($.eventName = CreatePolicy) || ($.eventName = DeclineHandshake) || ($.eventName = DeleteOrganization) || ($.eventName = DeleteOrganizationalUnit) || ($.eventName = DeletePolicy) || ($.eventName = DetachPolicy) || ($.eventName = DisablePolicyType) || ($.eventName = EnablePolicyType) || ($.eventName = InviteAccountToOrganization) || ($.eventName = LeaveOrganization) || ($.eventName = MoveAccount) || ($.eventName = RemoveAccountFromOrganization) || ($.eventName = UpdatePolicy) || ($.eventName = UpdateOrganizationalUnit)) }",
        event_pattern=_api_calls(_ORGANIZATIONS_EVENTS, "organizations.amazonaws.com"),
        earlier_ids=_earlier(15),
    ),
)

CONTROL_IDS: tuple[str, ...] = tuple(c.id for c in CONTROLS)
"""`5.1` to `5.15`, in the benchmark's order."""

EARLIER_IDS: Mapping[str, str] = {old: c.id for c in CONTROLS for _, old in c.earlier_ids}
"""An earlier benchmark's id (`4.3`, `3.3`) to the v7.0.0 id of the same control (`5.3`)."""

_BY_ID = {c.id: c for c in CONTROLS}


def control(control_id: str) -> MonitoringControl:
    """The control with this v7.0.0 id; `KeyError` names the valid ids otherwise."""
    try:
        return _BY_ID[control_id]
    except KeyError:
        raise KeyError(
            f"{control_id!r} is not a CIS monitoring control; expected one of {', '.join(CONTROL_IDS)}"
        ) from None
