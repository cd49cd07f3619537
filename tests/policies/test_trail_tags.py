"""cloudtrail-trail-tags through the Analyzer protocol, including provider default tags."""

from __future__ import annotations

from dataclasses import replace

from pack_fixtures import changed, compliant_stack, messages, named, run

from trailguard_gate.analyzer import PolicyPack
from trailguard_gate.model import Level

POLICY = "cloudtrail-trail-tags"
PROVIDER = "urn:pulumi:test::trailguard::pulumi:providers:aws::default_7_51_1"


def test_a_tagged_trail_passes(pack: PolicyPack) -> None:
    assert run(pack, compliant_stack(), POLICY) == []


def test_an_untagged_trail_is_advisory(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", tags=...), POLICY)

    assert messages(found) == [
        (
            Level.ADVISORY,
            "trail 'trail' has no tags: set `tags` so the trail can be found, owned and costed. See "
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-tags",
        )
    ]


def test_provider_default_tags_count(pack: PolicyPack) -> None:
    trail = replace(
        named(changed(compliant_stack(), "trail", tags=...), "trail"),
        provider_urn=PROVIDER,
        provider_properties={"region": "us-east-1", "defaultTags": {"tags": {"owner": "security"}}},
    )

    assert [d for d in pack.analyze(trail) if d.policy_name == POLICY] == []


def test_default_tags_from_stack_config_count(pack: PolicyPack) -> None:
    # The engine hands a default provider its config as text: `aws:defaultTags` arrives as JSON.
    trail = replace(
        named(changed(compliant_stack(), "trail", tags=...), "trail"),
        provider_urn=PROVIDER,
        provider_properties={"region": "us-east-1", "defaultTags": '{"tags":{"owner":"security"}}'},
    )

    assert [d for d in pack.analyze(trail) if d.policy_name == POLICY] == []


def test_required_tags_are_configurable(pack: PolicyPack, configure) -> None:  # type: ignore[no-untyped-def]
    configure({POLICY: {"requiredTags": ["owner", "data-classification"]}})

    found = run(pack, compliant_stack(), POLICY)

    assert messages(found) == [
        (Level.ADVISORY, "trail 'trail' lacks the required tags data-classification: add them to `tags`")
    ]


def test_a_tags_list_is_malformed(pack: PolicyPack) -> None:
    found = run(pack, changed(compliant_stack(), "trail", tags=["owner"]), POLICY)

    assert messages(found) == [(Level.ADVISORY, "`tags` of trail 'trail' is ['owner'] (a list); expected an object")]
