"""Is each trail actually delivering? `GetTrailStatus` read as findings, and KMS keys that can no longer encrypt.

A trail can be configured perfectly and still record nothing: logging stopped, the bucket policy broken by a later
change, the key disabled. CloudTrail reports none of that anywhere a person looks, so the audit does.
See https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from trailguard_gate.audit.collect import KeyState, TrailState
from trailguard_gate.model import Finding, Level
from trailguard_policies.resources import KEY, TRAIL

TOOL = "audit"
DEFAULT_MAX_DELIVERY_AGE = timedelta(hours=24)
"""CloudTrail delivers log files about every 5 minutes and digest files every hour; a day of silence is a failure."""


@dataclass(frozen=True)
class Subject:
    """What a finding is about: a resource's name and type, and its URN where the audit converted it."""

    name: str
    type: str
    urn: str | None = None


@dataclass(frozen=True)
class Rule:
    """An audit rule the pack cannot judge, because it reads what the service reports, not configuration."""

    name: str
    description: str
    level: Level
    severity: str
    url: str
    fix: str

    def finding(self, message: str, subject: Subject) -> Finding:
        return Finding(
            tool=TOOL,
            rule=self.name,
            level=self.level,
            message=message,
            urn=subject.urn,
            resource_name=subject.name,
            resource_type=subject.type,
            fix=self.fix,
            url=self.url,
            severity=self.severity,
            description=self.description,
        )


_STATUS_URL = "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html"

LOGGING_ACTIVE = Rule(
    "cloudtrail-trail-logging-active",
    "A trail is logging: nobody has stopped it.",
    Level.MANDATORY,
    "critical",
    "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_StartLogging.html",
    "Start logging again (`aws cloudtrail start-logging --name <trail ARN>`, or `enable_logging=True` on the "
    "trail and `pulumi up`), then find who stopped it: the StopLogging event in CloudTrail event history.",
)
S3_DELIVERY = Rule(
    "cloudtrail-trail-s3-delivery",
    "A trail delivers its log files to its S3 bucket without error, and did so recently.",
    Level.MANDATORY,
    "critical",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html",
    "Check that the bucket exists, that its policy lets cloudtrail.amazonaws.com s3:PutObject under "
    "AWSLogs/<account or organization id>/ with aws:SourceArn of this trail, and that the trail's KMS key policy "
    "lets CloudTrail kms:GenerateDataKey*; the error clears at the next successful delivery.",
)
DIGEST_DELIVERY = Rule(
    "cloudtrail-trail-digest-delivery",
    "A trail with log file validation delivers its hourly digest files without error.",
    Level.MANDATORY,
    "high",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html",
    "Digest files go to the same bucket under AWSLogs/<account>/CloudTrail-Digest/: the bucket policy must let "
    "CloudTrail write there too. Without digests, log files cannot be proven unmodified.",
)
CLOUDWATCH_DELIVERY = Rule(
    "cloudtrail-trail-cloudwatch-delivery",
    "A trail that sends events to CloudWatch Logs delivers them without error, and did so recently.",
    Level.MANDATORY,
    "high",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html",
    "The delivery role must trust cloudtrail.amazonaws.com and allow logs:CreateLogStream and logs:PutLogEvents "
    "on the log group's streams; the log group must exist and, if encrypted, its key must let CloudWatch Logs use it.",
)
SNS_DELIVERY = Rule(
    "cloudtrail-trail-sns-delivery",
    "A trail that notifies an SNS topic of deliveries can publish to it.",
    Level.ADVISORY,
    "low",
    "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/configure-sns-notifications-for-cloudtrail.html",
    "Let cloudtrail.amazonaws.com sns:Publish in the topic policy (with aws:SourceArn of this trail) and, for an "
    "encrypted topic, let CloudTrail use the topic's key.",
)
KEY_USABLE = Rule(
    "kms-key-usable",
    "A KMS key a trail, its bucket or its log group uses is enabled and not scheduled for deletion.",
    Level.MANDATORY,
    "critical",
    "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html",
    "Cancel a scheduled deletion (`aws kms cancel-key-deletion --key-id <id>`) and enable the key "
    "(`aws kms enable-key --key-id <id>`): once deleted, every log file it encrypted can never be read again.",
)
RULES = (LOGGING_ACTIVE, S3_DELIVERY, DIGEST_DELIVERY, CLOUDWATCH_DELIVERY, SNS_DELIVERY, KEY_USABLE)


@dataclass(frozen=True)
class Channel:
    """One way a trail delivers, and the `GetTrailStatus` fields that say how it is going."""

    rule: Rule
    error_key: str
    time_key: str
    what: Callable[[Mapping[str, Any]], str | None]
    """What is delivered where, from the trail's description; None when the trail does not use this channel."""
    regular: bool
    """Deliveries come on a schedule, so a long silence is itself a failure."""


