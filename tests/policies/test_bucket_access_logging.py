"""s3-bucket-cloudtrail-access-logging through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

from pack_fixtures import (
    BUCKET,
    BUCKET_TYPE,
    changed,
    compliant_stack,
    last_line,
    messages,
    run,
    urn,
    with_deps,
    without,
)

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level

POLICY = "s3-bucket-cloudtrail-access-logging"
URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html"


def test_logging_into_another_bucket_passes(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_no_access_logging_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, without(compliant_stack(), "bucket-logging"), POLICY)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "bucket 'bucket' receives CloudTrail logs but has no server access logging, so reads and deletions of the "
            f"logs leave no record: add a BucketLogging with a separate target bucket. See {URL}",
        )
    ]


def test_logging_into_itself_loops(pack: PolicyPack) -> None:
    stack = changed(compliant_stack(), "bucket-logging", targetBucket=BUCKET)
    stack = with_deps(
        stack, "bucket-logging", bucket=[urn(BUCKET_TYPE, "bucket")], targetBucket=[urn(BUCKET_TYPE, "bucket")]
    )

    assert [last_line(d)[:80] for d in run(pack, stack, POLICY)] == [
        "bucket logging 'bucket-logging' delivers the access logs of bucket 'bucket' into the bucket itself"[:80]
    ]
