"""Render the gate's results for people and for machines: a text table, JSON, SARIF 2.1.0, JUnit XML, Markdown.

`render_report` and `exit_code` are the two entry points; `trailguard check` and `trailguard audit` share them.
SARIF follows the OASIS 2.1.0 schema (vendored in `schemas/`) and what GitHub code scanning reads:
https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from trailguard_gate.model import Finding, Level, TargetResult

FORMATS = ("text", "json", "sarif", "junit", "markdown")
TOOL_NAME = "trailguard"
TOOL_URI = "https://github.com/trailguard/trailguard"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
ERROR_RULE = "trailguard-target-error"
"""The SARIF rule of a target that could not be rendered or judged (bad config, program error)."""
MARKDOWN_LIMIT = 60_000
"""GitHub rejects a comment over 65,536 characters; the summary stops short of that."""

EXIT_CLEAN, EXIT_VIOLATION, EXIT_ERROR = 0, 1, 2


def exit_code(results: Sequence[TargetResult]) -> int:
    """0 clean; 1 a mandatory violation or failed checkov check; 2 a target that could not be judged."""
    if any(r.error for r in results):
        return EXIT_ERROR
    if any(r.failing for r in results):
        return EXIT_VIOLATION
    return EXIT_CLEAN


def render_report(results: Sequence[TargetResult], fmt: str) -> str:
    """The report in `fmt`, one of FORMATS."""
    renderers: dict[str, Callable[[Sequence[TargetResult]], str]] = {
        "text": render_text,
        "json": render_json,
        "sarif": render_sarif,
        "junit": render_junit,
        "markdown": render_markdown,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}, e.g. sarif")
    return renderers[fmt]([_plain(r) for r in results])


_SDK_PREFIX = re.compile(r"^can't run policy '[^']+' from policy pack '[^']+' during preview: ")
"""pulumi-policy's lead-in to a check that could not run; the rule and level are in the report already, and what
follows ("did not check ..., because ...") says what was not checked and why."""
_SDK_PACK_VERSION = re.compile(r"(from policy pack '[^'@]+)@v0\.0\.1'")
"""pulumi-policy's Python SDK names every pack `<name>@v0.0.1` in its own messages (it "always returns 0.0.1"
there; the CLI knows the real version from PulumiPolicy.yaml): the report drops that made-up version."""


def _plain(result: TargetResult) -> TargetResult:
    """The result as reported: without the SDK's made-up pack version, and, for live resources, which no preview
    is about, without "during preview" (what an audit does not know is what it could not read)."""

    def said(message: str) -> str:
        message = _SDK_PACK_VERSION.sub(r"\1'", message)
        stripped = _SDK_PREFIX.sub("", message)
        if stripped != message:
            message = stripped[:1].upper() + stripped[1:]
        if result.kind == "audit":
            message = message.replace("is not known during preview", "could not be read from AWS")
            message = message.replace(" during preview", "")
        return message

    findings = tuple(dataclasses.replace(f, message=said(f.message)) for f in result.findings)
    return dataclasses.replace(result, findings=findings)


def _sorted(findings: Sequence[Finding]) -> list[Finding]:
    order = {Level.MANDATORY: 0, Level.ADVISORY: 1, Level.REMEDIATE: 2, Level.DISABLED: 3}
    return sorted(findings, key=lambda f: (f.suppression is not None, order[f.level], f.rule, f.resource_name or ""))


def _level_label(finding: Finding) -> str:
    return "skipped" if finding.suppression is not None else finding.level.value


_REMEDIATION_CLAUSE = re.compile(r"[;,.]?\s*[Tt]he remediation does (?:it for you|both)\.?")


def fix_text(finding: Finding, *, live: bool = False) -> str:
    """The fix as the user applies it: "the remediation does it for you" only where a remediation runs, which is
    at the `remediate` level of `pulumi preview/up`, never on live resources (an audit only reads)."""
    text = finding.fix or ""
    if live or finding.level is not Level.REMEDIATE:
        text = _REMEDIATION_CLAUSE.sub(".", text).replace("..", ".").strip()
    return text


def _fix(finding: Finding, *, live: bool = False) -> str:
    """The fix where the user wrote the value: the stack config key for a value from stack config."""
    if finding.suppression is not None:
        return f"skipped: {finding.suppression}"
    text = fix_text(finding, live=live) or (f"see {finding.url}" if finding.url else "")
    if finding.config_key and finding.source:
        path, _, line = finding.source.rpartition(":")
        text = f"In {path}, change `{finding.config_key}` (line {line})" + (f": {text}" if text else ".")
    return text


def _verdict(result: TargetResult) -> str:
    if result.error:
        return "ERROR"
    return "FAIL" if result.failing else "PASS"


# --- text -------------------------------------------------------------------------------------------------------


def _fold(text: str, width: int, indent: str) -> list[str]:
    """`text` folded at spaces within `width`, each paragraph on its own: a word or URL is never split (a URL
    longer than the line stands alone on its line)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(
            textwrap.wrap(
                paragraph,
                width,
                initial_indent=indent,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
            or [indent.rstrip()]
        )
    return lines


def _heading(finding: Finding) -> str:
    parts = [_level_label(finding), finding.rule]
    if finding.severity:
        parts.append(f"severity {finding.severity}")
    parts.append(finding.resource_name or "(stack)")
    return "  ".join(parts)


def render_text(results: Sequence[TargetResult]) -> str:
    """Per target: its verdict, then each finding as a heading line (level, rule, severity, resource) and its
    message, fix, place and link folded to the terminal's width; then a one-line summary."""
    width = max(60, min(120, shutil.get_terminal_size((100, 24)).columns) - 1)
    out: list[str] = []
    for result in results:
        header = f"{result.name}: {_verdict(result)}"
        header += f" ({result.resources} resources" + (f", {result.location})" if result.location else ")")
        out.append(header)
        if result.error:
            out.extend(f"  {line}" for line in result.error.splitlines())
        out.extend(f"  note: {note}" for note in result.notes)
        findings = [f for f in _sorted(result.findings) if f.suppression is None]
        for f in findings:
            out.append(f"  {_heading(f)}")
            out.extend(_fold(f.message, width, "    "))
            for label, value in (f.details or {}).items():
                out.extend(_fold(f"{label}: {value}", width, "    "))
            fix = _fix(f, live=result.kind == "audit")
            if fix:
                out.extend(_fold(f"fix: {fix}", width, "    "))
            if f.source:
                out.extend(_fold(f"at: {f.source}" + (f" ({f.config_key})" if f.config_key else ""), width, "    "))
        if not findings and not result.error:
            out.append("  no findings")
        out.extend(_skipped_lines(result.findings))
        out.append("")
    out.append(_summary_line(results))
    return "\n".join(out) + "\n"


def _skipped_lines(findings: Sequence[Finding]) -> list[str]:
    """One line per skip (check and reason), naming what it covered: a skip can cover many files."""
    groups: dict[tuple[str, str], list[str]] = {}
    for f in findings:
        if f.suppression is not None:
            groups.setdefault((f.rule, f.suppression), []).append(f.resource_name or "(stack)")
    lines = []
    width = max(60, min(120, shutil.get_terminal_size((100, 24)).columns) - 1)
    for (rule, reason), names in groups.items():
        covered = ", ".join(names) if len(names) <= 3 else f"{names[0]} and {len(names) - 1} more"
        folded = _fold(f"skipped {rule} on {covered}: {reason}", width, "    ")
        lines.extend([f"  {folded[0].strip()}", *folded[1:]])
    return lines


def _summary_line(results: Sequence[TargetResult]) -> str:
    failing = sum(len(r.failing) for r in results)
    advisory = sum(1 for r in results for f in r.findings if f.level is Level.ADVISORY and f.suppression is None)
    skipped = sum(1 for r in results for f in r.findings if f.suppression is not None)
    errors = sum(1 for r in results if r.error)
    return (
        f"{len(results)} target{'s' if len(results) != 1 else ''}: {failing} failing, {advisory} advisory, "
        f"{skipped} skipped, {errors} could not be checked"
    )


# --- json -------------------------------------------------------------------------------------------------------


def render_json(results: Sequence[TargetResult]) -> str:
    document = {
        "version": _version(),
        "exitCode": exit_code(results),
        "summary": _summary_line(results),
        "targets": [
            {
                "name": r.name,
                "verdict": _verdict(r).lower(),
                "error": r.error,
                "resources": r.resources,
                "location": r.location,
                "notes": list(r.notes),
                "findings": [
                    {k: (v.value if isinstance(v, Level) else v) for k, v in asdict(f).items()}
                    for f in _sorted(r.findings)
                ],
            }
            for r in results
        ],
    }
    return json.dumps(document, indent=2) + "\n"


# --- sarif ------------------------------------------------------------------------------------------------------


def _relative_uri(path: str) -> str | None:
    """A path under the current directory (the repository root in CI) as a relative URI; else None."""
    try:
        rel = Path(os.path.relpath(Path(path).resolve(), Path.cwd()))
    except ValueError:
        return None
    if (rel.parts and rel.parts[0] == "..") or "site-packages" in rel.parts:
        return None
    return rel.as_posix()


def _location(finding: Finding | None, result: TargetResult) -> dict[str, Any]:
    """Where the result is fixed, as a path relative to the repository root (GitHub code scanning accepts only
    those, and rejects a result without a location): the stack file line of the config key that set the value, or
    the program line that registered the resource; else the stack's config file; for a live resource of an
    audit, which has no file, a path naming its account, Region and resource."""
    if finding is not None and finding.source and ":" in finding.source:
        path, _, line = finding.source.rpartition(":")
        full = Path(result.root) / path if result.root and not Path(path).is_absolute() else Path(path)
        uri = _relative_uri(str(full))
        if uri and line.isdigit():
            return _physical(uri, int(line))
    if result.location:
        uri = _relative_uri(result.location)
        if uri:
            return _physical(uri, 1)
    parts = [p for p in result.name.split("/") if p]
    if finding is not None and finding.resource_name:
        parts.append(finding.resource_name)
    prefix = "aws" if result.kind == "audit" else "trailguard"
    return _physical("/".join([prefix, *(re.sub(r"[^\w.\-]", "_", p) for p in parts)]), 1)


def _physical(uri: str, line: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(1, line)},
        }
    }