def _group(d: Mapping[str, Any]) -> str | None:
    arn = d.get("CloudWatchLogsLogGroupArn")
    return f"events to log group {_group_name(arn)!r}" if arn else None


def _topic(d: Mapping[str, Any]) -> str | None:
    topic = d.get("SnsTopicARN") or d.get("SnsTopicName")
    return f"notifications to topic {topic!r}" if topic else None


CHANNELS = (
    Channel(
        S3_DELIVERY,
        "LatestDeliveryError",
        "LatestDeliveryTime",
        lambda d: f"log files to bucket {d.get('S3BucketName')!r}",
        True,
    ),
    Channel(
        DIGEST_DELIVERY,
        "LatestDigestDeliveryError",
        "LatestDigestDeliveryTime",
        lambda d: f"digest files to bucket {d.get('S3BucketName')!r}" if d.get("LogFileValidationEnabled") else None,
        True,
    ),
    Channel(CLOUDWATCH_DELIVERY, "LatestCloudWatchLogsDeliveryError", "LatestCloudWatchLogsDeliveryTime", _group, True),
    # Notifications follow deliveries; their silence is already the S3 channel's finding.
    Channel(SNS_DELIVERY, "LatestNotificationError", "LatestNotificationTime", _topic, False),
)


def ago(delta: timedelta) -> str:
    """`3 days 4 hours`, `5 hours 2 minutes`, `12 minutes`: how long ago, to the precision that matters."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(minutes, "minute") if minutes else "less than a minute"


def _when(moment: datetime, now: datetime) -> str:
    return f"{moment.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {ago(now - moment)} ago"


def trail_health(
    trail: TrailState, *, urn: str | None, now: datetime, max_age: timedelta = DEFAULT_MAX_DELIVERY_AGE
) -> list[Finding]:
    """What `GetTrailStatus` says is wrong with `trail`'s delivery; nothing when it could not be read."""
    status = trail.status
    if not isinstance(status, Mapping):
        return []
    d = trail.description
    name = trail.name
    where = Subject(name, TRAIL, urn)
    if not status.get("IsLogging", False):
        stopped = status.get("StopLoggingTime")
        state = (
            f"has not been logging since {_when(stopped, now)}" if isinstance(stopped, datetime) else "is not logging"
        )
        return [LOGGING_ACTIVE.finding(f"trail {name!r} {state}: no events are recorded.", where)]

    started = status.get("StartLoggingTime")
    findings: list[Finding] = []
    for channel in CHANNELS:
        what = channel.what(d)
        if what is None:
            continue
        message = _channel(
            name,
            what,
            status.get(channel.error_key),
            status.get(channel.time_key),
            started,
            now,
            max_age,
            channel.regular,
        )
        if message:
            findings.append(channel.rule.finding(message, where))
    return findings


def _channel(
    trail: str,
    what: str,
    error: Any,
    last: Any,
    started: Any,
    now: datetime,
    max_age: timedelta,
    regular: bool,
) -> str | None:
    """The problem with one delivery channel, or None."""
    last_text = f"last successful delivery {_when(last, now)}" if isinstance(last, datetime) else "no delivery yet"
    if error:
        return f"trail {trail!r} cannot deliver {what}: {error} ({last_text})."
    if not regular:
        return None
    if isinstance(last, datetime):
        if now - last > max_age:
            return (
                f"trail {trail!r} has not delivered {what} for {ago(now - last)} (since {_when(last, now)}), "
                f"longer than the {ago(max_age)} allowed (--max-delivery-age)."
            )
        return None
    if isinstance(started, datetime) and now - started > max_age:
        return f"trail {trail!r} has never delivered {what}, though it has been logging since {_when(started, now)}."
    return None


def _group_name(arn: Any) -> str:
    return str(arn or "").removesuffix(":*").split(":log-group:", 1)[-1]


def key_health(keys: Iterable[KeyState], urns: Mapping[str, str]) -> list[Finding]:
    """Keys that are disabled or scheduled for deletion: what they encrypt becomes unreadable."""
    findings = []
    for key in keys:
        meta = key.metadata
        state = str(meta.get("KeyState", "Enabled"))
        where = Subject(key.arn, KEY, urns.get(key.arn))
        if state == "PendingDeletion":
            when = meta.get("DeletionDate")
            on = f" on {when.astimezone(UTC).strftime('%Y-%m-%d')}" if isinstance(when, datetime) else ""
            findings.append(
                KEY_USABLE.finding(
                    f"KMS key {key.arn!r} is scheduled for deletion{on}: CloudTrail can no longer encrypt with it, "
                    "and after deletion every log file it encrypted is unreadable for good.",
                    where,
                )
            )
        elif state != "Enabled" or not meta.get("Enabled", True):
            findings.append(
                KEY_USABLE.finding(
                    f"KMS key {key.arn!r} is {state.lower()}: CloudTrail cannot encrypt log files with it, so "
                    "deliveries fail, and nobody can read what it already encrypted.",
                    where,
                )
            )
    return findings
