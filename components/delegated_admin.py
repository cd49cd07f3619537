"""`DelegatedAdministrator`: register a member account as CloudTrail's delegated administrator for the organization.

Deploy it in the management account's stack. The delegated administrator can then create and manage the
organization's trails and event data stores from its own account, but what it creates still lives in, and is
owned by, the management account: the ARNs carry the management account's id, and the delegated
administrator must address an organization trail by ARN, not by name (`start-logging --name <trail>` from the
delegated administrator fails with TrailNotFoundException). The component's outputs give consumers those ARNs.

Prerequisites AWS checks: all features enabled in AWS Organizations and trusted access for CloudTrail. An
organization has at most three CloudTrail delegated administrators, and the management account cannot be one.
See https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-delegated-administrator.html
"""

from collections.abc import Mapping
from typing import Any, Required, Self, TypedDict

import pulumi
import pulumi_aws as aws
from pydantic import ValidationError, model_validator

from trailguard import documents
from trailguard._support import check_input, child_options
from trailguard.settings import AccountId, ConfigModel, TrailName, describe_errors, setting, trailguard_error
from trailguard.validation import check_account_id, check_region, check_trail_name

__all__ = [
    "MAX_DELEGATED_ADMINISTRATORS",
    "DelegatedAdminConfig",
    "DelegatedAdminStackConfig",
    "DelegatedAdministrator",
    "DelegatedAdministratorArgs",
    "load_delegated_admin_stack_config",
    "organization_trail_arn",
]

MAX_DELEGATED_ADMINISTRATORS = 3
"""CloudTrail delegated administrators per organization."""


def organization_trail_arn(partition: str, region: str, management_account_id: str, trail_name: str) -> str:
    """The ARN of an organization trail, whichever account created it: organization trails live in the management
    account, so a trail a delegated administrator creates carries the management account's id."""
    return documents.trail_arn(partition, region, management_account_id, trail_name)


class DelegatedAdministratorArgs(TypedDict, total=False):
    """The arguments of `DelegatedAdministrator`."""

    account_id: Required[pulumi.Input[str]]
    """The member account to register (12 digits); not the management account this stack runs in."""
    organization_trail_name: pulumi.Input[str]
    """The organization trail's name, for the `organization_trail_arn` output. Default: none (no such output)."""
    organization_trail_region: pulumi.Input[str]
    """The organization trail's home Region. Default: the Region of this stack's AWS provider."""


def _not_the_management_account(where: str, account_id: str, management_account_id: str) -> str:
    if account_id == management_account_id:
        raise ValueError(
            f"{where}: account_id: {account_id!r} is the account this stack runs in, the organization's management "
            "account, which cannot be CloudTrail's delegated administrator; expected a member account id, "
            "e.g. 222222222222"
        )
    return account_id


