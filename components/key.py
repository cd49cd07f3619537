"""`TrailKey`: the customer-managed KMS key a trail's logs (or its log group and topic) are encrypted with."""

from collections.abc import Mapping, Sequence
from typing import Required, TypedDict

import pulumi
import pulumi_aws as aws

from trailguard import documents
from trailguard._support import check_input, child_options, documented_defaults, log_store_options, to_json
from trailguard.settings import ConfigModel, DeletionWindowInDays, PrincipalArn, setting
from trailguard.validation import (
    check_account_id,
    check_alias_name,
    check_deletion_window,
    check_log_group_name,
    check_principal_arn,
    check_trail_name,
)

__all__ = ["KeyConfig", "TrailKey", "TrailKeyArgs", "default_alias_name"]


def default_alias_name(trail_name: str, purpose: str = "logs") -> str:
    """`alias/cloudtrail/<trail>/<purpose>`; periods (valid in trail names) are not valid in aliases."""
    return f"alias/cloudtrail/{trail_name.replace('.', '-')}/{purpose}"


class TrailKeyArgs(TypedDict, total=False):
    """The arguments of `TrailKey`."""

    trail_name: Required[pulumi.Input[str]]
    """The name of the trail the key serves; the key policy grants CloudTrail use for that trail only."""
    trail_account_id: Required[pulumi.Input[str]]
    """The account the trail is created in (the organization's management account for an organization trail)."""
    trail_region: pulumi.Input[str]
    """The trail's home Region. Default: the Region of the key's provider."""
    encrypt_trail_logs: pulumi.Input[bool]
    """Let CloudTrail encrypt the trail's log and digest files with the key. Default: true."""
    log_group_name: pulumi.Input[str]
    """A CloudWatch Logs group in this key's account and Region that may use the key. Default: none."""
    sns_topic_name: pulumi.Input[str]
    """An SNS topic in this key's account and Region the trail publishes to, encrypted with the key. Default: none."""
    reader_principal_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    """IAM principals allowed to decrypt (only through S3, for reading delivered logs; the bucket policy must let them
    read too, see `TrailBucket`). Each must exist: "The principals in the key policy must exist and be visible to
    KMS" (KMS API reference, CreateKey). Default: none."""
    alias_name: pulumi.Input[str]
    """The key's alias. Default: `alias/cloudtrail/<trail_name>/logs`."""
    description: pulumi.Input[str]
    """The key's description. Default: names the trail."""
    deletion_window_in_days: pulumi.Input[int]
    """Days (7-30) between scheduling deletion and the key being deleted. Default: 30, the longest."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Tags for the key. Default: none."""


DEFAULTS = documented_defaults(TrailKeyArgs)
"""What the component applies to an input it is not given, as the input's docstring states it."""


