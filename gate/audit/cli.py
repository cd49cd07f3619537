"""`trailguard audit` and `trailguard adopt` on the command line; `trailguard_gate.cli` registers them.

audit exits as `trailguard check` does: 0 clean, 1 a mandatory violation (of the pack or of delivery health),
2 an account or Region that could not be judged, no credentials, or bad usage. adopt exits 0 when the import file
is written, 1 when the stack would replace an adopted resource, 2 when nothing can be adopted as asked.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from trailguard_gate import arguments
from trailguard_gate.audit.adopt import AdoptError, plain_plan, select, stack_plan
from trailguard_gate.audit.aws import DEFAULT_MAX_ATTEMPTS, Connector, EventHook
from trailguard_gate.audit.collect import collect_region
from trailguard_gate.audit.convert import to_resources
from trailguard_gate.audit.gaps import READ_COMPLETE
from trailguard_gate.audit.orgwalk import DEFAULT_CONCURRENCY, WalkError
from trailguard_gate.audit.run import AuditError, AuditOptions, run_audit, start
from trailguard_gate.report import EXIT_ERROR, EXIT_VIOLATION, FORMATS, exit_code, render_report

_OUTPUT = arguments.output_spec("audit")


def _connection(parser: argparse.ArgumentParser, *, many_regions: bool) -> None:
    parser.add_argument("--profile", metavar="NAME", help="the AWS profile (default: the standard credential chain)")
    if many_regions:
        parser.add_argument(
            "--region",
            action="append",
            dest="regions",
            type=arguments.region,
            metavar="REGION",
            help="a Region to audit (repeatable; default: the session's Region and the home Regions of the trails "
            "it lists)",
        )
    else:
        parser.add_argument(
            "--region", type=arguments.region, help="the trail's home Region (default: the session's Region)"
        )
    parser.add_argument(
        "--max-attempts",
        metavar="N",
        type=arguments.positive(int, "6"),
        default=DEFAULT_MAX_ATTEMPTS,
        help=f"attempts per AWS call, with backoff, before a throttled call is reported (default: {DEFAULT_MAX_ATTEMPTS})",
    )


def add_commands(subparsers: Any) -> None:
    """Register `audit` and `adopt` on the `trailguard` command's subparsers."""
    audit = subparsers.add_parser(
        "audit",
        help="judge the trails already deployed in AWS with the same policy pack (read-only)",
        description=(
            "Read every trail of the account (or of every account of the organization, with --assume-role) and "
            "what it delivers to, with read-only calls; judge it with the policy pack as `trailguard check` judges "
            "code, and report whether each trail is actually delivering. Exit 0 clean, 1 a mandatory violation, "
            "2 an account or Region that could not be judged, or bad usage."
        ),
    )
    _connection(audit, many_regions=True)
    audit.add_argument("--all-regions", action="store_true", help="audit every Region enabled in the account")
    audit.add_argument(
        "--assume-role",
        metavar="NAME",
        help="walk every account of the organization, entering each with this role (a read-only role, e.g. TrailguardAuditReadOnly: docs/audit-readonly-policy.json)",
    )
    audit.add_argument("--external-id", metavar="ID", help="the external id the role's trust policy requires")
    audit.add_argument(
        "--account",
        action="append",
        dest="accounts",
        type=arguments.account,
        metavar="ID",
        help="with --assume-role: audit only this account (repeatable)",
    )
    audit.add_argument(
        "--concurrency",
        metavar="N",
        type=arguments.positive(int, "8"),
        default=DEFAULT_CONCURRENCY,
        help=f"accounts audited at once (default: {DEFAULT_CONCURRENCY})",
    )
    audit.add_argument("--format", choices=FORMATS, default="text", help="the report on stdout (default: text)")
    audit.add_argument(
        "--output",
        action="append",
        type=_OUTPUT,
        default=[],
        metavar="[FORMAT:]PATH",
        help="also write a report to PATH, e.g. sarif:out/audit.sarif (repeatable; '-' is stdout)",
    )
    audit.add_argument(
        "--policy-pack", metavar="DIR", type=Path, help="a policy pack folder (default: the bundled trailguard pack)"
    )
    audit.add_argument(
        "--policy-config",
        metavar="FILE",
        type=Path,
        help="policy config JSON, as `pulumi preview --policy-pack-config` takes",
    )
    audit.add_argument("--no-pack", action="store_true", help="report delivery health and gaps only")
    audit.add_argument(
        "--max-delivery-age",
        type=arguments.positive(float, "24"),
        default=24.0,
        metavar="HOURS",
        help="hours without a delivery after which a logging trail is reported (default: 24)",
    )
    audit.add_argument(
        "--fail-on-incomplete",
        action="store_true",
        help="exit 2 when any read failed (access denied, throttled), instead of reporting it as advisory",
    )
    audit.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=arguments.positive(float, "300"),
        default=300.0,
        help="seconds the policy pack may take (default: 300)",
    )
    audit.add_argument("--quiet", action="store_true", help="no progress on stderr")
    audit.set_defaults(func=command_audit)

    adopt = subparsers.add_parser(
        "adopt",
        help="print the `pulumi import --file` document that brings existing trails under Pulumi",
        description=(
            "Read a trail and its bucket, key, log group and role, and print the import file `pulumi import --file` "
            "takes. With --stack, the stack is rendered under mocks and the import uses the names and component "
            "parents its program declares, so the next `pulumi up` changes nothing it does not have to."
        ),
    )
    _connection(adopt, many_regions=False)
    adopt.add_argument(
        "--trail", action="append", dest="trails", default=[], metavar="NAME", help="a trail name or ARN (repeatable; "
        "default: every trail of the account homed in the Region)",
    )  # fmt: skip
    adopt.add_argument("--stack", metavar="NAME", help="a stack of the Pulumi project to adopt into (rendered offline)")
    adopt.add_argument(
        "--project-dir", metavar="DIR", type=Path, default=Path("."), help="the Pulumi project (default: .)"
    )
    adopt.add_argument("--output", default="-", metavar="PATH", help="where to write the import file (default: stdout)")
    adopt.set_defaults(func=command_adopt)


