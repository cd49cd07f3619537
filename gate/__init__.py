"""The offline pull-request gate: render Pulumi stacks under mocks, judge them with the policy pack and checkov."""
