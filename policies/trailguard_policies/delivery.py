"""Delivery coherence: the bucket, key and role a trail names actually let CloudTrail deliver.

AWS checks these permissions only when the trail is created or updated, and fails the update with
InsufficientS3BucketPolicyException or InsufficientEncryptionPolicyException (or, for CloudWatch Logs,
InvalidCloudWatchLogsRoleArnException / delivery that silently never happens). Each request CloudTrail makes
is taken from the delivery model (`delivery_model.py`) and judged against the documents in the stack as IAM
would (`iam.authorize`), so the failure shows up at preview. A verdict is reported only when every value
involved is known; a bucket, key or role in another stack or account is reported in the advisory note with the
checks that did not run, never passed in silence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies import delivery_model as model
from trailguard_policies import iam
from trailguard_policies.framework import Check, Settings, Spec, StackChecks, Violation, stack_policy
from trailguard_policies.resources import (
    BUCKET_POLICY as BUCKET_POLICY_TYPE,
)
from trailguard_policies.resources import (
    BUCKET_SSE,
    LOG_GROUP,
    MANAGED_POLICY,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,
    Res,
    field_of,
    nested_list,
)
from trailguard_policies.resources import (
    KEY_POLICY as KEY_POLICY_TYPE,
)
from trailguard_policies.stack import (
    CORE,
    Elsewhere,
    Found,
    Relation,
    Stack,
    Unresolved,
    arn_partition,
    bucket_arn,
    known_text,
    parse_policy,
    policy_partition,
    trail_account,
    trail_arn,
    trail_region,
)
from trailguard_policies.values import NotInStack, NotKnown, is_unknown, parse_json_document

S3_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html"
KMS_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html"
ROLE_URL = (
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html"
)
MOCKS_HINT = (
    "run these checks on the stack that owns it (`trailguard check` runs the pack on every stack of a project; "
    "its `--mocks` file supplies another stack's outputs, not its policies)"
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
        "each with the condition aws:SourceArn = the trail's ARN; deny no upload CloudTrail makes (digest files are "
        "written with SSE-S3)."
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
        "kms:EncryptionContext:aws:cloudtrail:arn like arn:aws:cloudtrail:*:<account>:trail/*, and kms:DescribeKey "
        "(and kms:Decrypt when the bucket uses an S3 Bucket Key); use a symmetric, enabled key in the bucket's Region."
    ),
)

ROLE_SPEC = Spec(
    name="iam-role-cloudtrail-cloudwatch-delivery",
    description="The CloudWatch Logs role of a trail must trust CloudTrail and let it write to the trail's log group.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=ROLE_URL,
    remediation_steps=(
        "Let Service cloudtrail.amazonaws.com assume the role (sts:AssumeRole, without aws:SourceArn or "
        "aws:SourceAccount conditions, which this role does not support), and give the role logs:CreateLogStream "
        "and logs:PutLogEvents on arn:aws:logs:<region>:<account>:log-group:<group>:log-stream:*."
    ),
)

TYPES = CORE | BUCKET_SSE | {LOG_GROUP, ROLE, ROLE_POLICY, ROLE_POLICY_ATTACHMENT, ROLE_POLICY_ATTACHMENTS_EXCLUSIVE}
TYPES |= {MANAGED_POLICY}
_ORGANIZATION_PATH = re.compile(r"(?:AWSLogs/|:log-stream:)(o-[a-z0-9]{10,32})[/_]")


def resolved(relation: Relation, *, checks: str = "", owner: Res | None = None) -> Res | None:
    """The related resource when it is in this stack; None when unset; `NotKnown` when undecidable, and
    `NotInStack` (naming the `checks` that cannot run) when it lives in another stack or account."""
    if isinstance(relation, Unresolved):
        raise NotKnown(relation.what)
    if isinstance(relation, Elsewhere) and checks and owner is not None:
        raise NotInStack(
            f"{checks} for {owner.label}, because {relation.value} is not in this stack (another stack or "
            f"account owns it): {MOCKS_HINT}"
        )
    return relation.res if isinstance(relation, Found) else None


def show(parts: iam.Parts) -> str:
    """A request value for messages, unknown pieces shown as <...>."""
    names = {iam.ACCOUNT: "<account>", iam.REGION: "<region>", iam.ORGANIZATION: "<organization id>"}
    return "".join(p if isinstance(p, str) else names.get(p, "<...>") if p is not None else "<...>" for p in parts)


@dataclass(frozen=True)
class Against:
    """The documents IAM reads to decide a request: the resource's policy, the caller's policies and boundary."""

    resource: tuple[iam.Statement, ...] = ()
    identity: tuple[iam.Statement, ...] | None = None
    boundary: tuple[iam.Statement, ...] | None = None
    key_policy: bool = False

    def verdict(self, call: model.Call) -> iam.Tri:
        return iam.authorize(call.request, self.resource, self.identity, self.boundary, key_policy=self.key_policy)


def judge(calls: Iterable[model.Call], against: Against, missing: str, urn: str) -> Iterator[Violation]:
    """A finding (on `urn`, the resource to fix) for each call AWS certainly refuses; NotKnown after them if some
    calls cannot be decided before update."""
    undecided = []
    refused: set[str] = set()
    for call in calls:
        verdict = against.verdict(call)
        if verdict is False and call.group and call.group in refused:
            continue
        if verdict is False:
            refused.add(call.group)
            when = f" (needed because {call.when})" if call.when else ""
            yield Violation(missing.format(what=call.what + when, resource=show(call.request.resource)), urn)
        elif verdict is None:
            undecided.append((call.what, _has_holes(call.request)))
    if undecided:
        unknown_keys = sorted({k for call in calls for k in _unknown_keys(call, against)})
        later = [what for what, holes in dict.fromkeys(undecided) if holes]
        if later or not unknown_keys:
            raise NotKnown(
                f"the trail ARN, an account or a Region needed to tell whether the policies "
                f"{'; '.join(dict.fromkeys(later or [w for w, _ in undecided]))}"
            )
        raise NotInStack(
            f"whether the policies {'; '.join(dict.fromkeys(w for w, _ in undecided))}: they test "
            f"{', '.join(unknown_keys)}, which AWS does not document for these requests, so the delivery model "
            "cannot tell (a key AWS does not set fails a condition that requires it)"
        )


def _has_holes(request: iam.Request) -> bool:
    values = [request.resource, *(v for v in request.context.values() if isinstance(v, tuple))]
    return any(not isinstance(p, str) for value in values for p in value)


def _unknown_keys(call: model.Call, against: Against) -> set[str]:
    """The condition keys of the documents that the call neither carries nor is documented to lack."""
    request = call.request
    statements = (*against.resource, *(against.identity or ()), *(against.boundary or ()))
    relevant = [
        s
        for s in statements
        if iam._principal_applies(s, request) is not False and iam._action_applies(s, request) is not False
    ]
    return {
        c.key
        for s in relevant
        for c in s.conditions
        if c.key.lower() not in request.context and not request.lacks(c.key.lower())
    }


# --- what the model needs to know of a trail ------------------------------------------------------------


def organization_id(statements: Iterable[iam.Statement]) -> str | None:
    """The organization id the policy's own paths name (only the organization's management account can create
    an organization trail, so a path naming an organization is taken to name the trail's)."""
    for statement in statements:
        for pattern in statement.resources or ():
            if m := _ORGANIZATION_PATH.search(pattern):
                return m.group(1)
    return None