def _sarif_level(finding: Finding) -> str:
    return {Level.MANDATORY: "error", Level.ADVISORY: "warning"}.get(finding.level, "note")


def _rule(finding: Finding) -> dict[str, Any]:
    description = finding.description or finding.message
    help_text = fix_text(finding) or description
    if finding.url:
        help_text += f" See {finding.url}"
    rule: dict[str, Any] = {
        "id": finding.rule,
        "name": finding.rule,
        "shortDescription": {"text": description},
        "fullDescription": {"text": description},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": _sarif_level(finding)},
        "properties": {"tags": ["security", finding.tool]},
    }
    if finding.url:
        rule["helpUri"] = finding.url
    if finding.severity:
        # GitHub orders alerts by this CVSS-like score: https://docs.github.com/en/code-security/code-scanning
        score = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}.get(finding.severity.lower())
        if score:
            rule["properties"]["security-severity"] = score
    return rule


def render_sarif(results: Sequence[TargetResult]) -> str:
    rules: dict[str, dict[str, Any]] = {}
    sarif_results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for result in results:
        if result.error:
            rules.setdefault(
                ERROR_RULE,
                {
                    "id": ERROR_RULE,
                    "name": ERROR_RULE,
                    "shortDescription": {"text": "The target could not be rendered or judged."},
                    "help": {"text": "Fix the stack's config or program so that it renders; the message says how."},
                    "defaultConfiguration": {"level": "error"},
                },
            )
            entry: dict[str, Any] = {
                "ruleId": ERROR_RULE,
                "level": "error",
                "message": {"text": f"{result.name}: {result.error}"},
                "partialFingerprints": {"trailguard/v1": _fingerprint(result.name, ERROR_RULE, "")},
            }
            entry["locations"] = [_location(None, result)]
            sarif_results.append(entry)
            notifications.append({"level": "error", "message": {"text": f"{result.name}: {result.error}"}})
        notifications.extend({"level": "note", "message": {"text": f"{result.name}: {n}"}} for n in result.notes)
        for finding in _sorted(result.findings):
            rules.setdefault(finding.rule, _rule(finding))
            sarif_results.append(_sarif_result(finding, result))
    rule_ids = list(rules)
    for entry in sarif_results:
        entry["ruleIndex"] = rule_ids.index(entry["ruleId"])
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "informationUri": TOOL_URI,
                "semanticVersion": _version(),
                "rules": list(rules.values()),
            }
        },
        "automationDetails": {"id": "trailguard/"},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
        "invocations": [
            {
                "executionSuccessful": not any(n["level"] == "error" for n in notifications),
                "toolExecutionNotifications": notifications,
            },
        ],
        "results": sarif_results,
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _sarif_result(finding: Finding, result: TargetResult) -> dict[str, Any]:
    resource = finding.resource_name or "(stack)"
    entry: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _sarif_level(finding),
        "message": {"text": f"{finding.message} [stack {result.name}, resource {resource}]"},
        "partialFingerprints": {"trailguard/v1": _fingerprint(result.name, finding.rule, finding.urn or resource)},
        "properties": {"stack": result.name, "tool": finding.tool, "enforcementLevel": finding.level.value},
    }
    where = _location(finding, result)
    if finding.urn:
        where["logicalLocations"] = [{"name": resource, "fullyQualifiedName": finding.urn, "kind": "resource"}]
    entry["locations"] = [where]
    if finding.urn:
        entry["properties"]["urn"] = finding.urn
    if finding.config_key:
        entry["properties"]["configKey"] = finding.config_key
    for label, value in (finding.details or {}).items():
        entry["properties"][_camel(label)] = value
    if finding.details:
        details = "; ".join(f"{k}: {v}" for k, v in finding.details.items())
        entry["message"]["text"] += f" ({details})"
    if finding.suppression is not None:
        entry["suppressions"] = [{"kind": "external", "justification": finding.suppression}]
    return entry


