"""The delivery model: what AWS asks for, each request with the AWS sentence it rests on."""

from __future__ import annotations

import pytest

from trailguard_policies import delivery_model as model
from trailguard_policies import iam

TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:111111111111:trail/org"
BUCKET = ("arn:aws:s3:::logs",)
KEY = ("arn:aws:kms:us-east-1:111111111111:key/k",)
TOPIC = ("arn:aws:sns:us-east-1:111111111111:t",)


def organization_trail(**changes: object) -> model.Trail:
    fields: dict[str, object] = {
        "arn": (TRAIL_ARN,),
        "account": "111111111111",
        "region": "us-east-1",
        "organization": "o-a1b2c3d4e5",
        "insights": True,
        "encrypted": True,
    }
    return model.Trail(**{**fields, **changes})  # type: ignore[arg-type]


def every_call() -> list[model.Call]:
    trail = organization_trail()
    publisher = model.trail_topic_calls(trail, TOPIC)[0]
    replication = model.Replication(
        role_arn="arn:aws:iam::111111111111:role/r",
        account="111111111111",
        source_bucket=BUCKET,
        source_region="us-east-1",
        source_key=KEY,
        replica_bucket=("arn:aws:s3:::replica",),
        replica_region="us-west-2",
        replica_key=("arn:aws:kms:us-west-2:111111111111:key/r",),
        replica_bucket_key=True,
    )
    return [
        *model.trail_bucket_calls(trail, BUCKET),
        *model.trail_key_calls(trail, KEY, bucket_key=True),
        *model.role_trust_calls(trail),
        *model.role_logs_calls(trail, ("arn:aws:logs:us-east-1:111111111111:log-group:g",)),
        *model.log_group_key_calls("us-east-1", ("arn:aws:logs:us-east-1:111111111111:log-group:g",), KEY),
        publisher,
        *model.topic_key_calls(publisher, TOPIC, KEY),
        *model.alarm_topic_calls(("arn:aws:cloudwatch:us-east-1:111111111111:alarm:a",), "111111111111", TOPIC),
        *model.rule_topic_calls(("arn:aws:events:us-east-1:111111111111:rule/r",), "111111111111", TOPIC),
        *model.access_log_calls(BUCKET, "111111111111", ("arn:aws:s3:::access/s3-access-logs/x",)),
        *model.replication_calls(replication),
        *model.lake_key_calls(KEY),
    ]


def test_every_request_cites_an_aws_page_and_sentence() -> None:
    for call in every_call():
        assert call.sources, call.what
        for source in call.sources:
            assert source.page.startswith("https://docs.aws.amazon.com/"), call.what
            assert len(source.quote) > 20, call.what


def test_service_requests_say_they_come_from_an_aws_service() -> None:
    for call in every_call():
        request = call.request
        if request.service is not None:
            assert request.context["aws:principalisawsservice"] == ("true",), call.what
            assert request.context["aws:principalservicename"] == (request.service,), call.what


def test_an_organization_trail_writes_logs_digests_and_insights_under_both_paths_from_every_region() -> None:
    puts = [c for c in model.trail_bucket_calls(organization_trail(), BUCKET) if c.request.action == "s3:PutObject"]

    folders = {p for c in puts for p in c.request.resource if isinstance(p, str) and p.startswith("/CloudTrail")}
    assert len(puts) == 12  # 2 owners x 3 kinds x 2 Regions
    assert folders == {"/CloudTrail", "/CloudTrail-Digest", "/CloudTrail-Insight"}
    assert {c.request.resource[-2] for c in puts} == {"us-east-1", model.OTHER_REGION}


def test_digest_files_are_written_with_sse_s3_even_when_the_trail_encrypts_with_kms() -> None:
    puts = model.trail_bucket_calls(organization_trail(), BUCKET)

    by_folder = {c.request.resource[-4]: c.request.context["s3:x-amz-server-side-encryption"] for c in puts[1:]}
    assert by_folder["/CloudTrail-Digest"] == ("AES256",)
    assert by_folder["/CloudTrail"] == ("aws:kms",)


def test_a_single_account_single_region_trail_without_validation_writes_one_path() -> None:
    trail = organization_trail(organization=None, multi_region=False, validation=False, insights=False)

    assert [c.what for c in model.trail_bucket_calls(trail, BUCKET)] == [
        "let CloudTrail read the bucket ACL (s3:GetBucketAcl)",
        "let CloudTrail write the account's logs (s3:PutObject)",
    ]


def test_describe_key_carries_no_encryption_context_and_decrypt_comes_with_a_bucket_key() -> None:
    calls = {c.request.action: c for c in model.trail_key_calls(organization_trail(), KEY, bucket_key=True)}

    assert calls["kms:DescribeKey"].request.lacks("kms:encryptioncontext:aws:cloudtrail:arn")
    assert "kms:Decrypt" in calls
    assert "kms:Decrypt" not in {
        c.request.action for c in model.trail_key_calls(organization_trail(), KEY, bucket_key=False)
    }


@pytest.mark.parametrize("key", ["aws:sourcearn", "aws:sourceaccount"])
def test_the_cloudwatch_logs_role_is_assumed_without_source_keys(key: str) -> None:
    (call,) = model.role_trust_calls(organization_trail())

    assert call.request.lacks(key)
    assert call.sources == (model.ROLE_NO_SOURCE_ARN,)


def test_a_key_the_model_does_not_know_stays_unknown() -> None:
    (call,) = model.role_trust_calls(organization_trail())

    assert not call.request.lacks("aws:sourceorgid")
    assert "aws:sourceorgid" not in call.request.context


def test_the_role_writes_the_account_streams_and_the_organization_streams() -> None:
    calls = model.role_logs_calls(organization_trail(), ("arn:aws:logs:us-east-1:111111111111:log-group:g",))

    streams = {"".join(p if isinstance(p, str) else "<account>" for p in c.request.resource) for c in calls}
    assert streams == {
        "arn:aws:logs:us-east-1:111111111111:log-group:g:log-stream:111111111111_CloudTrail_us-east-1",
        "arn:aws:logs:us-east-1:111111111111:log-group:g:log-stream:o-a1b2c3d4e5_<account>_CloudTrail_us-east-1",
    }


def test_replication_to_a_bucket_key_replica_needs_decrypt_on_the_replica_key() -> None:
    calls = [c for c in every_call() if c.request.principal == "arn:aws:iam::111111111111:role/r"]

    replica_key = ("arn:aws:kms:us-west-2:111111111111:key/r",)
    assert {c.request.action for c in calls if c.request.resource == replica_key} == {
        "kms:GenerateDataKey",
        "kms:Decrypt",
    }
    assert iam.match("arn:aws:s3:::replica", calls[-1].request.context["kms:encryptioncontext:aws:s3:arn"])  # type: ignore[arg-type]
