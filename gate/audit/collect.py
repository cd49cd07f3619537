"""Read one account's trails in one Region, and everything they deliver to, with read-only boto3 calls.

Every call goes through `Reader`, which turns an AWS error into a `Fault` that says what could not be read and
why, so one denied or throttled call costs the audit that one fact and nothing else. What the API says is simply
not configured (no bucket policy, no lifecycle) is `Gap.ABSENT`; what could not be read is `Gap.UNREAD`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from trailguard_gate.audit.aws import AccountSession, arn_account, arn_region


class Gap(Enum):
    """Why a value is not there."""

    ABSENT = "absent"
    """AWS says it is not configured (e.g. `NoSuchBucketPolicy`)."""
    UNREAD = "unread"
    """Reading it failed; a `Fault` says why."""


ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "AuthorizationErrorException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "UnrecognizedClientException",
    }
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "LimitExceededException",
    }
)

# S3 operations whose IAM action is not `s3:<OperationName>`; see
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
_S3_ACTIONS = {
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    "ListBuckets": "ListAllMyBuckets",
}


def iam_action(service: str, operation: str) -> str:
    """The IAM action a call needs (`s3:GetEncryptionConfiguration` for GetBucketEncryption)."""
    if service == "s3":
        return f"s3:{_S3_ACTIONS.get(operation, operation)}"
    return f"{service}:{operation}"


@dataclass(frozen=True)
class Fault:
    """A read that failed: which call, on what, why, and which checks it cost."""

    account_id: str
    region: str
    action: str
    """The IAM action of the failed call (`s3:GetBucketPolicy`)."""
    target: str
    """What was being read (`bucket 'acme-trail-logs'`)."""
    kind: str
    """`access-denied`, `throttled`, `unreachable` or `error`."""
    code: str
    detail: str
    needed_for: str
    """What could not be checked without it (`the bucket policy rules`)."""
    attempts: int = 1

    def message(self) -> str:
        what = f"{self.action} on {self.target}"
        cost = f"{self.needed_for} could not be checked"
        if self.kind == "access-denied":
            return (
                f"{what} was denied ({self.code}: {self.detail}); {cost}. "
                f"Allow {self.action} for the principal the audit runs as, then audit again."
            )
        if self.kind == "throttled":
            return (
                f"{what} was still throttled after {self.attempts} attempts ({self.code}); {cost}. "
                "Audit again later, or raise --max-attempts."
            )
        if self.kind == "unreachable":
            return f"{what} could not reach AWS ({self.detail}); {cost}."
        return f"{what} failed ({self.code}: {self.detail}); {cost}."


@dataclass(frozen=True)
class Reference:
    """Something a trail delivers to or depends on that this account cannot judge: elsewhere, or gone."""

    kind: str
    """`bucket`, `KMS key`, `log group` or `role`."""
    identifier: str
    trail_arn: str
    situation: str
    """`other-account` (owned by `owner`, e.g. a log-archive account) or `missing` (AWS says it does not exist)."""
    owner: str | None = None


@dataclass(frozen=True)
class TrailState:
    description: dict[str, Any]
    """The trail's `DescribeTrails` entry."""
    status: dict[str, Any] | Gap
    """`GetTrailStatus`."""
    selectors: dict[str, Any] | Gap
    """`GetEventSelectors`: `EventSelectors` and/or `AdvancedEventSelectors`."""
    insights: list[dict[str, Any]] | Gap
    tags: dict[str, str] | Gap

    @property
    def arn(self) -> str:
        return str(self.description["TrailARN"])

    @property
    def name(self) -> str:
        return str(self.description["Name"])


@dataclass(frozen=True)
class BucketState:
    name: str
    region: str
    policy: str | Gap
    encryption: list[dict[str, Any]] | Gap
    public_access_block: dict[str, Any] | Gap
    ownership: list[dict[str, Any]] | Gap
    versioning: dict[str, Any] | Gap
    logging: dict[str, Any] | Gap
    lifecycle: list[dict[str, Any]] | Gap
    website: dict[str, Any] | Gap
    object_lock: dict[str, Any] | Gap
    tags: dict[str, str] | Gap


@dataclass(frozen=True)
class KeyState:
    arn: str
    metadata: dict[str, Any]
    policy: str | Gap
    rotation: dict[str, Any] | Gap
    aliases: tuple[str, ...] | Gap
    tags: dict[str, str] | Gap


