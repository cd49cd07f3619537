"""DelegatedAdministrator: the registration, its options, the ARNs consumers must use, and bad input."""

from typing import Any

import pulumi
import pytest
from pulumi.provider.experimental.analyzer import Analyzer

from trailguard.config import ConfigError
from trailguard.delegated_admin import (
    DelegatedAdministrator,
    DelegatedAdministratorArgs,
    load_delegated_admin_stack_config,
    organization_trail_arn,
)
from trailguard_gate.mocks import MockAccount, PlausibleMocks, Rendering, render

REGISTRATION = "aws:cloudtrail/organizationDelegatedAdminAccount:OrganizationDelegatedAdminAccount"


class RegistrationLog(PlausibleMocks):
    """The mocks, noting the type of every resource the program registers."""

    def __init__(self, account: MockAccount | None = None) -> None:
        super().__init__(account)
        self.registered: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append(args.typ)
        return super().new_resource(args)


def render_admin(args: DelegatedAdministratorArgs, *, account: MockAccount | None = None) -> Rendering:
    def program() -> None:
        admin = DelegatedAdministrator("security", args)
        pulumi.export("accountId", admin.account_id)
        pulumi.export("managementAccountId", admin.management_account_id)
        if admin.organization_trail_arn is not None:
            pulumi.export("organizationTrailArn", admin.organization_trail_arn)

    return render(program, mocks=PlausibleMocks(account))


@pytest.fixture(scope="module")
def registered() -> Rendering:
    return render_admin({"account_id": "333333333333", "organization_trail_name": "organization-trail"})


def test_registers_the_member_account_under_the_component(registered: Rendering) -> None:
    component = registered.one("trailguard:index:DelegatedAdministrator")
    registration = registered.one(REGISTRATION)
    assert registration.name == "security-registration"
    assert registration.parent == component.urn
    assert registration.properties == {"accountId": "333333333333"}


def test_a_new_account_replaces_the_old_one_without_hitting_the_limit_of_three(registered: Rendering) -> None:
    options = registered.one(REGISTRATION).options
    assert options.delete_before_replace is True
    # Deregistering deletes no trail or event data store: nothing to protect.
    assert options.protect is False


def test_outputs_give_the_management_account_and_the_trail_arn_to_use(registered: Rendering) -> None:
    assert registered.outputs == {
        "accountId": "333333333333",
        # The mocks run as the management account, 111111111111: organization trails carry its id, whoever
        # created them.
        "managementAccountId": "111111111111",
        "organizationTrailArn": "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-trail",
    }


def test_the_trail_arn_follows_the_trail_region_and_partition() -> None:
    rendering = render_admin(
        {"account_id": "333333333333", "organization_trail_name": "org", "organization_trail_region": "cn-northwest-1"},
        account=MockAccount(account_id="444444444444", region="cn-north-1", partition="aws-cn"),
    )
    assert rendering.outputs["organizationTrailArn"] == "arn:aws-cn:cloudtrail:cn-northwest-1:444444444444:trail/org"


def test_without_a_trail_name_there_is_no_trail_arn() -> None:
    rendering = render_admin({"account_id": "333333333333"})
    assert "organizationTrailArn" not in rendering.outputs
    assert rendering.outputs["accountId"] == "333333333333"


def test_organization_trail_arn_names_the_management_account() -> None:
    assert organization_trail_arn("aws-us-gov", "us-gov-west-1", "111111111111", "org-trail") == (
        "arn:aws-us-gov:cloudtrail:us-gov-west-1:111111111111:trail/org-trail"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"account_id": "1234"},
            "DelegatedAdministrator 'security': account_id: '1234' is not an AWS account id; expected 12 digits, "
            "e.g. 111111111111",
        ),
        (
            {"account_id": "333333333333", "organization_trail_name": "a"},
            "DelegatedAdministrator 'security': organization_trail_name: 'a' is not a valid trail name; expected "
            "3-128 letters, digits, periods, underscores or hyphens, starting and ending with a letter or digit, with "
            "no two symbols in a row, e.g. organization-trail",
        ),
        (
            {"account_id": "333333333333", "organization_trail_region": "mars-1"},
            "DelegatedAdministrator 'security': organization_trail_region: 'mars-1' is not an AWS Region name; "
            "expected <area>-<direction>-<number>, e.g. us-east-1",
        ),
    ],
)
def test_bad_arguments_fail_before_anything_is_registered(args: DelegatedAdministratorArgs, message: str) -> None:
    mocks = RegistrationLog()
    with pytest.raises(ValueError) as raised:
        render(lambda: DelegatedAdministrator("security", args), mocks=mocks)
    assert str(raised.value) == message
    assert mocks.registered == []


