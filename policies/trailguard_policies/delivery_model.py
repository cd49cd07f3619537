"""The requests AWS services make to deliver what a trail stack sets up, each with the AWS sentence it rests on.

This is the one place that says what AWS asks for: who calls (a service principal, or a role a service
assumed), which action, on what, and with which condition keys set. The pack's delivery policies judge each
request against the policies in the stack (`delivery.py`, `service_delivery.py`), and the component tests
enumerate the same requests over every rendered stack (tests/delivery/). A condition key a request does not
list is unknown to the model, never "certainly absent": only keys AWS documents as missing are in `absent`.

What the model cannot see: service control policies and resource control policies of the organization,
VPC endpoint policies, and KMS grants made outside the stack; a request allowed here can still be refused
by one of those.
"""

from __future__ import annotations

from dataclasses import dataclass

from trailguard_policies import iam

CLOUDTRAIL = "cloudtrail.amazonaws.com"
CLOUDWATCH = "cloudwatch.amazonaws.com"
EVENTBRIDGE = "events.amazonaws.com"
S3 = "s3.amazonaws.com"
S3_LOGGING = "logging.s3.amazonaws.com"


@dataclass(frozen=True)
class Source:
    """The AWS documentation a modelled fact rests on: the page and the sentence."""

    page: str
    quote: str


CT = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/"
S3_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
IAM_GUIDE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"

