"""Tests of the example projects under examples/ (a package: its module names repeat those of tests/components)."""
