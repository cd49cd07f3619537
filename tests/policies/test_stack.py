"""Which bucket, key, group and role belong to a trail (pure functions over plain resources)."""

from __future__ import annotations

from trailguard_policies.resources import Res
from trailguard_policies.stack import Elsewhere, Found, Stack, Unresolved, Unset, trail_arn
from trailguard_policies.values import UNKNOWN_SENTINELS

UNKNOWN = next(iter(UNKNOWN_SENTINELS))
BUCKET = Res(urn="urn:b", type="aws:s3/bucket:Bucket", name="b", props={"bucket": "logs"})
POLICY = Res(
    urn="urn:p",
    type="aws:s3/bucketPolicy:BucketPolicy",
    name="p",
    props={"bucket": "logs"},
    property_dependencies={"bucket": ("urn:b",)},
)


def trail(value: object, deps: tuple[str, ...] = ()) -> Res:
    return Res(
        urn="urn:t",
        type="aws:cloudtrail/trail:Trail",
        name="t",
        props={"s3BucketName": value},
        property_dependencies={"s3BucketName": deps},
    )


def test_an_unknown_name_is_followed_through_the_bucket_policy() -> None:
    assert Stack([BUCKET, POLICY]).bucket_of(trail(UNKNOWN, ("urn:p",)), "s3BucketName") == Found(BUCKET)


def test_a_known_name_is_matched_by_value() -> None:
    assert Stack([BUCKET]).bucket_of(trail("logs"), "s3BucketName") == Found(BUCKET)


def test_a_name_of_no_bucket_here_is_elsewhere() -> None:
    assert Stack([BUCKET]).bucket_of(trail("archive"), "s3BucketName") == Elsewhere("archive")


def test_an_unknown_name_without_dependencies_is_unresolved() -> None:
    assert isinstance(Stack([BUCKET]).bucket_of(trail(UNKNOWN), "s3BucketName"), Unresolved)


def test_no_name_is_unset_whatever_the_dependencies() -> None:
    assert Stack([BUCKET]).bucket_of(trail(None, ("urn:b",)), "s3BucketName") == Unset()


def test_trail_buckets_include_buckets_whose_policy_lets_cloudtrail_write() -> None:
    document = '{"Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "*"}]}'
    policy = Res(
        urn="urn:p",
        type=POLICY.type,
        name="p",
        props={"bucket": "logs", "policy": document},
        property_dependencies={"bucket": ("urn:b",)},
    )
    website = Res(urn="urn:w", type="aws:s3/bucket:Bucket", name="w", props={"bucket": "www"})

    assert Stack([BUCKET, policy, website]).trail_buckets == [BUCKET]


def test_the_trail_arn_from_its_log_group_and_name() -> None:
    res = Res(
        urn="urn:t",
        type="aws:cloudtrail/trail:Trail",
        name="t",
        props={"name": "org", "cloudWatchLogsGroupArn": "arn:aws:logs:eu-west-1:111111111111:log-group:g:*"},
    )

    assert trail_arn(res, None) == ("arn:", "aws", ":cloudtrail:", "eu-west-1", ":", "111111111111", ":trail/", "org")
