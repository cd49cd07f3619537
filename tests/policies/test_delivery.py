"""Delivery coherence through the Analyzer protocol: bucket policy, key policy and CloudWatch Logs role."""

from __future__ import annotations

import json

from pack_fixtures import (
    ACCOUNT,
    BUCKET,
    BUCKET_POLICY,
    KEY,
    ROLE,
    TRAIL_ARN,
    bucket_policy_document,
    changed,
    compliant_stack,
    document,
    key_policy_document,
    last_line,
    logs_document,
    messages,
    named,
    run,
    trust_document,
    urn,
    verdicts,
    with_deps,
    with_document,
    without,
)

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level, Resource

BUCKET_DELIVERY = "s3-bucket-policy-cloudtrail-delivery"
KEY_DELIVERY = "kms-key-policy-cloudtrail-delivery"
ROLE_DELIVERY = "iam-role-cloudtrail-cloudwatch-delivery"
S3_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html"
KMS_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html"
ROLE_URL = (
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html"
)


def _without_statement(stack: list[Resource], name: str, sid: str, key: str = "policy") -> list[Resource]:
    doc = document(named(stack, name), key)
    doc["Statement"] = [s for s in doc["Statement"] if s.get("Sid") != sid]
    return with_document(stack, name, doc, key)


def test_the_compliant_stack_delivers(pack: PolicyPack) -> None:
    for policy in (BUCKET_DELIVERY, KEY_DELIVERY, ROLE_DELIVERY):
        assert run(pack, compliant_stack(), policy) == [], policy


