"""A policy pack that judges nothing: what the protocol and the policy SDK cost on their own.

By default it holds one resource policy and one stack policy. `NOOP_RESOURCE_POLICIES` and `NOOP_STACK_POLICIES`
set how many of each, so a benchmark can also compare against a no-op pack shaped like the pack it measures
(the policy SDK deserializes every resource once per policy, whatever the policy does).
"""

import os

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy

PolicyPack(
    name="noop",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        *(
            ResourceValidationPolicy(
                name=f"noop-resource-{i}", description="Judges nothing.", validate=lambda a, r: None
            )
            for i in range(int(os.environ.get("NOOP_RESOURCE_POLICIES", "1")))
        ),
        *(
            StackValidationPolicy(name=f"noop-stack-{i}", description="Judges nothing.", validate=lambda a, r: None)
            for i in range(int(os.environ.get("NOOP_STACK_POLICIES", "1")))
        ),
    ],
)
