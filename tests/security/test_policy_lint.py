"""Least privilege: every IAM, bucket, key and topic policy document the committed stacks produce, linted by an
independent IAM linter (parliament) and checked structurally.

parliament was built for identity policies; it misreads two resource-policy idioms AWS documents. Those findings,
and only those, are accepted, each with its reason in `JUSTIFIED`, and each must still occur (a stale
justification fails too).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from security_stacks import STACK_FILES, render_stack_file

from trailguard_gate.mocks import Rendering

with warnings.catch_warnings():
    # parliament imports pkg_resources (a UserWarning since setuptools 80) and leaves its data files open at
    # import; neither is ours to fix, and nothing else is imported here.
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", UserWarning)
    warnings.simplefilter("ignore", ResourceWarning)
    from parliament import analyze_policy_string

POLICY_INPUTS = ("policy", "assumeRolePolicy")
KEY_POLICY_TYPES = {"aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy"}


@dataclass(frozen=True)
class Document:
    """One policy document as a stack registers it."""

    stack: str
    resource_type: str
    resource_name: str
    prop: str
    text: str

    @property
    def label(self) -> str:
        return f"{self.stack}:{self.resource_name}.{self.prop}"

    @property
    def kind(self) -> str:
        if self.prop == "assumeRolePolicy":
            return "trust"
        if self.resource_type in KEY_POLICY_TYPES:
            return "key"
        return "other"

    def statements(self) -> list[dict[str, Any]]:
        document = json.loads(self.text)
        found = document["Statement"]
        return found if isinstance(found, list) else [found]


def documents_of(stack: str, rendering: Rendering) -> Iterator[Document]:
    for resource in rendering.resources:
        for prop in POLICY_INPUTS:
            text = resource.properties.get(prop)
            if isinstance(text, str):
                yield Document(stack, resource.type, resource.name, prop, text)


DOCUMENTS: list[Document] = [
    document for stack in STACK_FILES for document in documents_of(stack.label, render_stack_file(stack))
]

# (kind of document, parliament issue, detail or None for any) -> why the finding is a false positive.
JUSTIFIED: dict[tuple[str, str, str | None], str] = {
    ("key", "RESOURCE_STAR", None): (
        'In a key policy `Resource: "*"` means this KMS key and nothing else; it is the only value AWS documents '
        "for it: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html"
    ),
    **dict.fromkeys(
        [
            (
                "key",
                "UNKNOWN_CONDITION_FOR_ACTION",
                f"Unknown condition kms:EncryptionContext:aws:logs:arn for action {a}",
            )
            for a in ("kms:DescribeKey", "kms:DescribeCustomKeyStores")
        ]
        + [("key", "MISMATCHED_TYPE", "Type mismatch: ArnEquals requires a value of type Arn but given String")],
        "The statement letting CloudWatch Logs use the key for one log group is AWS's documented one, word for word: "
        "kms:Describe* under ArnEquals on kms:EncryptionContext:aws:logs:arn. parliament types that context key as "
        "a String and does not know it applies to the encrypting actions only (it does not widen Describe*: a "
        "condition key absent from a request fails the condition): "
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    ),
    ("trust", "MALFORMED", "Statement contains neither Resource nor NotResource"): (
        "A role trust policy names no Resource (the resource is the role itself); IAM rejects one that does "
        "(MalformedPolicyDocument: Has prohibited field Resource): "
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
    ),
}


def justification(document: Document, issue: str, detail: Any) -> tuple[str, str, str | None] | None:
    for key in ((document.kind, issue, detail if isinstance(detail, str) else None), (document.kind, issue, None)):
        if key in JUSTIFIED:
            return key
    return None


def findings(document: Document) -> list[tuple[str, Any]]:
    return [(f.issue, f.detail) for f in analyze_policy_string(document.text).findings]


def test_documents_of_every_kind_are_linted() -> None:
    """The collection is not empty and spans identity, trust, bucket, key and topic policies."""
    types = {d.resource_type for d in DOCUMENTS}
    assert {
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:kms/key:Key",
        "aws:sns/topicPolicy:TopicPolicy",
    } <= types
    assert len(DOCUMENTS) >= 20


@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.label for d in DOCUMENTS])
def test_parliament_finds_nothing_unjustified(document: Document) -> None:
    unjustified = [
        (issue, detail) for issue, detail in findings(document) if not justification(document, issue, detail)
    ]
    assert unjustified == []


def test_every_justification_is_still_needed() -> None:
    used = {
        key
        for document in DOCUMENTS
        for issue, detail in findings(document)
        if (key := justification(document, issue, detail)) is not None
    }
    assert used == set(JUSTIFIED)


def test_justifications_do_not_leak_to_other_kinds_of_document() -> None:
    """A key policy's `Resource: "*"` is fine; the same in a bucket or identity policy is a finding."""
    bucket = Document("t", "aws:s3/bucketPolicy:BucketPolicy", "b", "policy", "{}")
    identity = Document("t", "aws:iam/rolePolicy:RolePolicy", "r", "policy", "{}")
    assert justification(bucket, "RESOURCE_STAR", ["s3:GetObject"]) is None
    assert justification(identity, "MALFORMED", "Statement contains neither Resource nor NotResource") is None


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def is_public(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and any("*" in _values(v) for v in principal.values())


@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.label for d in DOCUMENTS])
def test_no_statement_allows_every_action(document: Document) -> None:
    for statement in document.statements():
        assert "*" not in _values(statement.get("Action", [])), statement.get("Sid")
        assert "NotAction" not in statement or statement["Effect"] == "Deny", statement.get("Sid")


@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.label for d in DOCUMENTS])
def test_no_public_allow_without_a_restricting_condition(document: Document) -> None:
    for statement in document.statements():
        if statement["Effect"] == "Allow" and is_public(statement.get("Principal")):
            assert statement.get("Condition"), statement.get("Sid")
        assert "NotPrincipal" not in statement, statement.get("Sid")


@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.label for d in DOCUMENTS])
def test_resource_star_only_in_key_policies(document: Document) -> None:
    if document.kind == "key":
        return
    for statement in document.statements():
        assert "*" not in _values(statement.get("Resource", [])), statement.get("Sid")


@pytest.mark.parametrize(
    ("principal", "public"),
    [
        ("*", True),
        ({"AWS": "*"}, True),
        ({"AWS": ["arn:aws:iam::111111111111:root", "*"]}, True),
        ({"AWS": "arn:aws:iam::111111111111:root"}, False),
        ({"Service": "cloudtrail.amazonaws.com"}, False),
    ],
)
def test_public_principals_are_recognised(principal: Any, public: bool) -> None:
    assert is_public(principal) is public
