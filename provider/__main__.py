"""Host trailguard's components as a Pulumi component provider, so TypeScript, Go, C#, Java and YAML stacks can use them."""

from pulumi.provider.experimental import component_provider_host

from trailguard import __version__, components

if __name__ == "__main__":
    component_provider_host(components(), name="trailguard", version=__version__)
