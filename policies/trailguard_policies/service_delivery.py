"""Delivery by the other AWS services a trail stack relies on: notifications, encrypted stores, access logs, replicas.

Each request comes from the delivery model (`delivery_model.py`) and is judged against the stack's documents
as IAM would (`iam.authorize`): CloudTrail, CloudWatch alarms and EventBridge rules publishing to SNS topics
(and using the topics' keys), CloudWatch Logs and CloudTrail Lake using their keys, S3 server access logging
writing into its target bucket, and S3 replication assuming its role and using both buckets and both keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies import delivery_model as model
from trailguard_policies import iam
from trailguard_policies.delivery import (
    Against,
    boundary_statements,
    bucket_key_enabled,
    identity_statements,
    judge,
    trail_facts,
)
from trailguard_policies.framework import Check, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import (
    BUCKET_LOGGING,
    BUCKET_SSE,
    BUCKETS,
    EVENT_DATA_STORE,
    EVENT_RULE,
    EVENT_TARGET,
    KEY,
    LOG_GROUP,
    MANAGED_POLICY,
    METRIC_ALARM,
    REPLICATION,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
    TOPIC,
    TOPIC_POLICY,
    Res,
    field_of,
)
from trailguard_policies.stack import (
    CORE,
    PARTITION,
    Found,
    Stack,
    arn_partition,
    bucket_name,
    known_text,
    parse_policy,
)
from trailguard_policies.values import NotKnown, is_unknown

SNS_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-permissions-for-sns-notifications.html"
KEYS_URL = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services"
ACCESS_URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html"
REPLICATION_URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html"

TOPIC_SPEC = Spec(
    name="sns-topic-policy-delivery",
    description="The policy of a topic that CloudTrail, CloudWatch alarms or EventBridge rules notify must let them publish.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=SNS_URL,
    remediation_steps=(
        "In the topic policy, allow SNS:Publish on the topic for Service cloudtrail.amazonaws.com (aws:SourceArn = "
        "the trail), cloudwatch.amazonaws.com (aws:SourceArn = the account's alarms) and events.amazonaws.com "
        "(aws:SourceArn = the rules) as each publishes to it."
    ),
)

KEY_SPEC = Spec(
    name="kms-key-policy-service-delivery",
    description="The policy of a key that encrypts a log group, topic, event data store or replica must let its AWS service use it.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=KEYS_URL,
    remediation_steps=(
        "In the key policy, allow Service logs.<region>.amazonaws.com for the log group (kms:EncryptionContext:"
        "aws:logs:arn), each publisher of an encrypted topic kms:GenerateDataKey* and kms:Decrypt, "
        "cloudtrail.amazonaws.com for an event data store, and give the replication role the key use it needs."
    ),
)

ACCESS_SPEC = Spec(
    name="s3-bucket-policy-access-log-delivery",
    description="The policy of a bucket receiving S3 server access logs must let the logging service write them.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.MEDIUM,
    url=ACCESS_URL,
    remediation_steps=(
        "In the target bucket's policy, allow Service logging.s3.amazonaws.com s3:PutObject on <target>/<prefix>*, "
        "with aws:SourceArn = the source bucket's ARN and aws:SourceAccount = its account."
    ),
)

REPLICATION_SPEC = Spec(
    name="iam-role-s3-replication-delivery",
    description="The role of a bucket's replication must trust S3 and be allowed to read, write and use both keys.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=REPLICATION_URL,
    remediation_steps=(
        "Let Service s3.amazonaws.com assume the role, and grant it s3:GetReplicationConfiguration and "
        "s3:GetObjectVersionForReplication on the source, s3:ReplicateObject on the replica, kms:Decrypt on the "
        "source key and kms:GenerateDataKey (and kms:Decrypt with an S3 Bucket Key) on the replica key."
    ),
)

_ACCOUNT = re.compile(r"^arn:([^:]+):[^:]+:([a-z0-9-]*):(\d{12}):")


def arn_parts(value: object) -> tuple[str, str, str] | None:
    """(partition, region, account) of a known ARN."""
    text = known_text(value)
    m = _ACCOUNT.match(text) if text else None
    return (m.group(1), m.group(2), m.group(3)) if m else None


def _first_arn(stack: Stack) -> tuple[str, str, str] | None:
    """(partition, region, account) of the first known ARN among the stack's top-level inputs."""
    for res in stack.resources:
        for value in res.props.values():
            if (parts := arn_parts(value)) is not None:
                return parts
    return None


