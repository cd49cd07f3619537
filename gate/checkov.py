"""Run checkov's `terraform_plan` framework on exported stacks and tie each failed check back to a Pulumi resource.

checkov's pins conflict with pulumi's, so it lives in its own environment and is called as a command. Skips
live in a committed YAML file; each names a check, optionally the stacks and resources it covers, and a reason:
a skip without a reason is an error, because a silent exception is how audit gaps start.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from trailguard_gate.model import Finding, Level
from trailguard_gate.tfplan import TerraformPlan

ENV_CHECKOV = "TRAILGUARD_CHECKOV"
CHECKOV_INDEX = "https://www.checkov.io/5.Policy%20Index/terraform.html"
"""checkov's list of Terraform checks, the help link where checkov (offline) gives no guideline of its own."""
INSTALL_HINT = (
    "install it in its own virtualenv (its pins conflict with pulumi's), e.g. "
    "python3 -m venv .venv-checkov && .venv-checkov/bin/pip install checkov; "
    f"then pass --checkov PATH, set {ENV_CHECKOV}, or skip it with --no-checkov"
)
# How to satisfy the checks CloudTrail stacks meet most, said in pulumi-aws terms (Python argument names).
CHECK_FIXES: dict[str, str] = {
    "CKV_AWS_18": "add an aws.s3.BucketLogging for the bucket, delivering to a separate access-log bucket",
    "CKV_AWS_21": "add an aws.s3.BucketVersioning for the bucket with versioning_configuration status 'Enabled'",
    "CKV2_AWS_6": "add an aws.s3.BucketPublicAccessBlock for the bucket with all four flags True",
    "CKV_AWS_53": "set block_public_acls=True on the bucket's aws.s3.BucketPublicAccessBlock",
    "CKV_AWS_54": "set block_public_policy=True on the bucket's aws.s3.BucketPublicAccessBlock",
    "CKV_AWS_55": "set ignore_public_acls=True on the bucket's aws.s3.BucketPublicAccessBlock",
    "CKV_AWS_56": "set restrict_public_buckets=True on the bucket's aws.s3.BucketPublicAccessBlock",
    "CKV_AWS_145": "add an aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm 'aws:kms' and your key",
    "CKV2_AWS_61": "add an aws.s3.BucketLifecycleConfiguration for the bucket",
    "CKV_AWS_300": "give every lifecycle rule an abort_incomplete_multipart_upload",
    "CKV_AWS_144": "add an aws.s3.BucketReplicationConfig to a bucket in a second Region",
    "CKV2_AWS_62": "add an aws.s3.BucketNotification for the bucket",
    "CKV2_AWS_65": "add aws.s3.BucketOwnershipControls with object_ownership 'BucketOwnerEnforced'",
    "CKV_AWS_70": "drop the bucket policy's Allow to '*' or restrict it with a condition",
    "CKV_AWS_35": "set kms_key_id on the aws.cloudtrail.Trail to a customer-managed key's ARN",
    "CKV_AWS_36": "set enable_log_file_validation=True on the aws.cloudtrail.Trail",
    "CKV_AWS_67": "set is_multi_region_trail=True on the aws.cloudtrail.Trail",
    "CKV2_AWS_10": "set cloud_watch_logs_group_arn and cloud_watch_logs_role_arn on the aws.cloudtrail.Trail",
    "CKV_AWS_252": "set sns_topic_name on the aws.cloudtrail.Trail",
    "CKV_AWS_7": "set enable_key_rotation=True on the aws.kms.Key",
    "CKV_AWS_33": "condition or remove the key policy's wildcard principals",
    "CKV_AWS_227": "set is_enabled=True on the aws.kms.Key",
    "CKV_AWS_158": "set kms_key_id on the aws.cloudwatch.LogGroup",
    "CKV_AWS_338": "set retention_in_days to 365 or more on the aws.cloudwatch.LogGroup",
    "CKV_AWS_66": "set retention_in_days on the aws.cloudwatch.LogGroup",
    "CKV_AWS_26": "set kms_master_key_id on the aws.sns.Topic",
}
_CHECK_ID = re.compile(r"^CKV2?_[A-Z0-9]+_\d+$")
_SKIP_KEYS = {"check", "reason", "resources", "stacks"}
_PATH_SKIP_KEYS = {"path", "checks", "reason"}
REPOSITORY_FRAMEWORKS = ("secrets", "github_actions")
# Not the repository's own files: virtualenvs, caches and build output are never scanned.
REPOSITORY_EXCLUDES = (r"\.venv", r"\.venv-checkov", r"(^|/)build/", r"\.mypy_cache", r"\.ruff_cache", r"\.pytest_cache",
                       r"\.hypothesis", r"node_modules", r"(^|/)out/")  # fmt: skip
