"""s3-bucket-cloudtrail-tls-only through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

from pack_fixtures import compliant_stack, document, messages, named, run, with_document

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level

POLICY = "s3-bucket-cloudtrail-tls-only"


def _without_tls_statement() -> list:  # type: ignore[type-arg]
    stack = compliant_stack()
    doc = document(named(stack, "bucket-policy"))
    doc["Statement"] = [s for s in doc["Statement"] if s["Sid"] != "DenyInsecureTransport"]
    return with_document(stack, "bucket-policy", doc)


def test_a_deny_on_insecure_transport_passes(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_no_deny_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, _without_tls_statement(), POLICY)

    assert [level for level, _ in messages(found)] == [Level.ADVISORY]
    assert messages(found)[0][1].startswith(
        "bucket 'bucket' receives CloudTrail logs but its policy does not deny requests made without TLS "
        '(aws:SecureTransport false): add {"Sid": "DenyInsecureTransport", "Effect": "Deny"'
    )


def test_a_deny_that_spares_objects_is_not_enough(pack: PolicyPack) -> None:
    stack = compliant_stack()
    doc = document(named(stack, "bucket-policy"))
    for statement in doc["Statement"]:
        if statement["Sid"] == "DenyInsecureTransport":
            statement["Resource"] = "arn:aws:s3:::acme-cloudtrail-logs"

    assert len(run(pack, with_document(stack, "bucket-policy", doc), POLICY)) == 1


def test_an_unknown_policy_is_noted(pack: PolicyPack) -> None:
    from pack_fixtures import changed

    found = run(pack, changed(compliant_stack(), "bucket-policy", policy=UNKNOWN), POLICY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert "`policy` of bucket policy 'bucket-policy' is not known during preview" in found[0].message