def stack_account(stack: Stack) -> str | iam.Hole:
    """The account the stack deploys to, read off the first known ARN it passes (a key, topic or role)."""
    parts = _first_arn(stack)
    return parts[2] if parts else iam.ACCOUNT


def stack_partition(stack: Stack) -> str | iam.Hole:
    """The partition of the first known ARN the stack passes (`aws`, `aws-cn`, ...)."""
    parts = _first_arn(stack)
    return parts[0] if parts else PARTITION


def _region(res: Res | None) -> str | iam.Hole:
    if res is None:
        return iam.REGION
    return known_text(res.raw("region")) or known_text(res.provider.get("region")) or iam.REGION


def _key_of(stack: Stack, res: Res, prop: str) -> Res | None:
    relation = stack.key_of(res, prop)
    return relation.res if isinstance(relation, Found) else None


def _key_arn(key: Res, *fallbacks: object) -> iam.Parts:
    for value in (key.raw("arn"), *fallbacks):
        if (text := known_text(value)) and text.startswith("arn:"):
            return (text,)
    return ("arn:", PARTITION, ":kms:", _region(key), ":", iam.ACCOUNT, ":key/", iam.ANY)


def _key_statements(stack: Stack, key: Res) -> tuple[iam.Statement, ...] | None:
    holders = stack.key_policies(key)
    if not holders:
        return None
    return tuple(s for holder, prop in holders for s in parse_policy(holder, prop))


def _judge_key(stack: Stack, key: Res, calls: list[model.Call], purpose: str, **against: object) -> Iterator[Violation]:
    statements = _key_statements(stack, key)
    if statements is None:
        return  # the default key policy: no service principal may use it; kms-key-policy-cloudtrail-delivery says so
    yield from judge(
        calls,
        Against(resource=statements, key_policy=True, **against),  # type: ignore[arg-type]
        f"the policy of {key.label}, which encrypts {purpose}, does not {{what}}, so AWS refuses the service's "
        f"request and nothing is delivered: allow it in the key policy. See {KEYS_URL}",
        stack.key_policies(key)[0][0].urn,
    )


# --- SNS topics ---------------------------------------------------------------------------------------------


def _names(res: Res) -> set[str]:
    names = {t for t in (known_text(res.raw(k)) for k in ("name", "arn", "id")) if t}
    return names | {n.rsplit(":", 1)[-1] for n in names}


def topic_named(stack: Stack, holder: Res, prop: str, value: object) -> Res | None:
    """The topic `holder.prop` (a name or an ARN) names, by property dependency or by value."""
    topics = stack.of_type(TOPIC)
    linked = [t for t in topics if t.urn in holder.deps(prop)]
    if len(linked) == 1:
        return linked[0]
    text = known_text(value)
    if text is None:
        return None
    return next((t for t in topics if text in _names(t) or text.rsplit(":", 1)[-1] in _names(t)), None)


def topic_arn(stack: Stack, topic: Res) -> iam.Parts:
    for holder in [topic, *topic_policies(stack, topic)]:
        if (text := known_text(holder.raw("arn"))) and text.startswith("arn:"):
            return (text,)
    name = known_text(topic.raw("name"))
    account = stack_account(stack)
    return ("arn:", stack_partition(stack), ":sns:", _region(topic), ":", account, ":", name or iam.ANY)


def topic_policies(stack: Stack, topic: Res) -> list[Res]:
    return [p for p in stack.of_type(TOPIC_POLICY) if topic_named(stack, p, "arn", p.raw("arn")) is topic]


