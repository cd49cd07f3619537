"""s3-bucket-cloudtrail-dedicated: a trail bucket holds CloudTrail logs and nothing else.

Dedicated means: no website hosting, no policy letting anyone but CloudTrail (and S3 server access logging)
write into it, and no other workload in the stack using it (a function, a load balancer, another bucket's
replication, ...). Configuration resources of the bucket itself, trails, and IAM or KMS policies that
merely name it are not workloads.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies import iam
from trailguard_policies.framework import Check, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import BUCKET_LOGGING, BUCKET_OBJECTS, BUCKET_WEBSITE, BUCKETS, TRAIL, Res, arg
from trailguard_policies.stack import CLOUDTRAIL, CORE, Referrer, Stack, arn_partition, bucket_name, parse_policy
from trailguard_policies.values import Malformed, NotKnown, parse_json_document

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html"
S3_LOGGING = "logging.s3.amazonaws.com"
ALLOWED_WRITERS = frozenset({CLOUDTRAIL, S3_LOGGING})
WRITE_ACTIONS = ("s3:PutObject", "s3:PutObjectAcl", "s3:ReplicateObject")

SPEC = Spec(
    name="s3-bucket-cloudtrail-dedicated",
    description="A bucket that receives CloudTrail logs must be dedicated to them: no website, no other writers or workloads.",
    level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    url=URL,
    remediation_steps=(
        "Give other workloads their own bucket; remove website hosting from the trail bucket; let only "
        "cloudtrail.amazonaws.com (and logging.s3.amazonaws.com for access logs) write to it in the bucket policy."
    ),
)


def website(stack: Stack, bucket: Res) -> Iterable[Violation]:
    if bucket.is_set("website"):
        yield Violation(
            f"{bucket.label} receives CloudTrail logs but hosts a website: remove {arg('website')}. See {URL}"
        )
    for config in stack.configs_of(bucket, BUCKET_WEBSITE):
        yield Violation(
            f"{config.label} turns {bucket.label}, which receives CloudTrail logs, into a website: host the site "
            f"in a bucket of its own. See {URL}",
            config.urn,
        )


def other_writers(stack: Stack, bucket: Res) -> Iterable[Violation]:
    for holder, prop in stack.bucket_policies(bucket):
        for statement in parse_policy(holder, prop):
            if statement.effect != "Allow" or not _writes(statement):
                continue
            writers = _writers(statement)
            if writers:
                yield Violation(
                    f"{holder.where(prop)} has {statement.label} letting {', '.join(writers)} write into {bucket.label}, "
                    f"which receives CloudTrail logs: only {CLOUDTRAIL} and {S3_LOGGING} may write there. See {URL}",
                    holder.urn,
                )


def _writes(statement: iam.Statement) -> bool:
    if statement.actions is None:
        return statement.not_actions is not None  # NotAction grants everything it does not name
    return any(iam.match(p, iam.known(a), ignore_case=True) for p in statement.actions for a in WRITE_ACTIONS)


def _writers(statement: iam.Statement) -> list[str]:
    if statement.not_principal is not None:
        return [f"everyone except {', '.join(statement.not_principal.names())}"]
    if statement.principal is None:
        return []
    return [name for name in statement.principal.names() if name not in ALLOWED_WRITERS]


def _is_workload(referrer: Referrer, keys: list[str]) -> bool:
    if referrer.type in BUCKET_OBJECTS:
        return True  # an object the stack writes into the bucket: the bucket stores something besides logs
    if not referrer.type.startswith("aws:") or referrer.type == TRAIL:
        return False
    if referrer.type.startswith(("aws:iam/", "aws:kms/")):
        return False  # a policy naming the bucket grants access; it does not store anything in it
    if referrer.type.startswith("aws:s3/") and keys == ["bucket"]:
        return False  # one of the bucket's own configurations (its policy, logging, lifecycle, ...)
    if referrer.type in BUCKET_LOGGING and "targetBucket" in keys:
        return False  # S3 server access logging is an allowed writer
    return not (referrer.type in BUCKETS and keys == ["logging"])


IAM_DOCUMENTS = frozenset(
    {
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
    }
)
IAM_WRITES = ("s3:PutObject", "s3:PutObjectAcl")


def iam_writers(stack: Stack, bucket: Res) -> Iterable[Violation]:
    """IAM policies of the stack that let their holders put objects into the bucket: another writer."""
    name = bucket_name(bucket, *(t.raw("s3BucketName") for t in stack.trails_of_bucket(bucket)))
    if name is None:
        return
    for referrer in stack.referrers:
        if referrer.type not in IAM_DOCUMENTS or name not in referrer.strings.get("policy", ""):
            continue
        try:
            document = parse_json_document(
                referrer.strings["policy"], where=f"`policy` of {referrer.name}", example="{}"
            )
            statements = iam.parse_document(document, where=f"`policy` of {referrer.type} '{referrer.name}'")
        except (Malformed, NotKnown):
            continue
        for statement in statements:
            writes = any(
                iam.match(p, iam.known(a), ignore_case=True) for p in statement.actions or () for a in IAM_WRITES
            )
            onto = any(
                iam.match(p, iam.known(f"arn:{arn_partition(p) or 'aws'}:s3:::{name}/any-object"))
                for p in statement.resources or ()
            )
            if statement.effect == "Allow" and writes and onto:
                yield Violation(
                    f"{bucket.label} receives CloudTrail logs but {referrer.type} '{referrer.name}' lets its holders "
                    f"write objects into it ({statement.label}): give that workload a bucket of its own. See {URL}"
                )
                break


def shared(stack: Stack, bucket: Res) -> Iterable[Violation]:
    name = bucket_name(bucket, *(t.raw("s3BucketName") for t in stack.trails_of_bucket(bucket)))
    for referrer, keys in stack.referrers_of(bucket, name).items():
        if _is_workload(referrer, keys):
            yield Violation(
                f"{bucket.label} receives CloudTrail logs but {referrer.type} '{referrer.name}' also uses it "
                f"({', '.join(f'`{k}`' for k in keys)}): give that workload a bucket of its own. See {URL}"
            )


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for bucket in stack.trail_buckets:
        yield bucket, partial(website, stack, bucket)
        yield bucket, partial(other_writers, stack, bucket)
        yield bucket, partial(shared, stack, bucket)
        yield bucket, partial(iam_writers, stack, bucket)


POLICY = stack_policy(SPEC, CORE | BUCKET_WEBSITE, checks, referrers=True)
