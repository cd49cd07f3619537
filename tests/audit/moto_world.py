"""A real AWS API endpoint on loopback (moto's server), and trails built in it the way trailguard builds them.

The server runs once per session on 127.0.0.1 and a free port; every test starts from a reset server, with boto3
pointed at it through `AWS_ENDPOINT_URL` (boto3's own setting, so the code under test needs no test hook), fake
static credentials, no config files, and the instance-metadata lookup off: no request leaves the machine.
"""

from __future__ import annotations

import json
import logging
import socket
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from trailguard import documents

ACCOUNT = "123456789012"
"""The account moto gives static test credentials."""
REGION = "us-east-1"
PARTITION = "aws"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    # The server logs every request at INFO; a failing test's report should show the test's own output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, endpoint: str) -> None:
    """boto3 configured for the local endpoint only: static credentials, no profile files, no metadata service."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_REGION",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Short timeouts make a wrong endpoint fail fast instead of hanging a test.
    monkeypatch.setenv("AWS_METADATA_SERVICE_TIMEOUT", "1")
    monkeypatch.setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "1")


@dataclass
class Trail:
    """What a built trail is made of, by AWS identifier."""

    name: str
    arn: str
    bucket: str
    access_log_bucket: str
    key_arn: str
    log_group: str
    log_group_arn: str
    role_name: str
    role_arn: str


@dataclass
class World:
    """The local AWS endpoint, with helpers that build trails in it."""

    endpoint: str
    session: boto3.Session
    account: str = ACCOUNT
    built: list[Trail] = field(default_factory=list)

    def client(self, service: str, region: str = REGION) -> Any:
        return self.session.client(service, region_name=region)

    def in_account(self, account_id: str) -> World:
        """The same world seen from another account (moto maps assumed-role credentials to the role's account)."""
        sts = self.client("sts")
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/fixture-admin", RoleSessionName="fixture")[
            "Credentials"
        ]
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=REGION,
        )
        return World(self.endpoint, session, account_id)

    def good_trail(
        self,
        name: str = "org-trail",
        *,
        bucket: str | None = None,
        access_log_bucket: str | None = None,
        log_group: str | None = None,
        tags: bool = True,
    ) -> Trail:
        """A trail as trailguard's components build it: every best practice, every delivery permission."""
        bucket = bucket or f"{name}-logs-{self.account}"
        access_logs = access_log_bucket or f"{bucket}-access"
        trail_arn = documents.trail_arn(PARTITION, REGION, self.account, name)
        group = log_group or f"/aws/cloudtrail/{name}"
        group_arn = documents.log_group_arn(PARTITION, REGION, self.account, group)
        s3, kms, logs, iam, ct = (self.client(s) for s in ("s3", "kms", "logs", "iam", "cloudtrail"))

        key_policy = documents.trail_key_policy(
            partition=PARTITION,
            account_id=self.account,
            region=REGION,
            trail_arn=trail_arn,
            trail_account_id=self.account,
            log_group_arn=group_arn,
        )
        key = kms.create_key(Policy=json.dumps(key_policy), Description=f"CloudTrail: trail {name}")["KeyMetadata"]
        kms.enable_key_rotation(KeyId=key["KeyId"])
        kms.create_alias(AliasName=f"alias/cloudtrail/{name}/logs", TargetKeyId=key["KeyId"])
        if tags:
            kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "owner", "TagValue": "security"}])

        s3.create_bucket(Bucket=access_logs)
        self._harden_bucket(s3, access_logs, sse={"SSEAlgorithm": "AES256"})
        s3.put_bucket_policy(
            Bucket=access_logs,
            Policy=json.dumps(
                documents.access_log_bucket_policy(
                    partition=PARTITION,
                    bucket=access_logs,
                    source_bucket=bucket,
                    source_account_id=self.account,
                    target_prefix="access-logs/",
                )
            ),
        )
        s3.create_bucket(Bucket=bucket)
        self._harden_bucket(s3, bucket, sse={"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]})
        s3.put_bucket_policy(
            Bucket=bucket,
            Policy=json.dumps(
                documents.trail_bucket_policy(
                    partition=PARTITION,
                    bucket=bucket,
                    trail_arn=trail_arn,
                    management_account_id=self.account,
                    organization_id=None,
                )
            ),
        )
        s3.put_bucket_logging(
            Bucket=bucket,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": access_logs, "TargetPrefix": "access-logs/"}},
        )
        if tags:
            s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "owner", "Value": "security"}]})

        logs.create_log_group(logGroupName=group, kmsKeyId=key["Arn"])
        logs.put_retention_policy(logGroupName=group, retentionInDays=365)
        role_name = f"{name}-cloudwatch"
        role = iam.create_role(
            RoleName=role_name,
            AssumeRolePolicyDocument=json.dumps(documents.cloudtrail_role_trust_policy()),
        )["Role"]
        iam.put_role_policy(
            RoleName=role_name,
            PolicyName="cloudtrail-delivery",
            PolicyDocument=json.dumps(
                documents.cloudtrail_logs_role_policy(
                    log_group_arn=group_arn, account_id=self.account, region=REGION, organization_id=None
                )
            ),
        )
        ct.create_trail(
            Name=name,
            S3BucketName=bucket,
            IsMultiRegionTrail=True,
            IncludeGlobalServiceEvents=True,
            EnableLogFileValidation=True,
            KmsKeyId=key["Arn"],
            CloudWatchLogsLogGroupArn=f"{group_arn}:*",
            CloudWatchLogsRoleArn=role["Arn"],
            TagsList=[{"Key": "owner", "Value": "security"}] if tags else [],
        )
        ct.put_event_selectors(
            TrailName=name,
            AdvancedEventSelectors=[
                {"Name": "Management events", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
                {
                    "Name": "S3 data events, except the log buckets",
                    "FieldSelectors": [
                        {"Field": "eventCategory", "Equals": ["Data"]},
                        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                        {
                            "Field": "resources.ARN",
                            "NotStartsWith": [f"arn:aws:s3:::{bucket}/", f"arn:aws:s3:::{access_logs}/"],
                        },
                    ],
                },
            ],
        )
        ct.start_logging(Name=name)
        trail = Trail(name, trail_arn, bucket, access_logs, key["Arn"], group, group_arn, role_name, role["Arn"])
        self.built.append(trail)
        return trail

    @staticmethod
    def _harden_bucket(s3: Any, bucket: str, *, sse: dict[str, str]) -> None:
        s3.put_public_access_block(
            Bucket=bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        )
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        rule: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": sse}
        if sse["SSEAlgorithm"] == "aws:kms":
            rule["BucketKeyEnabled"] = True
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [rule]})
        s3.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "archive",
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}],
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 400},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                    }
                ]
            },
        )

    def broken_trail(self, name: str = "legacy-trail") -> Trail:
        """A trail as they are often found: single-Region, no validation, no key, no CloudWatch, an open bucket."""
        bucket = f"{name}-logs-{self.account}"
        s3, ct = self.client("s3"), self.client("cloudtrail")
        s3.create_bucket(Bucket=bucket)
        trail_arn = documents.trail_arn(PARTITION, REGION, self.account, name)
        s3.put_bucket_policy(
            Bucket=bucket,
            Policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AWSCloudTrailWrite",
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "s3:PutObject",
                            "Resource": f"arn:aws:s3:::{bucket}/*",
                        }
                    ],
                }
            ),
        )
        ct.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=False, IncludeGlobalServiceEvents=True)
        ct.start_logging(Name=name)
        trail = Trail(name, trail_arn, bucket, "", "", "", "", "", "")
        self.built.append(trail)
        return trail


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on: connections to it are refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> World:
    """A reset local AWS endpoint, and boto3 configured to reach only it."""
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    aws_environment(monkeypatch, tmp_path, moto_endpoint)
    return World(moto_endpoint, boto3.Session(region_name=REGION))


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def throttle(service: str, operation: str, times: int, calls: list[str]) -> tuple[str, Callable[..., Any]]:
    """A `before-send` hook: the first `times` attempts of the operation get AWS's throttling answer over HTTP.

    Answering at the HTTP layer lets botocore's standard retry mode see and retry it, as it would in AWS.
    """

    def handler(request: Any, **_: Any) -> AWSResponse | None:
        calls.append(operation)
        if len(calls) > times:
            return None
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "throttled"}
        return AWSResponse(request.url, 400, headers, _Body(body))

    return f"before-send.{service}.{operation}", handler


def deny(
    service: str, operation: str, code: str = "AccessDenied", *, only: str | None = None
) -> tuple[str, Callable[..., Any]]:
    """A `before-call` hook: the operation is refused as IAM would refuse it, before anything is sent.

    `only`: refuse only requests that name this text (a bucket, a trail) in their URL or body.
    """

    def handler(params: dict[str, Any], **_: Any) -> None:
        if only is not None and only not in f"{params.get('url', '')} {params.get('body', '')!r}":
            return
        raise ClientError(
            {
                "Error": {"Code": code, "Message": f"User is not authorized to perform: {operation}"},
                "ResponseMetadata": {"HTTPStatusCode": 403},
            },
            operation,
        )

    return f"before-call.{service}.{operation}", handler


def recorder(calls: list[str]) -> tuple[str, Callable[..., Any]]:
    """A `before-call` hook recording `service.Operation` of every call the audit makes."""

    def handler(model: Any, **_: Any) -> None:
        calls.append(f"{model.service_model.endpoint_prefix}.{model.name}")

    return "before-call", handler
