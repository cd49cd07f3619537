"""cloudtrail-trail-kms-encryption through the Analyzer protocol."""

from __future__ import annotations

from pack_fixtures import changed, compliant_stack, last_line, messages, run

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level

POLICY = "cloudtrail-trail-kms-encryption"


def test_a_customer_managed_key_passes(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_no_key_is_a_mandatory_violation(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", kmsKeyId=...), POLICY)

    assert messages(found) == [
        (
            Level.MANDATORY,
            "trail 'trail' leaves its log files with S3-managed encryption only: set `kmsKeyId` (Python: `kms_key_id`) "
            "to the ARN of a customer-managed KMS key so reading the logs also needs kms:Decrypt on that key. See "
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html",
        )
    ]


def test_an_empty_key_counts_as_none(pack: PolicyPack) -> None:
    assert len(run(pack, changed(compliant_stack(), "trail", kmsKeyId=""), POLICY)) == 1


def test_an_aws_managed_key_is_refused(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", kmsKeyId="alias/aws/s3"), POLICY)

    assert last_line(found[0]).startswith("trail 'trail' names the AWS managed key 'alias/aws/s3'")


def test_an_unknown_key_is_the_output_of_a_key_of_this_update(pack: PolicyPack) -> None:
    assert run(pack, changed(compliant_stack(), "trail", kmsKeyId=UNKNOWN), POLICY) == []


def test_a_key_in_another_account_passes(pack: PolicyPack) -> None:
    other = "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-3333-4444-555555555555"

    assert run(pack, changed(compliant_stack(), "trail", kmsKeyId=other), POLICY) == []


def test_a_list_is_malformed(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", kmsKeyId=["a"]), POLICY)

    assert (
        last_line(found[0]) == "`kmsKeyId` (Python: `kms_key_id`) of trail 'trail' is ['a'] (a list); expected a string"
    )
