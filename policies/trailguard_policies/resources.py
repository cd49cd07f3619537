"""A plain view of one resource as the pack judges it, the pulumi-aws 7 type tokens, and typed property reads.

Absent properties take the provider's defaults, which each reader receives explicitly so the default is
visible where a policy relies on it (pulumi-aws 7.51 documents them on each resource's arguments).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trailguard_policies.values import Malformed, NotKnown, as_int, describe, is_unknown, plain

# pulumi-aws 7 type tokens, each named once; the gate and the audit import them from here. Where pulumi-aws 6's
# V2 resource is still accepted as an alias, the policies match a set of both spellings, named after the resource.
TRAIL = "aws:cloudtrail/trail:Trail"
EVENT_DATA_STORE = "aws:cloudtrail/eventDataStore:EventDataStore"
BUCKET = "aws:s3/bucket:Bucket"
BUCKETS = frozenset({BUCKET, "aws:s3/bucketV2:BucketV2"})
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_SSE_CONFIGURATION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_SSE = frozenset(
    {
        BUCKET_SSE_CONFIGURATION,
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    }
)
BUCKET_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
BUCKET_ACL_CONFIGURATION = "aws:s3/bucketAcl:BucketAcl"
BUCKET_ACL = frozenset({BUCKET_ACL_CONFIGURATION, "aws:s3/bucketAclV2:BucketAclV2"})
BUCKET_VERSIONING_CONFIGURATION = "aws:s3/bucketVersioning:BucketVersioning"
BUCKET_VERSIONING = frozenset({BUCKET_VERSIONING_CONFIGURATION, "aws:s3/bucketVersioningV2:BucketVersioningV2"})
BUCKET_LOGGING_CONFIGURATION = "aws:s3/bucketLogging:BucketLogging"
BUCKET_LOGGING = frozenset({BUCKET_LOGGING_CONFIGURATION, "aws:s3/bucketLoggingV2:BucketLoggingV2"})
BUCKET_LIFECYCLE_CONFIGURATION = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
BUCKET_LIFECYCLE = frozenset(
    {
        BUCKET_LIFECYCLE_CONFIGURATION,
        "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    }
)
BUCKET_WEBSITE_CONFIGURATION = "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration"
BUCKET_WEBSITE = frozenset(
    {
        BUCKET_WEBSITE_CONFIGURATION,
        "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2",
    }
)
KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
ALIAS = "aws:kms/alias:Alias"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
MANAGED_POLICY = "aws:iam/policy:Policy"
ROLE_POLICY_ATTACHMENTS_EXCLUSIVE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
REPLICATION = frozenset(
    {
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "aws:s3/bucketReplicationConfiguration:BucketReplicationConfiguration",
    }
)
EVENT_DATA_STORE = "aws:cloudtrail/eventDataStore:EventDataStore"
BUCKET_OBJECTS = frozenset({"aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2"})

_KINDS = {
    TRAIL: "trail",
    BUCKET_POLICY: "bucket policy",
    BUCKET_PUBLIC_ACCESS_BLOCK: "public access block",
    ACCOUNT_PUBLIC_ACCESS_BLOCK: "account public access block",
    KEY: "KMS key",
    KEY_POLICY: "key policy",
    ALIAS: "KMS alias",
    LOG_GROUP: "log group",
    ROLE: "IAM role",
    ROLE_POLICY: "role policy",
    ROLE_POLICY_ATTACHMENT: "role policy attachment",
    MANAGED_POLICY: "IAM policy",
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE: "exclusive role policy attachments",
    TOPIC: "SNS topic",
    TOPIC_POLICY: "topic policy",
    METRIC_ALARM: "CloudWatch alarm",
    EVENT_RULE: "EventBridge rule",
    EVENT_TARGET: "EventBridge target",
    EVENT_DATA_STORE: "event data store",
    **dict.fromkeys(REPLICATION, "replication configuration"),
    **dict.fromkeys(BUCKETS, "bucket"),
    **dict.fromkeys(BUCKET_SSE, "bucket encryption configuration"),
    **dict.fromkeys(BUCKET_ACL, "bucket ACL"),
    **dict.fromkeys(BUCKET_VERSIONING, "bucket versioning"),
    **dict.fromkeys(BUCKET_LOGGING, "bucket logging"),
    **dict.fromkeys(BUCKET_LIFECYCLE, "bucket lifecycle configuration"),
    **dict.fromkeys(BUCKET_WEBSITE, "bucket website configuration"),
}


def arg(camel: str) -> str:
    """A property as users meet it: the engine's camelCase name and, where it differs, the Python argument."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", camel).lower()
    return f"`{camel}`" if snake == camel else f"`{camel}` (Python: `{snake}`)"


