"""s3-bucket-cloudtrail-tls-only: a trail bucket refuses every request that is not made over TLS."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies import iam
from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, stack_policy
from trailguard_policies.resources import Res
from trailguard_policies.stack import CORE, Stack, bucket_arn, parse_policy
from trailguard_policies.values import NotKnown

URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html"
EXAMPLE = (
    '{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": '
    '["arn:aws:s3:::<bucket>", "arn:aws:s3:::<bucket>/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}'
)

SPEC = Spec(
    name="s3-bucket-cloudtrail-tls-only",
    description="A bucket that receives CloudTrail logs should deny every request not made over TLS.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=URL,
    remediation_steps=f"Add this statement to the bucket policy: {EXAMPLE}.",
    mappings=Mappings(
        cis=(("1.4.0", "2.1.2"), ("3.0.0", "2.1.1")),
        security_hub=("S3.5",),
        aws_config=("s3-bucket-ssl-requests-only",),
        checkov=("CKV_AWS_379",),
    ),
)


def insecure_allowed(stack: Stack, bucket: Res) -> Iterable[Violation]:
    statements = [s for holder, prop in stack.bucket_policies(bucket) for s in parse_policy(holder, prop)]
    arn = bucket_arn(bucket, statements, stack.trails_of_bucket(bucket))
    insecure = {"aws:securetransport": iam.known("false")}
    requests = [
        iam.Request("s3:GetObject", (*arn, "/AWSLogs/x.json.gz"), context=insecure),
        iam.Request("s3:PutObject", (*arn, "/AWSLogs/x.json.gz"), context=insecure),
        iam.Request("s3:ListBucket", arn, context=insecure),
    ]
    denied = iam.all3(iam.any3(iam.statement_applies(s, r) for s in statements if s.effect == "Deny") for r in requests)
    if denied is None:
        raise NotKnown(f"the name of {bucket.label}")
    if not denied:
        yield Violation(
            f"{bucket.label} receives CloudTrail logs but its policy does not deny requests made without TLS "
            f"(aws:SecureTransport false): add {EXAMPLE}. See {URL}"
        )


def checks(stack: Stack, settings: Settings) -> Iterable[tuple[Res, Check]]:
    for bucket in stack.trail_buckets:
        yield bucket, partial(insecure_allowed, stack, bucket)


POLICY = stack_policy(SPEC, CORE, checks)