BUCKET_POLICY_PAGE = Source(
    CT + "create-s3-bucket-policy-for-cloudtrail.html",
    "The value of aws:SourceArn is always the ARN of the trail (or array of trail ARNs) that is using the bucket to "
    "store logs.",
)
ORGANIZATION_PATH = Source(
    CT + "create-s3-bucket-policy-for-cloudtrail.html",
    "In an organization trail, the value of aws:SourceArn must be a trail ARN that is owned by the management "
    "account, and uses the management account ID.",
)
ALL_REGIONS = Source(
    CT + "create-s3-bucket-policy-for-cloudtrail.html",
    'replace the account ID ARNs with the service principal name: "cloudtrail.amazonaws.com". This gives CloudTrail '
    "permission to deliver logs for current and new regions.",
)
DIGEST_SSE_S3 = Source(
    CT + "encrypting-cloudtrail-log-files-with-aws-kms.html",
    "Enabling server-side encryption encrypts the log files but not the digest files with SSE-KMS. Digest files are "
    "encrypted with Amazon S3-managed encryption keys (SSE-S3).",
)
DIGEST_PATH = Source(
    CT + "cloudtrail-log-file-custom-validation.html",
    "S3-bucket-name/AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/12/...",
)
INSIGHTS_PATH = Source(
    CT + "cloudtrail-create-a-trail-using-the-console-first-time.html",
    "Insights events are delivered to a different folder named /CloudTrail-Insight of the same S3 bucket",
)
KEY_POLICY_PAGE = Source(
    CT + "create-kms-key-policy-for-cloudtrail.html",
    "The value of aws:SourceArn is always the trail ARN (or array of trail ARNs) that is using the KMS key.",
)
KEY_DESCRIBE = Source(
    CT + "encrypting-cloudtrail-log-files-with-aws-kms.html",
    "CloudTrail must be allowed permission in the key policy to use the AWS KMS actions GenerateDataKey and "
    "DescribeKey. If cloudtrail.amazonaws.com is not granted those permissions in the key policy, you cannot create "
    "or update a trail.",
)
KEY_BUCKET_KEY = Source(
    CT + "create-kms-key-policy-for-cloudtrail.html",
    "If you are using an existing S3 bucket with an S3 Bucket Key, kms:Decrypt permissions are required to create or "
    "update a trail with SSE-KMS encryption enabled.",
)
KEY_REGION = Source(
    CT + "encrypting-cloudtrail-log-files-with-aws-kms.html",
    "The KMS key that you choose must be in the same region as the S3 bucket that receives your log files.",
)
ROLE_NO_SOURCE_ARN = Source(
    CT + "cloudtrail-required-policy-for-cloudwatch-logs.html",
    "Confused deputy prevention is not applicable to the role policy for CloudWatch Logs monitoring. The role policy "
    "doesn't support the use of aws:SourceArn and aws:SourceAccount",
)
ROLE_STREAMS = Source(
    CT + "cloudtrail-required-policy-for-cloudwatch-logs.html",
    "arn:aws:logs:us-east-2:111111111111:log-group:log_group_name:log-stream:111111111111_CloudTrail_us-east-2*, "
    "arn:aws:logs:us-east-2:111111111111:log-group:log_group_name:log-stream:o-exampleorgid_*",
)
LOGS_KEY = Source(
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    'key policy example on the page: Principal {"Service": "logs.region.amazonaws.com"}, kms:Encrypt*, kms:Decrypt*, '
    'kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe*, ArnEquals "kms:EncryptionContext:aws:logs:arn": '
    '"arn:aws:logs:region:account-id:log-group:log-group-name"',
)
TRAIL_TOPIC = Source(
    CT + "cloudtrail-permissions-for-sns-notifications.html",
    "The value of this key is the ARN of the trail, or an array of trail ARNs that are using the SNS topic.",
)
TOPIC_KEY = Source(
    CT + "cloudtrail-permissions-for-sns-notifications.html",
    "If your topic is an encrypted topic, you must allow CloudTrail to have kms:GenerateDataKey* and the kms:Decrypt "
    "permissions.",
)
PUBLISHER_KEY = Source(
    "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services",
    "To allow the AWS service to have the kms:GenerateDataKey* and kms:Decrypt permissions, add the following "
    "statement to the KMS policy. ... Add the aws:SourceAccount and aws:SourceArn condition keys to the KMS resource "
    "policy to further protect the KMS key from confused deputy attacks.",
)
TOPIC_CONTEXT = Source(
    "https://docs.aws.amazon.com/gamelift/latest/flexmatchguide/queue-notification-sns-sse.html",
    'When creating your KMS key, use the following KMS key policy: { ... "Principal": { "Service": '
    '"gamelift.amazonaws.com" }, "Action": [ "kms:Decrypt", "kms:GenerateDataKey" ], ... "StringEquals": '
    '{ "kms:EncryptionContext:aws:sns:topicArn": "arn:aws:sns:your_region:your_account:your_sns_topic_name" } }',
)
ALARM_TOPIC = Source(
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/US_SetupSNS.html",
    "we recommend that you use the aws:SourceArn and aws:SourceAccount global condition keys in the Amazon SNS "
    "resource policy that grants permission to CloudWatch (example: Principal cloudwatch.amazonaws.com, SNS:Publish, "
    "aws:SourceArn arn:aws:cloudwatch:us-east-2:111122223333:alarm:*)",
)
RULE_TOPIC = Source(
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions",
    'the SNS topic policy allows Principal {"Service": "events.amazonaws.com"} the action sns:Publish on the topic '
    "(policy example on the page)",
)
ACCESS_LOGS = Source(
    S3_GUIDE + "enable-server-access-logging.html",
    "We recommend that you update the bucket policy on the target bucket to grant access to the logging service "
    "principal (logging.s3.amazonaws.com) for access log delivery.",
)
REPLICATION_KMS = Source(
    S3_GUIDE + "replication-config-for-kms-objects.html",
    "To use replication with an S3 Bucket Key, the AWS KMS key policy for the KMS key that's used to encrypt the "
    "object replica must include the kms:Decrypt permission for the calling principal.",
)
REPLICATION_CONTEXT = Source(
    S3_GUIDE + "replication-config-for-kms-objects.html",
    "When an S3 Bucket Key is enabled for the source or destination bucket, the encryption context will be the "
    "bucket's Amazon Resource Name (ARN), not the object's ARN",
)
REPLICATION_TRUST = Source(
    S3_GUIDE + "setting-repl-config-perm-overview.html",
    'trust policy example on the page: Principal {"Service": "s3.amazonaws.com"}, Action sts:AssumeRole',
)
REPLICATION_ROLE = Source(
    S3_GUIDE + "setting-repl-config-perm-overview.html",
    "permissions policy example on the page: s3:GetReplicationConfiguration and s3:ListBucket on the source bucket, "
    "s3:GetObjectVersionForReplication on its objects, s3:ReplicateObject on the destination bucket's objects",
)
LAKE_KEY = Source(
    CT + "create-kms-key-policy-for-cloudtrail.html",
    "The aws:SourceArn and aws:SourceAccount condition keys are not supported in KMS key policies for event data "
    "stores.",
)
SECURE_TRANSPORT = Source(
    IAM_GUIDE + "reference_policies_elements_condition_operators.html",
    "The aws:SecureTransport key is always present in the request context.",
)


