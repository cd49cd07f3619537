"""Live state -> the resources the policy pack judges, in exactly the shape pulumi-aws 7 resources have as inputs.

A trail found in an account becomes an `aws:cloudtrail/trail:Trail` whose `s3BucketName`, `kmsKeyId`,
`cloudWatchLogsGroupArn` and `cloudWatchLogsRoleArn` carry property dependencies on the bucket, key, log group and
role it uses, as a Pulumi program's references would: the pack finds them the same way in code and in reality.
What could not be read is the engine's `UNKNOWN`, so the pack skips exactly that and judges the rest; what AWS says
is not configured is simply absent, as in a program that does not configure it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from trailguard_gate.audit.collect import (
    BucketState,
    Gap,
    KeyState,
    LogGroupState,
    RegionState,
    RoleState,
    TrailState,
)
from trailguard_gate.model import UNKNOWN, Resource, ResourceOptions

# The tokens of what the audit converts, as the pack names them (re-exported under the audit's names).
from trailguard_policies.resources import ALIAS as ALIAS
from trailguard_policies.resources import BUCKET as BUCKET
from trailguard_policies.resources import BUCKET_LIFECYCLE_CONFIGURATION as BUCKET_LIFECYCLE
from trailguard_policies.resources import BUCKET_LOGGING_CONFIGURATION as BUCKET_LOGGING
from trailguard_policies.resources import BUCKET_POLICY as BUCKET_POLICY
from trailguard_policies.resources import BUCKET_PUBLIC_ACCESS_BLOCK as BUCKET_PUBLIC_ACCESS_BLOCK
from trailguard_policies.resources import BUCKET_SSE_CONFIGURATION as BUCKET_ENCRYPTION
from trailguard_policies.resources import BUCKET_VERSIONING_CONFIGURATION as BUCKET_VERSIONING
from trailguard_policies.resources import BUCKET_WEBSITE_CONFIGURATION as BUCKET_WEBSITE
from trailguard_policies.resources import KEY as KEY
from trailguard_policies.resources import LOG_GROUP as LOG_GROUP
from trailguard_policies.resources import ROLE as ROLE
from trailguard_policies.resources import ROLE_POLICY as ROLE_POLICY
from trailguard_policies.resources import ROLE_POLICY_ATTACHMENT as ROLE_POLICY_ATTACHMENT
from trailguard_policies.resources import TRAIL as TRAIL

# The two bucket parts the audit reads and no policy judges.
BUCKET_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
BUCKET_OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
BUCKET_PARTS = (
    BUCKET_POLICY,
    BUCKET_ENCRYPTION,
    BUCKET_PUBLIC_ACCESS_BLOCK,
    BUCKET_OWNERSHIP,
    BUCKET_VERSIONING,
    BUCKET_LOGGING,
    BUCKET_LIFECYCLE,
    BUCKET_WEBSITE,
    BUCKET_OBJECT_LOCK,
)
"""The resources that configure a bucket, each through its `bucket` input."""

PROJECT = "trailguard-audit"
"""The project name in the URNs of audited resources (they belong to no Pulumi project)."""

LIVE_OPTIONS = ResourceOptions()
"""Live resources carry no Pulumi options: nothing protects them from a `pulumi destroy` that does not manage them."""


def stack_name(account_id: str, region: str) -> str:
    """The stack name an audited account and Region is judged as: `111111111111-us-east-1`."""
    return f"{account_id}-{region}"


def urn(stack: str, token: str, name: str, project: str = PROJECT) -> str:
    return f"urn:pulumi:{stack}::{project}::{token}::{name}"


def camel(value: Any, renames: Mapping[str, str] | None = None) -> Any:
    """An AWS API structure with its keys as pulumi-aws spells them: `ReadWriteType` -> `readWriteType`.

    `renames` covers the keys the provider does not derive by lowering the first letter (`StartsWith` ->
    `startsWiths`); all-capital keys (`ID`) become lower case; timestamps become ISO 8601 text.
    """
    renames = renames or {}
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = renames.get(key) or (key.lower() if key.isupper() else key[:1].lower() + key[1:])
            out[name] = camel(item, renames)
        return out
    if isinstance(value, list | tuple):
        return [camel(item, renames) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


_SELECTOR_RENAMES = {
    "StartsWith": "startsWiths",
    "EndsWith": "endsWiths",
    "NotStartsWith": "notStartsWiths",
    "NotEndsWith": "notEndsWiths",
}
_ENCRYPTION_RENAMES = {"SSEAlgorithm": "sseAlgorithm", "KMSMasterKeyID": "kmsMasterKeyId"}


def _compact(value: Any) -> Any:
    """Drop empty lists and None from nested inputs: a program sets only what it means."""
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_compact(v) for v in value]
    return value


def _json(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document, separators=(",", ":"))


def _tags(tags: Mapping[str, str] | Gap) -> dict[str, Any]:
    if isinstance(tags, Gap):
        return {"tags": UNKNOWN} if tags is Gap.UNREAD else {}
    return {"tags": dict(tags)} if tags else {}


def _value(value: Any, convert: Any = None) -> Any:
    if value is Gap.UNREAD:
        return UNKNOWN
    return convert(value) if convert else value


def trail_properties(trail: TrailState) -> dict[str, Any]:
    """A live trail as `aws:cloudtrail/trail:Trail` inputs."""
    d = trail.description
    props: dict[str, Any] = {"name": d["Name"], "s3BucketName": d.get("S3BucketName")}
    for api, prop in (
        ("S3KeyPrefix", "s3KeyPrefix"),
        ("SnsTopicName", "snsTopicName"),
        ("KmsKeyId", "kmsKeyId"),
        ("CloudWatchLogsLogGroupArn", "cloudWatchLogsGroupArn"),
        ("CloudWatchLogsRoleArn", "cloudWatchLogsRoleArn"),
    ):
        if d.get(api):
            props[prop] = d[api]
    props["includeGlobalServiceEvents"] = bool(d.get("IncludeGlobalServiceEvents", False))
    props["isMultiRegionTrail"] = bool(d.get("IsMultiRegionTrail", False))
    props["isOrganizationTrail"] = bool(d.get("IsOrganizationTrail", False))
    props["enableLogFileValidation"] = bool(d.get("LogFileValidationEnabled", False))
    if isinstance(trail.status, dict):
        props["enableLogging"] = bool(trail.status.get("IsLogging", False))
    elif trail.status is Gap.UNREAD:
        props["enableLogging"] = UNKNOWN
    props.update(selector_properties(trail.selectors))
    if isinstance(trail.insights, list) and trail.insights:
        props["insightSelectors"] = [{"insightType": i["InsightType"]} for i in trail.insights]
    elif trail.insights is Gap.UNREAD:
        props["insightSelectors"] = UNKNOWN
    props.update(_tags(trail.tags))
    if d.get("HomeRegion"):
        props["region"] = d["HomeRegion"]
    return props


def selector_properties(selectors: Mapping[str, Any] | Gap) -> dict[str, Any]:
    """`GetEventSelectors` as `eventSelectors` or `advancedEventSelectors`; nothing when the trail has none."""
    if selectors is Gap.UNREAD:
        return {"eventSelectors": UNKNOWN, "advancedEventSelectors": UNKNOWN}
    if isinstance(selectors, Gap):
        return {}
    out: dict[str, Any] = {}
    basic = selectors.get("EventSelectors") or []
    advanced = selectors.get("AdvancedEventSelectors") or []
    if basic:
        out["eventSelectors"] = _compact(camel(basic))
    if advanced:
        out["advancedEventSelectors"] = _compact(camel(advanced, _SELECTOR_RENAMES))
    return out


def lifecycle_rules(rules: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`GetBucketLifecycleConfiguration` rules as `BucketLifecycleConfiguration.rules`."""
    converted = []
    for rule in rules:
        out = _compact(camel(rule))
        and_ = (out.get("filter") or {}).get("and")
        if isinstance(and_, dict) and isinstance(and_.get("tags"), list):
            # The API lists tags as Key/Value pairs; the provider takes a map.
            and_["tags"] = {t["key"]: t["value"] for t in and_["tags"]}
        converted.append(out)
    return converted


