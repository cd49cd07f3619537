"""`trailguard check` without the command line: render each stack, judge it with the policy pack and checkov.

The pack runs as its own process through the Analyzer gRPC protocol (`trailguard_gate.analyzer`), exactly as
`pulumi preview --policy-pack` runs it; checkov runs on the Terraform-plan export of the same resources.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from trailguard_gate.checkov import CheckovOptions, Skip, component_skips, run_checkov
from trailguard_gate.exclusions import suppressed_by_exclusions
from trailguard_gate.locate import checkov_pages, locate, with_checkov_page
from trailguard_gate.model import Finding, TargetResult
from trailguard_gate.render import DEFAULT_TIMEOUT, Project, StackRendering, project_python, render_stacks, stack_config
from trailguard_gate.tfplan import TerraformPlan, export_plan

Progress = Callable[[str], None]


class UsageError(ValueError):
    """The command was asked for something it cannot do (exit 2); the message says what to pass instead."""


def default_policy_pack() -> Path:
    """The pack shipped with this package (`policies/`, installed as `trailguard_pack`)."""
    spec = importlib.util.find_spec("trailguard_pack")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise UsageError("the bundled policy pack (trailguard_pack) is not installed; pass --policy-pack DIR")
    # An editable install may reach the folder through links (build/editable/): the manifest's own folder is the
    # checkout's policies/, as under `pulumi preview --policy-pack policies`.
    return (Path(locations[0]) / "PulumiPolicy.yaml").resolve().parent


def pack_python(pack_dir: Path) -> str:
    """The interpreter the CLI would run the pack with: `PulumiPolicy.yaml`'s runtime options, read as a project's
    (`virtualenv`, the uv and poetry toolchains), else this interpreter."""
    try:
        document = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return sys.executable
    runtime = document.get("runtime") if isinstance(document, dict) else None
    options = runtime.get("options") if isinstance(runtime, dict) else None
    python, _ = project_python(pack_dir, options if isinstance(options, dict) else {})
    return python


def load_policy_config(path: Path | None) -> dict[str, Any] | None:
    """The JSON file `pulumi preview --policy-pack-config` takes: policy name -> level or settings."""
    if path is None:
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--policy-config {path}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise UsageError(f"--policy-config {path}: not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise UsageError(f'--policy-config {path}: expected a JSON object of policy names, e.g. {{"all": "mandatory"}}')
    return document


@dataclass(frozen=True)
class CheckOptions:
    project: Project | None
    """The Python project whose stacks are rendered; None where `renderings` come from the Pulumi CLI's JSON."""
    stacks: Sequence[str]
    policy_pack: Path | None
    """None skips the pack (only for tests and `--no-pack`)."""
    policy_config: Mapping[str, Any] | None = None
    checkov: str | None = None
    """The checkov executable; None skips checkov."""
    skips: Sequence[Skip] = field(default_factory=tuple)
    organization: str = "organization"
    jobs: int = 4
    timeout: float = DEFAULT_TIMEOUT
    mocks: Mapping[str, Any] | None = None
    """Answers the user supplied with --mocks: `invokes` by token, `stacks` outputs by full name."""
    account_id: str | None = None
    region: str | None = None
    checkov_options: CheckovOptions = field(default_factory=CheckovOptions)
    renderings: Sequence[StackRendering] = ()
    """Stacks read from `pulumi preview --json` or `pulumi stack export` (any language): judged, not rendered."""