def trail_facts(trail: Res, partition: str | None, statements: Iterable[iam.Statement] = ()) -> model.Trail:
    """The trail as the delivery model sees it; provider defaults are pulumi-aws 7's (multi-Region, validation
    and organization off)."""
    organization: str | iam.Hole | None = None
    if trail.flag("isOrganizationTrail", default=False):
        organization = organization_id(statements) or iam.ORGANIZATION
    return model.Trail(
        arn=trail_arn(trail, partition),
        account=trail_account(trail) or iam.ACCOUNT,
        region=trail_region(trail) or iam.REGION,
        prefix=trail.text("s3KeyPrefix"),
        organization=organization,
        multi_region=trail.flag("isMultiRegionTrail", default=False),
        validation=trail.flag("enableLogFileValidation", default=False),
        insights=bool(trail.items("insightSelectors")),
        encrypted=trail.is_set("kmsKeyId"),
    )


# --- the bucket policy -----------------------------------------------------------------------------------


def policy_holders(stack: Stack, bucket: Res) -> list[tuple[Res, str]]:
    """The bucket's policies; a BucketPolicy whose `bucket` is not known yet is undecided, never "no policy"."""
    holders = stack.bucket_policies(bucket)
    if not holders:
        pending = [p for p in stack.of_type(BUCKET_POLICY_TYPE) if isinstance(stack.bucket_of(p), Unresolved)]
        if pending:
            raise NotKnown(f"{pending[0].where('bucket')} (it may be the policy of {bucket.label})")
    return holders


