"""Delivery by SNS publishers, CloudWatch Logs, Lake, access logging and replication, through the Analyzer protocol."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from pack_fixtures import (
    ACCOUNT,
    GROUP_ARN,
    KEY,
    REGION,
    TRAIL_ARN,
    changed,
    compliant_stack,
    document,
    last_line,
    named,
    run,
    urn,
    with_document,
)

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import UNKNOWN, Level, Resource

TOPIC_DELIVERY = "sns-topic-policy-delivery"
KEY_DELIVERY = "kms-key-policy-service-delivery"
ACCESS_DELIVERY = "s3-bucket-policy-access-log-delivery"
TOPIC_TYPE = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:trail-notifications"


def topic_policy(*, trail_arn: str = TRAIL_ARN) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailSNSPolicy",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": TOPIC_ARN,
                "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
            }
        ],
    }


def with_topic(stack: list[Resource], policy: dict[str, Any] | None) -> list[Resource]:
    topic = Resource(
        urn=urn(TOPIC_TYPE, "topic"), type=TOPIC_TYPE, name="topic", properties={"name": "trail-notifications"}
    )
    added = [topic]
    if policy is not None:
        added.append(
            Resource(
                urn=urn(TOPIC_POLICY, "topic-policy"),
                type=TOPIC_POLICY,
                name="topic-policy",
                properties={"arn": TOPIC_ARN, "policy": json.dumps(policy)},
                property_dependencies={"arn": (urn(TOPIC_TYPE, "topic"),)},
            )
        )
    return [*changed(stack, "trail", snsTopicName="trail-notifications"), *added]


class TestTopicPolicy:
    def test_a_topic_policy_for_the_trail_delivers(self, pack: PolicyPack) -> None:
        assert run(pack, with_topic(compliant_stack(), topic_policy()), TOPIC_DELIVERY) == []

    def test_a_topic_policy_for_another_trail_is_mandatory(self, pack: PolicyPack) -> None:
        other = TRAIL_ARN.replace("org-trail", "other")

        found = run(pack, with_topic(compliant_stack(), topic_policy(trail_arn=other)), TOPIC_DELIVERY)

        assert [(d.enforcement_level, last_line(d).split(",")[0]) for d in found] == [
            (
                Level.MANDATORY,
                "the policy of SNS topic 'topic' does not let CloudTrail publish log-file notifications (sns:Publish)",
            )
        ]
        assert "InsufficientSnsTopicPolicyException" in last_line(found[0])

    def test_no_topic_policy_fails_the_trail(self, pack: PolicyPack) -> None:
        found = run(pack, with_topic(compliant_stack(), None), TOPIC_DELIVERY)

        assert [d.enforcement_level for d in found] == [Level.MANDATORY]
        assert last_line(found[0]).startswith("SNS topic 'topic' has no topic policy")


def test_a_topic_policy_whose_topic_is_not_known_yet_is_undecided_never_missing(pack: PolicyPack) -> None:
    stack = with_topic(compliant_stack(), topic_policy())
    stack = [
        replace(r, properties={**r.properties, "arn": UNKNOWN}, property_dependencies={})
        if r.name == "topic-policy"
        else r
        for r in stack
    ]

    found = run(pack, stack, TOPIC_DELIVERY)

    assert [d.enforcement_level for d in found] == [Level.ADVISORY]
    assert "(it may be the policy of SNS topic 'topic')" in found[0].message


class TestServiceKeys:
    def test_a_log_group_key_without_cloudwatch_logs_is_mandatory(self, pack: PolicyPack) -> None:
        stack = compliant_stack()
        doc = document(named(stack, "key"))
        doc["Statement"] = [s for s in doc["Statement"] if s.get("Sid") != "AllowCloudWatchLogsEncryption"]

        found = run(pack, with_document(stack, "key", doc), KEY_DELIVERY)

        assert {d.enforcement_level for d in found} == {Level.MANDATORY}
        assert [last_line(d).split(", so")[0] for d in found] == [
            f"the policy of KMS key 'key', which encrypts log group 'log-group', does not let CloudWatch Logs use the "
            f"key for the log group ({action})"
            for action in ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")
        ]
        assert found[0].urn == urn(KEY, "key")

    def test_a_log_group_context_for_another_group_is_mandatory(self, pack: PolicyPack) -> None:
        stack = compliant_stack()
        text = json.dumps(document(named(stack, "key"))).replace(GROUP_ARN, GROUP_ARN + "-other")

        assert len(run(pack, with_document(stack, "key", json.loads(text)), KEY_DELIVERY)) == 3

    def test_the_compliant_key_serves_its_log_group(self, pack: PolicyPack) -> None:
        assert run(pack, compliant_stack(), KEY_DELIVERY) == []


class TestAccessLogs:
    def _stack(self, policy: dict[str, Any]) -> list[Resource]:
        holder = Resource(
            urn=urn("aws:s3/bucketPolicy:BucketPolicy", "access-log-policy"),
            type="aws:s3/bucketPolicy:BucketPolicy",
            name="access-log-policy",
            properties={"bucket": "acme-cloudtrail-logs-access-logs", "policy": json.dumps(policy)},
            property_dependencies={"bucket": (urn("aws:s3/bucket:Bucket", "access-log-bucket"),)},
        )
        return [*compliant_stack(), holder]

    def _policy(self, source: str) -> dict[str, Any]:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "S3ServerAccessLogsPolicy",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::acme-cloudtrail-logs-access-logs/s3-access-logs/*",
                    "Condition": {
                        "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{source}"},
                        "StringEquals": {"aws:SourceAccount": ACCOUNT},
                    },
                }
            ],
        }

    def test_a_grant_for_the_source_bucket_delivers(self, pack: PolicyPack) -> None:
        assert run(pack, self._stack(self._policy("acme-cloudtrail-logs")), ACCESS_DELIVERY) == []

    def test_a_grant_for_another_source_is_mandatory(self, pack: PolicyPack) -> None:
        found = run(pack, self._stack(self._policy("someone-else")), ACCESS_DELIVERY)

        assert [d.enforcement_level for d in found] == [Level.MANDATORY]
        assert "does not let S3 server access logging write the access logs (s3:PutObject)" in last_line(found[0])
