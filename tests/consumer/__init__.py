"""Tests of the consumer examples and of using trailguard from other stacks."""