def _say(quiet: bool) -> Callable[[str], None]:
    started = time.monotonic()

    def say(message: str) -> None:
        if not quiet:
            print(f"[{time.monotonic() - started:5.1f}s] {message}", file=sys.stderr, flush=True)

    return say


def _write(text: str, path: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def audit_options(args: argparse.Namespace, hooks: Sequence[EventHook] = ()) -> AuditOptions:
    """The options `args` ask for; `UsageError`-style problems raise `AuditError`."""
    if not args.assume_role and (args.accounts or args.external_id):
        flag = "--account" if args.accounts else "--external-id"
        raise AuditError(f"{flag} needs --assume-role NAME, e.g. --assume-role TrailguardAuditReadOnly")
    if args.all_regions and args.regions:
        raise AuditError("--all-regions and --region exclude each other: pass one")
    pack = None
    if not args.no_pack:
        from trailguard_gate.run import UsageError, default_policy_pack

        try:
            pack = (args.policy_pack or default_policy_pack()).resolve()
        except UsageError as error:
            raise AuditError(str(error)) from None
        if not (pack / "PulumiPolicy.yaml").is_file():
            raise AuditError(f"--policy-pack {pack}: no PulumiPolicy.yaml there; pass a policy pack folder")
    policy_config = None
    if args.policy_config:
        from trailguard_gate.run import UsageError, load_policy_config

        try:
            policy_config = load_policy_config(args.policy_config)
        except UsageError as error:
            raise AuditError(str(error)) from None
    region = args.regions[0] if args.regions else None
    return AuditOptions(
        connector=Connector(profile=args.profile, region=region, max_attempts=args.max_attempts, hooks=tuple(hooks)),
        regions=tuple(args.regions or ()),
        all_regions=args.all_regions,
        assume_role=args.assume_role,
        external_id=args.external_id,
        accounts=tuple(args.accounts or ()),
        concurrency=args.concurrency,
        max_delivery_age=timedelta(hours=args.max_delivery_age),
        policy_pack=pack,
        policy_config=policy_config,
        timeout=args.timeout,
    )


def command_audit(args: argparse.Namespace, hooks: Sequence[EventHook] = ()) -> int:
    try:
        options = audit_options(args, hooks)
        results = run_audit(options, _say(args.quiet))
    except (AuditError, WalkError) as error:
        print(f"trailguard audit: {error}", file=sys.stderr)
        return EXIT_ERROR
    reports = [(fmt or args.format, path) for fmt, path in args.output]
    if not any(fmt is None for fmt, _ in args.output):
        reports.insert(0, (args.format, "-"))
    for fmt, path in reports:
        _write(render_report(results, fmt), path)
        if path != "-" and not args.quiet:
            print(f"wrote {fmt} report to {path}", file=sys.stderr)
    code = exit_code(results)
    incomplete = any(f.rule == READ_COMPLETE.name for r in results for f in r.findings)
    if args.fail_on_incomplete and incomplete:
        return EXIT_ERROR
    return code


def command_adopt(args: argparse.Namespace, hooks: Sequence[EventHook] = ()) -> int:
    connector = Connector(profile=args.profile, region=args.region, max_attempts=args.max_attempts, hooks=tuple(hooks))
    try:
        account = start(connector)
        region = args.region or account.default_region
        state = collect_region(account, region)
        if state.trails_unread:
            raise AdoptError(state.faults[0].message() if state.faults else f"cannot list the trails in {region}")
        live = select(to_resources(state), state, args.trails)
        if args.stack:
            resources, stack_file = _rendered(args.project_dir, args.stack)
            plan = stack_plan(live, resources, state, args.stack, stack_file)
        else:
            plan = plain_plan(live, state)
    except (AuditError, AdoptError) as error:
        print(f"trailguard adopt: {error}", file=sys.stderr)
        return EXIT_ERROR
    _write(plan.text(), args.output)
    for fault in state.faults:
        print(f"warning: {fault.message()}", file=sys.stderr)
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    where = "FILE" if args.output == "-" else args.output
    stack = f" --stack {args.stack}" if args.stack else ""
    print(f"next: pulumi import --file {where}{stack}  (imported resources are protected)", file=sys.stderr)
    return EXIT_VIOLATION if plan.warnings else 0


def _rendered(project_dir: Path, stack: str) -> tuple[Sequence[Any], Path]:
    from trailguard_gate.render import ProjectError, load_project, render_stack, stack_names

    try:
        project = load_project(project_dir)
    except ProjectError as error:
        raise AdoptError(str(error)) from None
    known = stack_names(project)
    if stack not in known:
        raise AdoptError(f"--stack {stack}: no Pulumi.{stack}.yaml; the stacks are: {', '.join(known) or '(none)'}")
    rendering = render_stack(project, stack)
    if rendering.error:
        raise AdoptError(f"stack {stack!r} could not be rendered: {rendering.error}")
    return rendering.resources, rendering.config_file
