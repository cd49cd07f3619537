"""Delivery coherence: the bucket, key and role a trail names actually let CloudTrail deliver.

AWS checks these permissions only when the trail is created or updated, and fails the update with
InsufficientS3BucketPolicyException or InsufficientEncryptionPolicyException (or, for CloudWatch Logs,
InvalidCloudWatchLogsRoleArnException / delivery that silently never happens). These policies evaluate
the documents in the stack the way IAM would for CloudTrail's own requests, so the failure shows up at
preview. A verdict is reported only when every value involved is known; a bucket, key or role in another
stack is outside what this stack can prove and is not judged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies import iam
from trailguard_policies.framework import Check, Finding, Settings, Spec, StackChecks, stack_policy
from trailguard_policies.resources import (
    LOG_GROUP,
    MANAGED_POLICY,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    Res,
    field_of,
)
from trailguard_policies.stack import (
    CLOUDTRAIL,
    CORE,
    Found,
    Relation,
    Stack,
    Unresolved,
    bucket_arn,
    known_text,
    parse_policy,
    partition_of,
    policy_partition,
    trail_account,
    trail_arn,
    trail_region,
)
from trailguard_policies.values import NotKnown, is_unknown, parse_json_document

S3_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html"
KMS_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html"
ROLE_URL = (
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html"
)

BUCKET_SPEC = Spec(
    name="s3-bucket-policy-cloudtrail-delivery",
    description="The policy of a trail's bucket must let CloudTrail read the bucket ACL and write every path the trail writes.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    url=S3_URL,
    remediation_steps=(
        "In the bucket policy, allow Service cloudtrail.amazonaws.com s3:GetBucketAcl on the bucket and s3:PutObject "
        "on <bucket>/[<prefix>/]AWSLogs/<account>/* (and AWSLogs/<organization id>/* for an organization trail), "
        "each with the condition aws:SourceArn = the trail's ARN."
    ),
)

KEY_SPEC = Spec(
    name="kms-key-policy-cloudtrail-delivery",
    description="The policy of a trail's KMS key must let CloudTrail generate data keys for the trail and describe the key.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    url=KMS_URL,
    remediation_steps=(
        "In the key policy, allow Service cloudtrail.amazonaws.com kms:GenerateDataKey* with the condition "
        "kms:EncryptionContext:aws:cloudtrail:arn like arn:aws:cloudtrail:*:<account>:trail/*, and kms:DescribeKey."
    ),
)

ROLE_SPEC = Spec(
    name="iam-role-cloudtrail-cloudwatch-delivery",
    description="The CloudWatch Logs role of a trail must trust CloudTrail and let it write to the trail's log group.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=ROLE_URL,
    remediation_steps=(
        "Let Service cloudtrail.amazonaws.com assume the role (sts:AssumeRole), and give the role logs:CreateLogStream "
        "and logs:PutLogEvents on arn:aws:logs:<region>:<account>:log-group:<group>:log-stream:*."
    ),
)

TYPES = CORE | {LOG_GROUP, ROLE, ROLE_POLICY, ROLE_POLICY_ATTACHMENT, MANAGED_POLICY}
_ORGANIZATION_PATH = re.compile(r"AWSLogs/(o-[a-z0-9]{10,32})/")


def resolved(relation: Relation) -> Res | None:
    """The related resource when it is in this stack; None when unset or elsewhere; NotKnown when undecidable."""
    if isinstance(relation, Unresolved):
        raise NotKnown(relation.what)
    return relation.res if isinstance(relation, Found) else None


def show(parts: iam.Parts) -> str:
    """A request value for messages, unknown pieces shown as <...>."""
    names = {iam.ACCOUNT: "<account>", iam.REGION: "<region>", iam.ORGANIZATION: "<organization id>"}
    return "".join(p if isinstance(p, str) else names.get(p, "<...>") if p is not None else "<...>" for p in parts)


def judge(
    statements: tuple[iam.Statement, ...], requests: Iterable[tuple[str, iam.Request]], missing: str, urn: str
) -> Iterator[Finding]:
    """A finding (on `urn`, the resource to fix) for each request the statements certainly deny; NotKnown
    after them if some requests cannot be decided before update."""
    undecided = []
    for what, request in requests:
        verdict = iam.decide(statements, request)
        if verdict is False:
            yield Finding(missing.format(what=what, resource=show(request.resource)), urn)
        elif verdict is None:
            undecided.append(what)
    if undecided:
        raise NotKnown(f"the trail ARN, account or Region needed to tell whether the policies {'; '.join(undecided)}")


# --- the bucket policy -----------------------------------------------------------------------------------


def organization_id(statements: Iterable[iam.Statement]) -> str | None:
    """The organization id the policy's own paths name (only the organization's management account can create
    an organization trail, so a path naming an organization is taken to name the trail's)."""
    for statement in statements:
        for pattern in statement.resources or ():
            if m := _ORGANIZATION_PATH.search(pattern):
                return m.group(1)
    return None


