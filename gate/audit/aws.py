"""AWS sessions for the audit: boto3's standard credential chain, botocore's standard retry mode, and a guard that
refuses every call that could change the account, so an audit can never write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.config import Config

READ_PREFIXES = ("Describe", "Get", "List", "Lookup")
"""Operations with these prefixes only read; every other operation is refused before it is sent."""
ALLOWED_OPERATIONS = frozenset({"sts.AssumeRole"})
"""Operations that change nothing in an account and that the audit needs: entering member accounts."""

DEFAULT_MAX_ATTEMPTS = 6
"""Attempts per call (the first one and five retries) before a throttled call is reported as a fault."""
USER_AGENT = "trailguard-audit"
ROLE_SESSION_NAME = "trailguard-audit"

EventHook = tuple[str, Callable[..., Any]]
"""A botocore event name (`before-call`, `before-send.s3.GetBucketPolicy`) and its handler."""


class WriteRefused(RuntimeError):
    """The audit tried an operation that is not read-only: a bug in trailguard, never sent to AWS."""


def is_read_only(service: str, operation: str) -> bool:
    """Whether `service.operation` may be sent by an audit (`Describe*`, `Get*`, `List*`, `Lookup*`, AssumeRole)."""
    return operation.startswith(READ_PREFIXES) or f"{service}.{operation}" in ALLOWED_OPERATIONS


def _refuse_writes(model: Any, **_: Any) -> None:
    service = model.service_model.endpoint_prefix
    if not is_read_only(service, model.name):
        raise WriteRefused(
            f"trailguard audit refused to call {service}:{model.name}: the audit only reads "
            f"({', '.join(p + '*' for p in READ_PREFIXES)}); this is a bug, please report it"
        )


@dataclass(frozen=True)
class Connector:
    """How the audit reaches AWS: which profile and Region to start from, retries, and extra botocore hooks.

    Endpoints come from boto3's own configuration (`AWS_ENDPOINT_URL`, `endpoint_url` in the profile), so the audit
    runs unchanged against a local AWS API endpoint.
    """

    profile: str | None = None
    region: str | None = None
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    hooks: Sequence[EventHook] = ()
    """Handlers registered on every session (the read-only guard is always registered first)."""

    def config(self) -> Config:
        # Standard mode retries throttling and transient errors with exponential backoff and jitter; see
        # https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html
        return Config(
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            user_agent_extra=USER_AGENT,
            connect_timeout=10,
            read_timeout=60,
        )

    def session(self, credentials: dict[str, str] | None = None, region: str | None = None) -> boto3.Session:
        """The starting session (the profile's or the default chain), or one with assumed-role credentials."""
        if credentials is None:
            session = boto3.Session(profile_name=self.profile, region_name=self.region)
        else:
            session = boto3.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
                region_name=region or self.region,
            )
        session.events.register("before-call", _refuse_writes)
        for event, handler in self.hooks:
            session.events.register(event, handler)
        return session


@dataclass
class AccountSession:
    """One account's session and its clients by (service, Region); used by one thread at a time."""

    connector: Connector
    session: boto3.Session
    account_id: str
    partition: str
    default_region: str
    label: str = ""
    """How reports name the account: its id, and its name where the organization gives one."""
    _clients: dict[tuple[str, str], BaseClient] = field(default_factory=dict, repr=False)
    owned_buckets: frozenset[str] | None = field(default=None, repr=False)
    """The bucket names the account owns (`ListBuckets`), read once on first need."""

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.default_region)
        if key not in self._clients:
            self._clients[key] = self.session.client(service, region_name=key[1], config=self.connector.config())
        return self._clients[key]


def arn_account(arn: str) -> str | None:
    """The account id field of an ARN (`arn:aws:kms:us-east-1:111111111111:key/...`), or None."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4] else None


def arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" and parts[3] else None
