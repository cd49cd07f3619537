"""Register CloudTrail delegated administrators for the organization, from its management account.

The delegated administrators can then create and manage organization trails and event data stores (../lake)
from their own accounts; those stay owned by the management account and must be addressed by ARN.
"""

import pulumi

from trailguard.config import read_stack_config
from trailguard.delegated_admin import DelegatedAdministrator, load_delegated_admin_stack_config

config = load_delegated_admin_stack_config(read_stack_config())
administrators = [
    DelegatedAdministrator(
        f"delegated-admin-{account_id}",
        {"account_id": account_id, "organization_trail_name": config.trail_name},
    )
    for account_id in config.delegated_admin.account_ids
]

pulumi.export("delegatedAdministratorAccountIds", [admin.account_id for admin in administrators])
pulumi.export("managementAccountId", administrators[0].management_account_id)
# What the delegated administrators must call the organization trail (calls by name fail there).
pulumi.export("organizationTrailArn", administrators[0].organization_trail_arn)
