"""Walk an AWS Organization: list its accounts, enter each by assuming a role, and audit them side by side.

An account the role cannot be assumed in is reported on its own and never stops the walk; see
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from trailguard_gate.audit.aws import ROLE_SESSION_NAME, AccountSession, Connector

T = TypeVar("T")
R = TypeVar("R")
DEFAULT_CONCURRENCY = 8
"""Accounts audited at once: enough to walk hundreds of accounts in minutes, few enough to stay under API limits."""


class WalkError(RuntimeError):
    """The organization's accounts could not be listed: the walk cannot start."""


class EntryError(RuntimeError):
    """One account could not be entered; the message says which role, and why."""


@dataclass(frozen=True)
class Account:
    id: str
    name: str = ""
    status: str = "ACTIVE"

    @property
    def label(self) -> str:
        return f"{self.id} ({self.name})" if self.name else self.id


def _error_text(error: Exception) -> str:
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        return f"{info.get('Code', 'Unknown')}: {info.get('Message', 'no message')}"
    return str(error)


def organization_accounts(base: AccountSession) -> list[Account]:
    """Every account of the caller's organization (`organizations:ListAccounts`, from the management account or a
    delegated administrator)."""
    try:
        pages = base.client("organizations").get_paginator("list_accounts").paginate()
        listed = [entry for page in pages for entry in page.get("Accounts") or []]
    except (ClientError, BotoCoreError) as error:
        raise WalkError(
            f"cannot list the organization's accounts from account {base.account_id} "
            f"(organizations:ListAccounts: {_error_text(error)}); run --assume-role from the management account "
            "or a delegated administrator account, or audit one account without --assume-role"
        ) from None
    return [Account(str(a["Id"]), str(a.get("Name") or ""), str(a.get("Status") or "ACTIVE")) for a in listed]


def role_arn(partition: str, account_id: str, role: str) -> str:
    """`arn:aws:iam::222222222222:role/TrailguardAuditReadOnly`; `role` may carry a path (`audit/Reader`)."""
    return f"arn:{partition}:iam::{account_id}:role/{role.strip('/')}"


def enter(
    connector: Connector,
    base: AccountSession,
    account: Account,
    role: str,
    *,
    external_id: str | None = None,
    session_name: str = ROLE_SESSION_NAME,
) -> AccountSession:
    """A session in `account` with `role`'s credentials; the caller's own account is entered as the caller.

    Safe in worker threads: the base session's STS client is thread-safe once created (create it first with
    `base.client("sts")`), and each account gets a session of its own.
    """
    if account.id == base.account_id:
        return AccountSession(
            connector, base.session, base.account_id, base.partition, base.default_region, account.label
        )
    arn = role_arn(base.partition, account.id, role)
    params = {"RoleArn": arn, "RoleSessionName": session_name}
    if external_id:
        params["ExternalId"] = external_id
    try:
        credentials = base.client("sts").assume_role(**params)["Credentials"]
    except (ClientError, BotoCoreError) as error:
        raise EntryError(
            f"could not enter account {account.label}: sts:AssumeRole on {arn} failed ({_error_text(error)}); "
            f"the role must exist there and trust account {base.account_id}"
        ) from None
    session = connector.session(credentials, region=base.default_region)
    return AccountSession(connector, session, account.id, base.partition, base.default_region, account.label)


def walk(items: Sequence[T], work: Callable[[T], R], concurrency: int) -> list[R]:
    """`work` on every item, at most `concurrency` at once, results in the items' order."""
    if concurrency <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="trailguard-audit") as pool:
        return list(pool.map(work, items))