@dataclass
class _Stack:
    """Resources being built for one account and Region, with the URN of each thing by its AWS identifier."""

    name: str
    resources: list[Resource] = field(default_factory=list)
    taken: set[tuple[str, str]] = field(default_factory=set)

    def add(
        self,
        token: str,
        name: str,
        properties: dict[str, Any],
        links: Mapping[str, Iterable[str]] | None = None,
        depends_on: Iterable[str] = (),
        arn: str | None = None,
    ) -> str:
        """Add one resource; `arn` makes its outputs the inputs plus the ARN, as the engine holds a deployed
        resource, so the pack's stack policies judge the real ARN instead of one "not known during preview"."""
        unique = name
        counter = 2
        while (token, unique) in self.taken:
            unique = f"{name}-{counter}"
            counter += 1
        self.taken.add((token, unique))
        property_dependencies = {k: tuple(sorted(set(v))) for k, v in (links or {}).items() if v}
        dependencies = sorted({u for urns in property_dependencies.values() for u in urns} | set(depends_on))
        resource = Resource(
            urn=urn(self.name, token, unique),
            type=token,
            name=unique,
            properties=properties,
            dependencies=tuple(dependencies),
            property_dependencies=property_dependencies,
            options=LIVE_OPTIONS,
            outputs={**properties, "arn": arn} if arn else None,
        )
        self.resources.append(resource)
        return resource.urn


