"""cloudtrail-trail-s3-data-events: object-level S3 activity is recorded, but not the trail's own deliveries."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import EnforcementLevel, Severity

from trailguard_policies.framework import Check, Mappings, Settings, Spec, Violation, resource_policy
from trailguard_policies.recorded_events import s3_scopes
from trailguard_policies.resources import TRAIL, Res, arg
from trailguard_policies.stack import arn_partition

URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html"
RECURSION_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-trail-recursive-logging.html"

SPEC = Spec(
    name="cloudtrail-trail-s3-data-events",
    description="A CloudTrail trail should record S3 object-level read and write events, except on its own bucket.",
    level=EnforcementLevel.ADVISORY,
    severity=Severity.MEDIUM,
    url=URL,
    remediation_steps=(
        "Add an advanced event selector with eventCategory = Data and resources.type = AWS::S3::Object, and a "
        "resources.ARN notStartsWith condition for arn:aws:s3:::<trail bucket>/ so the trail does not record its "
        "own deliveries."
    ),
    mappings=Mappings(
        cis=(("1.4.0", "3.10"), ("1.4.0", "3.11"), ("3.0.0", "3.8"), ("3.0.0", "3.9")),
        security_hub=("S3.22", "S3.23"),
        aws_config=("cloudtrail-s3-dataevents-enabled",),
    ),
)


def _partition(trail: Res) -> str:
    return arn_partition(trail.raw("kmsKeyId"), trail.raw("cloudWatchLogsRoleArn"), trail.raw("arn")) or "aws"


def no_s3_data_events(trail: Res) -> Iterable[Violation]:
    scopes = s3_scopes(trail, _partition(trail))
    missing = [
        kind for kind, on in (("read", any(s.read for s in scopes)), ("write", any(s.write for s in scopes))) if not on
    ]
    if len(missing) == 2:
        yield Violation(
            f"{trail.label} records no S3 object-level (data) events, so reads and writes of objects go unseen: add an "
            f"S3 data event selector to {arg('advancedEventSelectors')}. See {URL}"
        )
    elif missing:
        yield Violation(f"{trail.label} records S3 data events but not the {missing[0]} ones: record both. See {URL}")


def records_own_deliveries(trail: Res) -> Iterable[Violation]:
    partition = _partition(trail)
    scopes = s3_scopes(trail, partition)
    bucket = trail.text("s3BucketName") if scopes else None  # its name matters only when data events are on
    if bucket is None:
        return
    prefix = f"arn:{partition}:s3:::{bucket}/"
    if any(scope.covers(prefix) for scope in scopes):
        yield Violation(
            f"{trail.label} records the S3 data events of its own bucket '{bucket}', so each log delivery is logged "
            f"again, forever: exclude it with a resources.ARN notStartsWith {prefix!r} field selector. See {RECURSION_URL}"
        )


def checks(trail: Res, settings: Settings) -> list[Check]:
    return [lambda: no_s3_data_events(trail), lambda: records_own_deliveries(trail)]


POLICY = resource_policy(SPEC, [TRAIL], checks)