@dataclass(frozen=True)
class Call:
    """One request an AWS service makes for delivery: what it is for, the request, and why the model says so."""

    what: str
    request: iam.Request
    sources: tuple[Source, ...]
    when: str = ""
    """What the call is needed for, when not always (`"log file validation is on"`)."""
    group: str = ""
    """Calls of one group fail for one reason (the same path from two Regions): only the first refusal is reported."""


def service_context(
    service: str, *, source_arn: iam.Parts | None = None, source_account: iam.Parts | None = None, **keys: iam.Value
) -> dict[str, iam.Value]:
    """The keys every request of an AWS service principal carries, and the source keys when it sets them.

    aws:PrincipalIsAWSService is true and aws:PrincipalServiceName names the service for requests "made by an AWS
    service principal" (IAM User Guide, reference_policies_condition-keys); AWS services call over TLS.
    """
    context: dict[str, iam.Value] = {
        "aws:principalisawsservice": ("true",),
        "aws:principalservicename": (service,),
        "aws:securetransport": ("true",),
    }
    if source_arn is not None:
        context["aws:sourcearn"] = source_arn
    if source_account is not None:
        context["aws:sourceaccount"] = source_account
    context.update({k.lower(): v for k, v in keys.items()})
    return context


def role_context(**keys: iam.Value) -> dict[str, iam.Value]:
    """The keys of a request made with a role's credentials by the service that assumed it."""
    return {"aws:principalisawsservice": ("false",), "aws:securetransport": ("true",), **keys}


# --- CloudTrail ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trail:
    """What the model needs to know of a trail (unknown pieces as `iam.Hole`s)."""

    arn: iam.Parts
    account: str | iam.Hole
    region: str | iam.Hole
    prefix: str | None = None
    organization: str | iam.Hole | None = None
    """The organization id for an organization trail, None for a single-account trail."""
    multi_region: bool = True
    validation: bool = True
    insights: bool = False
    encrypted: bool = False


OTHER_REGION = "ap-southeast-4"
"""A Region a multi-Region trail also writes from: a policy naming only the home Region leaves it out."""


def _regions(trail: Trail) -> list[str | iam.Hole]:
    if not trail.multi_region:
        return [trail.region]
    other = "us-west-2" if trail.region == OTHER_REGION else OTHER_REGION
    return [trail.region, other]


