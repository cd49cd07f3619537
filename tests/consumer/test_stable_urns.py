"""Renaming a component in a consumer's stack keeps every resource under it: the engine matches the old URNs
through the component's alias and the aliases its children inherit from it, so nothing is replaced.
"""

import copy
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

import trailguard
from trailguard_gate.mocks import Rendering
from trailguard_gate.model import Resource

from .conftest import RenderConsumer

OLD_NAME = "org-trail"
"""The name examples/python-consumer first deployed its OrganizationTrail under (its alias names it)."""


def with_name(name: str, *, aliases: bool) -> type[trailguard.OrganizationTrail]:
    """OrganizationTrail as the consumer's program constructed it under another name, with or without its aliases."""

    class Renamed(trailguard.OrganizationTrail):
        def __init__(self, _: str, args: Any, opts: pulumi.ResourceOptions | None = None) -> None:
            if not aliases and opts is not None:
                opts = copy.copy(opts)
                opts.aliases = None
            super().__init__(name, args, opts)

    return Renamed


def resolved_aliases(resource: Resource, by_urn: dict[str, Resource]) -> Iterator[str]:
    """The old URNs the engine would match `resource` to, for aliases that rename (a name, no new type or parent).

    A name alias keeps the URN's type and parent. A child inherits each alias of its parent; when the child's name
    starts with the parent's (trailguard names children `<name>-<role>`), the inherited alias swaps that prefix for
    the parent's old name. This is the rule of the SDK's `inherited_child_alias` (pulumi/runtime/resource.py), which
    the engine applies to alias specs: https://www.pulumi.com/docs/iac/concepts/resources/options/aliases/
    """
    head = resource.urn.removesuffix(f"::{resource.name}")
    for alias in resource.options.aliases:
        yield alias if alias.startswith("urn:") else f"{head}::{alias}"
    parent = by_urn.get(resource.parent or "")
    if parent is None:
        return
    for parent_alias in resolved_aliases(parent, by_urn):
        old_parent_name = parent_alias.rsplit("::", 1)[1]
        if resource.name.startswith(parent.name):
            yield f"{head}::{old_parent_name}{resource.name.removeprefix(parent.name)}"


def unmatched(before: Rendering, after: Rendering) -> list[str]:
    """The URNs of `before` that no resource of `after` answers to: the engine would delete and recreate them."""
    by_urn = {r.urn: r for r in after.resources}
    known = {r.urn for r in after.resources} | {a for r in after.resources for a in resolved_aliases(r, by_urn)}
    return sorted(r.urn for r in before.resources if r.urn not in known)


@pytest.fixture(scope="module")
def renamed(render_consumer: RenderConsumer) -> Rendering:
    return render_consumer()


@pytest.fixture(scope="module")
def first_deployed(render_consumer: RenderConsumer) -> Rendering:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trailguard, "OrganizationTrail", with_name(OLD_NAME, aliases=False))
        return render_consumer()


def trail_family(rendering: Rendering) -> list[str]:
    """The URNs of the trail component and every resource under it: the ones a rename moves, nothing else."""
    return sorted(r.urn for r in rendering.resources if r.name == OLD_NAME or r.name.startswith(f"{OLD_NAME}-"))


def test_the_rename_changed_the_urn_of_the_trail_and_of_every_child(
    first_deployed: Rendering, renamed: Rendering
) -> None:
    old = {r.urn for r in first_deployed.resources}
    new = {r.urn for r in renamed.resources}
    moved = sorted(old - new)
    assert moved == trail_family(first_deployed)
    assert all(urn.rsplit("::", 1)[1].startswith(OLD_NAME) for urn in moved)
    assert (
        "urn:pulumi:management::org-audit::trailguard:index:OrganizationTrail$aws:cloudtrail/trail:Trail::org-trail-trail"
        in moved
    )


def test_the_component_carries_its_old_name_as_an_alias(renamed: Rendering) -> None:
    assert renamed.named("organization").options.aliases == (OLD_NAME,)


def test_every_resource_deployed_before_the_rename_is_matched_after_it(
    first_deployed: Rendering, renamed: Rendering
) -> None:
    assert len(first_deployed.resources) == len(renamed.resources)
    assert unmatched(first_deployed, renamed) == []


def test_without_the_alias_the_trail_and_its_children_would_be_replaced(
    first_deployed: Rendering, render_consumer: RenderConsumer
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trailguard, "OrganizationTrail", with_name("organization", aliases=False))
        unaliased = render_consumer()
    lost = unmatched(first_deployed, unaliased)
    assert set(lost) == {r.urn for r in first_deployed.resources} - {r.urn for r in unaliased.resources}
    assert (
        "urn:pulumi:management::org-audit::trailguard:index:OrganizationTrail$aws:cloudtrail/trail:Trail::org-trail-trail"
        in lost
    )
    assert sorted(lost) == trail_family(first_deployed)
