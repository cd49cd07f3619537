"""A stack of your own that imports trailguard's components from the installed package: the organization trail,
its encrypted bucket and its key, in the management account.
"""

import pulumi
import pulumi_aws as aws

from trailguard import LogArchive, OrganizationTrail, TrailAlarms

config = pulumi.Config()
organization_id = config.require("organizationId")
trail_name = config.require("trailName")
# The trail lives in the account this stack runs in (aws:allowedAccountIds pins it to the management account).
account_id = aws.get_caller_identity_output().account_id
tags = {"owner": "security", "data-classification": "audit"}

archive = LogArchive(
    "archive",
    {
        "trail_name": trail_name,
        "management_account_id": account_id,
        "bucket": config.require("bucket"),
        "organization_id": organization_id,
        "tags": tags,
    },
)

trail = OrganizationTrail(
    "organization",
    {
        "name": trail_name,
        "s3_bucket_name": archive.bucket_name,
        "kms_key_id": archive.kms_key_arn,
        "organization_id": organization_id,
        # S3 object reads and writes everywhere except the buckets the logs land in (a delivery loop otherwise).
        "data_event_selectors": [{"name": "S3 object reads and writes", "resource_type": "AWS::S3::Object"}],
        "excluded_data_event_buckets": archive.log_bucket_names,
        # A KMS-encrypted SNS topic announces every log file delivery (checkov CKV_AWS_252).
        "sns_notifications_enabled": True,
        "tags": tags,
    },
    opts=pulumi.ResourceOptions(
        # CloudTrail checks the bucket policy and the key when the trail is created.
        depends_on=archive.delivery_prerequisites,
        # This trail was first deployed as "org-trail". The alias keeps it, and every child named "org-trail-..."
        # after it, in place: without it Pulumi would delete the trail and create a new one, leaving a gap in the
        # audit record. https://www.pulumi.com/docs/iac/concepts/resources/options/aliases/
        aliases=[pulumi.Alias(name="org-trail")],
    ),
)

# CIS AWS Foundations monitoring (5.1-5.15): a metric filter and an alarm per control on the trail's log group.
alarms = TrailAlarms(
    "alarms",
    {"log_group_name": trail.log_group_name, "emails": ["security@example.com"], "tags": tags},
)

# Delegated administrators and member accounts address an organization trail by ARN.
pulumi.export("trailArn", trail.trail_arn)
pulumi.export("bucketName", archive.bucket_name)
pulumi.export("kmsKeyArn", archive.kms_key_arn)
pulumi.export("logGroupName", trail.log_group_name)
pulumi.export("alarmTopicArn", alarms.topic_arn)