class DelegatedAdministrator(pulumi.ComponentResource):
    """A member account registered as CloudTrail's delegated administrator (from the management account).

    Replacing the registration (a different `account_id`) deregisters the old account first, so a change never
    fails on CloudTrail's limit of three delegated administrators. Deregistering deletes nothing: the trails and
    event data stores the account created stay, owned by the management account.
    """

    account_id: pulumi.Output[str]
    """The registered delegated administrator account."""
    management_account_id: pulumi.Output[str]
    """The management account: the owner, and the account id in the ARN, of every organization trail and event
    data store, including those the delegated administrator creates."""
    organization_trail_arn: pulumi.Output[str] | None
    """The organization trail's ARN (when `organization_trail_name` is set). The delegated administrator must
    address the trail by this ARN, never by name: calls by name (`start-logging`, `get-trail`) look in its own
    account and fail with TrailNotFoundException. Bucket and key policies must name this ARN in `aws:SourceArn`.
    See https://github.com/hashicorp/terraform-provider-aws/issues/28440"""

    def __init__(self, name: str, args: DelegatedAdministratorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        where = f"DelegatedAdministrator {name!r}"
        check_input(where, "account_id", args.get("account_id"), check_account_id)
        check_input(where, "organization_trail_name", args.get("organization_trail_name"), check_trail_name)
        check_input(where, "organization_trail_region", args.get("organization_trail_region"), check_region)
        super().__init__("trailguard:index:DelegatedAdministrator", name, None, opts)

        invoke = pulumi.InvokeOutputOptions(parent=self)
        management_account_id = aws.get_caller_identity_output(opts=invoke).account_id
        account_id = pulumi.Output.all(args["account_id"], management_account_id).apply(
            lambda v: _not_the_management_account(where, str(v[0]), str(v[1]))
        )
        self.registration = aws.cloudtrail.OrganizationDelegatedAdminAccount(
            f"{name}-registration",
            account_id=account_id,
            # With three administrators registered, registering the new account before removing the old one fails.
            opts=child_options(self, delete_before_replace=True),
        )

        self.organization_trail_arn = None
        trail_name = args.get("organization_trail_name")
        if trail_name is not None:
            partition = aws.get_partition_output(opts=invoke).partition
            region = args.get("organization_trail_region") or aws.get_region_output(opts=invoke).region
            self.organization_trail_arn = pulumi.Output.all(partition, region, management_account_id, trail_name).apply(
                lambda v: organization_trail_arn(*(str(x) for x in v))
            )

        self.account_id = self.registration.account_id
        self.management_account_id = management_account_id
        self.register_outputs(
            {
                "account_id": self.account_id,
                "management_account_id": self.management_account_id,
                "organization_trail_arn": self.organization_trail_arn,
            }
        )


# --- config ----------------------------------------------------------------------------------------------


class DelegatedAdminConfig(ConfigModel):
    """`trailguard:delegatedAdmin`: the member accounts to register as CloudTrail's delegated administrators."""

    account_ids: list[AccountId] = setting(
        expected=f"1 to {MAX_DELEGATED_ADMINISTRATORS} member account ids", example=["222222222222"]
    )

    @model_validator(mode="after")
    def _within_limits(self) -> Self:
        ids = self.account_ids
        if not ids:
            raise trailguard_error(
                f"is empty; expected 1 to {MAX_DELEGATED_ADMINISTRATORS} member account ids, e.g. [222222222222]",
                path="accountIds",
            )
        if len(ids) > MAX_DELEGATED_ADMINISTRATORS:
            raise trailguard_error(
                f"{len(ids)} accounts exceed CloudTrail's limit of {MAX_DELEGATED_ADMINISTRATORS} delegated "
                f"administrators per organization; expected 1 to {MAX_DELEGATED_ADMINISTRATORS} account ids, "
                "e.g. [222222222222]",
                path="accountIds",
            )
        for index, account in enumerate(ids):
            if account in ids[:index]:
                raise trailguard_error(
                    f"{account!r} is listed twice; expected each account once, e.g. {account}",
                    path=f"accountIds[{index}]",
                )
        return self

    def check_not_management(self, management_account_id: str, *, path: str = "delegatedAdmin") -> None:
        """Raise (inside a composing model's validator) if the management account is listed."""
        for index, account in enumerate(self.account_ids):
            if account == management_account_id:
                raise trailguard_error(
                    f"{account!r} is the organization's management account, which cannot be CloudTrail's delegated "
                    "administrator; expected a member account id, e.g. 222222222222",
                    path=f"{path}.accountIds[{index}]",
                )


class DelegatedAdminStackConfig(ConfigModel):
    """The config of the management-account stack that registers CloudTrail's delegated administrators
    (`examples/delegated-admin`)."""

    management_account_id: AccountId = setting(
        expected="the 12-digit id of the organization's management account", example="111111111111"
    )
    trail_name: TrailName = setting(
        "organization-trail", expected="the organization trail's name", example="organization-trail"
    )
    delegated_admin: DelegatedAdminConfig = setting(
        expected="the delegated administrators", example={"accountIds": ["222222222222"]}
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self.delegated_admin.check_not_management(self.management_account_id)
        return self


def load_delegated_admin_stack_config(raw: Mapping[str, Any]) -> DelegatedAdminStackConfig:
    """Validate the `trailguard:` keys of a stack's config map (structured values as objects or JSON text).

    Raises `ConfigError` with one `trailguard:<key>: ...` line per problem.
    """
    # config.py composes this module's models: importing it at module level would be circular.
    from trailguard.config import ConfigError, _decode  # _decode: structured values arrive as JSON text

    values = {key.split(":", 1)[1]: _decode(value) for key, value in raw.items() if key.startswith("trailguard:")}
    try:
        return DelegatedAdminStackConfig.model_validate(values, by_alias=True, by_name=False)
    except ValidationError as error:
        raise ConfigError(
            describe_errors(error, DelegatedAdminStackConfig, by_alias=True, prefix=lambda path: f"trailguard:{path}")
        ) from None
