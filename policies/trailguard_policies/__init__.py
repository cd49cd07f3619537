"""CloudTrail best-practice policies for Pulumi CrossGuard."""
