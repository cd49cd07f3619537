"""s3-bucket-cloudtrail-sse-kms through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

from pack_fixtures import BUCKET_TYPE, changed, compliant_stack, last_line, messages, run, urn, verdicts, without

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level

POLICY = "s3-bucket-cloudtrail-sse-kms"
URL = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html"


def test_sse_kms_passes(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_no_encryption_configuration_is_mandatory(pack: PolicyPack) -> None:
    found = run(pack, without(compliant_stack(), "bucket-encryption"), POLICY)

    assert messages(found) == [
        (
            Level.MANDATORY,
            "bucket 'bucket' receives CloudTrail logs but has no default encryption configuration, so S3 applies "
            "SSE-S3: add a BucketServerSideEncryptionConfiguration with sseAlgorithm 'aws:kms' and the trail key. "
            f"See {URL}",
        )
    ]
    assert found[0].urn == urn(BUCKET_TYPE, "bucket")


def test_sse_s3_is_mandatory(pack: PolicyPack) -> None:
    rules = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    found = run(pack, changed(compliant_stack(), "bucket-encryption", rules=rules), POLICY)

    assert verdicts(found) == [(POLICY, Level.MANDATORY, "bucket-encryption")]
    assert "encrypts the CloudTrail logs in bucket 'bucket' with 'AES256': use 'aws:kms'" in last_line(found[0])


def test_dsse_kms_passes(pack: PolicyPack) -> None:
    rules = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms:dsse"}}]

    assert run(pack, changed(compliant_stack(), "bucket-encryption", rules=rules), POLICY) == []


def test_the_deprecated_inline_configuration_is_read(pack: PolicyPack) -> None:
    inline = {"rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}}
    stack = changed(without(compliant_stack(), "bucket-encryption"), "bucket", serverSideEncryptionConfiguration=inline)

    assert run(pack, stack, POLICY) == []


def test_a_bucket_that_is_not_a_trail_bucket_is_not_judged(pack: PolicyPack) -> None:
    # The access-log bucket has no encryption configuration in the fixture, and no CloudTrail delivery.
    assert all(d.urn != urn(BUCKET_TYPE, "access-log-bucket") for d in run(pack, compliant_stack(), POLICY))


def test_a_bucket_whose_policy_lets_cloudtrail_write_is_a_trail_bucket(pack: PolicyPack) -> None:
    # The log-archive layout: the trail lives in another stack.
    stack = without(compliant_stack(), "trail", "bucket-encryption")

    assert [d.urn for d in run(pack, stack, POLICY)] == [urn(BUCKET_TYPE, "bucket")]


def test_an_unknown_algorithm_is_noted(pack: PolicyPack) -> None:
    rules = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": UNKNOWN}}]
    found = run(pack, changed(compliant_stack(), "bucket-encryption", rules=rules), POLICY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
