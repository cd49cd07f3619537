"""s3-bucket-cloudtrail-not-public through the Analyzer protocol (AnalyzeStack)."""

from __future__ import annotations

from pack_fixtures import (
    PAB,
    changed,
    compliant_stack,
    document,
    last_line,
    messages,
    named,
    run,
    urn,
    with_document,
    without,
)

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level, Resource

POLICY = "s3-bucket-cloudtrail-not-public"
FLAGS = "blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets"


def test_all_four_flags_pass(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_no_block_is_mandatory(pack: PolicyPack) -> None:
    found = run(pack, without(compliant_stack(), "bucket-public-access-block"), POLICY)

    assert messages(found) == [
        (
            Level.MANDATORY,
            "bucket 'bucket' receives CloudTrail logs but has no public access block: add a BucketPublicAccessBlock "
            f"with {FLAGS} all true. See https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
        )
    ]


def test_an_omitted_flag_is_off(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "bucket-public-access-block", restrictPublicBuckets=...), POLICY)

    assert [(d.urn, last_line(d)) for d in found] == [
        (
            urn(PAB, "bucket-public-access-block"),
            "public access block 'bucket-public-access-block' of bucket 'bucket' leaves `restrictPublicBuckets` (Python: "
            "`restrict_public_buckets`) off: set all four to true",
        )
    ]


def test_an_account_wide_block_covers_the_bucket(pack: PolicyPack) -> None:
    account_block = Resource(
        urn=urn("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "account"),
        type="aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
        name="account",
        properties={
            f: True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        },
    )

    assert run(pack, [*without(compliant_stack(), "bucket-public-access-block"), account_block], POLICY) == []


def test_an_allow_to_everyone_is_mandatory(pack: PolicyPack) -> None:
    stack = compliant_stack()
    doc = document(named(stack, "bucket-policy"))
    doc["Statement"].append(
        {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    )

    found = run(pack, with_document(stack, "bucket-policy", doc), POLICY)

    assert [last_line(d) for d in found] == [
        "`policy` of bucket policy 'bucket-policy' has statement 'PublicRead' allowing everyone (Principal \"*\") "
        "without a condition on aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID or the like: restrict or remove it"
    ]


def test_an_allow_to_everyone_in_the_organization_passes(pack: PolicyPack) -> None:
    stack = compliant_stack()
    doc = document(named(stack, "bucket-policy"))
    doc["Statement"].append(
        {
            "Sid": "OrganizationRead",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        }
    )

    assert run(pack, with_document(stack, "bucket-policy", doc), POLICY) == []


def test_a_public_canned_acl_is_mandatory(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "bucket", acl="public-read"), POLICY)

    assert [last_line(d) for d in found] == [
        "bucket 'bucket' sets the canned ACL 'public-read', which opens it: use 'private'"
    ]


def test_a_policy_that_is_not_json_is_mandatory(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "bucket-policy", policy="{not json"), POLICY)

    assert [(d.enforcement_level, last_line(d)) for d in found] == [
        (
            Level.MANDATORY,
            "`policy` of bucket policy 'bucket-policy' is not valid JSON (Expecting property name enclosed in double "
            'quotes at line 1 column 2); expected a JSON policy document such as {"Version": "2012-10-17", '
            '"Statement": [...]}',
        )
    ]


def test_inline_grants_to_all_users_are_public(pack: PolicyPack) -> None:
    grants = [
        {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers", "permissions": ["READ"]},
        {"type": "CanonicalUser", "id": "abc", "permissions": ["FULL_CONTROL"]},
    ]

    found = run(pack, changed(compliant_stack(), "bucket", grants=grants), POLICY)

    assert [last_line(d) for d in found] == [
        "`grants` of bucket 'bucket' grants the bucket to http://acs.amazonaws.com/groups/global/AllUsers: remove the "
        "grant"
    ]


def test_a_condition_that_pins_nothing_leaves_the_statement_public(pack: PolicyPack) -> None:
    # S3 User Guide, access-control-block-public-access: "a bucket policy must grant access only to fixed values
    # (values that don't contain a wildcard ...)"; an ...IfExists operator passes when the key is absent.
    stack = compliant_stack()
    doc = document(named(stack, "bucket-policy"))
    doc["Statement"].append(
        {
            "Sid": "LooselyPinned",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        }
    )

    found = run(pack, with_document(stack, "bucket-policy", doc), POLICY)

    assert [last_line(d).split(" allowing")[0] for d in found] == [
        "`policy` of bucket policy 'bucket-policy' has statement 'LooselyPinned'"
    ]
