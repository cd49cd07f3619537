"""examples/delegated-admin: the management account registers CloudTrail's delegated administrator."""

from pathlib import Path

import pytest

from trailguard.config import ConfigError
from trailguard_gate.mocks import Rendering
from trailguard_gate.render import load_project, render_stack

from .conftest import RenderExample

REGISTRATION = "aws:cloudtrail/organizationDelegatedAdminAccount:OrganizationDelegatedAdminAccount"


@pytest.fixture(scope="module")
def management(render_example: RenderExample) -> Rendering:
    return render_example("delegated-admin", "management")


def test_registers_the_security_tooling_account(management: Rendering) -> None:
    component = management.one("trailguard:index:DelegatedAdministrator")
    registration = management.one(REGISTRATION)
    assert component.name == "delegated-admin-333333333333"
    assert registration.parent == component.urn
    assert registration.properties == {"accountId": "333333333333"}
    assert registration.options.delete_before_replace is True


def test_exports_what_the_delegated_administrator_must_address_the_trail_by(management: Rendering) -> None:
    assert management.outputs == {
        "delegatedAdministratorAccountIds": ["333333333333"],
        "managementAccountId": "111111111111",
        "organizationTrailArn": "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail",
    }


def test_each_account_gets_its_own_registration(render_example: RenderExample) -> None:
    rendering = render_example(
        "delegated-admin", "management", {"trailguard:delegatedAdmin": {"accountIds": ["333333333333", "444444444444"]}}
    )
    assert sorted(r.properties["accountId"] for r in rendering.by_type(REGISTRATION)) == [
        "333333333333",
        "444444444444",
    ]
    assert rendering.outputs["delegatedAdministratorAccountIds"] == ["333333333333", "444444444444"]


def test_listing_the_management_account_is_refused_before_deploying(render_example: RenderExample) -> None:
    with pytest.raises(ConfigError) as raised:
        render_example("delegated-admin", "management", {"trailguard:delegatedAdmin": {"accountIds": ["111111111111"]}})
    assert str(raised.value) == (
        "trailguard:delegatedAdmin.accountIds[0]: '111111111111' is the organization's management account, which "
        "cannot be CloudTrail's delegated administrator; expected a member account id, e.g. 222222222222"
    )


def test_a_bad_account_id_is_refused(render_example: RenderExample) -> None:
    with pytest.raises(ConfigError) as raised:
        render_example("delegated-admin", "management", {"trailguard:delegatedAdmin": {"accountIds": ["33333"]}})
    assert str(raised.value) == (
        "trailguard:delegatedAdmin.accountIds[0]: '33333' is not an AWS account id; expected 12 digits, e.g. 111111111111"
    )


@pytest.mark.slow
def test_the_project_renders_as_the_gate_sees_it(repo_root: Path) -> None:
    rendering = render_stack(load_project(repo_root / "examples" / "delegated-admin"), "management")
    assert rendering.error is None
    assert sorted(r.type for r in rendering.resources) == [REGISTRATION, "trailguard:index:DelegatedAdministrator"]
    assert (
        rendering.outputs["organizationTrailArn"]
        == "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail"
    )