def _camel(label: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", label)
    return "".join([words[0].lower(), *(w[:1].upper() + w[1:] for w in words[1:])]) if words else label


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def tool_version() -> str:
    """trailguard's one version string: `--version`, SARIF's `semanticVersion` and the Markdown footer."""
    return _version()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trailguard")
    except PackageNotFoundError:
        return "0.0.0"


# --- junit ------------------------------------------------------------------------------------------------------


def render_junit(results: Sequence[TargetResult]) -> str:
    """A test suite per target: a test per finding (mandatory ones fail), one for the render itself."""
    suites = ET.Element("testsuites", name=TOOL_NAME)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for result in results:
        suite = ET.SubElement(suites, "testsuite", name=result.name)
        counts = {"tests": 1, "failures": 0, "errors": 0, "skipped": 0}
        render_case = ET.SubElement(
            suite, "testcase", classname=f"{TOOL_NAME}.{result.name}", name=f"render {result.name}"
        )
        if result.error:
            ET.SubElement(render_case, "error", message=result.error, type=ERROR_RULE).text = result.error
            counts["errors"] += 1
        else:
            ET.SubElement(render_case, "system-out").text = f"{result.resources} resources"
        for finding in _sorted(result.findings):
            counts["tests"] += 1
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{TOOL_NAME}.{result.name}.{finding.tool}",
                name=f"{finding.rule} {finding.resource_name or '(stack)'}",
            )
            detail = "\n".join(
                x for x in (finding.message, f"urn: {finding.urn}" if finding.urn else "", _fix(finding)) if x
            )
            if finding.suppression is not None:
                ET.SubElement(case, "skipped", message=finding.suppression)
                counts["skipped"] += 1
            elif finding.fails:
                ET.SubElement(case, "failure", message=finding.message, type=finding.rule).text = detail
                counts["failures"] += 1
            else:
                ET.SubElement(case, "system-out").text = f"{finding.level.value}: {detail}"
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