def trail_bucket_calls(trail: Trail, bucket_arn: iam.Parts) -> list[Call]:
    """CloudTrail's requests to the trail bucket (GetBucketAcl, and PutObject of every file kind it writes)."""
    context = service_context(CLOUDTRAIL, source_arn=trail.arn, source_account=(trail.account,))
    logs = f"/{trail.prefix.strip('/')}/AWSLogs/" if trail.prefix else "/AWSLogs/"
    encryption = ("aws:kms",) if trail.encrypted else ("AES256",)
    put = {**context, "s3:x-amz-acl": ("bucket-owner-full-control",)}
    calls = [
        Call(
            "let CloudTrail read the bucket ACL (s3:GetBucketAcl)",
            iam.Request("s3:GetBucketAcl", bucket_arn, CLOUDTRAIL, context),
            (BUCKET_POLICY_PAGE,),
        )
    ]
    owners: list[tuple[str, tuple[str | iam.Hole, ...]]] = [("the account's", (trail.account,))]
    if trail.organization is not None:
        owners.append(("the member accounts'", (trail.organization, "/", iam.ACCOUNT)))
    for whose, owner in owners:
        for region in _regions(trail):
            where = "" if region == trail.region else " from another Region"
            tail = ("/", region, "/2025/01/01/file.json.gz")
            files: list[tuple[str, str, tuple[str], str, tuple[Source, ...]]] = [
                ("logs", "CloudTrail", encryption, "", (BUCKET_POLICY_PAGE, ALL_REGIONS)),
            ]
            if trail.validation:
                files.append(
                    ("digest files", "CloudTrail-Digest", ("AES256",), "log file validation is on", (DIGEST_SSE_S3,))
                )
            if trail.insights:
                files.append(("Insights files", "CloudTrail-Insight", encryption, "Insights is on", (INSIGHTS_PATH,)))
            for kind, folder, sse, when, sources in files:
                calls.append(
                    Call(
                        f"let CloudTrail write {whose} {kind}{where} (s3:PutObject)",
                        iam.Request(
                            "s3:PutObject",
                            (*bucket_arn, logs, *owner, f"/{folder}", *tail),
                            CLOUDTRAIL,
                            {**put, "s3:x-amz-server-side-encryption": sse},
                        ),
                        sources + ((ORGANIZATION_PATH,) if trail.organization is not None else ()),
                        when,
                        group=f"{whose} {kind}",
                    )
                )
    return calls


def trail_key_calls(trail: Trail, key_arn: iam.Parts, *, bucket_key: bool) -> list[Call]:
    """CloudTrail's requests to the trail's KMS key: data keys for the trail, DescribeKey, Decrypt for a Bucket Key."""
    keys = iam.Multi((("aws:cloudtrail:arn",),), complete=False)
    encryption_context: dict[str, iam.Value] = {
        "kms:EncryptionContext:aws:cloudtrail:arn": trail.arn,
        "kms:EncryptionContextKeys": keys,
    }
    context = service_context(CLOUDTRAIL, source_arn=trail.arn, source_account=(trail.account,), **encryption_context)
    # DescribeKey takes no encryption context (KMS API reference, DescribeKey request parameters).
    no_context = frozenset({"kms:encryptioncontext:*", "kms:encryptioncontextkeys"})
    bare = service_context(CLOUDTRAIL, source_arn=trail.arn, source_account=(trail.account,))
    calls = [
        Call(
            "let CloudTrail generate data keys (kms:GenerateDataKey*)",
            iam.Request("kms:GenerateDataKey", key_arn, CLOUDTRAIL, context),
            (KEY_POLICY_PAGE, KEY_DESCRIBE),
        ),
        Call(
            "let CloudTrail describe the key (kms:DescribeKey)",
            iam.Request("kms:DescribeKey", key_arn, CLOUDTRAIL, bare, no_context),
            (KEY_DESCRIBE,),
        ),
    ]
    if bucket_key:
        calls.append(
            Call(
                "let CloudTrail decrypt with the key (kms:Decrypt)",
                iam.Request("kms:Decrypt", key_arn, CLOUDTRAIL, bare),
                (KEY_BUCKET_KEY,),
                "the bucket uses an S3 Bucket Key",
            )
        )
    return calls


def role_trust_calls(trail: Trail) -> list[Call]:
    """CloudTrail assuming the CloudWatch Logs role: no aws:SourceArn, no aws:SourceAccount."""
    absent = frozenset({"aws:sourcearn", "aws:sourceaccount"})
    return [
        Call(
            "let CloudTrail assume the role (sts:AssumeRole)",
            iam.Request("sts:AssumeRole", ("*",), CLOUDTRAIL, service_context(CLOUDTRAIL), absent),
            (ROLE_NO_SOURCE_ARN,),
        )
    ]