def duplicate_policies(stack: Stack, bucket: Res) -> Iterator[Violation]:
    """S3 keeps one policy per bucket: a second BucketPolicy replaces the first, whichever is applied last."""
    policies = stack.configs_of(bucket, [BUCKET_POLICY_TYPE])
    if len(policies) > 1 or (policies and bucket.is_set("policy")):
        names = ", ".join(p.label for p in policies) + (
            f" and the `policy` of {bucket.label}" if bucket.is_set("policy") else ""
        )
        yield Violation(
            f"{bucket.label} has {len(policies) + bucket.is_set('policy')} bucket policies ({names}); S3 keeps one "
            "policy per bucket, so each replaces the other and the statements of all but one are lost: merge them "
            "into a single BucketPolicy. See https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
            policies[-1].urn if policies else bucket.urn,
        )


def bucket_delivery(stack: Stack, trail: Res) -> Iterator[Violation]:
    bucket = resolved(stack.bucket_of(trail, "s3BucketName"), checks="the bucket policy's delivery checks", owner=trail)
    if bucket is None:
        return
    holders = policy_holders(stack, bucket)
    if not holders:
        yield Violation(
            f"{trail.label} delivers to {bucket.label}, which has no bucket policy, so CloudTrail may not write there "
            f"and the trail fails with InsufficientS3BucketPolicyException: add a BucketPolicy. See {S3_URL}",
            bucket.urn,
        )
        return
    yield from duplicate_policies(stack, bucket)
    for holder, prop in holders:
        statements = parse_policy(holder, prop)
        partition = arn_partition(bucket.raw("arn")) or policy_partition(statements)
        facts = trail_facts(trail, partition, statements)
        calls = model.trail_bucket_calls(facts, bucket_arn(bucket, statements, [trail]))
        yield from judge(
            calls,
            Against(resource=statements),
            f"the policy of {bucket.label} does not {{what}} on {{resource}} for {trail.label}, so creating or "
            f"updating the trail fails with InsufficientS3BucketPolicyException: allow it for Service "
            f"{model.CLOUDTRAIL} with the condition aws:SourceArn = the trail's ARN, and deny no upload CloudTrail "
            f"makes. See {S3_URL}",
            holder.urn,
        )


# --- the key policy --------------------------------------------------------------------------------------


def bucket_key_enabled(stack: Stack, bucket: Res | None) -> bool:
    """Whether the bucket's default encryption uses an S3 Bucket Key (then CloudTrail also needs kms:Decrypt)."""
    if bucket is None:
        return False
    for config in stack.configs_of(bucket, BUCKET_SSE):
        where = config.where("rules")
        for index, rule in enumerate(config.items("rules")):
            if field_of(rule, "bucketKeyEnabled", where=f"{where}[{index}]") is True:
                return True
    return False


_KEY_REGION = re.compile(r"^arn:[^:]+:kms:([a-z0-9-]+):")


def key_attributes(stack: Stack, trail: Res, key: Res, bucket: Res | None) -> Iterator[Violation]:
    """A symmetric, enabled key in the bucket's Region: anything else fails CreateTrail whatever the policy says."""
    spec = key.text("customerMasterKeySpec") or key.text("keySpec") or "SYMMETRIC_DEFAULT"
    usage = key.text("keyUsage") or "ENCRYPT_DECRYPT"
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        yield Violation(
            f"{key.label} is a {spec} key for {usage}, but CloudTrail encrypts with symmetric encryption keys only "
            f"({trail.label} fails with InvalidKmsKeyIdException): use keySpec SYMMETRIC_DEFAULT and keyUsage "
            f"ENCRYPT_DECRYPT. See {KMS_URL}",
            key.urn,
        )
    if not key.flag("isEnabled", default=True):
        yield Violation(
            f"{key.label} is disabled (`isEnabled` false), so {trail.label} fails with KmsKeyDisabledException: "
            f"enable the key. See {KMS_URL}",
            key.urn,
        )
    key_arn = known_text(key.raw("arn")) or known_text(trail.raw("kmsKeyId"))
    key_region = (
        known_text(key.raw("region"))
        or (m.group(1) if key_arn and (m := _KEY_REGION.match(key_arn)) else None)
        or known_text(key.provider.get("region"))
    )
    bucket_region = (
        (known_text(bucket.raw("region")) or known_text(bucket.provider.get("region"))) if bucket is not None else None
    )
    if key_region and bucket_region and key_region != bucket_region:
        yield Violation(
            f"{key.label} is in {key_region} but {bucket.label if bucket else 'the bucket'} is in {bucket_region}: "
            f'"{model.KEY_REGION.quote}" ({trail.label} fails with KmsKeyNotFoundException): create the key in '
            f"{bucket_region}. See {model.KEY_REGION.page}",
            key.urn,
        )