# --- markdown ---------------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _title(results: Sequence[TargetResult]) -> str:
    kinds = {r.kind for r in results}
    return "trailguard audit" if kinds == {"audit"} else "trailguard check"


def render_markdown(results: Sequence[TargetResult]) -> str:
    """A pull-request comment: a verdict per target, each target's findings, then what was suppressed and why."""
    icons = {"PASS": ":white_check_mark:", "FAIL": ":x:", "ERROR": ":warning:"}
    lines = [
        f"## {_title(results)}",
        "",
        "| Target | Verdict | Resources | Failing | Advisory | Skipped |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        verdict = _verdict(r)
        advisory = sum(1 for f in r.findings if f.level is Level.ADVISORY and f.suppression is None)
        skipped = sum(1 for f in r.findings if f.suppression is not None)
        lines.append(
            f"| `{_cell(r.name)}` | {icons[verdict]} {verdict.lower()} | {r.resources} | {len(r.failing)} "
            f"| {advisory} | {skipped} |"
        )
    lines += ["", f"{_summary_line(results)} (trailguard {_version()})", ""]
    suppressed: list[tuple[TargetResult, Finding]] = []
    for r in results:
        shown = [f for f in _sorted(r.findings) if f.suppression is None]
        suppressed += [(r, f) for f in _sorted(r.findings) if f.suppression is not None]
        if not r.error and not shown and not r.notes:
            continue
        lines += [f"### `{_cell(r.name)}`", ""]
        if r.error:
            lines += ["Could not be checked:", "", "```", r.error, "```", ""]
        if r.notes:
            lines += [*(f"- {_cell(note)}" for note in r.notes), ""]
        if shown:
            lines += ["| Level | Severity | Rule | Resource | Message | Fix |", "|---|---|---|---|---|---|"]
            for f in shown:
                rule = f"[`{f.rule}`]({f.url})" if f.url else f"`{f.rule}`"
                message = f.message + "".join(f"\n{k}: {v}" for k, v in (f.details or {}).items())
                where = f" (at `{f.source}`)" if f.source and not f.config_key else ""
                lines.append(
                    f"| {_level_label(f)} | {f.severity or ''} | {rule} | `{_cell(f.resource_name or '(stack)')}` "
                    f"| {_cell(message)} | {_cell(_fix(f, live=r.kind == 'audit') + where)} |"
                )
            lines.append("")
    if suppressed:
        lines += [
            "### Suppressed",
            "",
            "Findings a committed skip or policy exclusion covers, with its reason; they never fail the gate.",
            "",
            "| Target | Rule | Resource | Reason |",
            "|---|---|---|---|",
        ]
        for r, f in suppressed:
            lines.append(
                f"| `{_cell(r.name)}` | `{f.rule}` | `{_cell(f.resource_name or '(stack)')}` "
                f"| {_cell(f.suppression or '')} |"
            )
        lines.append("")
    text = "\n".join(lines) + "\n"
    if len(text) > MARKDOWN_LIMIT:
        cut = text[:MARKDOWN_LIMIT].rsplit("\n", 1)[0]
        text = cut + "\n\n_The report is cut here to fit a comment; the SARIF and JSON reports hold every finding._\n"
    return text
