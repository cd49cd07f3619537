"""The stack as the trail-related policies see it: which bucket, key, log group and role belong to each trail.

A trail names its bucket, key, log group and role by value (`s3BucketName`, `kmsKeyId`, ...). During a first
preview those values are outputs of resources not yet created, so the engine sends them unknown; what it
does send are the property dependencies (the URNs each input was computed from). So every relation is found
through property dependencies first, then by value; a value that names nothing in this stack points to a
resource in another stack or account (the cross-account log-archive layout), which this stack cannot judge.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from trailguard_policies import iam
from trailguard_policies.resources import (
    ALIAS,
    BUCKET_POLICY,
    BUCKETS,
    KEY,
    KEY_POLICY,
    LOG_GROUP,
    ROLE,
    TRAIL,
    Res,
)
from trailguard_policies.values import Malformed, NotKnown, is_unknown, parse_json_document

CLOUDTRAIL = "cloudtrail.amazonaws.com"
POLICY_EXAMPLE = '{"Version": "2012-10-17", "Statement": [...]}'


@dataclass(frozen=True)
class Found:
    """The related resource is in this stack."""

    res: Res


@dataclass(frozen=True)
class Elsewhere:
    """The value is known and names nothing in this stack: another stack or account owns it."""

    value: str


@dataclass(frozen=True)
class Unresolved:
    """The value is not known yet and no property dependency says where it comes from."""

    what: str


@dataclass(frozen=True)
class Unset:
    """The property is not set at all."""


Relation = Found | Elsewhere | Unresolved | Unset


def _tail(arn: str, marker: str) -> str | None:
    index = arn.find(marker)
    return arn[index + len(marker) :] if index >= 0 else None


@dataclass(frozen=True, eq=False)
class Referrer:
    """A resource outside the index, reduced to how it could point at one: its links and top-level strings."""

    urn: str
    type: str
    name: str
    links: dict[str, frozenset[str]]
    strings: dict[str, str]


def referrer_from_policy_resource(resource: object) -> Referrer:
    """A `Referrer` from the policy SDK's `PolicyResource`, without converting nested values (it must be cheap)."""
    props = getattr(resource, "props", {})
    try:
        target = props["__target"]
    except (KeyError, TypeError):
        target = props
    strings = {k: v for k, v in dict(target).items() if isinstance(v, str) and not is_unknown(v)}
    links = {k: frozenset(d.urn for d in v) for k, v in getattr(resource, "property_dependencies", {}).items()}
    return Referrer(
        urn=getattr(resource, "urn", ""),
        type=getattr(resource, "resource_type", ""),
        name=getattr(resource, "name", ""),
        links=links,
        strings=strings,
    )