def key_delivery(stack: Stack, trail: Res) -> Iterator[Violation]:
    key = resolved(stack.key_of(trail), checks="the key policy's delivery checks", owner=trail)
    if key is None:
        return
    bucket_relation = stack.bucket_of(trail, "s3BucketName")
    bucket = bucket_relation.res if isinstance(bucket_relation, Found) else None
    yield from key_attributes(stack, trail, key, bucket)
    holders = stack.key_policies(key)
    pending = [p for p in stack.of_type(KEY_POLICY_TYPE) if isinstance(stack.key_of(p, "keyId"), Unresolved)]
    if not holders and pending:
        raise NotKnown(f"{pending[0].where('keyId')} (it may be the policy of {key.label})")
    if not holders:
        yield Violation(
            f"{trail.label} encrypts with {key.label}, which has no key policy: the default one lets only the account "
            f"use the key, so the trail fails with InsufficientEncryptionPolicyException. See {KMS_URL}",
            key.urn,
        )
        return
    statements = tuple(s for holder, prop in holders for s in parse_policy(holder, prop))
    partition = arn_partition(key.raw("arn")) or policy_partition(statements)
    known_arn = known_text(key.raw("arn"))
    key_arn: iam.Parts = (known_arn,) if known_arn else ("arn:", iam.ANY, ":kms:", iam.ANY)
    calls = model.trail_key_calls(trail_facts(trail, partition), key_arn, bucket_key=bucket_key_enabled(stack, bucket))
    yield from judge(
        calls,
        Against(resource=statements, key_policy=True),
        f"the policy of {key.label} does not {{what}} for {trail.label}, so creating or updating the trail fails "
        f"with InsufficientEncryptionPolicyException: allow it for Service {model.CLOUDTRAIL}. See {KMS_URL}",
        holders[0][0].urn,
    )


# --- the CloudWatch Logs role ----------------------------------------------------------------------------


def _names(res: Res) -> set[str]:
    return {t for t in (known_text(res.raw(k)) for k in ("name", "id", "arn")) if t}


def _points_at(holder: Res, key: str, target: Res, value: object = None) -> bool:
    if target.urn in holder.deps(key):
        return True
    text = known_text(holder.raw(key) if value is None else value)
    return text is not None and (text in _names(target) or text.rsplit("/", 1)[-1] in _names(target))


def _managed(stack: Stack, holder: Res, key: str, arn: object) -> list[iam.Statement]:
    """The statements of the managed policy `arn` (a `key` input of `holder`); `NotKnown` when unreadable."""
    policies = stack.of_type(MANAGED_POLICY)
    text = known_text(arn)
    by_value = [p for p in policies if text is not None and (text in _names(p) or text.rsplit("/", 1)[-1] in _names(p))]
    if by_value:
        return list(parse_policy(by_value[0], "policy"))
    linked = [p for p in policies if p.urn in holder.deps(key)]
    if text is None and len(linked) == 1:
        return list(parse_policy(linked[0], "policy"))
    raise NotKnown(f"the managed policy {text or holder.where(key)} attached to {holder.label}")


def identity_statements(stack: Stack, role: Res) -> list[iam.Statement]:
    """The statements of every policy the role holds, however pulumi-aws attaches it: RolePolicy, the role's
    `inlinePolicies` and `managedPolicyArns`, RolePolicyAttachment, RolePolicyAttachmentsExclusive, each managed
    policy read from its aws.iam.Policy. A policy this stack cannot read raises `NotKnown`."""
    statements: list[iam.Statement] = []
    for holder in stack.of_type(ROLE_POLICY):
        if _points_at(holder, "role", role):
            statements += parse_policy(holder, "policy")
    for index, inline in enumerate(role.items("inlinePolicies")):
        where = f"{role.where('inlinePolicies')}[{index}].policy"
        document = field_of(inline, "policy", where=where)
        if document:
            statements += iam.parse_document(parse_json_document(document, where=where, example="{...}"), where=where)
    for arn in role.items("managedPolicyArns"):
        statements += _managed(stack, role, "managedPolicyArns", arn)
    for attachment in stack.of_type(ROLE_POLICY_ATTACHMENT):
        if _points_at(attachment, "role", role):
            statements += _managed(stack, attachment, "policyArn", attachment.raw("policyArn"))
    for exclusive in stack.of_type(ROLE_POLICY_ATTACHMENTS_EXCLUSIVE):
        if _points_at(exclusive, "roleName", role):
            for arn in nested_list(exclusive.raw("policyArns"), where=exclusive.where("policyArns")):
                statements += _managed(stack, exclusive, "policyArns", arn)
    return statements


