"""`LogArchive`: the log-archive account's half of an organization trail, the bucket and the key it delivers to."""

from collections.abc import Mapping, Sequence
from typing import Required, TypedDict, cast

import pulumi

from trailguard._support import documented_defaults
from trailguard.bucket import ObjectLockArgs, ReplicationArgs, TrailBucket, TrailBucketArgs
from trailguard.key import TrailKey, TrailKeyArgs

__all__ = ["LogArchive", "LogArchiveArgs"]


class LogArchiveArgs(TypedDict, total=False):
    """The arguments of `LogArchive`."""

    trail_name: Required[pulumi.Input[str]]
    """The name of the trail that will deliver (created later, in the management account)."""
    management_account_id: Required[pulumi.Input[str]]
    """The organization's management account, where the trail lives."""
    bucket: Required[pulumi.Input[str]]
    """The trail bucket's name."""
    organization_id: pulumi.Input[str]
    """The organization whose accounts' logs the bucket receives. Default: none (a single-account trail)."""
    trail_region: pulumi.Input[str]
    """The trail's home Region. Default: this stack's Region."""
    s3_key_prefix: pulumi.Input[str]
    """The prefix the trail writes under. Default: none."""
    access_log_bucket: pulumi.Input[str]
    """The access-log bucket's name. Default: `<bucket>-access-logs`."""
    transition_days: pulumi.Input[int]
    """Days before log files move to colder storage. Default: 90."""
    transition_storage_class: pulumi.Input[str]
    """The colder storage class. Default: `GLACIER`."""
    expiration_days: pulumi.Input[int]
    """Days after which log files expire. Default: none, kept forever."""
    object_lock: ObjectLockArgs
    """S3 Object Lock default retention. Default: off."""
    replication: ReplicationArgs
    """Replication to a second Region. Default: off."""
    kms_key_alias_name: pulumi.Input[str]
    """The key's alias. Default: `alias/cloudtrail/<trail_name>/logs`."""
    kms_key_deletion_window_in_days: pulumi.Input[int]
    """The key's deletion window (7-30 days). Default: 30."""
    reader_principal_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    """Principals allowed to read delivered logs: list and get them in the bucket, decrypt them through S3 with the
    key. They must exist before `pulumi up` ("The principals in the key policy must exist and be visible to KMS",
    KMS API reference, CreateKey). Default: none."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Tags for every taggable child. Default: none."""


DEFAULTS = documented_defaults(LogArchiveArgs)
"""What the component applies to an input it is not given, as the input's docstring states it."""


class LogArchive(pulumi.ComponentResource):
    """A `TrailKey` and a `TrailBucket` whose policies name the management account's trail before it exists.

    Deploy it first; hand its `bucket_name` and `kms_key_arn` to the management account's `OrganizationTrail`.
    """

    bucket_name: pulumi.Output[str]
    """The trail bucket's name."""
    bucket_arn: pulumi.Output[str]
    """The trail bucket's ARN."""
    kms_key_arn: pulumi.Output[str]
    """The ARN of the key log files are encrypted with."""
    access_log_bucket_name: pulumi.Output[str]
    """The access-log bucket's name."""
    replica_bucket_name: pulumi.Output[str] | None
    """The replica bucket's name, when replication is on."""
    log_bucket_names: pulumi.Output[list[str]]
    """Every bucket holding logs; give them to the trail's `excluded_data_event_buckets`."""

    def __init__(self, name: str, args: LogArchiveArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trailguard:index:LogArchive", name, None, opts)
        given = {k: v for k, v in args.items() if v is not None}
        key_args: TrailKeyArgs = {
            "trail_name": args["trail_name"],
            "trail_account_id": args["management_account_id"],
            "deletion_window_in_days": args.get(
                "kms_key_deletion_window_in_days", DEFAULTS["kms_key_deletion_window_in_days"]
            ),
        }
        key_args.update(cast(TrailKeyArgs, _renamed(given, _KEY_ARGS)))
        self.key = TrailKey(f"{name}-key", key_args, opts=pulumi.ResourceOptions(parent=self))

        bucket_args: TrailBucketArgs = {
            "bucket": args["bucket"],
            "kms_key_arn": self.key.key_arn,
            "trail_name": args["trail_name"],
            "management_account_id": args["management_account_id"],
        }
        bucket_args.update(cast(TrailBucketArgs, _renamed(given, {k: k for k in _BUCKET_ARGS})))
        self.bucket = TrailBucket(f"{name}-bucket", bucket_args, opts=pulumi.ResourceOptions(parent=self))

        self.bucket_name = self.bucket.bucket_name
        self.bucket_arn = self.bucket.bucket_arn
        self.kms_key_arn = self.key.key_arn
        self.access_log_bucket_name = self.bucket.access_log_bucket_name
        self.replica_bucket_name = self.bucket.replica_bucket_name
        self.log_bucket_names = self.bucket.log_bucket_names
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "kms_key_arn": self.kms_key_arn,
                "access_log_bucket_name": self.access_log_bucket_name,
                "replica_bucket_name": self.replica_bucket_name,
                "log_bucket_names": self.log_bucket_names,
            }
        )

    @property
    def delivery_prerequisites(self) -> list[pulumi.Resource]:
        """What a trail in the same program must depend on: the bucket policy and the key."""
        return [self.bucket.policy, self.key.key]


_KEY_ARGS = {
    "trail_region": "trail_region",
    "reader_principal_arns": "reader_principal_arns",
    "kms_key_alias_name": "alias_name",
    "tags": "tags",
}
"""LogArchive arguments passed on to its TrailKey, by the key's argument names."""

_BUCKET_ARGS = (
    "organization_id",
    "reader_principal_arns",
    "trail_region",
    "s3_key_prefix",
    "access_log_bucket",
    "transition_days",
    "transition_storage_class",
    "expiration_days",
    "object_lock",
    "replication",
    "tags",
)


def _renamed(given: Mapping[str, object], names: Mapping[str, str]) -> dict[str, object]:
    """The given arguments among `names`, under the names the child component calls them."""
    return {target: given[source] for source, target in names.items() if source in given}