class Stack:
    """An index over the resources of one AnalyzeStack call; build it from the relevant resources only."""

    def __init__(self, resources: Iterable[Res], referrers: Iterable[Referrer] = ()) -> None:
        self.resources = tuple(resources)
        self.by_urn = {r.urn: r for r in self.resources}
        self.referrers = tuple(referrers)
        self._by_type: dict[str, list[Res]] = {}
        for resource in self.resources:
            self._by_type.setdefault(resource.type, []).append(resource)
        # Every lookup below is a dictionary built once: an organization's stack may hold thousands of buckets.
        self._grouped: dict[tuple[frozenset[str], str], dict[str, list[Res]]] = {}

    def of_type(self, *tokens: str | Iterable[str]) -> list[Res]:
        wanted: set[str] = set()
        for token in tokens:
            wanted.update([token] if isinstance(token, str) else token)
        if len(wanted) == 1:
            return list(self._by_type.get(next(iter(wanted)), ()))
        return [r for r in self.resources if r.type in wanted]

    def referrers_of(self, res: Res, name: str | None) -> dict[Referrer, list[str]]:
        """Each referrer using `res`, with the properties through which it does (by dependency or by name)."""
        found: dict[Referrer, list[str]] = {}
        for referrer, key in self._referrer_links.get(res.urn, ()):
            found.setdefault(referrer, []).append(key)
        for referrer, key in self._referrer_strings.get(name, ()) if name else ():
            if key not in found.get(referrer, []):
                found.setdefault(referrer, []).append(key)
        return found

    @cached_property
    def _referrer_links(self) -> dict[str, list[tuple[Referrer, str]]]:
        index: dict[str, list[tuple[Referrer, str]]] = {}
        for referrer in self.referrers:
            for key, urns in referrer.links.items():
                for urn in urns:
                    index.setdefault(urn, []).append((referrer, key))
        return index

    @cached_property
    def _referrer_strings(self) -> dict[str, list[tuple[Referrer, str]]]:
        index: dict[str, list[tuple[Referrer, str]]] = {}
        for referrer in self.referrers:
            for key, value in referrer.strings.items():
                index.setdefault(value, []).append((referrer, key))
        return index

    @cached_property
    def trails(self) -> list[Res]:
        return self.of_type(TRAIL)

    # --- following links ------------------------------------------------------------------------------

    def _via_deps(
        self, res: Res, key: str, types: frozenset[str], carriers: dict[str, str], depth: int = 0
    ) -> Res | None:
        """The resource of `types` that `res.key` was computed from, possibly through a carrier.

        A carrier is a resource that passes the value on: `bucket=policy.bucket` makes the trail depend on
        the bucket policy, whose own `bucket` input depends on the bucket.
        """
        for urn in res.deps(key):
            dep = self.by_urn.get(urn)
            if dep is None:
                continue
            if dep.type in types:
                return dep
            if dep.type in carriers and depth < 3:
                found = self._via_deps(dep, carriers[dep.type], types, carriers, depth + 1)
                if found is not None:
                    return found
        return None

    @cached_property
    def _buckets_by_name(self) -> dict[str, Res]:
        named: dict[str, Res] = {}
        for bucket in self.of_type(BUCKETS):
            arn = bucket.raw("arn")
            for name in (
                bucket.raw("bucket"),
                bucket.raw("id"),
                arn.split(":::", 1)[-1] if isinstance(arn, str) else None,
            ):
                if isinstance(name, str) and name and not is_unknown(name):
                    named.setdefault(name, bucket)
        return named

    def bucket_named(self, name: str) -> Res | None:
        return self._buckets_by_name.get(name)

    def bucket_of(self, res: Res, key: str = "bucket") -> Relation:
        """The bucket a trail (`s3BucketName`) or a bucket configuration resource (`bucket`) points at."""
        value = res.raw(key)
        if value is None or value == "":
            return Unset()
        found = self._via_deps(res, key, BUCKETS, {BUCKET_POLICY: "bucket"})
        if found is not None:
            return Found(found)
        if not isinstance(value, str) or is_unknown(value):
            return Unresolved(res.where(key))
        name = value.split(":::", 1)[-1].split("/", 1)[0] if value.startswith("arn:") else value
        bucket = self.bucket_named(name)
        return Found(bucket) if bucket is not None else Elsewhere(value)

    def configs_of(self, bucket: Res, types: Iterable[str], key: str = "bucket") -> list[Res]:
        """The configuration resources of `types` that apply to `bucket`."""
        return list(self._group(frozenset(types), key, self.bucket_of).get(bucket.urn, ()))

    def _group(self, types: frozenset[str], key: str, relate: Callable[[Res, str], Relation]) -> dict[str, list[Res]]:
        """Resources of `types` grouped by the URN of the resource their `key` points at (computed once)."""
        if (types, key) not in self._grouped:
            groups: dict[str, list[Res]] = {}
            for resource in self.of_type(types):
                relation = relate(resource, key)
                if isinstance(relation, Found):
                    groups.setdefault(relation.res.urn, []).append(resource)
            self._grouped[(types, key)] = groups
        return self._grouped[(types, key)]

    def key_of(self, res: Res, key: str = "kmsKeyId") -> Relation:
        """The KMS key an ARN, key id or alias property points at (aliases are followed to their key)."""
        value = res.raw(key)
        if value is None or value == "":
            return Unset()
        found = self._via_deps(res, key, frozenset({KEY}), {ALIAS: "targetKeyId"})
        if found is not None:
            return Found(found)
        if not isinstance(value, str) or is_unknown(value):
            return Unresolved(res.where(key))
        if (candidate := self._keys_by_id.get(value)) is not None:
            return Found(candidate)
        alias_name = _tail(value, ":alias/") or (value if value.startswith("alias/") else None)
        if alias_name is not None:
            alias_name = alias_name if alias_name.startswith("alias/") else f"alias/{alias_name}"
            if (alias := self._aliases_by_name.get(alias_name)) is not None:
                return self.key_of(alias, "targetKeyId")
        return Elsewhere(value)

    @cached_property
    def _keys_by_id(self) -> dict[str, Res]:
        return {
            v: k
            for k in self.of_type(KEY)
            for v in (k.raw("arn"), k.raw("keyId"), k.raw("id"))
            if isinstance(v, str) and v
        }

    @cached_property
    def _aliases_by_name(self) -> dict[str, Res]:
        return {a.raw("name"): a for a in self.of_type(ALIAS) if isinstance(a.raw("name"), str)}

    def log_group_of(self, trail: Res) -> Relation:
        value = trail.raw("cloudWatchLogsGroupArn")
        if value is None or value == "":
            return Unset()
        found = self._via_deps(trail, "cloudWatchLogsGroupArn", frozenset({LOG_GROUP}), {})
        if found is not None:
            return Found(found)
        if not isinstance(value, str) or is_unknown(value):
            return Unresolved(trail.where("cloudWatchLogsGroupArn"))
        name = _tail(value, ":log-group:")
        name = name.removesuffix(":*") if name is not None else None
        for group in self.of_type(LOG_GROUP):
            if name is not None and group.raw("name") == name:
                return Found(group)
            arn = group.raw("arn")
            if isinstance(arn, str) and value.removesuffix(":*") == arn.removesuffix(":*"):
                return Found(group)
        return Elsewhere(value)

    def role_of(self, trail: Res) -> Relation:
        value = trail.raw("cloudWatchLogsRoleArn")
        if value is None or value == "":
            return Unset()
        found = self._via_deps(trail, "cloudWatchLogsRoleArn", frozenset({ROLE}), {})
        if found is not None:
            return Found(found)
        if not isinstance(value, str) or is_unknown(value):
            return Unresolved(trail.where("cloudWatchLogsRoleArn"))
        name = (_tail(value, ":role/") or "").rsplit("/", 1)[-1]
        for role in self.of_type(ROLE):
            if value == role.raw("arn") or (name and role.raw("name") == name):
                return Found(role)
        return Elsewhere(value)

    # --- what belongs to the trails -------------------------------------------------------------------

    def bucket_policies(self, bucket: Res) -> list[tuple[Res, str]]:
        """(resource, property) pairs holding a policy of `bucket`: its BucketPolicy and the inline `policy`."""
        pairs = [(p, "policy") for p in self.configs_of(bucket, [BUCKET_POLICY])]
        if bucket.is_set("policy"):
            pairs.append((bucket, "policy"))
        return pairs

    def key_policies(self, key: Res) -> list[tuple[Res, str]]:
        pairs = [(p, "policy") for p in self._group(frozenset({KEY_POLICY}), "keyId", self.key_of).get(key.urn, ())]
        if key.is_set("policy"):
            pairs.append((key, "policy"))
        return pairs

    def trails_of_bucket(self, bucket: Res) -> list[Res]:
        return list(self._group(frozenset({TRAIL}), "s3BucketName", self.bucket_of).get(bucket.urn, ()))

    @cached_property
    def trail_buckets(self) -> list[Res]:
        """Buckets a trail of this stack delivers to, and buckets whose policy lets CloudTrail write."""
        chosen = {}
        for trail in self.trails:
            relation = self.bucket_of(trail, "s3BucketName")
            if isinstance(relation, Found):
                chosen[relation.res.urn] = relation.res
        for bucket in self.of_type(BUCKETS):
            if bucket.urn not in chosen and self._grants_cloudtrail(self.bucket_policies(bucket), "s3:PutObject"):
                chosen[bucket.urn] = bucket
        return [b for b in self.resources if b.urn in chosen]

    @cached_property
    def trail_keys(self) -> list[Res]:
        """Keys a trail of this stack encrypts with, and keys whose policy lets CloudTrail generate data keys."""
        chosen = {}
        for trail in self.trails:
            relation = self.key_of(trail)
            if isinstance(relation, Found):
                chosen[relation.res.urn] = relation.res
        for key in self.of_type(KEY):
            if key.urn not in chosen and self._grants_cloudtrail(self.key_policies(key), "kms:GenerateDataKey"):
                chosen[key.urn] = key
        return [k for k in self.resources if k.urn in chosen]

    def _grants_cloudtrail(self, holders: Sequence[tuple[Res, str]], action: str) -> bool:
        for holder, prop in holders:
            try:
                statements = parse_policy(holder, prop)
            except (NotKnown, Malformed):
                continue
            if any(
                s.effect == "Allow"
                and s.principal is not None
                and CLOUDTRAIL in s.principal.services
                and iam.any3(iam.match(a, iam.known(action), ignore_case=True) for a in s.actions or ())
                for s in statements
            ):
                return True
        return False

    def trail_log_groups(self) -> Iterator[tuple[Res, Res]]:
        for trail in self.trails:
            relation = self.log_group_of(trail)
            if isinstance(relation, Found):
                yield trail, relation.res