@dataclass(frozen=True)
class Res:
    """One resource: its identity, its plain properties, and what the engine knows of its links."""

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    protect: bool = False
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    provider: Mapping[str, Any] = field(default_factory=dict)
    """The inputs of the resource's provider (its `region`, `defaultTags`), when the engine sends them."""

    @property
    def label(self) -> str:
        """How messages name the resource: `trail 'org-trail'`."""
        return f"{_KINDS.get(self.type, self.type)} '{self.name}'"

    def where(self, key: str) -> str:
        return f"{arg(key)} of {self.label}"

    def raw(self, key: str) -> Any:
        """The value as sent (None when absent), unknown sentinels included."""
        return self.props.get(key)

    def is_set(self, key: str) -> bool:
        """Whether the property has a value; an unknown value counts: it will have one after update."""
        return self.props.get(key) not in (None, "")

    def flag(self, key: str, default: bool) -> bool:
        """A boolean property; absent or null means the provider's `default`."""
        value = self.props.get(key)
        if value is None:
            return default
        if is_unknown(value):
            raise NotKnown(self.where(key))
        if isinstance(value, bool):
            return value
        raise Malformed(f"{self.where(key)} is {describe(value)}; expected true or false")

    def text(self, key: str) -> str | None:
        """A string property, or None when absent or empty."""
        value = self.props.get(key)
        if value is None or value == "":
            return None
        if is_unknown(value):
            raise NotKnown(self.where(key))
        if isinstance(value, str):
            return value
        raise Malformed(f"{self.where(key)} is {describe(value)}; expected a string")

    def number(self, key: str) -> int | None:
        """A whole-number property, or None when absent."""
        value = self.props.get(key)
        if value is None:
            return None
        if is_unknown(value):
            raise NotKnown(self.where(key))
        number = as_int(value)
        if number is None:
            raise Malformed(f"{self.where(key)} is {describe(value)}; expected a whole number")
        return number

    def items(self, key: str) -> list[Any]:
        """A list property ([] when absent); an unknown list raises `NotKnown`, its unknown elements stay."""
        value = self.props.get(key)
        if value is None:
            return []
        if is_unknown(value):
            raise NotKnown(self.where(key))
        if isinstance(value, list):
            return value
        raise Malformed(f"{self.where(key)} is {describe(value)}; expected a list")

    def mapping(self, key: str) -> dict[str, Any]:
        """An object property ({} when absent)."""
        value = self.props.get(key)
        if value is None:
            return {}
        if is_unknown(value):
            raise NotKnown(self.where(key))
        if isinstance(value, dict):
            return value
        raise Malformed(f"{self.where(key)} is {describe(value)}; expected an object")

    def deps(self, key: str) -> tuple[str, ...]:
        return self.property_dependencies.get(key, ())


def res_from_policy_resource(resource: Any) -> Res:
    """A `Res` from the policy SDK's `PolicyResource` (stack validation)."""
    options = getattr(resource, "opts", None)
    parent = getattr(resource, "parent", None)
    return Res(
        urn=resource.urn,
        type=resource.resource_type,
        name=resource.name,
        props=plain(resource.props),
        protect=bool(getattr(options, "protect", False)),
        parent=parent.urn if parent is not None else None,
        dependencies=tuple(d.urn for d in resource.dependencies),
        property_dependencies={k: tuple(d.urn for d in v) for k, v in resource.property_dependencies.items()},
        provider=_provider_props(resource),
    )


def res_from_args(args: Any) -> Res:
    """A `Res` from the policy SDK's `ResourceValidationArgs` (resource validation): no links are sent."""
    options = getattr(args, "opts", None)
    return Res(
        urn=args.urn,
        type=args.resource_type,
        name=args.name,
        props=plain(args.props),
        protect=bool(getattr(options, "protect", False)),
        parent=getattr(options, "parent", None),
        provider=_provider_props(args),
    )


def _provider_props(holder: Any) -> dict[str, Any]:
    provider = getattr(holder, "provider", None)
    props = plain(getattr(provider, "props", None)) if provider is not None else None
    return props if isinstance(props, dict) else {}


def field_of(value: Any, key: str, *, where: str) -> Any:
    """A key of a nested object (None when absent); unknown raises `NotKnown`, a non-object `Malformed`."""
    if value is None:
        return None
    if is_unknown(value):
        raise NotKnown(where)
    if not isinstance(value, dict):
        raise Malformed(f"{where} is {describe(value)}; expected an object")
    inner = value.get(key)
    if is_unknown(inner):
        raise NotKnown(f"{where}.{key}")
    return inner


def nested_list(value: Any, *, where: str) -> list[Any]:
    if value is None:
        return []
    if is_unknown(value):
        raise NotKnown(where)
    if not isinstance(value, list):
        raise Malformed(f"{where} is {describe(value)}; expected a list")
    return value
