"""`TrailLogGroup`: the CloudWatch Logs group a trail streams to, and the role CloudTrail assumes to deliver."""

from collections.abc import Mapping
from typing import Any, Required, TypedDict

import pulumi
import pulumi_aws as aws

from trailguard import documents
from trailguard._support import check_input, child_options, documented_defaults, log_store_options, to_json
from trailguard.settings import ConfigModel, LogGroupName, RetentionInDays, setting
from trailguard.validation import (
    check_account_id,
    check_log_group_name,
    check_organization_id,
    check_retention_in_days,
    check_trail_name,
)

__all__ = ["LogGroupConfig", "TrailLogGroup", "TrailLogGroupArgs", "default_log_group_name"]


def default_log_group_name(trail_name: str) -> str:
    return f"/cloudtrail/{trail_name}"


class TrailLogGroupArgs(TypedDict, total=False):
    """The arguments of `TrailLogGroup`."""

    log_group_name: Required[pulumi.Input[str]]
    """The log group's name (deterministic, so alarms and the key policy can name it)."""
    trail_name: Required[pulumi.Input[str]]
    """The trail that delivers to the group; only it may assume the delivery role."""
    kms_key_arn: Required[pulumi.Input[str]]
    """The customer-managed key the group is encrypted with (a `TrailKey` granting CloudWatch Logs use)."""
    organization_id: pulumi.Input[str]
    """The organization of an organization trail, whose member-account streams the role may write. Default: none."""
    trail_account_id: pulumi.Input[str]
    """The account that owns the trail: the organization's management account, also when a CloudTrail delegated
    administrator deploys it. Default: the account this stack runs in."""
    retention_in_days: pulumi.Input[int]
    """Days CloudWatch Logs keeps events, one of the values it accepts, 0 for never expire. Default: 365."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Tags for the group and the role. Default: none."""


DEFAULTS = documented_defaults(TrailLogGroupArgs)
"""What the component applies to an input it is not given, as the input's docstring states it."""


class TrailLogGroup(pulumi.ComponentResource):
    """A KMS-encrypted, deletion-protected log group and a delivery role allowed only to create streams and put
    events in it. The group is protected and retained on delete.
    """

    log_group_name: pulumi.Output[str]
    """The log group's name."""
    log_group_arn: pulumi.Output[str]
    """The log group's ARN (without CloudTrail's `:*` stream wildcard)."""
    role_arn: pulumi.Output[str]
    """The ARN of the role CloudTrail assumes to deliver."""

    def __init__(self, name: str, args: TrailLogGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trailguard:index:TrailLogGroup", name, None, opts)
        where = f"TrailLogGroup {name!r}"
        check_input(where, "log_group_name", args.get("log_group_name"), check_log_group_name)
        check_input(where, "trail_name", args.get("trail_name"), check_trail_name)
        check_input(where, "organization_id", args.get("organization_id"), check_organization_id)
        check_input(where, "retention_in_days", args.get("retention_in_days"), check_retention_in_days)

        invoke = pulumi.InvokeOutputOptions(parent=self)
        region = aws.get_region_output(opts=invoke).region
        check_input(where, "trail_account_id", args.get("trail_account_id"), check_account_id)
        given_account = args.get("trail_account_id")
        account_id: pulumi.Output[str] = (
            aws.get_caller_identity_output(opts=invoke).account_id
            if given_account is None
            else pulumi.Output.from_input(given_account)
        )

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-log-group",
            name=args["log_group_name"],
            retention_in_days=args.get("retention_in_days", DEFAULTS["retention_in_days"]),
            kms_key_id=args["kms_key_arn"],
            deletion_protection_enabled=True,
            tags=args.get("tags"),
            opts=log_store_options(self),
        )
        self.role = aws.iam.Role(
            f"{name}-role",
            description=pulumi.Output.from_input(args["trail_name"]).apply(
                lambda t: f"CloudTrail delivery of trail {t} to CloudWatch Logs"
            ),
            assume_role_policy=to_json(documents.cloudtrail_role_trust_policy()),
            tags=args.get("tags"),
            opts=child_options(self),
        )
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.id,
            policy=pulumi.Output.all(
                group=self.log_group.arn,
                account_id=account_id,
                region=region,
                organization=args.get("organization_id"),
            ).apply(_role_policy),
            opts=child_options(self),
        )

        self.log_group_name = self.log_group.name
        self.log_group_arn = self.log_group.arn
        self.role_arn = self.role.arn
        self.register_outputs(
            {"log_group_name": self.log_group_name, "log_group_arn": self.log_group_arn, "role_arn": self.role_arn}
        )


def _role_policy(v: dict[str, Any]) -> str:
    return to_json(
        documents.cloudtrail_logs_role_policy(
            log_group_arn=str(v["group"]),
            account_id=str(v["account_id"]),
            region=str(v["region"]),
            organization_id=v["organization"] or None,
        )
    )


class LogGroupConfig(ConfigModel):
    """`trailguard:logGroup`: the CloudWatch Logs group the trail streams to."""

    name: LogGroupName | None = setting(None, expected="the log group's name", example="/cloudtrail/organization-trail")
    retention_in_days: RetentionInDays = setting(
        DEFAULTS["retention_in_days"],
        expected="a retention CloudWatch Logs accepts, or 0 for never expire",
        example=365,
    )
