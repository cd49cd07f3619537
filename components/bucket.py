"""`TrailBucket`: the dedicated, centralized bucket a trail delivers to, and the bucket its access logs go to."""

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Required, Self, TypedDict

import pulumi
import pulumi_aws as aws
from pydantic import model_validator

from trailguard import documents
from trailguard._support import check_input, child_options, documented_defaults, log_store_options, to_json
from trailguard.key import default_alias_name
from trailguard.settings import BucketName, ConfigModel, Region, setting, trailguard_error
from trailguard.validation import (
    check_account_id,
    check_bucket_name,
    check_key_prefix,
    check_organization_id,
    check_principal_arn,
    check_region,
    check_trail_name,
)

__all__ = [
    "BucketConfig",
    "ObjectLockArgs",
    "ObjectLockConfig",
    "ReplicationArgs",
    "ReplicationConfig",
    "TrailBucket",
    "TrailBucketArgs",
]

ACCESS_LOG_PREFIX = "s3-access-logs/"
ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS = 7


class ObjectLockArgs(TypedDict, total=False):
    """S3 Object Lock default retention for every delivered log file."""

    mode: Required[pulumi.Input[str]]
    """`GOVERNANCE` (privileged users may lift it) or `COMPLIANCE` (no one can, not even the root user)."""
    days: Required[pulumi.Input[int]]
    """How many days each new log file version is locked."""


class ReplicationArgs(TypedDict, total=False):
    """Replication of every log file to a bucket in a second Region."""

    region: Required[pulumi.Input[str]]
    """The second Region; it must differ from the bucket's."""
    bucket: pulumi.Input[str]
    """The replica bucket's name. Default: `<bucket>-replica`."""
    access_log_bucket: pulumi.Input[str]
    """The name of the bucket receiving the replica's server access logs. Default: `<replica>-access-logs`."""
    storage_class: pulumi.Input[str]
    """The replicas' storage class. Default: `STANDARD`."""


class TrailBucketArgs(TypedDict, total=False):
    """The arguments of `TrailBucket`."""

    bucket: Required[pulumi.Input[str]]
    """The trail bucket's name (deterministic, so other accounts' policies can name it)."""
    kms_key_arn: Required[pulumi.Input[str]]
    """The customer-managed key (a `TrailKey`) the bucket encrypts with by default, with an S3 Bucket Key."""
    trail_name: Required[pulumi.Input[str]]
    """The name of the trail allowed to deliver (the bucket policy is bound to its ARN)."""
    management_account_id: Required[pulumi.Input[str]]
    """The account the trail lives in; its logs land under `AWSLogs/<management_account_id>/`."""
    trail_region: pulumi.Input[str]
    """The trail's home Region. Default: the Region of the bucket's provider."""
    organization_id: pulumi.Input[str]
    """The organization whose member accounts' logs land under `AWSLogs/<organization_id>/`. Default: none."""
    s3_key_prefix: pulumi.Input[str]
    """The prefix the trail writes under. Default: none (logs start at `AWSLogs/`)."""
    access_log_bucket: pulumi.Input[str]
    """The name of the bucket receiving the trail bucket's server access logs. Default: `<bucket>-access-logs`."""
    transition_days: pulumi.Input[int]
    """Days after which log files of 128 KB or more move to `transition_storage_class`; smaller ones stay in S3
    Standard, where they cost less than archived (S3 adds 40 KB of billed metadata per archived object). Default: 90."""
    transition_storage_class: pulumi.Input[str]
    """The colder storage class. Default: `GLACIER` (S3 Glacier Flexible Retrieval)."""
    expiration_days: pulumi.Input[int]
    """Days after which log files expire. Default: none, logs are kept forever."""
    object_lock: ObjectLockArgs
    """S3 Object Lock default retention. Default: off."""
    replication: ReplicationArgs
    """Replication to a second Region. Default: off."""
    reader_principal_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    """IAM principals the bucket policy lets list and read the delivered logs (give the same ones decrypt in the
    key, e.g. `TrailKey.reader_principal_arns`; `LogArchive` does both). They must exist: S3 and KMS refuse a
    policy naming a principal that does not. Default: none."""
    tags: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Tags for every taggable child. Default: none."""


DEFAULTS = documented_defaults(TrailBucketArgs)
"""What the component applies to an input it is not given, as the input's docstring states it."""


