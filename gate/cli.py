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
from dataclasses import replace
from pathlib import Path

from trailguard_gate.arguments import account, output_spec, positive, region
from trailguard_gate.checkov import (
    REPOSITORY_FRAMEWORKS,
    CheckovError,
    CheckovOptions,
    Skip,
    SkipsError,
    load_path_skips,
    load_skips,
    locate_checkov,
    scan_repository,
    unknown_check_ids,
)
from trailguard_gate.locate import checkov_pages
from trailguard_gate.model import Level, TargetResult
from trailguard_gate.preview import PulumiJSONError, load_preview, load_state
from trailguard_gate.render import (
    DEFAULT_TIMEOUT,
    MocksFileError,
    ProjectError,
    load_mocks,
    load_project,
    stack_names,
)
from trailguard_gate.report import EXIT_ERROR, FORMATS, exit_code, render_report, tool_version
from trailguard_gate.run import CheckOptions, UsageError, default_policy_pack, load_policy_config, run_check

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
        "--preview-json",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="judge what `pulumi preview --json` printed (any language; --show-sames judges the whole stack); "
        "repeatable",
    )
    check.add_argument(
        "--state",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="judge what `pulumi stack export` printed (any language); repeatable",
    )
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
        "--checkov-level",
        choices=("mandatory", "advisory"),
        default="mandatory",
        help="what a failed checkov check weighs: mandatory (checkov's meaning, the default) fails the gate",
    )
    for flag, what in (
        ("--check", "run only these checkov checks"),
        ("--skip-check", "do not run these checkov checks"),
        ("--soft-fail-on", "these checkov checks (ids, or a severity and below) never fail the gate"),
        ("--hard-fail-on", "only these checkov checks (ids, or a severity and above) fail the gate"),
    ):
        check.add_argument(flag, action="append", default=[], metavar="IDS", help=f"{what}, as checkov's {flag}")
    check.add_argument(
        "--skips", type=Path, help=f"the checkov skips file (default: {DEFAULT_SKIPS} in the project directory)"
    )
    check.add_argument(
        "--organization",
        default="organization",
        help="the Pulumi organization: what pulumi.get_organization() returns and the pack is told",
    )
    check.add_argument(
        "--mocks",
        type=Path,
        metavar="FILE",
        help="YAML answers for data sources (invokes: {token: result}) and other stacks' outputs "
        "(stacks: {org/project/stack: {output: value}})",
    )
    check.add_argument(
        "--account-id", type=account, help="the AWS account the program runs as (default: from the stack config)"
    )
    check.add_argument("--region", type=region, help="the AWS Region the program runs in (default: aws:region)")
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

    pack_path = subparsers.add_parser(
        "pack-path",
        help="print the installed policy pack's folder, for `pulumi policy analyze --policy-pack`",
        description=(
            "Print the folder of the trailguard policy pack installed with this package, e.g. "
            'pulumi policy analyze --policy-pack "$(trailguard pack-path)". Exit 2 if it is not installed.'
        ),
    )
    pack_path.set_defaults(func=command_pack_path)
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
    except (UsageError, ProjectError, SkipsError, CheckovError, MocksFileError, PulumiJSONError) as exc:
        print(f"trailguard check: {exc}", file=sys.stderr)
        # The reports asked for are still written, so CI publishes why nothing was judged.
        _write_reports([TargetResult(name=str(args.project_dir), error=str(exc))], args, stdout=False)
        return EXIT_ERROR
    progress = _progress(args.quiet)
    known = stack_names(options.project) if options.project else options.stacks
    for stack in options.stacks if options.project else ():
        if stack not in known:
            where = os.path.relpath(options.project.stack_file(stack))  # type: ignore[union-attr]
            progress(
                f"{stack}: no stack file {where} (the stacks with one: {', '.join(known) or 'none'}); "
                "rendering with empty stack config"
            )
    results = run_check(options, progress)
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


