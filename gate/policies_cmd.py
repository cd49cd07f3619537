"""`trailguard policies`: every policy of the pack with its level, severity and mappings, read from the pack itself.

The pack is started and asked through the Analyzer protocol (`GetAnalyzerInfo`), as `pulumi preview` asks it, so the
list is the one the gate enforces, for the bundled pack or any other. CIS controls are labelled with their benchmark
version (`CIS v3.0.0 3.2`): a policy may map to controls of more than one version.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MAPPINGS = (("CIS", "cis-"), ("Security Hub", "security-hub:"), ("AWS Config", "aws-config:"), ("checkov", "checkov:"))
FORMATS = ("text", "json", "markdown")


def mappings(tags: Sequence[str]) -> dict[str, list[str]]:
    """A policy's tags as mappings by framework; each CIS control carries its benchmark version."""
    out: dict[str, list[str]] = {label: [] for label, _ in MAPPINGS}
    for tag in tags:
        if tag.startswith("cis-") and ":" in tag:
            version, _, control = tag.removeprefix("cis-").partition(":")
            out["CIS"].append(f"v{version} {control}")
            continue
        for label, prefix in MAPPINGS[1:]:
            if tag.startswith(prefix):
                out[label].append(tag.removeprefix(prefix))
    return out


def describe_policies(policy_pack: Path, timeout: float = 120.0) -> dict[str, Any]:
    """The pack's name, version and policies (name, description, level, severity, type, url, mappings)."""
    from trailguard_gate.analyzer import PolicyPack
    from trailguard_gate.run import pack_python

    with PolicyPack(policy_pack, python=pack_python(policy_pack), timeout=timeout) as pack:
        pack.configure_stack(stack="policies", project="trailguard")
        info = pack.info()
    return {
        "name": info.name,
        "version": info.version,
        "policies": [
            {
                "name": p.name,
                "description": p.description,
                "level": p.enforcement_level.value,
                "severity": p.severity,
                "type": p.policy_type,
                "url": p.url,
                "mappings": mappings(p.tags),
            }
            for p in info.policies
        ],
    }


def render_policies(document: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    policies = document["policies"]
    if fmt == "markdown":
        lines = [
            f"## {document['name']} {document['version']}: {len(policies)} policies",
            "",
            "| Policy | Level | Severity | " + " | ".join(label for label, _ in MAPPINGS) + " |",
            "|---|---|---|" + "---|" * len(MAPPINGS),
        ]
        for p in policies:
            cells = [", ".join(p["mappings"][label]) or "—" for label, _ in MAPPINGS]
            name = f"[`{p['name']}`]({p['url']})" if p["url"] else f"`{p['name']}`"
            lines.append(f"| {name} {p['description']} | {p['level']} | {p['severity'] or '—'} | {' | '.join(cells)} |")
        return "\n".join(lines) + "\n"
    width = max(60, min(120, shutil.get_terminal_size((100, 24)).columns) - 1)
    out = [f"{document['name']} {document['version']}: {len(policies)} policies", ""]
    for p in policies:
        out.append(f"{p['name']}  {p['level']}  severity {p['severity'] or 'none'}")
        mapped = "; ".join(f"{label}: {', '.join(v)}" for label, v in p["mappings"].items() if v) or "unmapped"
        for paragraph in (p["description"], mapped, p["url"] or ""):
            if paragraph:
                out.extend(
                    textwrap.wrap(
                        paragraph,
                        width,
                        initial_indent="    ",
                        subsequent_indent="    ",
                        break_long_words=False,
                        break_on_hyphens=False,
                    )
                )
    return "\n".join(out) + "\n"


def add_command(subparsers: Any) -> None:
    """Register `policies` on the `trailguard` command's subparsers."""
    parser = subparsers.add_parser(
        "policies",
        help="list every policy of the pack with its level, severity and mappings (CIS, Security Hub, AWS Config, "
        "checkov)",
        description="Start the policy pack, ask it for its policies as `pulumi preview` does, and list each with its "
        "default level, severity and the controls it maps to. Exit 0, or 2 when the pack cannot start.",
    )
    parser.add_argument("--policy-pack", type=Path, help="a policy pack folder (default: the bundled trailguard pack)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="text, json or markdown (default: text)")
    parser.set_defaults(func=command_policies)


def command_policies(args: argparse.Namespace) -> int:
    from trailguard_gate.analyzer import PolicyPackError
    from trailguard_gate.run import UsageError, default_policy_pack

    try:
        pack = (args.policy_pack or default_policy_pack()).resolve()
        if not (pack / "PulumiPolicy.yaml").is_file():
            raise UsageError(f"--policy-pack {pack}: no PulumiPolicy.yaml there; pass a policy pack folder")
        document = describe_policies(pack)
    except (UsageError, PolicyPackError) as error:
        print(f"trailguard policies: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(render_policies(document, args.format))
    return 0