def test_the_management_account_cannot_register_itself() -> None:
    # The account is known only from the caller identity, at deploy time: the registration input fails then.
    mocks = RegistrationLog()
    with pytest.raises(ValueError) as raised:
        render(lambda: DelegatedAdministrator("security", {"account_id": "111111111111"}), mocks=mocks)
    assert str(raised.value).splitlines()[-1] == (
        "ValueError has risen: DelegatedAdministrator 'security': account_id: '111111111111' is the account this "
        "stack runs in, the organization's management account, which cannot be CloudTrail's delegated "
        "administrator; expected a member account id, e.g. 222222222222"
    )
    assert REGISTRATION not in mocks.registered


# --- stack config ------------------------------------------------------------------------------------------

VALID = {
    "trailguard:managementAccountId": "111111111111",
    "trailguard:delegatedAdmin": {"accountIds": ["333333333333"]},
}


def config_error(**overrides: Any) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_delegated_admin_stack_config({**VALID, **{f"trailguard:{k}": v for k, v in overrides.items()}})
    return raised.value.messages


def test_a_valid_stack_config() -> None:
    config = load_delegated_admin_stack_config(
        {**VALID, "trailguard:delegatedAdmin": '{"accountIds": ["333333333333", "444444444444"]}', "aws:region": "x"}
    )
    assert config.delegated_admin.account_ids == ["333333333333", "444444444444"]
    assert (config.management_account_id, config.trail_name) == ("111111111111", "organization-trail")


@pytest.mark.parametrize(
    ("delegated_admin", "message"),
    [
        (
            {"accountIds": ["1234"]},
            "trailguard:delegatedAdmin.accountIds[0]: '1234' is not an AWS account id; expected 12 digits, "
            "e.g. 111111111111",
        ),
        (
            {"accountIds": ["111111111111"]},
            "trailguard:delegatedAdmin.accountIds[0]: '111111111111' is the organization's management account, which "
            "cannot be CloudTrail's delegated administrator; expected a member account id, e.g. 222222222222",
        ),
        (
            {"accountIds": ["333333333333", "333333333333"]},
            "trailguard:delegatedAdmin.accountIds[1]: '333333333333' is listed twice; expected each account once, "
            "e.g. 333333333333",
        ),
        (
            {"accountIds": ["222222222222", "333333333333", "444444444444", "555555555555"]},
            "trailguard:delegatedAdmin.accountIds: 4 accounts exceed CloudTrail's limit of 3 delegated "
            "administrators per organization; expected 1 to 3 account ids, e.g. [222222222222]",
        ),
        (
            {"accountIds": []},
            "trailguard:delegatedAdmin.accountIds: is empty; expected 1 to 3 member account ids, e.g. [222222222222]",
        ),
        (
            {},
            'trailguard:delegatedAdmin.accountIds: is required; expected 1 to 3 member account ids, e.g. ["222222222222"]',
        ),
        (
            {"accounts": ["333333333333"]},
            "trailguard:delegatedAdmin.accountIds: is required; expected 1 to 3 member account ids, "
            'e.g. ["222222222222"]',
        ),
    ],
)
def test_bad_delegated_admin_config_names_the_key(delegated_admin: dict[str, Any], message: str) -> None:
    assert config_error(delegatedAdmin=delegated_admin)[0] == message


def test_unknown_keys_are_named_with_the_known_ones() -> None:
    assert config_error(delegatedAdmin={"accountIds": ["333333333333"], "accounts": []}) == [
        "trailguard:delegatedAdmin.accounts: is not a known key; expected one of accountIds, e.g. accountIds"
    ]


def test_the_management_account_id_is_required() -> None:
    with pytest.raises(ConfigError) as raised:
        load_delegated_admin_stack_config({"trailguard:delegatedAdmin": {"accountIds": ["333333333333"]}})
    assert raised.value.messages == [
        "trailguard:managementAccountId: is required; expected the 12-digit id of the organization's management "
        "account, e.g. 111111111111"
    ]


def test_the_component_schema_is_complete_for_other_languages() -> None:
    schema = Analyzer("trailguard").analyze([DelegatedAdministrator])
    definition = schema["component_definitions"]["DelegatedAdministrator"]
    assert definition.description
    assert sorted(definition.outputs) == ["accountId", "managementAccountId", "organizationTrailArn"]
    assert definition.outputs["organizationTrailArn"].optional
    for name, prop in {**definition.inputs, **definition.outputs}.items():
        assert prop.description, name
    for name, prop in definition.inputs.items():
        assert prop.optional == (name != "accountId"), name
        if prop.optional:
            assert "Default" in prop.description, name
