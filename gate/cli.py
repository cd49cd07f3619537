"""The `trailguard` command: `trailguard check` judges a Pulumi project's stacks offline, for pull requests.

Exit codes: 0 clean; 1 a mandatory policy violation or a failed checkov check; 2 a stack that could not be
rendered or judged, or bad usage. Reports go to stdout (`--format`) and to files (`--output FORMAT:PATH`);
progress goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from trailguard_gate.arguments import output_spec, positive
from trailguard_gate.check import CheckOptions, UsageError, default_policy_pack, load_policy_config, run_check
from trailguard_gate.checkov import (
    REPOSITORY_FRAMEWORKS,
    CheckovError,
    SkipsError,
    load_path_skips,
    load_skips,
    locate_checkov,
    scan_repository,
)
from trailguard_gate.model import TargetResult
from trailguard_gate.render import DEFAULT_TIMEOUT, ProjectError, load_project, stack_names
from trailguard_gate.report import EXIT_ERROR, FORMATS, exit_code, render_report, tool_version

DEFAULT_SKIPS = ".checkov.skips.yaml"
_OUTPUT = output_spec("trailguard")


def build_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction[argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="trailguard",
        description="AWS CloudTrail done right: policy checks for Pulumi stacks, offline, and for what is deployed.",
    )
    parser.add_argument("--version", action="version", version=f"trailguard {tool_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    check = subparsers.add_parser(
        "check",
        help="render each stack under mocks and judge it with the policy pack and checkov (no cloud access)",
        description=(
            "Render each stack of the Pulumi Python project under Pulumi's runtime mocks, run the policy pack on "
            "it through the Analyzer protocol as `pulumi preview --policy-pack` would, and run checkov on its "
            "Terraform-plan export. Exit 0 clean, 1 a mandatory violation or failed check, 2 a stack that could "
            "not be checked or bad usage."
        ),
    )
    check.add_argument("--project-dir", type=Path, default=Path("."), help="the Pulumi project (default: .)")
    check.add_argument(
        "--stack", action="append", dest="stacks", metavar="NAME", help="a stack to check (repeatable; default: all)"
    )
    check.add_argument("--policy-pack", type=Path, help="a policy pack folder (default: the bundled trailguard pack)")
    check.add_argument(
        "--policy-config", type=Path, help="policy config JSON, as for `pulumi preview --policy-pack-config`"
    )
    check.add_argument("--no-pack", action="store_true", help="do not run the policy pack")
    check.add_argument("--format", choices=FORMATS, default="text", help="the report on stdout (default: text)")
    check.add_argument(
        "--output",
        action="append",
        type=_OUTPUT,
        default=[],
        metavar="[FORMAT:]PATH",
        help="also write a report to PATH, e.g. sarif:out/trailguard.sarif (repeatable; '-' is stdout)",
    )
    check.add_argument("--no-checkov", action="store_true", help="do not run checkov")
    check.add_argument("--checkov", metavar="PATH", help="the checkov executable (default: $TRAILGUARD_CHECKOV, "
                       ".venv-checkov/bin/checkov, then PATH)")  # fmt: skip
    check.add_argument(
        "--skips", type=Path, help=f"the checkov skips file (default: {DEFAULT_SKIPS} in the project directory)"
    )
    check.add_argument("--organization", default="organization", help="the Pulumi organization the pack is told")
    check.add_argument(
        "--jobs", type=positive(int), default=min(4, os.cpu_count() or 1), help="stacks rendered at once"
    )
    check.add_argument(
        "--timeout", type=positive(float), default=DEFAULT_TIMEOUT, help="seconds allowed per stack and tool"
    )
    check.add_argument("--quiet", action="store_true", help="no progress on stderr")
    check.set_defaults(func=command_check)

    repo = subparsers.add_parser(
        "check-repo",
        help="checkov's secrets and GitHub Actions checks over the repository's own files",
        description=(
            "Scan the repository with checkov's secrets and github_actions frameworks; the skips file's `paths` "
            "section lists what does not apply, each with a reason. Exit 0 clean, 1 a finding, 2 bad usage."
        ),
    )
    repo.add_argument("--directory", type=Path, default=Path("."), help="the repository root (default: .)")
    repo.add_argument("--checkov", metavar="PATH", help="the checkov executable")
    repo.add_argument("--skips", type=Path, help=f"the skips file (default: {DEFAULT_SKIPS} in the directory)")
    repo.add_argument("--format", choices=FORMATS, default="text", help="the report on stdout (default: text)")
    repo.add_argument("--output", action="append", type=_OUTPUT, default=[], metavar="[FORMAT:]PATH")
    repo.add_argument("--timeout", type=positive(float), default=DEFAULT_TIMEOUT, help="seconds allowed for checkov")
    repo.add_argument("--quiet", action="store_true", help="no progress on stderr")
    repo.set_defaults(func=command_check_repo)
    return parser, subparsers


def _progress(quiet: bool) -> Callable[[str], None]:
    started = time.monotonic()

    def say(message: str) -> None:
        if not quiet:
            print(f"[{time.monotonic() - started:5.1f}s] {message}", file=sys.stderr, flush=True)

    return say


def command_check(args: argparse.Namespace) -> int:
    try:
        options = _check_options(args)
    except (UsageError, ProjectError, SkipsError, CheckovError) as exc:
        print(f"trailguard check: {exc}", file=sys.stderr)
        return EXIT_ERROR
    results = run_check(options, _progress(args.quiet))
    _write_reports(results, args)
    return exit_code(results)


def command_check_repo(args: argparse.Namespace) -> int:
    directory = args.directory.resolve()
    try:
        executable = locate_checkov(args.checkov, directory)
        skips = load_path_skips(args.skips or directory / DEFAULT_SKIPS)
        if not args.quiet:
            print(f"checkov {', '.join(REPOSITORY_FRAMEWORKS)} over {directory}", file=sys.stderr, flush=True)
        findings = scan_repository(directory, executable=executable, skips=skips, timeout=args.timeout)
    except (SkipsError, CheckovError) as exc:
        print(f"trailguard check-repo: {exc}", file=sys.stderr)
        return EXIT_ERROR
    results = [TargetResult(name="repository", findings=tuple(findings), location=None)]
    _write_reports(results, args)
    return exit_code(results)


def _write_reports(results: Sequence[TargetResult], args: argparse.Namespace) -> None:
    """The `--format` report on stdout unless an `--output` took it, then every `--output`."""
    reports = [(fmt or args.format, path) for fmt, path in args.output]
    if not any(fmt is None for fmt, _ in args.output):
        reports.insert(0, (args.format, "-"))
    for fmt, path in reports:
        text = render_report(results, fmt)
        if path == "-":
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            if not args.quiet:
                print(f"wrote {fmt} report to {target}", file=sys.stderr)


def _check_options(args: argparse.Namespace) -> CheckOptions:
    project = load_project(args.project_dir)
    known = stack_names(project)
    if args.stacks:
        unknown = [s for s in args.stacks if s not in known]
        if unknown:
            where = os.path.relpath(project.stack_config_dir)
            raise UsageError(
                f"--stack {unknown[0]}: no {where}/Pulumi.{unknown[0]}.yaml; "
                f"the stacks are: {', '.join(known) or '(none)'}"
            )
        stacks = list(dict.fromkeys(args.stacks))
    elif known:
        stacks = known
    else:
        raise UsageError(
            f"no stack files (Pulumi.<stack>.yaml) in {project.stack_config_dir}; "
            "create one, e.g. pulumi stack init dev, or pass --project-dir"
        )
    pack = None
    if not args.no_pack:
        pack = (args.policy_pack or default_policy_pack()).resolve()
        if not (pack / "PulumiPolicy.yaml").is_file():
            raise UsageError(f"--policy-pack {pack}: no PulumiPolicy.yaml there; pass a policy pack folder")
    checkov = None if args.no_checkov else locate_checkov(args.checkov, project.directory)
    skips_file = args.skips or project.directory / DEFAULT_SKIPS
    if args.skips and not args.skips.is_file():
        raise UsageError(f"--skips {args.skips}: no such file")
    return CheckOptions(
        project=project,
        stacks=stacks,
        policy_pack=pack,
        policy_config=load_policy_config(args.policy_config),
        checkov=checkov,
        skips=load_skips(skips_file),
        organization=args.organization,
        jobs=args.jobs,
        timeout=args.timeout,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser, subparsers = build_parser()
    try:
        from trailguard_gate.audit import cli as audit_cli
    except ImportError:
        pass  # the audit commands are optional: `check` never needs AWS access
    else:
        audit_cli.add_commands(subparsers)
    from trailguard_gate import policies_cmd

    policies_cmd.add_command(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
