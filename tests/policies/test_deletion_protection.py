"""s3-bucket-cloudtrail-deletion-protection and kms-key-cloudtrail-deletion-protection (AnalyzeStack)."""

from __future__ import annotations

from pack_fixtures import BUCKET_TYPE, KEY, changed, compliant_stack, last_line, messages, run, urn, with_options

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level

BUCKET_POLICY = "s3-bucket-cloudtrail-deletion-protection"
KEY_POLICY = "kms-key-cloudtrail-deletion-protection"
URL = "https://www.pulumi.com/docs/iac/concepts/options/protect/"


def test_protected_bucket_and_key_pass(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), BUCKET_POLICY) == []
    assert run(pack, compliant_stack(), KEY_POLICY) == []


def test_an_unprotected_trail_bucket_is_mandatory(pack: PolicyPack) -> None:
    found = run(pack, with_options(compliant_stack(), "bucket", protect=False), BUCKET_POLICY)

    assert messages(found) == [
        (
            Level.MANDATORY,
            "bucket 'bucket' receives CloudTrail logs but is not protected, so a destroy or a replacement would delete "
            f"it with every log: register it with the resource option `protect=True`. See {URL}",
        )
    ]
    assert found[0].urn == urn(BUCKET_TYPE, "bucket")


def test_force_destroy_is_mandatory(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "bucket", forceDestroy=True), BUCKET_POLICY)

    assert [last_line(d) for d in found] == [
        "bucket 'bucket' sets `forceDestroy` (Python: `force_destroy`) to true, so deleting it also deletes every "
        "CloudTrail log in it: remove the argument"
    ]


def test_an_unprotected_application_bucket_is_not_judged(pack: PolicyPack) -> None:
    assert run(pack, with_options(compliant_stack(), "access-log-bucket", protect=False), BUCKET_POLICY) == []


def test_an_unprotected_trail_key_is_mandatory(pack: PolicyPack) -> None:
    found = run(pack, with_options(compliant_stack(), "key", protect=False), KEY_POLICY)

    assert [(d.enforcement_level, d.urn) for d in found] == [(Level.MANDATORY, urn(KEY, "key"))]
    assert last_line(found[0]).startswith("KMS key 'key' encrypts CloudTrail logs but is not protected")