@dataclass(frozen=True)
class LogGroupState:
    arn: str
    """The group's ARN without the trailing `:*` (the trail's `CloudWatchLogsLogGroupArn` carries one)."""
    region: str
    description: dict[str, Any]
    tags: dict[str, str] | Gap

    @property
    def name(self) -> str:
        return str(self.description["logGroupName"])


@dataclass(frozen=True)
class RoleState:
    role: dict[str, Any]
    """`GetRole`'s `Role`: trust policy (already a dict), path, tags, limits."""
    inline: dict[str, dict[str, Any]] | Gap
    """Inline policy name -> document."""
    attached: tuple[str, ...] | Gap
    """Managed policy ARNs."""

    @property
    def name(self) -> str:
        return str(self.role["RoleName"])

    @property
    def arn(self) -> str:
        return str(self.role["Arn"])


@dataclass(frozen=True)
class RegionState:
    """What one account's Region holds for the audit."""

    account_id: str
    region: str
    partition: str
    trails: tuple[TrailState, ...]
    """Trails this account owns whose home Region is this Region: the ones judged here."""
    covering: tuple[dict[str, Any], ...]
    """Every trail `DescribeTrails` lists in this Region (own, multi-Region ones homed elsewhere, organization ones)."""
    buckets: Mapping[str, BucketState] = field(default_factory=dict)
    keys: Mapping[str, KeyState] = field(default_factory=dict)
    """By key ARN."""
    key_refs: Mapping[str, str] = field(default_factory=dict)
    """Any way a key was referred to (id, alias, ARN) -> its key ARN."""
    log_groups: Mapping[str, LogGroupState] = field(default_factory=dict)
    """By ARN without `:*`."""
    roles: Mapping[str, RoleState] = field(default_factory=dict)
    """By role ARN."""
    references: tuple[Reference, ...] = ()
    faults: tuple[Fault, ...] = ()
    trails_unread: bool = False
    """`DescribeTrails` itself failed: nothing in this Region could be judged."""


class Reader:
    """Makes read calls for one account and Region, recording each failure as a `Fault`."""

    def __init__(self, account: AccountSession, region: str) -> None:
        self.account = account
        self.region = region
        self.faults: list[Fault] = []

    def call(
        self,
        service: str,
        method: str,
        target: str,
        needed_for: str,
        *,
        absent: Iterable[str] = (),
        region: str | None = None,
        **params: Any,
    ) -> dict[str, Any] | Gap:
        client = self.account.client(service, region or self.region)
        try:
            response: dict[str, Any] = getattr(client, method)(**params)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in set(absent):
                return Gap.ABSENT
            self._fault(client, method, target, needed_for, error)
            return Gap.UNREAD
        except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError) as error:
            self._fault(client, method, target, needed_for, error)
            return Gap.UNREAD
        response.pop("ResponseMetadata", None)
        return response

    def pages(
        self,
        service: str,
        method: str,
        key: str,
        target: str,
        needed_for: str,
        *,
        region: str | None = None,
        **params: Any,
    ) -> list[Any] | Gap:
        client = self.account.client(service, region or self.region)
        items: list[Any] = []
        try:
            for page in client.get_paginator(method).paginate(**params):
                items.extend(page.get(key) or [])
        except ClientError as error:
            self._fault(client, method, target, needed_for, error)
            return Gap.UNREAD
        except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError) as error:
            self._fault(client, method, target, needed_for, error)
            return Gap.UNREAD
        return items

    def _fault(self, client: Any, method: str, target: str, needed_for: str, error: Exception) -> None:
        operation = client.meta.method_to_api_mapping.get(method, method)
        action = iam_action(client.meta.service_model.signing_name, operation)
        if isinstance(error, ClientError):
            info = error.response.get("Error", {})
            code = str(info.get("Code") or "Unknown")
            detail = str(info.get("Message") or "no message")
            attempts = int(error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) + 1
            if code in ACCESS_DENIED_CODES:
                kind = "access-denied"
            elif code in THROTTLING_CODES:
                kind = "throttled"
            else:
                kind = "error"
        else:
            code, detail, attempts, kind = type(error).__name__, str(error), 1, "unreachable"
        self.faults.append(
            Fault(
                account_id=self.account.account_id,
                region=self.region,
                action=action,
                target=target,
                kind=kind,
                code=code,
                detail=detail,
                needed_for=needed_for,
                attempts=attempts,
            )
        )