def boundary_statements(stack: Stack, role: Res) -> list[iam.Statement] | None:
    """The role's permissions boundary, which caps what its identity policies grant (None when it has none)."""
    if not role.is_set("permissionsBoundary"):
        return None
    if is_unknown(role.raw("permissionsBoundary")) and not role.deps("permissionsBoundary"):
        raise NotKnown(role.where("permissionsBoundary"))
    return _managed(stack, role, "permissionsBoundary", role.raw("permissionsBoundary"))


def group_arn(stack: Stack, trail: Res, facts: model.Trail, partition: str | None) -> iam.Parts:
    """The log group's ARN, without the `:*` CloudTrail's `cloudWatchLogsGroupArn` ends with."""
    known = known_text(trail.raw("cloudWatchLogsGroupArn"))
    if known:
        return (known.removesuffix(":*"),)
    group = resolved(stack.log_group_of(trail))
    name = known_text(group.raw("name")) if group is not None else None
    if name is None:
        raise NotKnown(trail.where("cloudWatchLogsGroupArn"))
    return ("arn:", partition or iam.ANY, ":logs:", facts.region, ":", facts.account, f":log-group:{name}")


def role_delivery(stack: Stack, trail: Res) -> Iterator[Violation]:
    role = resolved(stack.role_of(trail), checks="the CloudWatch Logs role's delivery checks", owner=trail)
    if role is None or not trail.is_set("cloudWatchLogsGroupArn"):
        return
    partition = arn_partition(role.raw("arn"), trail.raw("cloudWatchLogsRoleArn"), trail.raw("cloudWatchLogsGroupArn"))
    identity = tuple(identity_statements(stack, role))
    facts = trail_facts(trail, partition, identity)
    yield from judge(
        model.role_trust_calls(facts),
        Against(resource=parse_policy(role, "assumeRolePolicy")),
        f"the trust policy of {role.label} does not {{what}} for {trail.label}, so CloudTrail cannot deliver to "
        f"CloudWatch Logs: trust Service {model.CLOUDTRAIL}, without aws:SourceArn or aws:SourceAccount conditions: "
        f'"{model.ROLE_NO_SOURCE_ARN.quote}". See {ROLE_URL}',
        role.urn,
    )
    against = Against(
        identity=tuple(identity_statements(stack, role)), boundary=_tuple(boundary_statements(stack, role))
    )
    calls = [
        replace(c, request=replace(c.request, principal=_role_arn(role, trail)))
        for c in model.role_logs_calls(facts, group_arn(stack, trail, facts, partition))
    ]
    yield from judge(
        calls,
        against,
        f"the policies of {role.label} (within its permissions boundary) do not {{what}} on {{resource}}, so "
        f"{trail.label} delivers nothing to CloudWatch Logs: grant logs:CreateLogStream and logs:PutLogEvents on the "
        f"log group's streams. See {ROLE_URL}",
        role.urn,
    )


def _tuple(statements: Sequence[iam.Statement] | None) -> tuple[iam.Statement, ...] | None:
    return tuple(statements) if statements is not None else None


def _role_arn(role: Res, trail: Res) -> str:
    return (
        known_text(role.raw("arn"))
        or known_text(trail.raw("cloudWatchLogsRoleArn"))
        or f"arn:aws:iam::role/{role.name}"
    )


def _per_trail(*deliveries: Callable[[Stack, Res], Iterator[Violation]]) -> StackChecks:
    def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
        for trail in stack.trails:
            for delivery in deliveries:
                yield trail, partial(delivery, stack, trail)

    return checks


BUCKET_POLICY = stack_policy(BUCKET_SPEC, TYPES, _per_trail(bucket_delivery))
KEY_POLICY = stack_policy(KEY_SPEC, TYPES, _per_trail(key_delivery))
ROLE_POLICY_CHECK = stack_policy(ROLE_SPEC, TYPES, _per_trail(role_delivery))
