"""`trailguard audit` and `trailguard adopt`: judge live CloudTrail set-ups with the pack, and bring them under Pulumi.

`collect` reads an account's trails and everything they deliver to (read-only boto3 calls), `convert` turns that
state into the resources the policy pack judges, `health` reports whether each trail is actually delivering,
`orgwalk` repeats it across an organization, `adopt` writes a `pulumi import` file, and `cli` wires the commands.
"""