def bucket_requests(trail: Res, bucket: Res, statements: tuple[iam.Statement, ...]) -> list[tuple[str, iam.Request]]:
    arn = bucket_arn(bucket, statements, [trail])
    partition = partition_of(bucket.raw("arn")) or policy_partition(statements)
    source = trail_arn(trail, partition)
    account: str | iam.Hole = trail_account(trail) or iam.ACCOUNT
    region: str | iam.Hole = trail_region(trail) or iam.REGION
    prefix = trail.text("s3KeyPrefix")
    logs = f"/{prefix.strip('/')}/AWSLogs/" if prefix else "/AWSLogs/"
    context: dict[str, iam.Parts] = {
        "aws:sourcearn": source,
        "aws:sourceaccount": (account,),
        "aws:securetransport": ("true",),
    }
    put = {**context, "s3:x-amz-acl": ("bucket-owner-full-control",)}
    if trail.is_set("kmsKeyId"):
        put["s3:x-amz-server-side-encryption"] = ("aws:kms",)
    tail = ("/CloudTrail/", region, "/2025/01/01/log.json.gz")
    requests = [
        (
            "let CloudTrail read the bucket ACL (s3:GetBucketAcl)",
            iam.Request("s3:GetBucketAcl", arn, CLOUDTRAIL, context),
        ),
        (
            "let CloudTrail write the account's logs (s3:PutObject)",
            iam.Request("s3:PutObject", (*arn, logs, account, *tail), CLOUDTRAIL, put),
        ),
    ]
    if trail.flag("isOrganizationTrail", default=False):
        organization: str | iam.Hole = organization_id(statements) or iam.ORGANIZATION
        requests.append(
            (
                "let CloudTrail write the member accounts' logs (s3:PutObject)",
                iam.Request("s3:PutObject", (*arn, logs, organization, "/", iam.ACCOUNT, *tail), CLOUDTRAIL, put),
            )
        )
    return requests


def bucket_delivery(stack: Stack, trail: Res) -> Iterator[Finding]:
    bucket = resolved(stack.bucket_of(trail, "s3BucketName"))
    if bucket is None:
        return
    holders = stack.bucket_policies(bucket)
    if not holders:
        yield Finding(
            f"{trail.label} delivers to {bucket.label}, which has no bucket policy, so CloudTrail may not write there "
            f"and the trail fails with InsufficientS3BucketPolicyException: add a BucketPolicy. See {S3_URL}",
            bucket.urn,
        )
        return
    statements = tuple(s for holder, prop in holders for s in parse_policy(holder, prop))
    yield from judge(
        statements,
        bucket_requests(trail, bucket, statements),
        f"the policy of {bucket.label} does not {{what}} on {{resource}} for {trail.label}, so creating or "
        f"updating the trail fails with InsufficientS3BucketPolicyException: allow it for Service {CLOUDTRAIL} with "
        f"the condition aws:SourceArn = the trail's ARN. See {S3_URL}",
        holders[0][0].urn,
    )


# --- the key policy --------------------------------------------------------------------------------------


def key_delivery(stack: Stack, trail: Res) -> Iterator[Finding]:
    key = resolved(stack.key_of(trail))
    if key is None:
        return
    holders = stack.key_policies(key)
    if not holders:
        yield Finding(
            f"{trail.label} encrypts with {key.label}, which has no key policy: the default one lets only the account "
            f"use the key, so the trail fails with InsufficientEncryptionPolicyException. See {KMS_URL}",
            key.urn,
        )
        return
    statements = tuple(s for holder, prop in holders for s in parse_policy(holder, prop))
    partition = partition_of(key.raw("arn")) or policy_partition(statements)
    source = trail_arn(trail, partition)
    account = trail_account(trail) or iam.ACCOUNT
    known_arn = known_text(key.raw("arn"))
    key_arn: iam.Parts = (known_arn,) if known_arn else ("arn:", iam.ANY, ":kms:", iam.ANY)
    context: dict[str, iam.Parts] = {
        "aws:sourcearn": source,
        "aws:sourceaccount": (account,),
        "kms:encryptioncontext:aws:cloudtrail:arn": source,
        "aws:securetransport": ("true",),
    }
    requests = [
        (
            "let CloudTrail generate data keys (kms:GenerateDataKey*)",
            iam.Request("kms:GenerateDataKey", key_arn, CLOUDTRAIL, context),
        ),
        (
            "let CloudTrail describe the key (kms:DescribeKey)",
            iam.Request("kms:DescribeKey", key_arn, CLOUDTRAIL, context),
        ),
    ]
    yield from judge(
        statements,
        requests,
        f"the policy of {key.label} does not {{what}} for {trail.label}, so creating or updating the trail fails "
        f"with InsufficientEncryptionPolicyException: allow it for Service {CLOUDTRAIL}. See {KMS_URL}",
        holders[0][0].urn,
    )


# --- the CloudWatch Logs role ----------------------------------------------------------------------------


def _names(res: Res) -> set[str]:
    return {t for t in (known_text(res.raw(k)) for k in ("name", "id", "arn")) if t}