SKIPS_EXAMPLE = "- check: CKV_AWS_144\n    reason: cross-Region replication is configured per stack, off in dev"


class CheckovError(RuntimeError):
    """checkov is missing or failed to run; the gate cannot judge with it."""


class SkipsError(ValueError):
    """The skips file is malformed: the message names the entry and shows a valid one."""


@dataclass(frozen=True)
class Skip:
    """A committed decision that a checkov check does not apply, and why."""

    check: str
    reason: str
    resources: tuple[str, ...] = ()
    """Shell patterns over Pulumi resource names or URNs; empty means every resource."""
    stacks: tuple[str, ...] = ()
    """Stack names; empty means every stack."""
    shipped: bool = False
    """One of the skips trailguard ships for its own components (`component_skips.yaml`), not the user's."""

    @property
    def is_global(self) -> bool:
        return not self.resources and not self.stacks

    def covers(self, stack: str, finding: Finding) -> bool:
        if finding.rule != self.check or (self.stacks and stack not in self.stacks):
            return False
        if not self.resources:
            return True
        names = [n for n in (finding.resource_name, finding.urn) if n]
        return any(fnmatch.fnmatchcase(n, p) for n in names for p in self.resources)

    def describe(self) -> str:
        scope = []
        if self.stacks:
            scope.append(f"stacks {', '.join(self.stacks)}")
        if self.resources:
            scope.append(f"resources {', '.join(self.resources)}")
        return f"{self.check}" + (f" ({'; '.join(scope)})" if scope else "")


COMPONENT_SKIPS = Path(__file__).with_name("component_skips.yaml")


def component_skips() -> list[Skip]:
    """The skips trailguard ships for what its components create, scoped to resources under its components."""
    return [replace(s, shipped=True) for s in load_skips(COMPONENT_SKIPS)]


@dataclass(frozen=True)
class CheckovOptions:
    """What checkov's own users set on its command line, passed through, and the level of its findings."""

    level: Level = Level.MANDATORY
    """A failed check's level: mandatory (checkov's meaning: it fails the gate) or advisory."""
    check: tuple[str, ...] = ()
    """Run only these checks (checkov's --check)."""
    skip_check: tuple[str, ...] = ()
    """Do not run these checks (checkov's --skip-check)."""
    soft_fail_on: tuple[str, ...] = ()
    """Checks (ids, or a severity and those below it) whose failures do not fail the gate (--soft-fail-on)."""
    hard_fail_on: tuple[str, ...] = ()
    """Only these checks (ids, or a severity and those above it) fail the gate (--hard-fail-on)."""

    def level_of(self, finding: Finding) -> Level:
        if self.hard_fail_on:
            return Level.MANDATORY if _matches(finding, self.hard_fail_on, above=True) else Level.ADVISORY
        if self.soft_fail_on and _matches(finding, self.soft_fail_on, above=False):
            return Level.ADVISORY
        return self.level


SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")


def _matches(finding: Finding, entries: Sequence[str], *, above: bool) -> bool:
    """checkov's rule: an entry is a check id (shell patterns allowed) or a severity, meaning that severity and
    those above it (hard-fail-on) or below it (soft-fail-on)."""
    severity = (finding.severity or "").upper()
    for entry in entries:
        if entry.upper() in SEVERITIES:
            if severity in SEVERITIES:
                rank, threshold = SEVERITIES.index(severity), SEVERITIES.index(entry.upper())
                if (rank >= threshold) if above else (rank <= threshold):
                    return True
        elif fnmatch.fnmatchcase(finding.rule, entry):
            return True
    return False