def publishers(stack: Stack, topic: Res) -> list[tuple[Res, model.Call]]:
    """Every publish request the stack's trails, alarms and EventBridge rules will make to `topic`."""
    arn = topic_arn(stack, topic)
    found: list[tuple[Res, model.Call]] = []
    for trail in stack.trails:
        if (
            trail.is_set("snsTopicName")
            and topic_named(stack, trail, "snsTopicName", trail.raw("snsTopicName")) is topic
        ):
            partition = arn_partition(trail.raw("arn"), arn[0] if isinstance(arn[0], str) else None)
            found += [(trail, c) for c in model.trail_topic_calls(trail_facts(trail, partition), arn)]
    parts = arn_parts(arn[0]) if len(arn) == 1 else None
    partition, region, account = parts if parts else ("aws", _region(topic), stack_account(stack))
    for alarm in stack.of_type(METRIC_ALARM):
        actions = [*alarm.items("alarmActions"), *alarm.items("okActions"), *alarm.items("insufficientDataActions")]
        if any(topic_named(stack, alarm, "alarmActions", a) is topic for a in actions):
            name = known_text(alarm.raw("name")) or iam.ANY
            alarm_arn: iam.Parts = ("arn:", partition, ":cloudwatch:", region, ":", account, ":alarm:", name)
            found += [(alarm, c) for c in model.alarm_topic_calls(alarm_arn, account, arn)]
    rules = {r.urn: r for r in stack.of_type(EVENT_RULE)}
    for target in stack.of_type(EVENT_TARGET):
        if topic_named(stack, target, "arn", target.raw("arn")) is not topic:
            continue
        rule = next((rules[u] for u in target.deps("rule") if u in rules), None)
        name = known_text(target.raw("rule")) or (known_text(rule.raw("name")) if rule else None) or iam.ANY
        rule_arn: iam.Parts = ("arn:", partition, ":events:", region, ":", account, ":rule/", name)
        found += [(target, c) for c in model.rule_topic_calls(rule_arn, account, arn)]
    return found


def topic_delivery(stack: Stack, topic: Res) -> Iterator[Violation]:
    calls = [c for _, c in publishers(stack, topic)]
    holders = [(p, "policy") for p in topic_policies(stack, topic)] + (
        [(topic, "policy")] if topic.is_set("policy") else []
    )
    if not calls:
        return
    pending = [
        p
        for p in stack.of_type(TOPIC_POLICY)
        if is_unknown(p.raw("arn")) and topic_named(stack, p, "arn", None) is None
    ]
    if not holders and pending:
        raise NotKnown(f"{pending[0].where('arn')} (it may be the policy of {topic.label})")
    if not holders:
        if any(c.request.service == model.CLOUDTRAIL for c in calls):
            yield Violation(
                f"{topic.label} has no topic policy, and the default one lets only its account's principals publish: "
                f"the trail notifying it fails with InsufficientSnsTopicPolicyException. Add a TopicPolicy. See {SNS_URL}"
            )
        return
    statements = tuple(s for holder, prop in holders for s in parse_policy(holder, prop))
    yield from judge(
        calls,
        Against(resource=statements),
        f"the policy of {topic.label} does not {{what}}, so the notification is refused (for a trail, creating or "
        f"updating it fails with InsufficientSnsTopicPolicyException): allow SNS:Publish for the publishing "
        f"service with its aws:SourceArn. See {SNS_URL}",
        holders[0][0].urn,
    )


def topic_key_delivery(stack: Stack, topic: Res) -> Iterator[Violation]:
    key = _key_of(stack, topic, "kmsMasterKeyId")
    if key is None:
        return
    arn = topic_arn(stack, topic)
    calls = [
        k
        for _, c in publishers(stack, topic)
        for k in model.topic_key_calls(c, arn, _key_arn(key, topic.raw("kmsMasterKeyId")))
    ]
    yield from _judge_key(stack, key, calls, f"{topic.label}")


# --- keys of log groups and event data stores -----------------------------------------------------------


def log_group_key_delivery(stack: Stack, group: Res) -> Iterator[Violation]:
    key = _key_of(stack, group, "kmsKeyId")
    name = known_text(group.raw("name"))
    if key is None:
        return
    region = _region(group)
    parts = arn_parts(group.raw("kmsKeyId"))
    account: str | iam.Hole = parts[2] if parts else stack_account(stack)
    partition = parts[0] if parts else stack_partition(stack)
    if isinstance(region, iam.Hole) and parts:
        region = parts[1]
    group_arn: iam.Parts = ("arn:", partition, ":logs:", region, ":", account, ":log-group:", name or iam.ANY)
    calls = model.log_group_key_calls(region, group_arn, _key_arn(key, group.raw("kmsKeyId")))
    yield from _judge_key(stack, key, calls, group.label)


def lake_key_delivery(stack: Stack, store: Res) -> Iterator[Violation]:
    key = _key_of(stack, store, "kmsKeyId")
    if key is not None:
        yield from _judge_key(stack, key, model.lake_key_calls(_key_arn(key, store.raw("kmsKeyId"))), store.label)


# --- S3 server access logging ----------------------------------------------------------------------------