def _points_at(stack: Stack, holder: Res, key: str, target: Res) -> bool:
    if target.urn in holder.deps(key):
        return True
    value = known_text(holder.raw(key))
    return value is not None and (value in _names(target) or value.rsplit("/", 1)[-1] in _names(target))


def identity_statements(stack: Stack, role: Res) -> tuple[list[iam.Statement], list[str]]:
    """The statements of every policy the role holds, and the policies this stack cannot read."""
    statements: list[iam.Statement] = []
    unreadable: list[str] = []
    for holder in stack.of_type(ROLE_POLICY):
        if _points_at(stack, holder, "role", role):
            statements += parse_policy(holder, "policy")
    for index, inline in enumerate(role.items("inlinePolicies")):
        where = f"{role.where('inlinePolicies')}[{index}].policy"
        document = field_of(inline, "policy", where=where)
        if document:
            statements += iam.parse_document(parse_json_document(document, where=where, example="{...}"), where=where)
    attached = [(a, "policyArn") for a in stack.of_type(ROLE_POLICY_ATTACHMENT) if _points_at(stack, a, "role", role)]
    for holder, key in attached:
        policy = next((p for p in stack.of_type(MANAGED_POLICY) if _points_at(stack, holder, key, p)), None)
        if policy is not None:
            statements += parse_policy(policy, "policy")
        elif is_unknown(holder.raw(key)):
            raise NotKnown(holder.where(key))
        else:
            unreadable.append(str(holder.raw(key)))
    return statements, unreadable


def stream_arn(stack: Stack, trail: Res, partition: str | None) -> iam.Parts:
    """A log stream CloudTrail writes: `<group ARN>:log-stream:<account>_CloudTrail_<region>...`."""
    account: str | iam.Hole = trail_account(trail) or iam.ACCOUNT
    region: str | iam.Hole = trail_region(trail) or iam.REGION
    group_arn = known_text(trail.raw("cloudWatchLogsGroupArn"))
    if group_arn:
        base: iam.Parts = (group_arn.removesuffix(":*"),)
    else:
        group = resolved(stack.log_group_of(trail))
        name = known_text(group.raw("name")) if group is not None else None
        if name is None:
            raise NotKnown(trail.where("cloudWatchLogsGroupArn"))
        base = ("arn:", partition or iam.ANY, ":logs:", region, ":", account, f":log-group:{name}")
    return (*base, ":log-stream:", account, "_CloudTrail_", region)


def role_delivery(stack: Stack, trail: Res) -> Iterator[Finding]:
    role = resolved(stack.role_of(trail))
    if role is None or not trail.is_set("cloudWatchLogsGroupArn"):
        return
    partition = partition_of(role.raw("arn"), trail.raw("cloudWatchLogsRoleArn"), trail.raw("cloudWatchLogsGroupArn"))
    source = trail_arn(trail, partition)
    context: dict[str, iam.Parts] = {
        "aws:sourcearn": source,
        "aws:sourceaccount": (trail_account(trail) or iam.ACCOUNT,),
    }
    trust = parse_policy(role, "assumeRolePolicy")
    yield from judge(
        trust,
        [
            (
                "let CloudTrail assume the role (sts:AssumeRole)",
                iam.Request("sts:AssumeRole", ("*",), CLOUDTRAIL, context),
            )
        ],
        f"the trust policy of {role.label} does not {{what}} for {trail.label}, so CloudTrail cannot deliver to "
        f"CloudWatch Logs: trust Service {CLOUDTRAIL}. See {ROLE_URL}",
        role.urn,
    )
    statements, unreadable = identity_statements(stack, role)
    stream = stream_arn(stack, trail, partition)
    requests = [
        (f"let CloudTrail call {action}", iam.Request(action, stream, CLOUDTRAIL))
        for action in ("logs:CreateLogStream", "logs:PutLogEvents")
    ]
    denied = [what for what, request in requests if iam.decide(statements, request) is not True]
    if denied and unreadable:
        raise NotKnown(f"the managed policies {', '.join(unreadable)} attached to {role.label}")
    yield from judge(
        tuple(statements),
        requests,
        f"the policies of {role.label} do not {{what}} on {{resource}}, so {trail.label} delivers nothing to "
        f"CloudWatch Logs: grant logs:CreateLogStream and logs:PutLogEvents on the log group's streams. See {ROLE_URL}",
        role.urn,
    )


def _per_trail(delivery: Callable[[Stack, Res], Iterator[Finding]]) -> StackChecks:
    def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
        for trail in stack.trails:
            yield trail, partial(delivery, stack, trail)

    return checks


BUCKET_POLICY = stack_policy(BUCKET_SPEC, TYPES, _per_trail(bucket_delivery))
KEY_POLICY = stack_policy(KEY_SPEC, TYPES, _per_trail(key_delivery))
ROLE_POLICY_CHECK = stack_policy(ROLE_SPEC, TYPES, _per_trail(role_delivery))