def run_check(options: CheckOptions, progress: Progress = lambda _: None) -> list[TargetResult]:
    """Render, judge and collect one `TargetResult` per stack, in the order asked."""
    project = options.project

    def rendered(r: StackRendering) -> None:
        state = f"could not be rendered: {r.error.splitlines()[0]}" if r.error else f"{len(r.resources)} resources"
        progress(f"  {r.stack}: {state} ({r.seconds:.1f}s)")

    if project is None:
        renderings = list(options.renderings)
        for r in renderings:
            progress(f"  {r.stack} ({r.config_file.name}): {len(r.resources)} resources")
    else:
        progress(f"rendering {len(options.stacks)} stack(s) of {project.name} under mocks")
        renderings = render_stacks(
            project,
            options.stacks,
            jobs=options.jobs,
            timeout=options.timeout,
            on_done=rendered,
            mocks=options.mocks,
            organization=options.organization,
            identity={"account_id": options.account_id, "region": options.region},
        )
    good = [r for r in renderings if not r.error]
    findings: dict[str, list[Finding]] = {r.stack: [] for r in good}
    errors: dict[str, str] = {r.stack: r.error for r in renderings if r.error}
    checkov_ids: dict[str, tuple[str, ...]] = {}
    if good and options.policy_pack is not None:
        judged = _judge_with_pack(options, good, progress, checkov_ids)
        for stack, outcome in judged.items():
            if isinstance(outcome, str):
                errors[stack] = outcome
            else:
                findings[stack].extend(outcome)
        # What the config's reasoned `exclude` entries suppressed, shown with the reason (a second, shadow pass).
        shadow = replace(options, policy_config=None)
        for stack, extra in suppressed_by_exclusions(
            options.policy_config,
            judged,
            lambda config: _judge_with_pack(replace(shadow, policy_config=config), good, lambda _: None),
        ).items():
            findings[stack].extend(extra)
    if good and options.checkov is not None:
        for stack, outcome in _judge_with_checkov(options, good, progress).items():
            if isinstance(outcome, str):
                errors.setdefault(stack, outcome)
            else:
                findings[stack] = merge_duplicates(findings[stack], outcome, checkov_ids)
    pages = checkov_pages(options.checkov) if options.checkov else {}
    results = []
    for r in renderings:
        found = [_say_what_is_assumed(with_checkov_page(f, pages), r.assumed) for f in findings.get(r.stack, ())]
        if project is not None:
            # A preview JSON's source positions are already relative to its project; it has no stack file.
            found = locate(found, r.resources, project_dir=project.directory, stack_file=r.config_file)
        results.append(
            TargetResult(
                name=r.stack,
                findings=tuple(found),
                error=errors.get(r.stack),
                resources=len(r.resources),
                location=_display_path(r.config_file),
                root=str(project.directory) if project is not None else None,
                notes=r.notes,
            )
        )
    return results


def merge_duplicates(
    pack: Sequence[Finding], checkov: Sequence[Finding], checkov_ids: Mapping[str, Sequence[str]]
) -> list[Finding]:
    """One finding where a checkov check and a pack policy judge the same thing on the same resource: the pack's,
    naming the checkov id, so the policy config (level, `exclude`) is the one place to suppress it."""
    covered: dict[tuple[str, str | None], Finding] = {
        (cid, f.urn): f for f in pack if f.urn for cid in checkov_ids.get(f.rule, ())
    }
    merged: dict[int, list[str]] = {}
    kept = []
    for finding in checkov:
        twin = covered.get((finding.rule, finding.urn))
        if twin is None:
            kept.append(finding)
        else:
            merged.setdefault(id(twin), []).append(finding.rule)
    out = []
    for f in pack:
        ids = merged.get(id(f))
        if ids:
            also = ", ".join(sorted(set(ids)))
            f = replace(f, message=f"{f.message} (checkov {also} reports the same; this finding stands for both)")
        out.append(f)
    return out + kept


def _say_what_is_assumed(finding: Finding, assumed: Mapping[str, str]) -> Finding:
    """A finding whose message names an assumed account id or Region says that it rests on that assumption."""
    named = [f"{what} {assumed[key]}" for key, what in (("account_id", "account"), ("region", "Region"))
             if key in assumed and assumed[key] in finding.message]  # fmt: skip
    if not named:
        return finding
    option = " and ".join("--account-id" if n.startswith("account") else "--region" for n in named)
    return replace(
        finding,
        message=f"{finding.message} (the {' and '.join(named)} is assumed: set it in the stack or pass {option})",
    )