class TrailKey(pulumi.ComponentResource):
    """A KMS key with rotation on, the longest deletion window, an alias, and a least-privilege key policy.

    The key is protected and retained on delete: logs encrypted under a deleted key are lost for good.
    """

    key_arn: pulumi.Output[str]
    """The key's ARN (what a trail's `kms_key_id` and other accounts' policies need)."""
    key_id: pulumi.Output[str]
    """The key's id."""
    alias_name: pulumi.Output[str]
    """The alias pointing at the key."""

    def __init__(self, name: str, args: TrailKeyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trailguard:index:TrailKey", name, None, opts)
        where = f"TrailKey {name!r}"
        check_input(where, "trail_name", args.get("trail_name"), check_trail_name)
        check_input(where, "trail_account_id", args.get("trail_account_id"), check_account_id)
        check_input(where, "log_group_name", args.get("log_group_name"), check_log_group_name)
        check_input(where, "alias_name", args.get("alias_name"), check_alias_name)
        check_input(where, "deletion_window_in_days", args.get("deletion_window_in_days"), check_deletion_window)
        readers = args.get("reader_principal_arns")
        if isinstance(readers, Sequence):
            for i, arn in enumerate(readers):
                check_input(where, f"reader_principal_arns[{i}]", arn, check_principal_arn)

        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke).partition
        region = aws.get_region_output(opts=invoke).region
        account_id = aws.get_caller_identity_output(opts=invoke).account_id

        trail_name = pulumi.Output.from_input(args["trail_name"])
        trail_account_id = pulumi.Output.from_input(args["trail_account_id"])
        trail_region = pulumi.Output.from_input(args.get("trail_region") or region)
        policy = pulumi.Output.all(
            partition=partition,
            region=region,
            account_id=account_id,
            trail_name=trail_name,
            trail_account_id=trail_account_id,
            trail_region=trail_region,
            encrypt=pulumi.Output.from_input(args.get("encrypt_trail_logs", DEFAULTS["encrypt_trail_logs"])),
            log_group=pulumi.Output.from_input(args.get("log_group_name")),
            topic=pulumi.Output.from_input(args.get("sns_topic_name")),
            readers=pulumi.Output.from_input(args.get("reader_principal_arns") or []),
        ).apply(_key_policy)

        self.key = aws.kms.Key(
            f"{name}-key",
            description=args.get("description") or trail_name.apply(lambda t: f"CloudTrail: trail {t}"),
            enable_key_rotation=True,
            deletion_window_in_days=args.get("deletion_window_in_days", DEFAULTS["deletion_window_in_days"]),
            policy=policy,
            tags=args.get("tags"),
            opts=log_store_options(self),
        )
        self.alias = aws.kms.Alias(
            f"{name}-alias",
            name=args.get("alias_name") or trail_name.apply(default_alias_name),
            target_key_id=self.key.key_id,
            opts=child_options(self),
        )

        self.key_arn = self.key.arn
        self.key_id = self.key.key_id
        self.alias_name = self.alias.name
        self.register_outputs({"key_arn": self.key_arn, "key_id": self.key_id, "alias_name": self.alias_name})


def _key_policy(v: dict[str, object]) -> str:
    partition = str(v["partition"])
    account, region = str(v["account_id"]), str(v["region"])
    trail_account = str(v["trail_account_id"])
    trail_region = str(v["trail_region"])
    log_group = v["log_group"]
    topic = v["topic"]
    readers = v["readers"]
    return to_json(
        documents.trail_key_policy(
            partition=partition,
            account_id=account,
            region=region,
            trail_arn=documents.trail_arn(partition, trail_region, trail_account, str(v["trail_name"])),
            trail_account_id=trail_account,
            encrypt_trail_logs=bool(v["encrypt"]),
            # The group and topic are created beside the key, in its account and Region: when a CloudTrail
            # delegated administrator deploys the trail, that is the administrator's account, not the management
            # account that owns the trail ("The management account remains the owner of any CloudTrail
            # organization resources the delegated administrator creates", CloudTrail user guide,
            # cloudtrail-delegated-administrator: CloudTrail resources only). Their ARNs, which the encryption
            # contexts carry, name that account; only the trail ARN names the management account.
            log_group_arn=documents.log_group_arn(partition, region, account, str(log_group)) if log_group else None,
            topic_arn=documents.topic_arn(partition, region, account, str(topic)) if topic else None,
            reader_principal_arns=[str(r) for r in readers] if isinstance(readers, list) else [],
        )
    )


class KeyConfig(ConfigModel):
    """`trailguard:key`: the stack's customer-managed KMS keys."""

    deletion_window_in_days: DeletionWindowInDays = setting(
        DEFAULTS["deletion_window_in_days"],
        expected="7 to 30 days between scheduling deletion and deletion",
        example=30,
    )
    reader_principal_arns: list[PrincipalArn] = setting(
        default_factory=list,
        expected="IAM principal ARNs, existing before pulumi up, allowed to read delivered logs (bucket and key)",
        example=["arn:aws:iam::222222222222:role/SecurityAudit"],
    )