def access_log_delivery(stack: Stack, logging: Res) -> Iterator[Violation]:
    source = stack.bucket_of(logging, "bucket")
    target = stack.bucket_of(logging, "targetBucket")
    if not isinstance(source, Found) or not isinstance(target, Found):
        return
    holders = stack.bucket_policies(target.res)
    if not holders:
        return  # no bucket policy: access through the bucket's ACLs, which bucket_access_logging judges
    source_name = bucket_name(source.res, logging.raw("bucket"))
    target_name = bucket_name(target.res, logging.raw("targetBucket"))
    prefix = logging.text("targetPrefix") or ""
    source_arn: iam.Parts = ("arn:", stack_partition(stack), ":s3:::", source_name or iam.ANY)
    obj: iam.Parts = (
        *_bucket_arn(stack, target.res, logging.raw("targetBucket")),
        f"/{prefix}2025-01-01-00-00-00-EXAMPLE",
    )
    statements = tuple(s for holder, prop in holders for s in parse_policy(holder, prop))
    partition = next((p for s in statements for r in s.resources or () if (p := arn_partition(r))), None)
    if partition:
        source_arn = ("arn:", partition, ":s3:::", source_name or iam.ANY)
        obj = ("arn:", partition, ":s3:::", target_name or iam.ANY, f"/{prefix}2025-01-01-00-00-00-EXAMPLE")
    yield from judge(
        model.access_log_calls(source_arn, stack_account(stack), obj),
        Against(resource=statements),
        f"the policy of {target.res.label} does not {{what}} on {{resource}} for {source.res.label}, so its server "
        f"access logs are never delivered: allow Service {model.S3_LOGGING} s3:PutObject on the target prefix with "
        f"aws:SourceArn = the source bucket. See {ACCESS_URL}",
        holders[0][0].urn,
    )


# --- S3 replication -------------------------------------------------------------------------------------


def _bucket_arn(stack: Stack, bucket: Res, fallback: object = None) -> iam.Parts:
    name = bucket_name(bucket, fallback)
    partition = arn_partition(bucket.raw("arn")) or stack_partition(stack)
    return ("arn:", partition, ":s3:::", name or iam.ANY)


def _bucket_key_arn(stack: Stack, bucket: Res) -> object:
    for config in stack.configs_of(bucket, BUCKET_SSE):
        for index, rule in enumerate(config.items("rules")):
            where = f"{config.where('rules')}[{index}]"
            default = field_of(rule, "applyServerSideEncryptionByDefault", where=where)
            if default:
                return field_of(default, "kmsMasterKeyId", where=f"{where}.applyServerSideEncryptionByDefault")
    return None


def replication_delivery(stack: Stack, config: Res) -> Iterator[Violation]:
    source = stack.bucket_of(config, "bucket")
    roles = [r for r in stack.of_type(ROLE) if r.urn in config.deps("role")]
    role_arn = known_text(config.raw("role"))
    if not roles and role_arn:
        roles = [r for r in stack.of_type(ROLE) if role_arn in {known_text(r.raw("arn")), f"role/{r.raw('name')}"}]
    if not isinstance(source, Found) or not roles:
        return
    role = roles[0]
    for index, rule in enumerate(config.items("rules")):
        where = f"{config.where('rules')}[{index}]"
        destination = field_of(rule, "destination", where=where) or {}
        replica_bucket = _replica(stack, config, destination)
        if replica_bucket is None:
            continue
        encryption = field_of(destination, "encryptionConfiguration", where=f"{where}.destination") or {}
        replica_key_value = field_of(
            encryption, "replicaKmsKeyId", where=f"{where}.destination.encryptionConfiguration"
        )
        replica_key = _key_by_value(stack, config, replica_key_value)
        source_key_value = _bucket_key_arn(stack, source.res)
        source_key = _key_by_value(stack, None, source_key_value)
        parts = arn_parts(role_arn) if role_arn else None
        account = parts[2] if parts else stack_account(stack)
        if not isinstance(account, str):
            raise NotKnown(config.where("role"))
        rep = model.Replication(
            role_arn=role_arn or f"arn:aws:iam::{account}:role/{role.name}",
            account=account,
            source_bucket=_bucket_arn(stack, source.res, config.raw("bucket")),
            source_region=_region_or_key(source.res, source_key_value),
            source_key=_key_arn(source_key, source_key_value) if source_key else None,
            replica_bucket=_bucket_arn(stack, replica_bucket, destination.get("bucket")),
            replica_region=_region_or_key(replica_bucket, replica_key_value),
            replica_key=_key_arn(replica_key, replica_key_value) if replica_key else None,
            replica_bucket_key=bucket_key_enabled(stack, replica_bucket),
            source_bucket_key=bucket_key_enabled(stack, source.res),
        )
        calls = model.replication_calls(rep)
        trust, *rest = calls
        yield from judge(
            [trust],
            Against(resource=parse_policy(role, "assumeRolePolicy")),
            f"the trust policy of {role.label} does not {{what}} for {config.label}, so S3 cannot replicate: trust "
            f"Service {model.S3} (aws:SourceArn = the source bucket). See {REPLICATION_URL}",
            role.urn,
        )
        identity = tuple(identity_statements(stack, role))
        boundary = boundary_statements(stack, role)
        limits = tuple(boundary) if boundary is not None else None
        buckets = {"source": source.res, "replica": replica_bucket}
        for call in rest:
            target = replica_key if call.request.resource == rep.replica_key else source_key
            if call.request.action.startswith("kms:") and target is not None:
                statements = _key_statements(stack, target) or ()
                against = Against(resource=statements, identity=identity, boundary=limits, key_policy=True)
            else:
                bucket = buckets["replica"] if call.request.action == "s3:ReplicateObject" else buckets["source"]
                statements = tuple(s for h, p in stack.bucket_policies(bucket) for s in parse_policy(h, p))
                against = Against(resource=statements, identity=identity, boundary=limits)
            yield from judge(
                [call],
                against,
                f"the policies of {role.label} (and of the bucket or key it uses) do not {{what}} on {{resource}}, so "
                f"{config.label} replicates nothing: grant it to the role. See {REPLICATION_URL}",
                role.urn,
            )