def collect_region(account: AccountSession, region: str) -> RegionState:
    """Everything the audit needs about `account` in `region`."""
    reader = Reader(account, region)
    listed = reader.call(
        "cloudtrail",
        "describe_trails",
        f"the trails of account {account.account_id} in {region}",
        "the whole Region",
        includeShadowTrails=True,
    )
    if isinstance(listed, Gap):
        return RegionState(
            account_id=account.account_id,
            region=region,
            partition=account.partition,
            trails=(),
            covering=(),
            faults=tuple(reader.faults),
            trails_unread=True,
        )
    covering = tuple(listed.get("trailList") or [])
    own = [
        t
        for t in covering
        if t.get("HomeRegion", region) == region and arn_account(str(t.get("TrailARN", ""))) == account.account_id
    ]
    trails = tuple(_read_trail(reader, t) for t in own)
    linked = _Linked(reader)
    for trail in trails:
        linked.follow(trail)
    return RegionState(
        account_id=account.account_id,
        region=region,
        partition=account.partition,
        trails=trails,
        covering=covering,
        buckets=linked.buckets,
        keys=linked.keys,
        key_refs=linked.key_refs,
        log_groups=linked.log_groups,
        roles=linked.roles,
        references=tuple(linked.references),
        faults=tuple(reader.faults),
    )


def _read_trail(reader: Reader, description: dict[str, Any]) -> TrailState:
    arn = str(description["TrailARN"])
    target = f"trail {description.get('Name', arn)!r}"
    status = reader.call("cloudtrail", "get_trail_status", target, "whether it is logging and delivering", Name=arn)
    selectors = reader.call(
        "cloudtrail", "get_event_selectors", target, "the rules on which events it records", TrailName=arn
    )
    insights: list[dict[str, Any]] | Gap = Gap.ABSENT
    if description.get("HasInsightSelectors"):
        response = reader.call(
            "cloudtrail",
            "get_insight_selectors",
            target,
            "the Insights rules",
            absent=("InsightNotEnabledException",),
            TrailName=arn,
        )
        insights = response if isinstance(response, Gap) else list(response.get("InsightSelectors") or [])
    tagged = reader.call("cloudtrail", "list_tags", target, "the tagging rule", ResourceIdList=[arn])
    tags: dict[str, str] | Gap = tagged if isinstance(tagged, Gap) else {}
    if not isinstance(tagged, Gap):
        for entry in tagged.get("ResourceTagList") or []:
            tags = _tag_map(entry.get("TagsList"))
    return TrailState(
        description=description,
        status=status,
        selectors=selectors,
        insights=insights,
        tags=tags,
    )