class TestBucketPolicy:
    def test_a_missing_acl_check_is_mandatory_on_the_bucket_policy(self, pack: PolicyPack) -> None:
        found = run(
            pack, _without_statement(compliant_stack(), "bucket-policy", "AWSCloudTrailAclCheck"), BUCKET_DELIVERY
        )

        assert messages(found) == [
            (
                Level.MANDATORY,
                "the policy of bucket 'bucket' does not let CloudTrail read the bucket ACL (s3:GetBucketAcl) on "
                f"arn:aws:s3:::{BUCKET} for trail 'trail', so creating or updating the trail fails with "
                "InsufficientS3BucketPolicyException: allow it for Service cloudtrail.amazonaws.com with the condition "
                f"aws:SourceArn = the trail's ARN, and deny no upload CloudTrail makes. See {S3_URL}",
            )
        ]
        assert found[0].urn == urn(BUCKET_POLICY, "bucket-policy")

    def test_an_organization_trail_needs_the_organization_path(self, pack: PolicyPack) -> None:
        stack = with_document(compliant_stack(), "bucket-policy", bucket_policy_document(organization=None))

        found = run(pack, stack, BUCKET_DELIVERY)

        assert [last_line(d).split(" for trail")[0] for d in found] == [
            "the policy of bucket 'bucket' does not let CloudTrail write the member accounts' logs (s3:PutObject) on "
            f"arn:aws:s3:::{BUCKET}/AWSLogs/<organization id>/<account>/CloudTrail/us-east-1/2025/01/01/file.json.gz",
            "the policy of bucket 'bucket' does not let CloudTrail write the member accounts' digest files "
            "(s3:PutObject) (needed because log file validation is on) on "
            f"arn:aws:s3:::{BUCKET}/AWSLogs/<organization id>/<account>/CloudTrail-Digest/us-east-1/2025/01/01/"
            "file.json.gz",
        ]

    def test_an_account_trail_does_not_need_it(self, pack: PolicyPack) -> None:
        stack = with_document(compliant_stack(), "bucket-policy", bucket_policy_document(organization=None))

        assert run(pack, changed(stack, "trail", isOrganizationTrail=False), BUCKET_DELIVERY) == []

    def test_a_grant_for_another_trail_does_not_count(self, pack: PolicyPack) -> None:
        other = TRAIL_ARN.replace("org-trail", "other-trail")
        found = run(
            pack,
            with_document(compliant_stack(), "bucket-policy", bucket_policy_document(trail_arn=other)),
            BUCKET_DELIVERY,
        )

        # ACL check; logs and digest files, under the account's path and the organization's
        assert len(found) == 5

    def test_a_key_prefix_moves_every_path(self, pack: PolicyPack) -> None:
        found = run(pack, changed(compliant_stack(), "trail", s3KeyPrefix="trails"), BUCKET_DELIVERY)

        assert [last_line(d).split(" on ")[1].split(" for ")[0] for d in found] == [
            f"arn:aws:s3:::{BUCKET}/trails/AWSLogs/{ACCOUNT}/{folder}/us-east-1/2025/01/01/file.json.gz"
            for folder in ("CloudTrail", "CloudTrail-Digest")
        ] + [
            f"arn:aws:s3:::{BUCKET}/trails/AWSLogs/o-a1b2c3d4e5/<account>/{folder}/us-east-1/2025/01/01/file.json.gz"
            for folder in ("CloudTrail", "CloudTrail-Digest")
        ]

    def test_a_deny_on_cloudtrail_wins(self, pack: PolicyPack) -> None:
        stack = compliant_stack()
        doc = document(named(stack, "bucket-policy"))
        doc["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"})

        assert len(run(pack, with_document(stack, "bucket-policy", doc), BUCKET_DELIVERY)) == 4

    def test_no_bucket_policy_at_all(self, pack: PolicyPack) -> None:
        found = run(pack, without(compliant_stack(), "bucket-policy"), BUCKET_DELIVERY)

        assert verdicts(found) == [(BUCKET_DELIVERY, Level.MANDATORY, "bucket")]
        assert "delivers to bucket 'bucket', which has no bucket policy" in last_line(found[0])
        assert "InsufficientS3BucketPolicyException: add a BucketPolicy" in last_line(found[0])

    def test_a_bucket_in_another_account_is_noted_with_the_checks_that_did_not_run(self, pack: PolicyPack) -> None:
        stack = with_deps(changed(compliant_stack(), "trail", s3BucketName="acme-log-archive"), "trail")

        found = run(pack, without(stack, "bucket-policy"), BUCKET_DELIVERY)

        assert [d.enforcement_level for d in found] == [Level.ADVISORY]
        assert (
            "did not check the bucket policy's delivery checks for trail 'trail', because acme-log-archive is not in "
            "this stack (another stack or account owns it): run these checks on the stack that owns it"
        ) in found[0].message

    def test_an_unknown_bucket_name_without_dependencies_is_noted(self, pack: PolicyPack) -> None:
        stack = with_deps(changed(compliant_stack(), "trail", s3BucketName=UNKNOWN), "trail")

        found = run(pack, stack, BUCKET_DELIVERY)

        assert [d.enforcement_level for d in found] == [Level.ADVISORY]
        assert (
            "`s3BucketName` (Python: `s3_bucket_name`) of trail 'trail' is not known during preview" in found[0].message
        )

    def test_an_unknown_bucket_name_is_followed_through_its_dependencies(self, pack: PolicyPack) -> None:
        stack = changed(compliant_stack(), "trail", s3BucketName=UNKNOWN)
        stack = _without_statement(stack, "bucket-policy", "AWSCloudTrailAclCheck")

        assert [d.enforcement_level for d in run(pack, stack, BUCKET_DELIVERY)] == [Level.MANDATORY]

    def test_an_unknown_trail_name_keeps_the_certain_findings_mandatory(self, pack: PolicyPack) -> None:
        # A first preview: neither the trail's ARN nor its name is known yet.
        stack = _without_statement(
            changed(compliant_stack(), "trail", name=UNKNOWN, arn=...), "bucket-policy", "AWSCloudTrailAclCheck"
        )

        found = run(pack, stack, BUCKET_DELIVERY)

        assert [d.enforcement_level for d in found] == [Level.MANDATORY, Level.ADVISORY]
        assert "(s3:GetBucketAcl)" in last_line(found[0])
        assert "could not check until update" in found[1].message
        assert "let CloudTrail write the account's logs (s3:PutObject)" in found[1].message

    def test_a_policy_that_is_not_json_is_a_mandatory_violation(self, pack: PolicyPack) -> None:
        found = run(pack, changed(compliant_stack(), "bucket-policy", policy="[]"), BUCKET_DELIVERY)

        assert [(d.enforcement_level, last_line(d)) for d in found] == [
            (
                Level.MANDATORY,
                "`policy` of bucket policy 'bucket-policy' is [] (a list); expected a JSON object such as "
                '{"Version": "2012-10-17", "Statement": [...]}',
            )
        ]

    def test_statements_of_the_wrong_shape_are_violations(self, pack: PolicyPack) -> None:
        doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "s3:*"}]}

        found = run(pack, with_document(compliant_stack(), "bucket-policy", doc), BUCKET_DELIVERY)

        assert [last_line(d) for d in found] == [
            "`policy` of bucket policy 'bucket-policy', statement 0 has Effect 'Permit' (a string); expected \"Allow\" "
            'or "Deny"'
        ]