class TrailBucket(pulumi.ComponentResource):
    """The trail bucket (SSE-KMS with a Bucket Key, all public access blocked, bucket owner enforced, versioned,
    server access logged, lifecycle to colder storage, optional Object Lock and cross-Region replication) and
    its access-log bucket.

    Every bucket (trail, access logs, replica and the replica's access logs) and the replica's key are
    protected and retained on delete, never force-destroyed.
    """

    bucket_name: pulumi.Output[str]
    """The trail bucket's name."""
    bucket_arn: pulumi.Output[str]
    """The trail bucket's ARN."""
    access_log_bucket_name: pulumi.Output[str]
    """The access-log bucket's name."""
    replica_bucket_name: pulumi.Output[str] | None
    """The replica bucket's name, when replication is on."""
    log_bucket_names: pulumi.Output[list[str]]
    """Every bucket holding logs (trail, access logs, replica and its access logs): data events must skip them."""

    def __init__(self, name: str, args: TrailBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("trailguard:index:TrailBucket", name, None, opts)
        where = f"TrailBucket {name!r}"
        for arg, check in (
            ("bucket", check_bucket_name),
            ("access_log_bucket", check_bucket_name),
            ("trail_name", check_trail_name),
            ("management_account_id", check_account_id),
            ("organization_id", check_organization_id),
            ("s3_key_prefix", check_key_prefix),
            ("trail_region", check_region),
        ):
            check_input(where, arg, args.get(arg), check)
        readers = args.get("reader_principal_arns")
        if isinstance(readers, Sequence):
            for i, arn in enumerate(readers):
                check_input(where, f"reader_principal_arns[{i}]", arn, check_principal_arn)
        self._name = name
        self._args = args

        invoke = pulumi.InvokeOutputOptions(parent=self)
        self._partition = aws.get_partition_output(opts=invoke).partition
        self._account_id = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        bucket_name = pulumi.Output.from_input(args["bucket"])
        access_log_name = pulumi.Output.from_input(args.get("access_log_bucket") or bucket_name.apply(_access_log_name))
        object_lock = args.get("object_lock")

        # The access-log bucket first: the trail bucket's logging points at it.
        self.access_log_bucket, access_log_policy = self._access_log_bucket("access-log", access_log_name, bucket_name)

        self.bucket = self._bucket("bucket", bucket_name)
        parts = self._harden(self.bucket, "")
        self._encrypt(self.bucket, "encryption", args["kms_key_arn"])
        self._log_into(self.bucket, "logging", self.access_log_bucket, access_log_policy)
        self._lifecycle(self.bucket, "lifecycle", "trail-logs", parts["versioning"])
        if object_lock is not None:
            self._object_lock(self.bucket, "object-lock", object_lock, parts["versioning"])

        trail_region = pulumi.Output.from_input(args.get("trail_region") or region)
        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=pulumi.Output.all(
                partition=self._partition,
                bucket=bucket_name,
                region=trail_region,
                management=args["management_account_id"],
                trail=args["trail_name"],
                organization=args.get("organization_id"),
                prefix=args.get("s3_key_prefix"),
                readers=pulumi.Output.from_input(args.get("reader_principal_arns") or []),
            ).apply(_trail_bucket_policy),
            # After the public access block, which would otherwise race it.
            opts=child_options(self, depends_on=[parts["public_access_block"]]),
        )

        log_buckets: list[pulumi.Input[str]] = [self.bucket.bucket, self.access_log_bucket.bucket]
        self.replica_bucket_name = None
        replication = args.get("replication")
        if replication is not None:
            replica, replica_access_logs = self._replicate(
                replication, bucket_name, region, args["kms_key_arn"], parts["versioning"], object_lock
            )
            self.replica_bucket_name = replica.bucket
            log_buckets += [replica.bucket, replica_access_logs.bucket]

        self.bucket_name = self.bucket.bucket
        self.bucket_arn = self.bucket.arn
        self.access_log_bucket_name = self.access_log_bucket.bucket
        self.log_bucket_names = pulumi.Output.all(*log_buckets).apply(lambda names: [str(n) for n in names])
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "access_log_bucket_name": self.access_log_bucket_name,
                "replica_bucket_name": self.replica_bucket_name,
                "log_bucket_names": self.log_bucket_names,
            }
        )

    def _role(self, role: str) -> str:
        return f"{self._name}-{role}"

    def _bucket(self, role: str, name: pulumi.Input[str], region: pulumi.Input[str] | None = None) -> aws.s3.Bucket:
        return aws.s3.Bucket(
            self._role(role),
            bucket=name,
            force_destroy=False,
            region=region,
            tags=self._args.get("tags"),
            opts=log_store_options(self),
        )

    def _harden(
        self, bucket: aws.s3.Bucket, prefix: str, region: pulumi.Input[str] | None = None
    ) -> dict[str, pulumi.Resource]:
        """Public access blocked, bucket owner enforced (ACLs off), versioning on."""
        lead = f"{prefix}-" if prefix else ""
        pab = aws.s3.BucketPublicAccessBlock(
            self._role(f"{lead}public-access-block"),
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            region=region,
            opts=child_options(self),
        )
        aws.s3.BucketOwnershipControls(
            self._role(f"{lead}ownership-controls"),
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            region=region,
            opts=child_options(self),
        )
        versioning = aws.s3.BucketVersioning(
            self._role(f"{lead}versioning"),
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            region=region,
            opts=child_options(self),
        )
        return {"public_access_block": pab, "versioning": versioning}

    def _encrypt(
        self, bucket: aws.s3.Bucket, role: str, key_arn: pulumi.Input[str], region: pulumi.Input[str] | None = None
    ) -> None:
        aws.s3.BucketServerSideEncryptionConfiguration(
            self._role(role),
            bucket=bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": key_arn,
                    },
                    # One data key per bucket instead of one KMS call per log file: lower cost, fewer throttles.
                    "bucket_key_enabled": True,
                }
            ],
            region=region,
            opts=child_options(self),
        )

    def _lifecycle(
        self,
        bucket: aws.s3.Bucket,
        role: str,
        rule_prefix: str,
        versioning: pulumi.Resource,
        region: pulumi.Input[str] | None = None,
    ) -> None:
        aws.s3.BucketLifecycleConfiguration(
            self._role(role),
            bucket=bucket.id,
            rules=_lifecycle_rules(self._args, prefix_rule=rule_prefix),
            # Most CloudTrail log and digest files are a few KB, and archiving a small object costs more than it
            # saves: "For each object that is archived to S3 Glacier or S3 Glacier Deep Archive, Amazon S3 adds
            # 32 KB of storage for index and related metadata" plus 8 KB at S3 Standard rates, and every transition
            # is a billed request (S3 user guide, lifecycle-transition-general-considerations, "Cost
            # considerations"). So objects under 128 KB stay where they are: "all_storage_classes_128K - Objects
            # smaller than 128 KB will not transition to any storage class by default." (S3 API reference,
            # PutBucketLifecycleConfiguration); larger files still move, and expiration applies to all.
            transition_default_minimum_object_size="all_storage_classes_128K",
            region=region,
            opts=child_options(self, depends_on=[versioning]),
        )

    def _access_log_bucket(
        self,
        prefix: str,
        name: pulumi.Output[str],
        source: pulumi.Output[str],
        region: pulumi.Input[str] | None = None,
    ) -> tuple[aws.s3.Bucket, aws.s3.BucketPolicy]:
        """A bucket receiving `source`'s server access logs (S3 delivers only within one account and Region)."""
        bucket = self._bucket(f"{prefix}-bucket", name, region)
        parts = self._harden(bucket, prefix, region)
        aws.s3.BucketServerSideEncryptionConfiguration(
            self._role(f"{prefix}-encryption"),
            bucket=bucket.id,
            # Server access logging can only deliver into SSE-S3 default encryption; SSE-KMS defaults are
            # not supported for the destination bucket. See
            # https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            region=region,
            opts=child_options(self),
        )
        self._lifecycle(bucket, f"{prefix}-lifecycle", "access-logs", parts["versioning"], region)
        policy = aws.s3.BucketPolicy(
            self._role(f"{prefix}-policy"),
            bucket=bucket.id,
            policy=pulumi.Output.all(self._partition, name, source, self._account_id).apply(
                lambda v: to_json(
                    documents.access_log_bucket_policy(
                        partition=v[0],
                        bucket=v[1],
                        source_bucket=v[2],
                        source_account_id=v[3],
                        target_prefix=ACCESS_LOG_PREFIX,
                    )
                )
            ),
            region=region,
            opts=child_options(self, depends_on=[parts["public_access_block"]]),
        )
        return bucket, policy

    def _log_into(
        self,
        bucket: aws.s3.Bucket,
        role: str,
        target: aws.s3.Bucket,
        target_policy: aws.s3.BucketPolicy,
        region: pulumi.Input[str] | None = None,
    ) -> None:
        aws.s3.BucketLogging(
            self._role(role),
            bucket=bucket.id,
            target_bucket=target.id,
            target_prefix=ACCESS_LOG_PREFIX,
            target_object_key_format={"partitioned_prefix": {"partition_date_source": "EventTime"}},
            region=region,
            # Switched on only once S3's logging principal may write to the target.
            opts=child_options(self, depends_on=[target_policy]),
        )

    def _object_lock(
        self,
        bucket: aws.s3.Bucket,
        role: str,
        lock: ObjectLockArgs,
        versioning: pulumi.Resource,
        region: pulumi.Input[str] | None = None,
    ) -> None:
        # Enabled through the configuration resource, not the bucket's object_lock_enabled argument: S3 can
        # turn Object Lock on for an existing versioned bucket, whereas the bucket argument replaces the bucket.
        aws.s3.BucketObjectLockConfiguration(
            self._role(role),
            bucket=bucket.id,
            object_lock_enabled="Enabled",
            rule={"default_retention": {"mode": lock["mode"], "days": lock["days"]}},
            region=region,
            opts=child_options(self, depends_on=[versioning]),
        )

    def _replicate(
        self,
        replication: ReplicationArgs,
        source_name: pulumi.Output[str],
        source_region: pulumi.Output[str],
        source_key_arn: pulumi.Input[str],
        source_versioning: pulumi.Resource,
        object_lock: ObjectLockArgs | None,
    ) -> tuple[aws.s3.Bucket, aws.s3.Bucket]:
        """A replica bucket in the second Region, hardened like the source, with its own key (KMS keys are
        regional) and its own access-log bucket (server access logs stay in their Region); and the replication.
        """
        region = replication["region"]
        partition, account_id = self._partition, self._account_id
        replica_name = pulumi.Output.from_input(replication.get("bucket") or source_name.apply(_replica_name))
        access_log_name = pulumi.Output.from_input(
            replication.get("access_log_bucket") or replica_name.apply(_access_log_name)
        )
        replica_key = aws.kms.Key(
            self._role("replica-key"),
            description=source_name.apply(lambda b: f"CloudTrail: replicas of s3://{b}"),
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.all(partition, account_id).apply(
                lambda v: to_json(documents.replica_key_policy(partition=v[0], account_id=v[1]))
            ),
            region=region,
            tags=self._args.get("tags"),
            opts=log_store_options(self),
        )
        # An alias is the name to find the key by (and re-import it) if the stack's state is ever lost.
        aws.kms.Alias(
            self._role("replica-key-alias"),
            name=pulumi.Output.from_input(self._args["trail_name"]).apply(lambda t: default_alias_name(t, "replicas")),
            target_key_id=replica_key.key_id,
            region=region,
            opts=child_options(self),
        )
        access_logs, access_log_policy = self._access_log_bucket(
            "replica-access-log", access_log_name, replica_name, region
        )
        replica = self._bucket("replica-bucket", replica_name, region)
        parts = self._harden(replica, "replica", region)
        self._encrypt(replica, "replica-encryption", replica_key.arn, region)
        self._log_into(replica, "replica-logging", access_logs, access_log_policy, region)
        self._lifecycle(replica, "replica-lifecycle", "replicas", parts["versioning"], region)
        if object_lock is not None:
            # S3 replicates locked versions only into a bucket that has Object Lock on as well.
            self._object_lock(replica, "replica-object-lock", object_lock, parts["versioning"], region)
        aws.s3.BucketPolicy(
            self._role("replica-policy"),
            bucket=replica.id,
            policy=pulumi.Output.all(partition, replica_name).apply(
                lambda v: to_json(documents.replica_bucket_policy(partition=v[0], bucket=v[1]))
            ),
            region=region,
            opts=child_options(self, depends_on=[parts["public_access_block"]]),
        )
        role = aws.iam.Role(
            self._role("replication-role"),
            description=source_name.apply(lambda b: f"S3 replication of s3://{b}"),
            assume_role_policy=pulumi.Output.all(partition, source_name, account_id).apply(
                lambda v: to_json(
                    documents.replication_role_trust_policy(partition=v[0], source_bucket=v[1], account_id=v[2])
                )
            ),
            tags=self._args.get("tags"),
            opts=child_options(self),
        )
        role_policy = aws.iam.RolePolicy(
            self._role("replication-role-policy"),
            role=role.id,
            policy=pulumi.Output.all(
                partition, source_name, source_region, source_key_arn, replica_name, region, replica_key.arn
            ).apply(
                lambda v: to_json(
                    documents.replication_role_policy(
                        partition=v[0],
                        source_bucket=v[1],
                        source_region=v[2],
                        source_key_arn=v[3],
                        replica_bucket=v[4],
                        replica_region=v[5],
                        replica_key_arn=v[6],
                    )
                )
            ),
            opts=child_options(self),
        )
        aws.s3.BucketReplicationConfig(
            self._role("replication"),
            bucket=self.bucket.id,
            role=role.arn,
            rules=[
                {
                    "id": "replicate-every-log-file",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    # A deletion in the source must never reach the copy that exists to survive it.
                    "delete_marker_replication": {"status": "Disabled"},
                    "source_selection_criteria": {"sse_kms_encrypted_objects": {"status": "Enabled"}},
                    "destination": {
                        "bucket": replica.arn,
                        "storage_class": replication.get("storage_class") or "STANDARD",
                        "encryption_configuration": {"replica_kms_key_id": replica_key.arn},
                    },
                }
            ],
            opts=child_options(self, depends_on=[source_versioning, parts["versioning"], role_policy]),
        )
        return replica, access_logs