def parse_policy(holder: Res, prop: str = "policy") -> tuple[iam.Statement, ...]:
    """The statements of a JSON policy property; `NotKnown`/`Malformed` name the resource and property."""
    value = holder.raw(prop)
    where = holder.where(prop)
    if isinstance(value, str):
        return _parse_text(value, where)
    document = parse_json_document(value, where=where, example=POLICY_EXAMPLE)
    return iam.parse_document(document, where=where)


@lru_cache(maxsize=8192)
def _parse_text(text: str, where: str) -> tuple[iam.Statement, ...]:
    # Pure, and every stack policy of one AnalyzeStack call reads the same documents: parse each once.
    document = parse_json_document(text, where=where, example=POLICY_EXAMPLE)
    return iam.parse_document(document, where=where)


_PARTITIONS = re.compile(r"^arn:(aws[a-z-]*):")


def arn_partition(*values: object) -> str | None:
    """The partition named by the first ARN among `values`, if any."""
    for value in values:
        if isinstance(value, str) and (m := _PARTITIONS.match(value)):
            return m.group(1)
    return None


def known_text(value: object) -> str | None:
    return value if isinstance(value, str) and value and not is_unknown(value) else None


def bucket_name(bucket: Res, *fallbacks: object) -> str | None:
    """A bucket's name when known: its `bucket` input, else the first known fallback (a trail's `s3BucketName`)."""
    for value in (bucket.raw("bucket"), *fallbacks):
        if (name := known_text(value)) is not None:
            return name.split(":::", 1)[-1] if name.startswith("arn:") else name
    return None