def _region_or_key(bucket: Res, key_arn: object) -> str | iam.Hole:
    """A bucket's Region; failing that, its key's (S3 requires the key in the bucket's Region)."""
    region = _region(bucket)
    parts = arn_parts(key_arn)
    return parts[1] if isinstance(region, iam.Hole) and parts else region


def _replica(stack: Stack, config: Res, destination: object) -> Res | None:
    buckets = [b for b in stack.of_type(BUCKETS) if b.urn in config.deps("rules")]
    value = known_text(field_of(destination, "bucket", where=config.where("rules")))
    if value:
        named = stack.bucket_named(value.split(":::", 1)[-1])
        if named is not None:
            return named
    return buckets[0] if len(buckets) == 1 else None


def _key_by_value(stack: Stack, holder: Res | None, value: object) -> Res | None:
    text = known_text(value)
    keys = stack.of_type(KEY)
    if text:
        found = next((k for k in keys if text in {known_text(k.raw(p)) for p in ("arn", "keyId", "id")}), None)
        if found is not None:
            return found
    linked = [k for k in keys if holder is not None and k.urn in holder.deps("rules")]
    return linked[0] if len(linked) == 1 else None


TYPES = (
    CORE
    | BUCKET_SSE
    | BUCKET_LOGGING
    | REPLICATION
    | {TOPIC, TOPIC_POLICY, METRIC_ALARM, EVENT_RULE, EVENT_TARGET, LOG_GROUP, EVENT_DATA_STORE}
    | {ROLE, ROLE_POLICY, ROLE_POLICY_ATTACHMENT, ROLE_POLICY_ATTACHMENTS_EXCLUSIVE, MANAGED_POLICY}
)


def _topics(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for topic in stack.of_type(TOPIC):
        yield topic, partial(topic_delivery, stack, topic)


def _keys(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for topic in stack.of_type(TOPIC):
        yield topic, partial(topic_key_delivery, stack, topic)
    for group in stack.of_type(LOG_GROUP):
        yield group, partial(log_group_key_delivery, stack, group)
    for store in stack.of_type(EVENT_DATA_STORE):
        yield store, partial(lake_key_delivery, stack, store)


def _access_logs(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for logging in stack.of_type(BUCKET_LOGGING):
        yield logging, partial(access_log_delivery, stack, logging)


def _replications(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for config in stack.of_type(REPLICATION):
        yield config, partial(replication_delivery, stack, config)


TOPIC_POLICY_CHECK = stack_policy(TOPIC_SPEC, TYPES, _topics)
KEY_POLICY_CHECK = stack_policy(KEY_SPEC, TYPES, _keys)
ACCESS_LOG_POLICY = stack_policy(ACCESS_SPEC, TYPES, _access_logs)
REPLICATION_POLICY = stack_policy(REPLICATION_SPEC, TYPES, _replications)