def _tag_map(tags: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    return {str(t.get("Key")): str(t.get("Value", "")) for t in tags or []}


class _Linked:
    """Reads the buckets, keys, log groups and roles the trails point at, each once."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.account = reader.account
        self.buckets: dict[str, BucketState] = {}
        self.keys: dict[str, KeyState] = {}
        self.key_refs: dict[str, str] = {}
        self.log_groups: dict[str, LogGroupState] = {}
        self.roles: dict[str, RoleState] = {}
        self.references: list[Reference] = []
        self._seen: set[tuple[str, str]] = set()

    def _first(self, kind: str, identifier: str) -> bool:
        key = (kind, identifier)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def follow(self, trail: TrailState) -> None:
        d = trail.description
        if d.get("KmsKeyId"):
            self.key(str(d["KmsKeyId"]), trail.arn, self.reader.region)
        if d.get("S3BucketName"):
            bucket = self.bucket(str(d["S3BucketName"]), trail.arn)
            if bucket is not None and isinstance(bucket.logging, dict):
                target = bucket.logging.get("TargetBucket")
                if target:
                    self.bucket(str(target), trail.arn)
        if d.get("CloudWatchLogsLogGroupArn"):
            self.log_group(str(d["CloudWatchLogsLogGroupArn"]), trail.arn)
        if d.get("CloudWatchLogsRoleArn"):
            self.role(str(d["CloudWatchLogsRoleArn"]), trail.arn)

    def _owned_buckets(self) -> frozenset[str] | None:
        """The bucket names this account owns (`ListBuckets`), read once per account; None if it cannot be read."""
        if self.account.owned_buckets is None:
            names = self.reader.pages(
                "s3",
                "list_buckets",
                "Buckets",
                f"the buckets of account {self.account.account_id}",
                "telling a bucket in another account from an unreadable one",
            )
            if isinstance(names, Gap):
                return None
            self.account.owned_buckets = frozenset(str(b["Name"]) for b in names)
        return self.account.owned_buckets

    def bucket(self, name: str, trail_arn: str) -> BucketState | None:
        if name in self.buckets:
            return self.buckets[name]
        if not self._first("bucket", name):
            return None
        owned = self._owned_buckets()
        if owned is not None and name not in owned:
            # ListBuckets lists only the caller's buckets: a trail bucket missing from it lives in another account
            # (the usual organization layout keeps it in a log-archive account) or no longer exists.
            self.references.append(Reference("bucket", name, trail_arn, self._elsewhere_or_missing(name)))
            return None
        r = self.reader
        target = f"bucket {name!r}"
        location = r.call(
            "s3", "get_bucket_location", target, "the bucket's Region", absent=("NoSuchBucket",), Bucket=name
        )
        if location is Gap.ABSENT:
            self.references.append(Reference("bucket", name, trail_arn, "missing"))
            return None
        region = r.region
        if isinstance(location, dict):
            # An empty constraint means us-east-1; `EU` is the legacy name of eu-west-1.
            constraint = location.get("LocationConstraint") or "us-east-1"
            region = "eu-west-1" if constraint == "EU" else str(constraint)

        def read(method: str, needed_for: str, absent: tuple[str, ...] = ()) -> dict[str, Any] | Gap:
            return r.call("s3", method, target, needed_for, absent=absent, region=region, Bucket=name)

        policy = read("get_bucket_policy", "the bucket policy rules", ("NoSuchBucketPolicy",))
        encryption = read(
            "get_bucket_encryption", "the default encryption rules", ("ServerSideEncryptionConfigurationNotFoundError",)
        )
        pab = read("get_public_access_block", "the public access rules", ("NoSuchPublicAccessBlockConfiguration",))
        ownership = read(
            "get_bucket_ownership_controls", "the object ownership rules", ("OwnershipControlsNotFoundError",)
        )
        versioning = read("get_bucket_versioning", "the versioning rules")
        logging = read("get_bucket_logging", "the server access logging rules")
        lifecycle = read("get_bucket_lifecycle_configuration", "the lifecycle rules", ("NoSuchLifecycleConfiguration",))
        website = read("get_bucket_website", "the no-website-hosting rule", ("NoSuchWebsiteConfiguration",))
        lock = read(
            "get_object_lock_configuration", "the Object Lock settings", ("ObjectLockConfigurationNotFoundError",)
        )
        tagging = read("get_bucket_tagging", "the tagging rule", ("NoSuchTagSet",))
        state = BucketState(
            name=name,
            region=region,
            policy=_pick(policy, "Policy"),
            encryption=_pick(encryption, "ServerSideEncryptionConfiguration", "Rules"),
            public_access_block=_pick(pab, "PublicAccessBlockConfiguration"),
            ownership=_pick(ownership, "OwnershipControls", "Rules"),
            versioning=Gap.ABSENT if isinstance(versioning, dict) and not versioning.get("Status") else versioning,
            logging=_pick(logging, "LoggingEnabled"),
            lifecycle=_pick(lifecycle, "Rules"),
            website=Gap.ABSENT if isinstance(website, dict) and not website else website,
            object_lock=_pick(lock, "ObjectLockConfiguration"),
            tags=tagging if isinstance(tagging, Gap) else _tag_map(tagging.get("TagSet")),
        )
        self.buckets[name] = state
        sse = state.encryption if isinstance(state.encryption, list) else []
        for rule in sse:
            key_id = (rule.get("ApplyServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")
            if key_id:
                self.key(str(key_id), trail_arn, region)
        return state

    def _elsewhere_or_missing(self, name: str) -> str:
        """`missing` when S3 says the bucket does not exist; otherwise it belongs to another account."""
        try:
            self.account.client("s3", self.reader.region).get_bucket_location(Bucket=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "NoSuchBucket":
                return "missing"
        return "other-account"

    def key(self, reference: str, trail_arn: str, region: str) -> None:
        if reference in self.key_refs or not self._first("key", reference):
            return
        owner = arn_account(reference)
        if owner is not None and owner != self.account.account_id:
            # A key policy can only be read in the key's own account (GetKeyPolicy is not cross-account).
            self.references.append(Reference("KMS key", reference, trail_arn, "other-account", owner))
            return
        region = arn_region(reference) or region
        r = self.reader
        target = f"KMS key {reference!r}"
        described = r.call(
            "kms",
            "describe_key",
            target,
            "the KMS key rules",
            absent=("NotFoundException",),
            region=region,
            KeyId=reference,
        )
        if described is Gap.ABSENT:
            self.references.append(Reference("KMS key", reference, trail_arn, "missing"))
            return
        if isinstance(described, Gap):
            return
        metadata = dict(described["KeyMetadata"])
        arn = str(metadata["Arn"])
        self.key_refs[reference] = arn
        self.key_refs[arn] = arn
        self.key_refs[str(metadata["KeyId"])] = arn
        if arn in self.keys:
            return
        target = f"KMS key {arn!r}"
        key_id = str(metadata["KeyId"])
        # "default" is the only name a key policy can have; see
        # https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html
        policy = r.call(
            "kms", "get_key_policy", target, "the key policy rules", region=region, KeyId=key_id, PolicyName="default"
        )
        rotation = r.call(
            "kms", "get_key_rotation_status", target, "the key rotation rule", region=region, KeyId=key_id
        )
        aliases = r.pages("kms", "list_aliases", "Aliases", target, "naming the key", region=region, KeyId=key_id)
        tags = r.pages("kms", "list_resource_tags", "Tags", target, "the tagging rule", region=region, KeyId=key_id)
        self.keys[arn] = KeyState(
            arn=arn,
            metadata=metadata,
            policy=_pick(policy, "Policy"),
            rotation=rotation,
            aliases=aliases if isinstance(aliases, Gap) else tuple(str(a["AliasName"]) for a in aliases),
            tags=tags if isinstance(tags, Gap) else {str(t["TagKey"]): str(t["TagValue"]) for t in tags},
        )

    def log_group(self, arn: str, trail_arn: str) -> None:
        base = arn.removesuffix(":*")
        if not self._first("log group", base):
            return
        owner = arn_account(base)
        if owner is not None and owner != self.account.account_id:
            self.references.append(Reference("log group", base, trail_arn, "other-account", owner))
            return
        name = base.split(":log-group:", 1)[-1]
        region = arn_region(base) or self.reader.region
        target = f"log group {name!r}"
        groups = self.reader.pages(
            "logs",
            "describe_log_groups",
            "logGroups",
            target,
            "the log group rules",
            region=region,
            logGroupNamePrefix=name,
        )
        if isinstance(groups, Gap):
            return
        found = [g for g in groups if g.get("logGroupName") == name]
        if not found:
            self.references.append(Reference("log group", name, trail_arn, "missing"))
            return
        tags = self.reader.call(
            "logs", "list_tags_for_resource", target, "the tagging rule", region=region, resourceArn=base
        )
        self.log_groups[base] = LogGroupState(
            arn=base,
            region=region,
            description=found[0],
            tags=tags if isinstance(tags, Gap) else dict(tags.get("tags") or {}),
        )

    def role(self, arn: str, trail_arn: str) -> None:
        if not self._first("role", arn):
            return
        owner = arn_account(arn)
        if owner is not None and owner != self.account.account_id:
            self.references.append(Reference("role", arn, trail_arn, "other-account", owner))
            return
        name = arn.rsplit("/", 1)[-1]
        r = self.reader
        target = f"role {name!r}"
        got = r.call("iam", "get_role", target, "the delivery role rules", absent=("NoSuchEntity",), RoleName=name)
        if got is Gap.ABSENT:
            self.references.append(Reference("role", arn, trail_arn, "missing"))
            return
        if isinstance(got, Gap):
            return
        names = r.pages(
            "iam", "list_role_policies", "PolicyNames", target, "the delivery role's permissions", RoleName=name
        )
        inline: dict[str, dict[str, Any]] | Gap = Gap.UNREAD if isinstance(names, Gap) else {}
        if isinstance(inline, dict) and isinstance(names, list):
            for policy_name in names:
                policy = r.call(
                    "iam",
                    "get_role_policy",
                    f"{target} policy {policy_name!r}",
                    "the delivery role's permissions",
                    RoleName=name,
                    PolicyName=policy_name,
                )
                if isinstance(policy, Gap):
                    inline = Gap.UNREAD
                    break
                inline[str(policy_name)] = dict(policy["PolicyDocument"])
        attached = r.pages(
            "iam",
            "list_attached_role_policies",
            "AttachedPolicies",
            target,
            "the delivery role's permissions",
            RoleName=name,
        )
        self.roles[arn] = RoleState(
            role=dict(got["Role"]),
            inline=inline,
            attached=attached if isinstance(attached, Gap) else tuple(str(p["PolicyArn"]) for p in attached),
        )


def _pick(response: dict[str, Any] | Gap, *path: str) -> Any:
    """`response[path[0]][path[1]]...`, keeping a `Gap` as it is and turning a missing key into `Gap.ABSENT`."""
    value: Any = response
    for key in path:
        if isinstance(value, Gap):
            return value
        value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return Gap.ABSENT
    return value
