"""Bad input to the policy pack, through the real Analyzer protocol: random property trees, unknowns, nulls, wrong
types and megabyte documents on every resource type the pack judges. The pack never crashes and always answers.

A crash, a hang past the client's deadline or a gRPC error surfaces as `PolicyPackError` from the client, so
every call returning normally is the property. Starting points are the resources the committed stacks register,
with some of their properties replaced: the pack's predicates then reach deep into realistic shapes before they
meet the bad value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from security_stacks import REPO, STACK_FILES, render_stack_file

from trailguard_gate.analyzer import Diagnostic, PolicyPack
from trailguard_gate.model import UNKNOWN, Resource

PACK_DIR = REPO / "policies"
# Generous for one Analyze call; anything slower is a hang, reported by the client as PolicyPackError.
CALL_TIMEOUT = 60.0
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# The pulumi-aws 7 types the pack's policies read (policies/trailguard_policies/resources.py).
JUDGED = {
    "aws:cloudtrail/trail:Trail",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:kms/key:Key",
    "aws:kms/alias:Alias",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
}

SEEDS: list[Resource] = [
    r
    for stack in STACK_FILES
    if stack.project == "trailguard"
    for r in render_stack_file(stack).resources
    if r.type in JUDGED
]

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),  # a Struct number is a double
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.just(UNKNOWN),
    st.sampled_from(["*", "arn:aws:s3:::*", "{}", "[]", '{"Statement": "x"}', "Enabled", "aws:kms", "true"]),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def damaged(draw: st.DrawFn) -> Resource:
    """A real resource with some properties replaced by random trees, some removed, and some junk added."""
    seed = draw(st.sampled_from(SEEDS))
    properties = dict(seed.properties)
    keys = sorted(properties)
    for key in draw(st.lists(st.sampled_from(keys), max_size=len(keys), unique=True)) if keys else []:
        properties[key] = draw(trees)
    for key in draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)) if keys else []:
        properties.pop(key, None)
    properties.update(draw(st.dictionaries(st.text(max_size=12), trees, max_size=2)))
    return replace(seed, properties=properties, outputs=None)


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPack]:
    with PolicyPack(PACK_DIR, timeout=CALL_TIMEOUT) as running:
        running.configure({})
        yield running


def well_formed(diagnostics: list[Diagnostic], pack: PolicyPack) -> None:
    names = {p.name for p in pack.info().policies}
    for diagnostic in diagnostics:
        assert diagnostic.policy_name in names
        assert diagnostic.message.strip(), diagnostic


def test_the_seeds_cover_every_judged_type() -> None:
    assert {r.type for r in SEEDS} == JUDGED


@SETTINGS
@given(resource=damaged())
def test_analyze_and_remediate_never_crash(pack: PolicyPack, resource: Resource) -> None:
    well_formed(pack.analyze(resource), pack)
    for remediation in pack.remediate(resource):
        assert remediation.properties is None or isinstance(remediation.properties, dict)


@SETTINGS
@given(resources=st.lists(damaged(), min_size=1, max_size=12))
@pytest.mark.slow
def test_analyze_stack_never_crashes(pack: PolicyPack, resources: list[Resource]) -> None:
    well_formed(pack.analyze_stack(resources), pack)


@SETTINGS
@given(resource_type=st.sampled_from(sorted(JUDGED)), properties=st.dictionaries(st.text(max_size=12), trees))
def test_properties_of_pure_noise_never_crash(pack: PolicyPack, resource_type: str, properties: dict[str, Any]) -> None:
    resource = Resource(
        urn=f"urn:pulumi:fuzz::p::{resource_type}::noise", type=resource_type, name="noise", properties=properties
    )
    well_formed(pack.analyze(resource), pack)
    well_formed(pack.analyze_stack([resource]), pack)


MEGABYTE = 1024 * 1024


def huge_policy() -> str:
    """A syntactically valid policy document of over 1 MB: many statements, each naming many resources."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": [f"arn:aws:s3:::acme-cloudtrail/AWSLogs/{i:012d}/*" for i in range(50)],
    }
    statements = [{**statement, "Sid": f"S{i}"} for i in range(MEGABYTE // len(json.dumps(statement)) + 1)]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@pytest.mark.parametrize(
    "document", ["x" * MEGABYTE, "{" * MEGABYTE, huge_policy()], ids=["text", "unbalanced", "json"]
)
@pytest.mark.parametrize(
    ("resource_type", "prop"),
    [
        ("aws:s3/bucketPolicy:BucketPolicy", "policy"),
        ("aws:kms/key:Key", "policy"),
        ("aws:iam/role:Role", "assumeRolePolicy"),
        ("aws:iam/rolePolicy:RolePolicy", "policy"),
    ],
)
def test_megabyte_policy_documents_are_judged(pack: PolicyPack, document: str, resource_type: str, prop: str) -> None:
    assert len(document) >= MEGABYTE
    seed = next(r for r in SEEDS if r.type == resource_type)
    resource = replace(seed, properties={**seed.properties, prop: document}, outputs=None)
    well_formed(pack.analyze(resource), pack)
    well_formed(pack.analyze_stack([resource]), pack)