def _access_log_name(bucket: str) -> str:
    return f"{bucket}-access-logs"


def _replica_name(bucket: str) -> str:
    return f"{bucket}-replica"


def _trail_bucket_policy(v: dict[str, Any]) -> str:
    partition = str(v["partition"])
    return to_json(
        documents.trail_bucket_policy(
            partition=partition,
            bucket=str(v["bucket"]),
            trail_arn=documents.trail_arn(partition, str(v["region"]), str(v["management"]), str(v["trail"])),
            management_account_id=str(v["management"]),
            organization_id=v["organization"] or None,
            key_prefix=v["prefix"] or None,
            reader_principal_arns=[str(r) for r in v["readers"]],
        )
    )


def _lifecycle_rules(args: TrailBucketArgs, *, prefix_rule: str) -> list[Any]:
    """Colder storage after N days, incomplete uploads aborted, expiration only when configured."""
    days = args.get("transition_days", DEFAULTS["transition_days"])
    storage_class = args.get("transition_storage_class") or "GLACIER"
    rule: dict[str, Any] = {
        "id": f"{prefix_rule}-retention",
        "status": "Enabled",
        "filter": {"prefix": ""},
        "transitions": [{"days": days, "storage_class": storage_class}],
        "noncurrent_version_transitions": [{"noncurrent_days": days, "storage_class": storage_class}],
        "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS},
    }
    expiration = args.get("expiration_days")
    if expiration is not None:
        rule["expiration"] = {"days": expiration}
        rule["noncurrent_version_expiration"] = {"noncurrent_days": expiration}
    return [rule]