_ACCOUNT_IN_ARN = re.compile(r"^arn:[^:]+:[^:]+:[^:]*:(\d{12}):")


def trail_account(trail: Res) -> str | None:
    """The account that owns the trail, from its ARN, or from its role or log group (those live beside it).

    An organization trail is always the management account's: "In an organization trail, the value of aws:SourceArn
    must be a trail ARN that is owned by the management account, and uses the management account ID" (CloudTrail
    User Guide, create-s3-bucket-policy-for-cloudtrail), even when a delegated administrator creates it from its
    own account, where its role and log group live. So only the trail's own ARN tells an organization trail's.
    """
    organization = trail.raw("isOrganizationTrail")
    keys = (
        ("arn",)
        if organization is True or is_unknown(organization)
        else ("arn", "cloudWatchLogsRoleArn", "cloudWatchLogsGroupArn")
    )
    for key in keys:
        text = known_text(trail.raw(key))
        if text and (m := _ACCOUNT_IN_ARN.match(text)):
            return m.group(1)
    return None


_REGION_IN_ARN = re.compile(r"^arn:[^:]+:logs:([a-z0-9-]+):")


def trail_region(trail: Res) -> str | None:
    """The trail's home Region: its `region`, its provider's, or its log group's (which must be in the home Region)."""
    group = known_text(trail.raw("cloudWatchLogsGroupArn"))
    from_group = m.group(1) if group and (m := _REGION_IN_ARN.match(group)) else None
    return known_text(trail.raw("region")) or known_text(trail.provider.get("region")) or from_group


def trail_arn(trail: Res, partition: str | None) -> iam.Parts:
    """The trail's ARN as far as it is known before update: `aws:SourceArn` of every delivery request."""
    arn = known_text(trail.raw("arn"))
    if arn and arn.startswith("arn:"):
        return (arn,)
    partition = partition or arn_partition(
        trail.raw("cloudWatchLogsRoleArn"), trail.raw("cloudWatchLogsGroupArn"), trail.raw("kmsKeyId")
    )
    return (
        "arn:",
        partition or PARTITION,
        ":cloudtrail:",
        trail_region(trail) or iam.REGION,
        ":",
        trail_account(trail) or iam.ACCOUNT,
        ":trail/",
        known_text(trail.raw("name")) or iam.ANY,
    )


PARTITION = iam.Hole("aws*", ("aws", "aws-us-gov"))

CORE = frozenset({TRAIL, *BUCKETS, BUCKET_POLICY, KEY, KEY_POLICY, ALIAS})
"""What every trail-related stack policy indexes: enough to tell trail buckets and trail keys apart."""


def policy_partition(statements: Iterable[iam.Statement]) -> str | None:
    """The partition a policy's own ARNs are written for (`aws`, `aws-cn`, ...)."""
    for statement in statements:
        for pattern in (*(statement.resources or ()), *(statement.not_resources or ())):
            if (partition := arn_partition(pattern)) is not None:
                return partition
    return None


def bucket_arn(bucket: Res, statements: Iterable[iam.Statement], trails: Iterable[Res] = ()) -> iam.Parts:
    """The bucket's ARN as far as known: its name from the bucket or a trail, its partition from the policy."""
    name = bucket_name(bucket, *(t.raw("s3BucketName") for t in trails))
    partition = arn_partition(bucket.raw("arn")) or policy_partition(statements)
    return ("arn:", partition or PARTITION, ":s3:::", name if name is not None else iam.ANY)