def to_resources(state: RegionState) -> list[Resource]:
    """Every resource the audit found in `state`, linked as a program would link them."""
    stack = _Stack(stack_name(state.account_id, state.region))
    key_urns = {arn: _add_key(stack, key) for arn, key in sorted(state.keys.items())}

    def key_urn(reference: Any) -> list[str]:
        arn = state.key_refs.get(str(reference)) if reference else None
        return [key_urns[arn]] if arn in key_urns else []

    bucket_urns: dict[str, str] = {}
    bucket_children: dict[str, list[str]] = {}
    for name, bucket in sorted(state.buckets.items()):
        bucket_urns[name] = stack.add(
            BUCKET, name, _bucket_properties(bucket), arn=f"arn:{state.partition}:s3:::{bucket.name}"
        )
    for name, bucket in sorted(state.buckets.items()):
        bucket_children[name] = _add_bucket_parts(stack, bucket, bucket_urns, key_urn)

    group_urns: dict[str, str] = {}
    for arn, group in sorted(state.log_groups.items()):
        group_urns[arn] = stack.add(
            LOG_GROUP,
            group.name,
            _log_group_properties(group),
            {"kmsKeyId": key_urn(group.description.get("kmsKeyId"))},
            arn=group.arn,
        )

    role_urns: dict[str, str] = {}
    role_children: dict[str, list[str]] = {}
    for arn, role in sorted(state.roles.items()):
        role_urns[arn] = stack.add(ROLE, role.name, _role_properties(role), arn=arn)
        role_children[arn] = _add_role_parts(stack, role, role_urns[arn], group_urns)

    for trail in state.trails:
        d = trail.description
        bucket_name = str(d.get("S3BucketName") or "")
        group_arn = str(d.get("CloudWatchLogsLogGroupArn") or "").removesuffix(":*")
        role_arn = str(d.get("CloudWatchLogsRoleArn") or "")
        links = {
            "s3BucketName": [bucket_urns[bucket_name]] if bucket_name in bucket_urns else [],
            "kmsKeyId": key_urn(d.get("KmsKeyId")),
            "cloudWatchLogsGroupArn": [group_urns[group_arn]] if group_arn in group_urns else [],
            "cloudWatchLogsRoleArn": [role_urns[role_arn]] if role_arn in role_urns else [],
        }
        # As the components do: the trail depends on the bucket policy and the role's policy, which it needs to
        # deliver, not only on what its inputs name.
        stack.add(
            TRAIL,
            trail.name,
            trail_properties(trail),
            links,
            depends_on=[*bucket_children.get(bucket_name, []), *role_children.get(role_arn, [])],
            arn=str(d.get("TrailARN") or "") or None,
        )
    return stack.resources


def key_name(key: KeyState) -> str:
    """A key's resource name: its first alias without `alias/`, else its id."""
    aliases = key.aliases if isinstance(key.aliases, tuple) else ()
    return aliases[0].removeprefix("alias/") if aliases else str(key.metadata["KeyId"])