def role_logs_calls(trail: Trail, group_arn: iam.Parts) -> list[Call]:
    """The role's requests to the log group: a stream per account and Region, and events into it."""
    streams: list[tuple[str, iam.Parts]] = [("the account's", (trail.account, "_CloudTrail_", trail.region))]
    if trail.organization is not None:
        streams.append(("the member accounts'", (trail.organization, "_", iam.ACCOUNT, "_CloudTrail_", trail.region)))
    return [
        Call(
            f"let CloudTrail call {action} on {whose} streams",
            iam.Request(action, (*group_arn, ":log-stream:", *name), None, role_context()),
            (ROLE_STREAMS,),
            group=action,
        )
        for whose, name in streams
        for action in ("logs:CreateLogStream", "logs:PutLogEvents")
    ]


# --- the other services ---------------------------------------------------------------------------------


def log_group_key_calls(region: str | iam.Hole, group_arn: iam.Parts, key_arn: iam.Parts) -> list[Call]:
    """CloudWatch Logs encrypting and reading the log group's events with its key."""
    service = f"logs.{region}.amazonaws.com" if isinstance(region, str) else "logs.<region>.amazonaws.com"
    context = service_context(service, **{"kms:EncryptionContext:aws:logs:arn": group_arn})
    return [
        Call(
            f"let CloudWatch Logs use the key for the log group ({action})",
            iam.Request(action, key_arn, service, context),
            (LOGS_KEY,),
        )
        for action in ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")
    ]


def trail_topic_calls(trail: Trail, topic_arn: iam.Parts) -> list[Call]:
    context = service_context(CLOUDTRAIL, source_arn=trail.arn, source_account=(trail.account,))
    return [
        Call(
            "let CloudTrail publish log-file notifications (sns:Publish)",
            iam.Request("sns:Publish", topic_arn, CLOUDTRAIL, context),
            (TRAIL_TOPIC,),
        )
    ]


def alarm_topic_calls(alarm_arn: iam.Parts, account: str | iam.Hole, topic_arn: iam.Parts) -> list[Call]:
    context = service_context(CLOUDWATCH, source_arn=alarm_arn, source_account=(account,))
    return [
        Call(
            "let CloudWatch alarms publish (sns:Publish)",
            iam.Request("sns:Publish", topic_arn, CLOUDWATCH, context),
            (ALARM_TOPIC,),
        )
    ]


def rule_topic_calls(rule_arn: iam.Parts, account: str | iam.Hole, topic_arn: iam.Parts) -> list[Call]:
    context = service_context(EVENTBRIDGE, source_arn=rule_arn, source_account=(account,))
    return [
        Call(
            "let the EventBridge rule publish (sns:Publish)",
            iam.Request("sns:Publish", topic_arn, EVENTBRIDGE, context),
            (RULE_TOPIC,),
        )
    ]


def topic_key_calls(publisher: Call, topic_arn: iam.Parts, key_arn: iam.Parts) -> list[Call]:
    """A publisher of an encrypted topic needs the topic's key: SNS encrypts with the publisher's permissions."""
    base = publisher.request
    # SNS's page tells to "Add the aws:SourceAccount and aws:SourceArn condition keys to the KMS resource policy": the
    # publisher's source keys reach KMS. SNS encrypts under the topic's ARN as encryption context: AWS's key policy for
    # a service publishing to an encrypted topic (GameLift FlexMatch guide) pins kms:EncryptionContext:aws:sns:topicArn.
    # Other encryption-context keys stay unknown.
    keep = ("aws:principalisawsservice", "aws:principalservicename", "aws:sourcearn", "aws:sourceaccount")
    context: dict[str, iam.Value] = {k: v for k, v in base.context.items() if k in keep}
    context["aws:securetransport"] = ("true",)
    context["kms:encryptioncontext:aws:sns:topicarn"] = topic_arn
    sources = ((TOPIC_KEY,) if base.service == CLOUDTRAIL else (PUBLISHER_KEY,)) + (TOPIC_CONTEXT,)
    who = publisher.what.removeprefix("let ").split(" publish")[0]
    return [
        Call(
            f"let {who} use the topic's key ({action})",
            iam.Request(action, key_arn, base.service, context),
            sources,
        )
        for action in ("kms:GenerateDataKey", "kms:Decrypt")
    ]