def unknown_check_ids(ids: Sequence[str], known: Sequence[str]) -> list[str]:
    """Messages for the ids of `ids` that name no check of the installed checkov, each with the nearest ones."""
    messages = []
    for check in ids:
        if check.upper() in SEVERITIES or any(c in check for c in "*?[") or check in known:
            continue
        close = difflib.get_close_matches(check, known, n=2, cutoff=0.8)
        hint = f"did you mean {' or '.join(close)}?" if close else "see checkov --list for the check ids"
        messages.append(f"{check} is not a check of the installed checkov; {hint}")
    return messages


def load_skips(path: Path) -> list[Skip]:
    """Read and validate the skips file; a missing file means no skips."""
    if not path.is_file():
        return []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SkipsError(f"{path}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if document is None:
        return []
    entries = document.get("skips", []) if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise SkipsError(f"{path}: expected a 'skips' list, e.g.\nskips:\n  {SKIPS_EXAMPLE}")
    unknown = sorted(set(document) - {"skips", "paths"})
    if unknown:
        raise SkipsError(f"{path}: unknown section {unknown[0]!r}; the sections are skips (stacks) and paths (files)")
    return [_skip(path, i, entry) for i, entry in enumerate(entries, start=1)]


@dataclass(frozen=True)
class PathSkip:
    """A committed decision that some checks do not apply to some of the repository's files, and why."""

    path: str
    """A regular expression over the file's path relative to the repository root."""
    checks: tuple[str, ...]
    reason: str

    def covers(self, finding: Finding) -> bool:
        return finding.rule in self.checks and re.search(self.path, finding.resource_name or "") is not None


def load_path_skips(path: Path) -> list[PathSkip]:
    """The `paths` section of the skips file: what the repository scan (secrets, workflows) does not report."""
    if not path.is_file():
        return []
    load_skips(path)  # the same file: one malformed section fails both scans
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = document.get("paths", [])
    if not isinstance(entries, list):
        raise SkipsError(f"{path}: expected a 'paths' list, e.g.\npaths:\n  {PATH_SKIP_EXAMPLE}")
    return [_path_skip(path, i, entry) for i, entry in enumerate(entries, start=1)]


PATH_SKIP_EXAMPLE = "- path: ^tests/samples/\n    checks: [CKV_SECRET_2]\n    reason: AWS's documented example key ids"


def _path_skip(path: Path, index: int, entry: Any) -> PathSkip:
    where = f"{path}: paths entry {index}"
    if not isinstance(entry, dict):
        raise SkipsError(f"{where} is not a mapping; each entry looks like\n  {PATH_SKIP_EXAMPLE}")
    unknown = sorted(set(entry) - _PATH_SKIP_KEYS)
    if unknown:
        raise SkipsError(f"{where}: unknown key {unknown[0]!r}; the keys are path, checks, reason")
    pattern = entry.get("path")
    try:
        if not isinstance(pattern, str):
            raise re.error("not a string")
        re.compile(pattern)
    except re.error:
        raise SkipsError(
            f"{where}: 'path' must be a regular expression over repository paths, e.g. ^tests/samples/"
        ) from None
    where += f" ({pattern})"
    checks = entry.get("checks")
    if not isinstance(checks, list) or not checks or not all(isinstance(c, str) and _CHECK_ID.match(c) for c in checks):
        raise SkipsError(f"{where}: 'checks' must list checkov check ids, e.g. checks: [CKV_SECRET_2]")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise SkipsError(
            f"{where} has no reason: every skip says why the checks do not apply, e.g.\n  {PATH_SKIP_EXAMPLE}"
        )
    return PathSkip(path=pattern, checks=tuple(checks), reason=reason.strip())


def _skip(path: Path, index: int, entry: Any) -> Skip:
    where = f"{path}: skip entry {index}"
    if not isinstance(entry, dict):
        raise SkipsError(f"{where} is not a mapping; each entry looks like\n  {SKIPS_EXAMPLE}")
    check = entry.get("check")
    where += f" ({check})" if isinstance(check, str) else ""
    unknown = sorted(set(entry) - _SKIP_KEYS)
    if unknown:
        raise SkipsError(f"{where}: unknown key {unknown[0]!r}; the keys are check, reason, resources, stacks")
    if not isinstance(check, str) or not _CHECK_ID.match(check):
        raise SkipsError(f"{where}: 'check' must be a checkov check id, e.g. CKV_AWS_144 or CKV2_AWS_62")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise SkipsError(
            f"{where} has no reason: every skip says why the check does not apply, e.g.\n  {SKIPS_EXAMPLE}"
        )
    lists = {}
    for key in ("resources", "stacks"):
        value = entry.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise SkipsError(f"{where}: {key!r} must be a list of names or patterns, e.g. {key}: [dev]")
        lists[key] = tuple(value)
    return Skip(check=check, reason=reason.strip(), resources=lists["resources"], stacks=lists["stacks"])


def locate_checkov(explicit: str | None, project_dir: Path) -> str:
    """The checkov executable: `--checkov`, then $TRAILGUARD_CHECKOV, `.venv-checkov/bin/checkov`, then PATH."""
    if explicit:
        if Path(explicit).is_file() or shutil.which(explicit):
            return str(Path(explicit)) if Path(explicit).is_file() else str(shutil.which(explicit))
        raise CheckovError(f"--checkov {explicit}: no such executable; {INSTALL_HINT}")
    env = os.environ.get(ENV_CHECKOV)
    if env:
        if Path(env).is_file():
            return env
        raise CheckovError(f"{ENV_CHECKOV}={env}: no such executable; {INSTALL_HINT}")
    for base in (project_dir, *project_dir.parents):
        candidate = base / ".venv-checkov" / "bin" / "checkov"
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("checkov")
    if found:
        return found
    raise CheckovError(f"checkov was not found; {INSTALL_HINT}")


def _file_key(stack: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", stack) + ".tfplan.json"


def checkov_command(
    executable: str, files: Sequence[Path], skips: Sequence[Skip], options: CheckovOptions | None = None
) -> list[str]:
    options = options or CheckovOptions()
    command = [executable, "--framework", "terraform_plan", "--output", "json", "--soft-fail", "--skip-download"]
    for path in files:
        command += ["--file", str(path)]
    if options.check:
        command += ["--check", ",".join(options.check)]
    global_checks = sorted({s.check for s in skips if s.is_global} | set(options.skip_check))
    if global_checks:
        command += ["--skip-check", ",".join(global_checks)]
    return command


def run_checkov(
    plans: Mapping[str, TerraformPlan],
    *,
    executable: str,
    skips: Sequence[Skip] = (),
    timeout: float = 600.0,
    options: CheckovOptions | None = None,
) -> dict[str, list[Finding]]:
    """Scan every stack's plan in one checkov run; the failed checks per stack, with skips applied."""
    options = options or CheckovOptions()
    if not plans:
        return {}
    with tempfile.TemporaryDirectory(prefix="trailguard-checkov-") as scratch:
        files: dict[str, str] = {}
        for stack, plan in plans.items():
            path = Path(scratch) / _file_key(stack)
            path.write_text(plan.dumps(), encoding="utf-8")
            files[path.name] = stack
        env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
        try:
            proc = subprocess.run(
                checkov_command(executable, [Path(scratch) / f for f in files], skips, options),
                cwd=scratch,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise CheckovError(f"checkov did not finish within {timeout:g} seconds") from None
        except OSError as exc:
            raise CheckovError(f"cannot run {executable}: {exc.strerror}; {INSTALL_HINT}") from None
        failed = parse_output(proc.stdout, proc.stderr, proc.returncode)
    findings: dict[str, list[Finding]] = {stack: [] for stack in plans}
    for check in failed:
        key = Path(str(check.get("file_path", ""))).name
        owner = files.get(key)
        if owner is not None:
            finding = _finding(check, plans[owner])
            findings[owner].append(replace(finding, level=options.level_of(finding)))
    return {stack: apply_skips(stack, found, skips) for stack, found in findings.items()}


def parse_output(
    stdout: str, stderr: str, returncode: int, *, check_types: Sequence[str] = ("terraform_plan",)
) -> list[dict[str, Any]]:
    """The failed checks in checkov's JSON report; a CheckovError naming checkov's own words if it crashed."""
    try:
        report = json.loads(stdout)
    except ValueError:
        lines = (stderr or stdout).strip().splitlines()
        tail = " / ".join(line.strip() for line in lines[-3:]) or f"exit code {returncode}"
        raise CheckovError(f"checkov failed: {tail}") from None
    reports = report if isinstance(report, list) else [report]
    failed: list[dict[str, Any]] = []
    for part in reports:
        if isinstance(part, dict) and part.get("check_type", check_types[0]) in check_types:
            failed.extend((part.get("results") or {}).get("failed_checks") or [])
    return failed


def scan_repository(
    directory: Path, *, executable: str, skips: Sequence[PathSkip] = (), timeout: float = 600.0
) -> list[Finding]:
    """checkov's secrets and GitHub Actions checks over the repository's own files, with the path skips applied."""
    command = [executable, "--directory", str(directory), "--output", "json", "--soft-fail", "--skip-download"]
    command += ["--framework", *REPOSITORY_FRAMEWORKS]
    for pattern in REPOSITORY_EXCLUDES:
        command += ["--skip-path", pattern]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise CheckovError(f"checkov did not finish within {timeout:g} seconds") from None
    except OSError as exc:
        raise CheckovError(f"cannot run {executable}: {exc.strerror}; {INSTALL_HINT}") from None
    findings = []
    for check in parse_output(proc.stdout, proc.stderr, proc.returncode, check_types=REPOSITORY_FRAMEWORKS):
        relative = str(check.get("file_path", "")).lstrip("/")
        lines = check.get("file_line_range") or [1, 1]
        name = str(check.get("check_name") or check.get("check_id"))
        finding = Finding(
            tool="checkov",
            rule=str(check.get("check_id")),
            level=Level.MANDATORY,
            message=f"{name} ({relative}:{lines[0]})",
            resource_name=relative,
            fix="remove it from the file (and rotate it, if real), or add a reasoned paths entry to the skips file"
            if relative and str(check.get("check_id", "")).startswith("CKV_SECRET")
            else None,
            url=str(check.get("guideline") or "https://www.checkov.io/"),
            description=name,
            source=f"{directory / relative}:{lines[0]}",
        )
        skip = next((s for s in skips if s.covers(finding)), None)
        findings.append(finding if skip is None else Finding(**{**finding.__dict__, "suppression": skip.reason}))
    return findings


def _finding(check: Mapping[str, Any], plan: TerraformPlan) -> Finding:
    address = str(check.get("resource_address") or check.get("resource") or "")
    resource = plan.resources.get(address)
    name = str(check.get("check_name") or check.get("check_id"))
    rule = str(check.get("check_id"))
    return Finding(
        tool="checkov",
        rule=rule,
        level=Level.MANDATORY,
        message=f"{name} (fails on its Terraform twin {address})",
        urn=resource.urn if resource else None,
        resource_name=resource.name if resource else address,
        resource_type=resource.type if resource else None,
        fix=CHECK_FIXES.get(rule),
        url=str(check.get("guideline") or CHECKOV_INDEX),
        severity=str(check["severity"]).lower() if check.get("severity") else None,
        description=name,
        source=resource.source if resource else None,
    )


def apply_skips(stack: str, findings: Sequence[Finding], skips: Sequence[Skip]) -> list[Finding]:
    """Mark the findings a scoped skip covers as suppressed, with its reason; global skips never reach here."""
    out = []
    for finding in findings:
        skip = next((s for s in skips if not s.is_global and s.covers(stack, finding)), None)
        if skip is not None:
            finding = Finding(**{**finding.__dict__, "suppression": skip.reason})
        out.append(finding)
    return out
