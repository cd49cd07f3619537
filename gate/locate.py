"""Point each finding of `trailguard check` at what the user changes: a stack config key's line, or a program line.

A value the user wrote in the stack file (`trailguard:trail: {enableLogFileValidation: false}`) is fixed there, so
the finding points at that key's line and names the key. Anything else is fixed in the program, at the line that
registered the resource, or the line that created the component it belongs to when the resource was registered
inside an installed library (trailguard's components in site-packages). Paths are relative to the project.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from trailguard_gate.model import Finding, Resource

_PROPERTY = re.compile(r"`([a-z][A-Za-z0-9]*)`")
"""A property as the pack names it in a message: the engine's camelCase name in backticks."""
_GENERIC = frozenset({"name", "type", "id", "arn", "enabled", "true", "false"})
"""Property names too common to tie to one config key."""


@dataclasses.dataclass(frozen=True)
class ConfigKey:
    """A key of the stack file, as the user wrote it: `trailguard:trail.enableLogFileValidation` at a line."""

    path: str
    leaf: str
    line: int
    value: Any


def config_keys(stack_file: Path) -> list[ConfigKey]:
    """Every key under the stack file's `config:`, nested ones included, with its 1-based line."""
    try:
        root = yaml.compose(stack_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    config = next((v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "config"), None)
    if not isinstance(config, yaml.MappingNode):
        return []
    found: list[ConfigKey] = []

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                path = f"{prefix}.{key.value}" if prefix else key.value
                leaf = key.value.split(":", 1)[-1] if not prefix else key.value
                plain = value.value if isinstance(value, yaml.ScalarNode) else None
                found.append(ConfigKey(path, leaf, key.start_mark.line + 1, plain))
                walk(value, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, f"{prefix}[{index}]")

    walk(config, "")
    return found


def _same(config_value: Any, prop_value: Any) -> bool:
    """Whether a scalar written in YAML is the value the resource got (`false` and False, `"30"` and 30)."""
    if config_value is None or isinstance(prop_value, (dict, list)) or prop_value is None:
        return True  # a mapping or list in the stack file, or a value the resource does not show: cannot compare
    return str(config_value).lower() == str(prop_value).lower()


def config_origin(finding: Finding, resource: Resource | None, keys: Sequence[ConfigKey]) -> ConfigKey | None:
    """The stack file key that set the property the finding names, where one does."""
    if resource is None or not keys:
        return None
    for prop in dict.fromkeys(_PROPERTY.findall(finding.message)):
        if prop in _GENERIC:
            continue
        candidates = [k for k in keys if k.leaf == prop]
        if prop in resource.properties:
            candidates = [k for k in candidates if _same(k.value, resource.properties[prop])]
        if len(candidates) == 1:
            return candidates[0]
    return None


def program_line(resource: Resource | None, by_urn: Mapping[str, Resource], project_dir: Path) -> str | None:
    """`path:line`, relative to the project, of the user's own line that registered the resource: its own
    registration where that is in the project, else that of the nearest component around it that is (a resource
    registered inside an installed library was asked for by the line that created the library's component)."""
    seen: set[str] = set()
    while resource is not None and resource.urn not in seen:
        seen.add(resource.urn)
        if resource.source and ":" in resource.source:
            path, _, line = resource.source.rpartition(":")
            real = Path(path).resolve()
            if line.isdigit() and real.is_relative_to(project_dir) and "site-packages" not in real.parts:
                return f"{real.relative_to(project_dir).as_posix()}:{line}"
        resource = by_urn.get(resource.parent or "")
    return None


def locate(
    findings: Sequence[Finding], resources: Sequence[Resource], *, project_dir: Path, stack_file: Path
) -> list[Finding]:
    """The findings with `source` pointing at what to change, relative to `project_dir`, and the fix saying where."""
    project_dir = project_dir.resolve()
    by_urn = {r.urn: r for r in resources}
    keys = config_keys(stack_file)
    try:
        shown = stack_file.resolve().relative_to(project_dir).as_posix()
    except ValueError:
        shown = str(stack_file)
    out = []
    for finding in findings:
        resource = by_urn.get(finding.urn or "")
        if resource is None and not finding.urn:
            # A stack policy's note about one resource ("... for trail 'org', because ..."): point at that resource.
            named = [r for r in resources if r.custom and f"'{r.name}'" in finding.message]
            if len(named) == 1:
                resource = named[0]
                finding = dataclasses.replace(finding, resource_name=resource.name, resource_type=resource.type)
        key = config_origin(finding, resource, keys)
        if key is not None:
            out.append(dataclasses.replace(finding, source=f"{shown}:{key.line}", config_key=key.path))
            continue
        line = program_line(resource, by_urn, project_dir)
        fix = finding.fix
        if fix and resource is not None and line and line.rpartition(":")[0].endswith(".py"):
            mentioned = {m for m in _PROPERTY.findall(finding.message) if f"`{m}` (Python:" in finding.message}
            fix = python_arguments(fix, {*resource.properties, *mentioned})
        out.append(dataclasses.replace(finding, source=line, fix=fix))
    return out


_CAMEL = re.compile(r"(?<![\w:./`-])([a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+)(?![\w:/(`-])")


def python_arguments(text: str, properties: Iterable[str]) -> str:
    """A fix for a Python program naming each input of the resource also by its Python argument, once:
    `enableLogFileValidation` -> `enableLogFileValidation (Python: enable_log_file_validation)`. Only the
    resource's inputs (and those the pack's message names with their Python argument) are named so: a policy setting (`requiredTags`) is no Python argument."""
    seen: set[str] = set()
    inputs = set(properties)

    def name(match: re.Match[str]) -> str:
        camel = match.group(1)
        if camel in seen or camel not in inputs or "(Python:" in text[match.end() : match.end() + 10]:
            return camel
        seen.add(camel)
        snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", camel).lower()
        return f"{camel} (Python: {snake})"

    return _CAMEL.sub(name, text)


CHECKOV_SOURCE = "https://github.com/bridgecrewio/checkov/blob/{version}/checkov/{path}"
"""Where a check's own page is: checkov's Policy Index links each check to its source file, which states what it
verifies; offline (`BC_SKIP_MAPPING`) checkov reports no guideline of its own."""
_CHECK_ID = re.compile(r"""["']?id["']?\s*[:=]\s*["'](CKV2?_[A-Z0-9]+_\d+)["']""")


def checkov_pages(executable: str) -> dict[str, str]:
    """Each Terraform check id of the installed checkov -> the page of that check at the installed version."""
    bin_dir = Path(executable).resolve().parent
    packages = sorted(bin_dir.parent.glob("lib/python*/site-packages/checkov"))
    if not packages:
        return {}
    package = packages[-1]
    version = re.search(r"""version\s*=\s*['"]([\w.]+)['"]""", _read(package / "version.py"))
    if version is None:
        return {}
    pages: dict[str, str] = {}
    checks = package / "terraform" / "checks"
    for path in sorted([*checks.glob("resource/**/*.py"), *checks.glob("graph_checks/**/*.*")]):
        match = _CHECK_ID.search(_read(path))
        if match:
            relative = path.relative_to(package).as_posix()
            pages.setdefault(match.group(1), CHECKOV_SOURCE.format(version=version.group(1), path=relative))
    return pages


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def with_checkov_page(finding: Finding, pages: Mapping[str, str]) -> Finding:
    """A checkov finding linking to its own check's page instead of checkov's index of every check."""
    page = pages.get(finding.rule) if finding.tool == "checkov" else None
    return dataclasses.replace(finding, url=page) if page else finding