def access_log_calls(source_bucket_arn: iam.Parts, source_account: str | iam.Hole, object_arn: iam.Parts) -> list[Call]:
    context = service_context(S3_LOGGING, source_arn=source_bucket_arn, source_account=(source_account,))
    return [
        Call(
            "let S3 server access logging write the access logs (s3:PutObject)",
            iam.Request("s3:PutObject", object_arn, S3_LOGGING, context),
            (ACCESS_LOGS,),
        )
    ]


@dataclass(frozen=True)
class Replication:
    role_arn: str
    account: str
    source_bucket: iam.Parts
    source_region: str | iam.Hole
    source_key: iam.Parts | None
    replica_bucket: iam.Parts
    replica_region: str | iam.Hole
    replica_key: iam.Parts | None
    replica_bucket_key: bool = False
    source_bucket_key: bool = False


def _via(region: str | iam.Hole) -> iam.Parts:
    return ("s3.", region, ".amazonaws.com")


def replication_calls(rep: Replication) -> list[Call]:
    """S3 assuming the replication role, and the role's requests to both buckets and both keys."""
    calls = [
        Call(
            "let S3 assume the replication role (sts:AssumeRole)",
            iam.Request(
                "sts:AssumeRole",
                ("*",),
                S3,
                service_context(S3, source_arn=rep.source_bucket, source_account=(rep.account,)),
            ),
            (REPLICATION_TRUST,),
        )
    ]

    def role(action: str, resource: iam.Parts, sources: tuple[Source, ...], **keys: iam.Value) -> Call:
        context = role_context(**{k.lower(): v for k, v in keys.items()})
        request = iam.Request(action, resource, None, context, principal=rep.role_arn)
        return Call(f"let the replication role call {action}", request, sources)

    page = (REPLICATION_ROLE,)
    calls.append(role("s3:GetReplicationConfiguration", rep.source_bucket, page))
    calls.append(role("s3:GetObjectVersionForReplication", (*rep.source_bucket, "/AWSLogs/x.json.gz"), page))
    calls.append(role("s3:ReplicateObject", (*rep.replica_bucket, "/AWSLogs/x.json.gz"), page))
    if rep.source_key is not None:
        context = rep.source_bucket if rep.source_bucket_key else (*rep.source_bucket, "/AWSLogs/x.json.gz")
        calls.append(
            role(
                "kms:Decrypt",
                rep.source_key,
                (REPLICATION_CONTEXT,),
                **{"kms:ViaService": _via(rep.source_region), "kms:EncryptionContext:aws:s3:arn": context},
            )
        )
    if rep.replica_key is not None:
        context = rep.replica_bucket if rep.replica_bucket_key else (*rep.replica_bucket, "/AWSLogs/x.json.gz")
        keys = {"kms:ViaService": _via(rep.replica_region), "kms:EncryptionContext:aws:s3:arn": context}
        calls.append(role("kms:GenerateDataKey", rep.replica_key, (REPLICATION_CONTEXT,), **keys))
        if rep.replica_bucket_key:
            calls.append(role("kms:Decrypt", rep.replica_key, (REPLICATION_KMS,), **keys))
    return calls


def lake_key_calls(key_arn: iam.Parts) -> list[Call]:
    """CloudTrail Lake encrypting an event data store; its key policy cannot use aws:SourceArn/SourceAccount."""
    context = service_context(CLOUDTRAIL)
    absent = frozenset({"aws:sourcearn", "aws:sourceaccount"})
    return [
        Call(
            f"let CloudTrail Lake use the key ({action})",
            iam.Request(action, key_arn, CLOUDTRAIL, context, absent),
            (LAKE_KEY,),
        )
        for action in ("kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey")
    ]
