"""The trailguard stack program: read the stack's config once, build the layout it names, export its outputs."""

import pulumi

from trailguard.config import load_config, read_stack_config
from trailguard.layouts import build

config = load_config(read_stack_config())
for name, value in build(config).items():
    pulumi.export(name, value)