StorageClass = Literal["STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"]
"""Colder classes a log file may move to; ONEZONE_IA is left out: audit logs belong in more than one AZ."""


class ObjectLockConfig(ConfigModel):
    """`trailguard:bucket.objectLock`."""

    mode: Literal["GOVERNANCE", "COMPLIANCE"] = setting(expected="GOVERNANCE or COMPLIANCE", example="GOVERNANCE")
    days: int = setting(expected="a number of days of at least 1", example=365, ge=1, le=36500)


class ReplicationConfig(ConfigModel):
    """`trailguard:bucket.replication`."""

    region: Region = setting(expected="a second AWS Region", example="us-west-2")
    bucket_name: BucketName | None = setting(None, expected="the replica bucket's name", example="acme-cloudtrail-dr")
    access_log_bucket_name: BucketName | None = setting(
        None, expected="the name of the replica's access-log bucket", example="acme-cloudtrail-dr-access-logs"
    )
    storage_class: Literal[
        "STANDARD", "STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"
    ] = setting("STANDARD", expected="the replicas' storage class", example="STANDARD_IA")


class BucketConfig(ConfigModel):
    """`trailguard:bucket`: the trail bucket and its access-log bucket."""

    name: BucketName | None = setting(None, expected="the trail bucket's name", example="acme-cloudtrail-logs")
    access_log_bucket_name: BucketName | None = setting(
        None, expected="the access-log bucket's name", example="acme-cloudtrail-logs-access-logs"
    )
    transition_days: int = setting(
        DEFAULTS["transition_days"], expected="days before logs move to colder storage", example=90, ge=0
    )
    transition_storage_class: StorageClass = setting(
        "GLACIER",
        expected="one of STANDARD_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE",
        example="GLACIER",
    )
    minimum_retention_days: int = setting(365, expected="the fewest days logs must be kept", example=365, ge=1)
    expiration_days: int | None = setting(
        None, expected="days after which logs expire (omit to keep them forever)", example=2557, ge=1
    )
    object_lock: ObjectLockConfig | None = setting(
        None, expected="an Object Lock default retention", example={"mode": "GOVERNANCE", "days": 365}
    )
    replication: ReplicationConfig | None = setting(
        None, expected="a replication target in a second Region", example={"region": "us-west-2"}
    )

    @model_validator(mode="after")
    def _retention_is_consistent(self) -> Self:
        if self.transition_storage_class == "STANDARD_IA" and self.transition_days < 30:
            raise trailguard_error(
                f"{self.transition_days} is too early for STANDARD_IA; expected at least 30 days "
                "(S3's minimum before STANDARD_IA), e.g. 30",
                path="transitionDays",
            )
        expiration = self.expiration_days
        if expiration is None:
            return self
        if expiration < self.minimum_retention_days:
            raise trailguard_error(
                f"{expiration} would expire logs before the {self.minimum_retention_days}-day minimum retention; "
                f"expected at least {self.minimum_retention_days} days, or no expirationDays to keep logs forever, "
                "e.g. 2557",
                path="expirationDays",
            )
        if expiration <= self.transition_days:
            raise trailguard_error(
                f"{expiration} does not come after transitionDays ({self.transition_days}); expected more days "
                f"than transitionDays, e.g. {max(self.transition_days + 1, 2557)}",
                path="expirationDays",
            )
        if self.object_lock is not None and expiration < self.object_lock.days:
            raise trailguard_error(
                f"{expiration} comes before the Object Lock retention of {self.object_lock.days} days; expected "
                f"at least {self.object_lock.days} days, e.g. {max(self.object_lock.days, 2557)}",
                path="expirationDays",
            )
        return self