class TestKeyPolicy:
    def test_a_missing_describe_key_is_mandatory_on_the_key(self, pack: PolicyPack) -> None:
        stack = _without_statement(compliant_stack(), "key", "AllowCloudTrailDescribeKey")

        found = run(pack, stack, KEY_DELIVERY)

        assert messages(found) == [
            (
                Level.MANDATORY,
                "the policy of KMS key 'key' does not let CloudTrail describe the key (kms:DescribeKey) for trail "
                "'trail', so creating or updating the trail fails with InsufficientEncryptionPolicyException: allow it "
                f"for Service cloudtrail.amazonaws.com. See {KMS_URL}",
            )
        ]
        assert found[0].urn == urn(KEY, "key")

    def test_an_encryption_context_for_another_account_is_mandatory(self, pack: PolicyPack) -> None:
        stack = with_document(compliant_stack(), "key", key_policy_document(trail_account="999999999999"))

        assert [last_line(d).split(" for trail")[0] for d in run(pack, stack, KEY_DELIVERY)] == [
            "the policy of KMS key 'key' does not let CloudTrail generate data keys (kms:GenerateDataKey*)"
        ]

    def test_no_key_policy_is_mandatory(self, pack: PolicyPack) -> None:
        found = run(pack, changed(compliant_stack(), "key", policy=...), KEY_DELIVERY)

        assert last_line(found[0]).startswith("trail 'trail' encrypts with KMS key 'key', which has no key policy")

    def test_a_separate_key_policy_resource_is_read(self, pack: PolicyPack) -> None:
        stack = compliant_stack()
        policy = Resource(
            urn=urn("aws:kms/keyPolicy:KeyPolicy", "key-policy"),
            type="aws:kms/keyPolicy:KeyPolicy",
            name="key-policy",
            properties={"keyId": UNKNOWN, "policy": json.dumps(key_policy_document())},
            property_dependencies={"keyId": (urn(KEY, "key"),)},
        )

        assert run(pack, [*changed(stack, "key", policy=...), policy], KEY_DELIVERY) == []


