"""s3-bucket-cloudtrail-dedicated through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

import json

from pack_fixtures import (
    BUCKET,
    BUCKET_TYPE,
    WEBSITE,
    changed,
    compliant_stack,
    document,
    last_line,
    messages,
    named,
    run,
    urn,
    verdicts,
    with_document,
)

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level, Resource

POLICY = "s3-bucket-cloudtrail-dedicated"
URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/best-practices-security.html"


def _resource(token: str, name: str, properties: dict, **deps: list[str]) -> Resource:  # type: ignore[type-arg]
    return Resource(
        urn=urn(token, name),
        type=token,
        name=name,
        properties=properties,
        property_dependencies={k: tuple(v) for k, v in deps.items()},
    )


def test_the_compliant_bucket_is_dedicated(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_website_hosting_is_mandatory(pack: PolicyPack) -> None:
    website = _resource(
        WEBSITE,
        "site",
        {"bucket": BUCKET, "indexDocument": {"suffix": "index.html"}},
        bucket=[urn(BUCKET_TYPE, "bucket")],
    )

    found = run(pack, [*compliant_stack(), website], POLICY)

    assert messages(found) == [
        (
            Level.MANDATORY,
            "bucket website configuration 'site' turns bucket 'bucket', which receives CloudTrail logs, into a website: "
            f"host the site in a bucket of its own. See {URL}",
        )
    ]


def test_a_website_on_an_application_bucket_is_not_judged(pack: PolicyPack) -> None:
    app = _resource(BUCKET_TYPE, "app", {"bucket": "acme-web"})
    website = _resource(WEBSITE, "site", {"bucket": "acme-web"}, bucket=[app.urn])

    assert run(pack, [*compliant_stack(), app, website], POLICY) == []


def test_another_writer_in_the_bucket_policy_is_mandatory(pack: PolicyPack) -> None:
    stack = compliant_stack()
    doc = document(named(stack, "bucket-policy"))
    doc["Statement"].append(
        {
            "Sid": "AppWrites",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:role/app"},
            "Action": "s3:*",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    )

    found = run(pack, with_document(stack, "bucket-policy", doc), POLICY)

    assert verdicts(found) == [(POLICY, Level.MANDATORY, "bucket-policy")]
    assert "statement 'AppWrites' letting AWS:arn:aws:iam::111111111111:role/app write into bucket 'bucket'" in (
        last_line(found[0])
    )


def test_s3_server_access_logging_may_write(pack: PolicyPack) -> None:
    stack = compliant_stack()
    doc = document(named(stack, "bucket-policy"))
    doc["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "*",
        }
    )

    assert run(pack, with_document(stack, "bucket-policy", doc), POLICY) == []


def test_a_workload_using_the_bucket_is_mandatory(pack: PolicyPack) -> None:
    function = _resource(
        "aws:lambda/function:Function",
        "exporter",
        {"environment": {"variables": {"BUCKET": BUCKET}}},
        environment=[urn(BUCKET_TYPE, "bucket")],
    )

    found = run(pack, [*compliant_stack(), function], POLICY)

    assert verdicts(found) == [(POLICY, Level.MANDATORY, "bucket")]
    assert "aws:lambda/function:Function 'exporter' also uses it (`environment`)" in last_line(found[0])


def test_a_workload_naming_the_bucket_by_value_is_found(pack: PolicyPack) -> None:
    delivery = _resource("aws:cfg/deliveryChannel:DeliveryChannel", "config", {"s3BucketName": BUCKET})

    assert len(run(pack, [*compliant_stack(), delivery], POLICY)) == 1


def test_iam_policies_naming_the_bucket_are_not_workloads(pack: PolicyPack) -> None:
    reader = _resource("aws:iam/policy:Policy", "readers", {"policy": "{}"}, policy=[urn(BUCKET_TYPE, "bucket")])

    assert run(pack, [*compliant_stack(), reader], POLICY) == []


def test_another_buckets_access_logs_may_land_here(pack: PolicyPack) -> None:
    logging = _resource(
        "aws:s3/bucketLogging:BucketLogging",
        "app-logging",
        {"bucket": "acme-web", "targetBucket": BUCKET},
        targetBucket=[urn(BUCKET_TYPE, "bucket")],
    )

    assert run(pack, [*compliant_stack(), logging], POLICY) == []


def test_a_replica_written_into_the_trail_bucket_is_a_workload(pack: PolicyPack) -> None:
    replication = _resource(
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "app-replication",
        {"bucket": "acme-web", "rules": [{"destination": {"bucket": f"arn:aws:s3:::{BUCKET}"}}]},
        rules=[urn(BUCKET_TYPE, "bucket")],
    )

    assert "(`rules`)" in last_line(run(pack, [*compliant_stack(), replication], POLICY)[0])


def test_the_deprecated_inline_website_is_mandatory(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "bucket", website={"indexDocument": "index.html"}), POLICY)

    assert verdicts(found) == [(POLICY, Level.MANDATORY, "bucket")]
    assert "hosts a website: remove `website`" in last_line(found[0])


def test_an_object_the_stack_writes_into_the_bucket_makes_it_shared(pack: PolicyPack) -> None:
    note = _resource(
        "aws:s3/bucketObjectv2:BucketObjectv2",
        "readme",
        {"bucket": BUCKET, "key": "README.txt"},
        bucket=[urn(BUCKET_TYPE, "bucket")],
    )

    found = run(pack, [*compliant_stack(), note], POLICY)

    assert verdicts(found) == [(POLICY, Level.MANDATORY, "bucket")]
    assert "aws:s3/bucketObjectv2:BucketObjectv2 'readme' also uses it (`bucket`)" in last_line(found[0])


def test_an_iam_policy_letting_its_holders_write_into_the_bucket_makes_it_shared(pack: PolicyPack) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Upload", "Effect": "Allow", "Action": "s3:Put*", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
        ],
    }
    writer = _resource("aws:iam/policy:Policy", "uploader", {"policy": json.dumps(document)})

    found = run(pack, [*compliant_stack(), writer], POLICY)

    assert [last_line(d) for d in found] == [
        f"bucket 'bucket' receives CloudTrail logs but aws:iam/policy:Policy 'uploader' lets its holders write objects "
        f"into it (statement 'Upload'): give that workload a bucket of its own. See {URL}"
    ]


def test_an_iam_policy_reading_the_bucket_is_no_writer(pack: PolicyPack) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}],
    }
    reader = _resource("aws:iam/policy:Policy", "reader", {"policy": json.dumps(document)})

    assert run(pack, [*compliant_stack(), reader], POLICY) == []