def _add_key(stack: _Stack, key: KeyState) -> str:
    meta = key.metadata
    aliases = key.aliases if isinstance(key.aliases, tuple) else ()
    name = key_name(key)
    props: dict[str, Any] = {}
    if meta.get("Description"):
        props["description"] = meta["Description"]
    if key.policy is not Gap.ABSENT:
        props["policy"] = _value(key.policy)
    if isinstance(key.rotation, dict):
        props["enableKeyRotation"] = bool(key.rotation.get("KeyRotationEnabled", False))
        if key.rotation.get("RotationPeriodInDays"):
            props["rotationPeriodInDays"] = key.rotation["RotationPeriodInDays"]
    elif key.rotation is Gap.UNREAD:
        props["enableKeyRotation"] = UNKNOWN
    if meta.get("PendingDeletionWindowInDays"):
        # Only a key scheduled for deletion has a deletion window to read.
        props["deletionWindowInDays"] = meta["PendingDeletionWindowInDays"]
    props["isEnabled"] = bool(meta.get("Enabled", False))
    for api, prop in (("KeyUsage", "keyUsage"), ("KeySpec", "customerMasterKeySpec")):
        if meta.get(api):
            props[prop] = meta[api]
    props["multiRegion"] = bool(meta.get("MultiRegion", False))
    props.update(_tags(key.tags))
    props["region"] = key.arn.split(":")[3]
    key_urn = stack.add(KEY, name, props, arn=key.arn)
    for alias in aliases:
        stack.add(
            ALIAS,
            alias.removeprefix("alias/"),
            {"name": alias, "targetKeyId": meta["KeyId"], "region": props["region"]},
            {"targetKeyId": [key_urn]},
        )
    return key_urn


def _bucket_properties(bucket: BucketState) -> dict[str, Any]:
    props: dict[str, Any] = {"bucket": bucket.name}
    if isinstance(bucket.object_lock, dict) and bucket.object_lock.get("ObjectLockEnabled") == "Enabled":
        props["objectLockEnabled"] = True
    elif bucket.object_lock is Gap.UNREAD:
        props["objectLockEnabled"] = UNKNOWN
    props.update(_tags(bucket.tags))
    props["region"] = bucket.region
    return props


def _add_bucket_parts(stack: _Stack, bucket: BucketState, bucket_urns: Mapping[str, str], key_urn: Any) -> list[str]:
    """The bucket's configuration resources; each depends on the bucket through its `bucket` input."""
    name = bucket.name
    own = {"bucket": [bucket_urns[name]]}
    base = {"bucket": name, "region": bucket.region}
    added: list[str] = []

    def part(
        token: str, suffix: str, value: Any, build: Any, extra_links: Mapping[str, list[str]] | None = None
    ) -> None:
        if value is Gap.ABSENT:
            return
        properties = {**base, **(build(value) if not isinstance(value, Gap) else _unknown_part(token))}
        added.append(stack.add(token, f"{name}-{suffix}", properties, {**own, **(extra_links or {})}))

    part(BUCKET_POLICY, "policy", bucket.policy, lambda p: {"policy": _json(p)})
    encryption_keys = [
        (rule.get("ApplyServerSideEncryptionByDefault") or {}).get("KMSMasterKeyID")
        for rule in (bucket.encryption if isinstance(bucket.encryption, list) else [])
    ]
    part(
        BUCKET_ENCRYPTION,
        "encryption",
        bucket.encryption,
        lambda rules: {"rules": _compact(camel(rules, _ENCRYPTION_RENAMES))},
        {"rules": [u for k in encryption_keys for u in key_urn(k)]},
    )
    part(BUCKET_PUBLIC_ACCESS_BLOCK, "public-access-block", bucket.public_access_block, lambda pab: camel(pab))
    part(
        BUCKET_OWNERSHIP,
        "ownership-controls",
        bucket.ownership,
        lambda rules: {"rule": {"objectOwnership": rules[0]["ObjectOwnership"]}} if rules else {},
    )
    part(
        BUCKET_VERSIONING,
        "versioning",
        bucket.versioning,
        lambda v: {"versioningConfiguration": _compact({"status": v.get("Status"), "mfaDelete": v.get("MFADelete")})},
    )
    target = str(bucket.logging.get("TargetBucket")) if isinstance(bucket.logging, dict) else ""
    part(
        BUCKET_LOGGING,
        "logging",
        bucket.logging,
        lambda logging: _compact(camel(logging)),
        {"targetBucket": [bucket_urns[target]] if target in bucket_urns else []},
    )
    part(BUCKET_LIFECYCLE, "lifecycle", bucket.lifecycle, lambda rules: {"rules": lifecycle_rules(rules)})
    part(BUCKET_WEBSITE, "website", bucket.website, lambda website: _compact(camel(website)))
    if isinstance(bucket.object_lock, dict) and bucket.object_lock.get("Rule"):
        part(BUCKET_OBJECT_LOCK, "object-lock", bucket.object_lock, lambda lock: _compact(camel(lock)))
    return added


