"""s3-bucket-cloudtrail-versioning through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

from pack_fixtures import changed, compliant_stack, last_line, messages, run, without

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level

POLICY = "s3-bucket-cloudtrail-versioning"


def test_versioned_passes(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_unversioned_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, without(compliant_stack(), "bucket-versioning"), POLICY)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "bucket 'bucket' receives CloudTrail logs but is not versioned: add a BucketVersioning with status "
            "'Enabled' so an overwritten or deleted log file can be recovered. See "
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
        )
    ]


def test_suspended_is_advisory(pack: PolicyPack) -> None:
    found = run(
        pack, changed(compliant_stack(), "bucket-versioning", versioningConfiguration={"status": "Suspended"}), POLICY
    )

    assert [last_line(d) for d in found] == [
        "bucket versioning 'bucket-versioning' sets the versioning of bucket 'bucket' to 'Suspended': set it to 'Enabled'"
    ]


def test_the_deprecated_inline_versioning_is_read(pack: PolicyPack) -> None:
    stack = changed(without(compliant_stack(), "bucket-versioning"), "bucket", versioning={"enabled": True})

    assert run(pack, stack, POLICY) == []