def _display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path, Path.cwd())
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def _judge_with_pack(
    options: CheckOptions,
    renderings: Sequence[StackRendering],
    progress: Progress,
    checkov_ids: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, list[Finding] | str]:
    """Each stack through the pack as `pulumi preview --policy-pack` would: ConfigureStack (the pack restarts with
    the stack's identity in its environment, as the CLI starts one per preview), Configure, then each resource's
    Remediate and Analyze and the stack's AnalyzeStack."""
    assert options.policy_pack is not None
    started = time.monotonic()
    out: dict[str, list[Finding] | str] = {}
    pack: Any = None
    try:
        from trailguard_gate.analyzer import PolicyPack

        pack = PolicyPack(options.policy_pack, python=pack_python(options.policy_pack), timeout=options.timeout)
        policies: dict[str, Any] = {}
        for index, r in enumerate(renderings):
            pack.configure_stack(
                stack=r.stack,
                project=options.project.name if options.project else r.project,
                organization=options.organization,
                tags={},
                config=_stack_wire_config(options.project, r),
            )
            if index == 0:
                info = pack.info()
                policies = {p.name: p for p in info.policies}
                if checkov_ids is not None:
                    # The pack's metadata names the checkov checks each policy corresponds to (`checkov:CKV_...`).
                    for p in info.policies:
                        checkov_ids[p.name] = tuple(t.split(":", 1)[1] for t in p.tags if t.startswith("checkov:"))
                progress(
                    f"policy pack {info.name} {info.version} ({len(policies)} policies) on {len(renderings)} stack(s)"
                )
                pack.configure(dict(options.policy_config or {}))
            out[r.stack] = pack.findings(r.resources)
    except Exception as exc:  # a pack that cannot start, refuses its config or crashes judges no further stack
        message = f"policy pack {options.policy_pack}: {exc}" if str(options.policy_pack) not in str(exc) else str(exc)
        return {r.stack: out.get(r.stack, message) for r in renderings}
    finally:
        if pack is not None:
            pack.close()
    progress(f"  policy pack done ({time.monotonic() - started:.1f}s)")
    return out


def _stack_wire_config(project: Project | None, rendering: StackRendering) -> dict[str, str]:
    if rendering.wire_config is not None or project is None:
        return dict(rendering.wire_config or {})
    return _wire_config(project, rendering.stack)


def _wire_config(project: Project, stack: str) -> dict[str, str]:
    """The stack's config as the CLI hands it to a pack: every value a string, structured ones JSON-encoded."""
    values = stack_config(project, stack).values
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


def _judge_with_checkov(
    options: CheckOptions, renderings: Sequence[StackRendering], progress: Progress
) -> dict[str, list[Finding] | str]:
    from trailguard_gate.checkov import CheckovError

    assert options.checkov is not None
    started = time.monotonic()
    plans: dict[str, TerraformPlan] = {}
    for r in renderings:
        region = _region(options.project, r)
        plans[r.stack] = export_plan(r.resources, region=region)
    count = sum(len(p.resources) for p in plans.values())
    progress(f"checkov on {len(plans)} stack(s), {count} AWS resources")
    try:
        found = run_checkov(
            plans,
            executable=options.checkov,
            skips=[*component_skips(), *options.skips],
            timeout=options.timeout,
            options=options.checkov_options,
        )
    except CheckovError as exc:
        return {stack: str(exc) for stack in plans}
    progress(f"  checkov done ({time.monotonic() - started:.1f}s)")
    if len(renderings) == len(options.stacks):
        for skip in stale_skips(options.skips, found):
            progress(f"  the skip of {skip.describe()} matched nothing: remove it, or fix its stacks or resources")
    return dict(found)


def stale_skips(skips: Sequence[Skip], found: Mapping[str, Sequence[Finding]]) -> list[Skip]:
    """Scoped skips that suppressed no finding in any stack: a typo in a pattern, or a fixed resource."""
    used = {f.suppression for findings in found.values() for f in findings if f.suppression is not None}
    return [s for s in skips if not s.is_global and not s.shipped and s.reason not in used]


def _region(project: Project | None, rendering: StackRendering) -> str | None:
    if project is None:
        return (rendering.wire_config or {}).get("aws:region")
    try:
        value = stack_config(project, rendering.stack).values.get("aws:region")
    except ValueError:
        return None
    return value if isinstance(value, str) else None