def _unknown_part(token: str) -> dict[str, Any]:
    """The inputs of a bucket configuration that could not be read: present, value unknown."""
    return {
        BUCKET_POLICY: {"policy": UNKNOWN},
        BUCKET_ENCRYPTION: {"rules": UNKNOWN},
        BUCKET_PUBLIC_ACCESS_BLOCK: {
            "blockPublicAcls": UNKNOWN,
            "blockPublicPolicy": UNKNOWN,
            "ignorePublicAcls": UNKNOWN,
            "restrictPublicBuckets": UNKNOWN,
        },
        BUCKET_OWNERSHIP: {"rule": UNKNOWN},
        BUCKET_VERSIONING: {"versioningConfiguration": UNKNOWN},
        BUCKET_LOGGING: {"targetBucket": UNKNOWN, "targetPrefix": UNKNOWN},
        BUCKET_LIFECYCLE: {"rules": UNKNOWN},
        BUCKET_WEBSITE: {"indexDocument": UNKNOWN},
        BUCKET_OBJECT_LOCK: {"rule": UNKNOWN},
    }[token]


def _log_group_properties(group: LogGroupState) -> dict[str, Any]:
    d = group.description
    props: dict[str, Any] = {"name": d["logGroupName"]}
    if d.get("retentionInDays"):
        props["retentionInDays"] = d["retentionInDays"]
    if d.get("kmsKeyId"):
        props["kmsKeyId"] = d["kmsKeyId"]
    if d.get("logGroupClass"):
        props["logGroupClass"] = d["logGroupClass"]
    if "deletionProtectionEnabled" in d:
        props["deletionProtectionEnabled"] = bool(d["deletionProtectionEnabled"])
    props.update(_tags(group.tags))
    props["region"] = group.region
    return props


def _role_properties(role: RoleState) -> dict[str, Any]:
    r = role.role
    props: dict[str, Any] = {"name": r["RoleName"], "path": r.get("Path", "/")}
    props["assumeRolePolicy"] = _json(r.get("AssumeRolePolicyDocument") or {})
    if r.get("Description"):
        props["description"] = r["Description"]
    if r.get("MaxSessionDuration"):
        props["maxSessionDuration"] = r["MaxSessionDuration"]
    boundary = (r.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if boundary:
        props["permissionsBoundary"] = boundary
    tags = {str(t["Key"]): str(t.get("Value", "")) for t in r.get("Tags") or []}
    if tags:
        props["tags"] = tags
    return props


def _add_role_parts(
    stack: _Stack,
    role: RoleState,
    role_urn: str,
    group_urns: Mapping[str, str],
) -> list[str]:
    added: list[str] = []
    if role.inline is Gap.UNREAD:
        added.append(
            stack.add(
                ROLE_POLICY, f"{role.name}-policies", {"role": role.name, "policy": UNKNOWN}, {"role": [role_urn]}
            )
        )
    elif isinstance(role.inline, dict):
        for policy_name, document in sorted(role.inline.items()):
            text = _json(document)
            # A program builds the delivery policy from the log group's ARN: link it the same way.
            mentioned = [u for arn, u in group_urns.items() if arn in text]
            added.append(
                stack.add(
                    ROLE_POLICY,
                    f"{role.name}-{policy_name}",
                    {"name": policy_name, "role": role.name, "policy": text},
                    {"role": [role_urn], "policy": mentioned},
                )
            )
    if isinstance(role.attached, tuple):
        for policy_arn in role.attached:
            added.append(
                stack.add(
                    ROLE_POLICY_ATTACHMENT,
                    f"{role.name}-{policy_arn.rsplit('/', 1)[-1]}",
                    {"role": role.name, "policyArn": policy_arn},
                    {"role": [role_urn]},
                )
            )
    return added