class TestRole:
    def test_a_role_trusting_another_service_is_mandatory(self, pack: PolicyPack) -> None:
        stack = with_document(compliant_stack(), "role", trust_document("ec2.amazonaws.com"), key="assumeRolePolicy")

        found = run(pack, stack, ROLE_DELIVERY)

        assert messages(found) == [
            (
                Level.MANDATORY,
                "the trust policy of IAM role 'role' does not let CloudTrail assume the role (sts:AssumeRole) for "
                "trail 'trail', so CloudTrail cannot deliver to CloudWatch Logs: trust Service "
                'cloudtrail.amazonaws.com, without aws:SourceArn or aws:SourceAccount conditions: "Confused deputy '
                "prevention is not applicable to the role policy for CloudWatch Logs monitoring. The role policy "
                f"doesn't support the use of aws:SourceArn and aws:SourceAccount\". See {ROLE_URL}",
            )
        ]
        assert found[0].urn == urn(ROLE, "role")

    def test_permissions_on_another_group_are_mandatory(self, pack: PolicyPack) -> None:
        other = "arn:aws:logs:us-east-1:111111111111:log-group:/aws/other"
        stack = with_document(compliant_stack(), "role-policy", logs_document(other))

        found = run(pack, stack, ROLE_DELIVERY)

        assert [last_line(d).split(" on ")[0] for d in found] == [
            "the policies of IAM role 'role' (within its permissions boundary) do not let CloudTrail call "
            "logs:CreateLogStream",
            "the policies of IAM role 'role' (within its permissions boundary) do not let CloudTrail call "
            "logs:PutLogEvents",
        ]

    def test_inline_policies_of_the_role_count(self, pack: PolicyPack) -> None:
        inline = [{"name": "deliver", "policy": json.dumps(logs_document())}]
        stack = changed(without(compliant_stack(), "role-policy"), "role", inlinePolicies=inline)

        assert run(pack, stack, ROLE_DELIVERY) == []

    def test_an_aws_managed_policy_cannot_be_read_and_is_noted(self, pack: PolicyPack) -> None:
        attachment = Resource(
            urn=urn("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "attach"),
            type="aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            name="attach",
            properties={
                "role": "org-trail-cloudwatch",
                "policyArn": "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
            },
        )

        found = run(pack, [*without(compliant_stack(), "role-policy"), attachment], ROLE_DELIVERY)

        assert [d.enforcement_level for d in found] == [Level.ADVISORY]
        assert (
            "the managed policy arn:aws:iam::aws:policy/CloudWatchLogsFullAccess attached to role policy attachment "
            "'attach' is not known during preview"
        ) in found[0].message

    def test_a_role_without_permissions_is_mandatory(self, pack: PolicyPack) -> None:
        assert len(run(pack, without(compliant_stack(), "role-policy"), ROLE_DELIVERY)) == 2


class TestBucketPolicyLinks:
    def test_a_bucket_policy_whose_bucket_is_not_known_yet_is_undecided_never_missing(self, pack: PolicyPack) -> None:
        # A first preview: the policy's `bucket` is another resource's output, with no dependency to follow.
        stack = with_deps(changed(compliant_stack(), "bucket-policy", bucket=UNKNOWN), "bucket-policy")

        found = run(pack, stack, BUCKET_DELIVERY)

        assert [d.enforcement_level for d in found] == [Level.ADVISORY]
        assert "`bucket` of bucket policy 'bucket-policy' (it may be the policy of bucket 'bucket')" in found[0].message
        assert "no bucket policy" not in found[0].message

    def test_a_second_bucket_policy_on_the_same_bucket_is_reported(self, pack: PolicyPack) -> None:
        stack = compliant_stack()
        second = Resource(
            urn=urn(BUCKET_POLICY, "second-policy"),
            type=BUCKET_POLICY,
            name="second-policy",
            properties={"bucket": BUCKET, "policy": json.dumps(bucket_policy_document())},
            property_dependencies={"bucket": (urn("aws:s3/bucket:Bucket", "bucket"),)},
        )

        found = run(pack, [*stack, second], BUCKET_DELIVERY)

        assert [last_line(d).split(";")[0] for d in found] == [
            "bucket 'bucket' has 2 bucket policies (bucket policy 'bucket-policy', bucket policy 'second-policy')"
        ]
        assert "S3 keeps one policy per bucket" in last_line(found[0])


class TestKeyAttributes:
    def test_an_asymmetric_key_is_mandatory(self, pack: PolicyPack) -> None:
        found = run(pack, changed(compliant_stack(), "key", customerMasterKeySpec="RSA_2048"), KEY_DELIVERY)

        assert [last_line(d).split(" (")[0] for d in found] == [
            "KMS key 'key' is a RSA_2048 key for ENCRYPT_DECRYPT, but CloudTrail encrypts with symmetric encryption "
            "keys only"
        ]

    def test_a_disabled_key_is_mandatory(self, pack: PolicyPack) -> None:
        found = run(pack, changed(compliant_stack(), "key", isEnabled=False), KEY_DELIVERY)

        assert [d.enforcement_level for d in found] == [Level.MANDATORY]
        assert "KmsKeyDisabledException" in last_line(found[0])

    def test_a_key_in_another_region_than_the_bucket_is_mandatory(self, pack: PolicyPack) -> None:
        stack = changed(changed(compliant_stack(), "key", region="eu-west-1"), "bucket", region="us-east-1")

        found = run(pack, stack, KEY_DELIVERY)

        assert [last_line(d).split(":")[0] for d in found] == [
            "KMS key 'key' is in eu-west-1 but bucket 'bucket' is in us-east-1"
        ]
        assert "KmsKeyNotFoundException" in last_line(found[0])


MANAGED = "aws:iam/policy:Policy"


def _managed_policy(name: str = "deliver") -> Resource:
    return Resource(
        urn=urn(MANAGED, name),
        type=MANAGED,
        name=name,
        properties={"name": name, "policy": json.dumps(logs_document())},
    )


class TestRolePermissionsEveryWayPulumiAwsAttachesThem:
    def test_a_role_policy_attachment_of_a_policy_in_the_stack(self, pack: PolicyPack) -> None:
        attachment = Resource(
            urn=urn("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "attach"),
            type="aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            name="attach",
            properties={"role": "org-trail-cloudwatch", "policyArn": UNKNOWN},
            property_dependencies={"policyArn": (urn(MANAGED, "deliver"),), "role": (urn(ROLE, "role"),)},
        )
        stack = [*without(compliant_stack(), "role-policy"), _managed_policy(), attachment]

        assert run(pack, stack, ROLE_DELIVERY) == []

    def test_managed_policy_arns_of_the_role(self, pack: PolicyPack) -> None:
        arn = f"arn:aws:iam::{ACCOUNT}:policy/deliver"
        stack = changed(without(compliant_stack(), "role-policy"), "role", managedPolicyArns=[arn])

        assert run(pack, [*stack, _managed_policy()], ROLE_DELIVERY) == []

    def test_role_policy_attachments_exclusive(self, pack: PolicyPack) -> None:
        exclusive = Resource(
            urn=urn("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "only"),
            type="aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
            name="only",
            properties={"roleName": "org-trail-cloudwatch", "policyArns": [f"arn:aws:iam::{ACCOUNT}:policy/deliver"]},
        )
        stack = [*without(compliant_stack(), "role-policy"), _managed_policy(), exclusive]

        assert run(pack, stack, ROLE_DELIVERY) == []

    def test_a_permissions_boundary_without_the_streams_is_mandatory(self, pack: PolicyPack) -> None:
        boundary = Resource(
            urn=urn(MANAGED, "boundary"),
            type=MANAGED,
            name="boundary",
            properties={
                "name": "boundary",
                "policy": json.dumps(
                    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
                ),
            },
        )
        stack = changed(compliant_stack(), "role", permissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/boundary")

        found = run(pack, [*stack, boundary], ROLE_DELIVERY)

        assert [last_line(d).split(" on ")[0] for d in found] == [
            "the policies of IAM role 'role' (within its permissions boundary) do not let CloudTrail call "
            "logs:CreateLogStream",
            "the policies of IAM role 'role' (within its permissions boundary) do not let CloudTrail call "
            "logs:PutLogEvents",
        ]

    def test_a_permissions_boundary_allowing_the_streams_passes(self, pack: PolicyPack) -> None:
        boundary = _managed_policy("boundary")
        stack = changed(compliant_stack(), "role", permissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/boundary")

        assert run(pack, [*stack, boundary], ROLE_DELIVERY) == []


def test_a_delegated_administrators_organization_trail_is_the_management_accounts(pack: PolicyPack) -> None:
    # A delegated administrator (333333333333) creates the trail from its own account, where its role and log group
    # live; the trail is still the management account's ("In an organization trail, the value of aws:SourceArn must
    # be a trail ARN that is owned by the management account", create-s3-bucket-policy-for-cloudtrail).
    delegated = "333333333333"
    stack = changed(
        compliant_stack(),
        "trail",
        arn=...,
        cloudWatchLogsRoleArn=f"arn:aws:iam::{delegated}:role/org-trail-cloudwatch",
        cloudWatchLogsGroupArn=f"arn:aws:logs:us-east-1:{delegated}:log-group:/aws/cloudtrail/org-trail:*",
    )

    found = run(pack, stack, BUCKET_DELIVERY)

    assert Level.MANDATORY not in [d.enforcement_level for d in found]


def test_a_key_policy_whose_key_is_not_known_yet_is_undecided_never_missing(pack: PolicyPack) -> None:
    policy = Resource(
        urn=urn("aws:kms/keyPolicy:KeyPolicy", "key-policy"),
        type="aws:kms/keyPolicy:KeyPolicy",
        name="key-policy",
        properties={"keyId": UNKNOWN, "policy": json.dumps(key_policy_document())},
    )

    found = run(pack, [*changed(compliant_stack(), "key", policy=...), policy], KEY_DELIVERY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert (
        "`keyId` (Python: `key_id`) of key policy 'key-policy' (it may be the policy of KMS key 'key')"
        in found[0].message
    )
