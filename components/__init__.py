"""trailguard: AWS CloudTrail organization trails done right, as Pulumi components."""