def command_pack_path(args: argparse.Namespace) -> int:
    try:
        print(default_policy_pack().resolve())
    except UsageError as exc:
        print(f"trailguard pack-path: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return 0


def _write_reports(results: Sequence[TargetResult], args: argparse.Namespace, *, stdout: bool = True) -> None:
    """The `--format` report on stdout unless an `--output` took it, then every `--output`."""
    reports = [(fmt or args.format, path) for fmt, path in args.output]
    if stdout and not any(fmt is None for fmt, _ in args.output):
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
    if args.preview_json or args.state:
        return _file_options(args)
    project = load_project(args.project_dir)
    known = stack_names(project)
    if args.stacks:
        # A stack without a committed stack file renders with empty stack config, as a new `pulumi stack init`.
        stacks = list(dict.fromkeys(args.stacks))
    elif known:
        stacks = known
    else:
        raise UsageError(
            f"no stack files (Pulumi.<stack>.yaml) in {project.stack_config_dir}; "
            "create one, e.g. pulumi stack init dev, or name a stack to render with empty config, e.g. --stack dev"
        )
    pack, checkov, skips = _pack_and_tools(args, project.directory)
    return CheckOptions(
        project=project,
        stacks=stacks,
        policy_pack=pack,
        policy_config=load_policy_config(args.policy_config),
        checkov=checkov,
        skips=skips,
        organization=args.organization,
        jobs=args.jobs,
        timeout=args.timeout,
        mocks=load_mocks(args.mocks) if args.mocks else None,
        checkov_options=_checkov_options(args),
        account_id=args.account_id,
        region=args.region,
    )


def _pack_and_tools(args: argparse.Namespace, directory: Path) -> tuple[Path | None, str | None, list[Skip]]:
    pack = None
    if not args.no_pack:
        pack = (args.policy_pack or default_policy_pack()).resolve()
        if not (pack / "PulumiPolicy.yaml").is_file():
            raise UsageError(f"--policy-pack {pack}: no PulumiPolicy.yaml there; pass a policy pack folder")
    checkov = None if args.no_checkov else locate_checkov(args.checkov, directory)
    if args.skips and not args.skips.is_file():
        raise UsageError(f"--skips {args.skips}: no such file")
    skips_file = args.skips or directory / DEFAULT_SKIPS
    skips = load_skips(skips_file)
    if checkov is not None:
        known = sorted(checkov_pages(checkov))
        if known:
            for problem in unknown_check_ids([s.check for s in skips], known):
                raise SkipsError(f"{skips_file}: {problem}; fix or remove the skip")
            options = _checkov_options(args)
            for flag, ids in (("--check", options.check), ("--skip-check", options.skip_check),
                              ("--soft-fail-on", options.soft_fail_on), ("--hard-fail-on", options.hard_fail_on)):  # fmt: skip
                for problem in unknown_check_ids(ids, known):
                    raise UsageError(f"{flag}: {problem}")
    return pack, checkov, skips


def _ids(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _checkov_options(args: argparse.Namespace) -> CheckovOptions:
    return CheckovOptions(
        level=Level(args.checkov_level),
        check=_ids(args.check),
        skip_check=_ids(args.skip_check),
        soft_fail_on=_ids(args.soft_fail_on),
        hard_fail_on=_ids(args.hard_fail_on),
    )


def _file_options(args: argparse.Namespace) -> CheckOptions:
    """Judge the Pulumi CLI's own JSON (any language) instead of rendering a Python project."""
    if args.stacks:
        raise UsageError("--stack names stacks to render; a preview JSON or state file is one stack already")
    renderings = [load_preview(p) for p in args.preview_json] + [load_state(p) for p in args.state]
    names = [r.stack for r in renderings]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        renderings = [replace(r, stack=f"{r.stack} ({r.config_file.name})") for r in renderings]
    pack, checkov, skips = _pack_and_tools(args, Path.cwd())
    return CheckOptions(
        project=None,
        stacks=[r.stack for r in renderings],
        policy_pack=pack,
        policy_config=load_policy_config(args.policy_config),
        checkov=checkov,
        skips=skips,
        organization=args.organization,
        jobs=args.jobs,
        timeout=args.timeout,
        renderings=renderings,
        checkov_options=_checkov_options(args),
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
