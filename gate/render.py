"""Render the stacks of any Pulumi Python project under mocks, one subprocess per stack, as `pulumi preview` would.

The project's `Pulumi.yaml` names the program (`main`), where the stack files live (`stackConfigDir`) and the
virtualenv; each `Pulumi.<stack>.yaml` gives that stack's config. Each stack runs in its own interpreter process
(the project's virtualenv where it exists), so one broken program or bad config cannot break the others: its
error comes back as a message and the other stacks are still rendered.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trailguard_gate.model import Resource, resource_from_json

WORKER = Path(__file__).with_name("_render_worker.py")
SECRET_PLACEHOLDER = "[secret]"
"""What a `secure:` config value becomes: the gate has no key to decrypt it, and the program only sees a secret."""
DEFAULT_TIMEOUT = 300.0

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class ProjectError(ValueError):
    """The directory is not a Pulumi Python project the gate can render."""


class StackConfigError(ValueError):
    """A stack's config file cannot be read into Pulumi config."""


@dataclass(frozen=True)
class Project:
    """What `Pulumi.yaml` says about a project, resolved against its directory."""

    directory: Path
    name: str
    program: Path
    """The program's directory (holding `__main__.py`) or file."""
    stack_config_dir: Path
    python: str
    """The interpreter that runs the program: the project's virtualenv where it exists, else this one."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """Project-level config values and declared defaults, fully qualified."""
    required: frozenset[str] = frozenset()
    """Config keys `Pulumi.yaml` declares without a default: every stack must set them."""

    def stack_file(self, stack: str) -> Path:
        return self.stack_config_dir / f"Pulumi.{stack}.yaml"


@dataclass(frozen=True)
class StackConfig:
    """One stack's config as the Pulumi CLI would hand it to the program."""

    values: dict[str, Any]
    secret_keys: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    """Pulumi ESC environments the stack file imports: their values are not available offline."""


@dataclass(frozen=True)
class StackRendering:
    """What one stack registered under mocks, or why it could not be rendered."""

    stack: str
    config_file: Path
    resources: tuple[Resource, ...] = ()
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


def load_project(directory: Path) -> Project:
    """Read `Pulumi.yaml` in `directory`; a clear `ProjectError` where it is missing or not a Python project."""
    directory = directory.resolve()
    path = directory / "Pulumi.yaml"
    if not path.is_file():
        alt = directory / "Pulumi.yml"
        if not alt.is_file():
            raise ProjectError(
                f"{directory}: no Pulumi.yaml here; run trailguard check in a Pulumi project's directory "
                "or pass --project-dir, e.g. --project-dir infra/"
            )
        path = alt
    document = _read_yaml(path, ProjectError)
    if not isinstance(document, dict) or not isinstance(document.get("name"), str) or not document["name"]:
        raise ProjectError(f"{path}: 'name' is missing; a Pulumi project names itself, e.g. name: trailguard")
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    options = (runtime.get("options") if isinstance(runtime, dict) else None) or {}
    if runtime_name != "python":
        raise ProjectError(
            f"{path}: runtime {runtime_name!r} is not supported; trailguard check renders Python programs "
            "(runtime: python)"
        )
    name = document["name"]
    main = document.get("main")
    program = (directory / main).resolve() if isinstance(main, str) and main else directory
    if not (program / "__main__.py" if program.is_dir() else program).is_file():
        raise ProjectError(
            f"{path}: the program {program if not program.is_dir() else program / '__main__.py'} does not exist; "
            "'main' names the program's directory or file, e.g. main: infra/"
        )
    config_dir = document.get("stackConfigDir")
    stack_config_dir = (directory / config_dir).resolve() if isinstance(config_dir, str) else directory
    config, required = _project_config(path, name, document.get("config"))
    return Project(
        directory=directory,
        name=name,
        program=program,
        stack_config_dir=stack_config_dir,
        python=_project_python(directory, options),
        config=config,
        required=required,
    )


def _read_yaml(path: Path, error: type[ValueError]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{where}: not valid YAML ({problem})") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None


def _project_python(directory: Path, options: Mapping[str, Any]) -> str:
    """The virtualenv's interpreter where `Pulumi.yaml` names one that exists; else the gate's own."""
    venv = options.get("virtualenv") if isinstance(options, Mapping) else None
    if isinstance(venv, str) and venv:
        for candidate in (Path(venv) / "bin" / "python", Path(venv) / "Scripts" / "python.exe"):
            path = candidate if candidate.is_absolute() else directory / candidate
            if path.exists():
                return str(path)
    return sys.executable


def qualify(key: str, project: str) -> str:
    """Pulumi's namespace rule: a key without a namespace belongs to the project (`retention` -> `proj:retention`)."""
    return key if ":" in key else f"{project}:{key}"


def _project_config(path: Path, project: str, section: Any) -> tuple[dict[str, Any], frozenset[str]]:
    if section is None:
        return {}, frozenset()
    if not isinstance(section, dict):
        raise ProjectError(f"{path}: 'config' must be a mapping of keys to values or declarations")
    values: dict[str, Any] = {}
    required: set[str] = set()
    for key, value in section.items():
        full = qualify(str(key), project)
        if isinstance(value, dict) and ({"type", "default", "description", "secret", "items"} & value.keys()):
            if "default" in value:
                values[full] = value["default"]
            else:
                required.add(full)
        elif isinstance(value, dict) and set(value) == {"value"}:
            values[full] = value["value"]
        else:
            values[full] = value
    return values, frozenset(required)


def stack_names(project: Project) -> list[str]:
    """Every stack with a config file in the project's stack config directory, sorted."""
    names = []
    for path in project.stack_config_dir.glob("Pulumi.*.y*ml"):
        if path.suffix in (".yaml", ".yml") and path.name.count(".") >= 2:
            names.append(path.name[len("Pulumi.") : -len(path.suffix)])
    return sorted(set(names))


def stack_config(project: Project, stack: str) -> StackConfig:
    """The config the Pulumi CLI would pass to `stack`'s program: project defaults overlaid with the stack file."""
    path = project.stack_file(stack)
    if not path.is_file() and path.with_suffix(".yml").is_file():
        path = path.with_suffix(".yml")
    document = _read_yaml(path, StackConfigError) if path.is_file() else {}
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise StackConfigError(f"{path}: a stack file is a mapping with a 'config' section, e.g. config: {{}}")
    section = document.get("config") or {}
    if not isinstance(section, dict):
        raise StackConfigError(
            f"{path}: 'config' must be a mapping of keys to values, e.g. config: {{aws:region: us-east-1}}"
        )
    values = dict(project.config)
    secrets: list[str] = []
    for key, value in section.items():
        if not isinstance(key, str) or not key or key.count(":") > 1 or key.startswith(":") or key.endswith(":"):
            raise StackConfigError(
                f"{path}: config key {key!r} is not a Pulumi config key; expected 'name' or 'namespace:name', "
                "e.g. aws:region"
            )
        full = qualify(key, project.name)
        plain, secret = _unsecure(value)
        values[full] = plain
        if secret:
            secrets.append(full)
    missing = sorted(project.required - values.keys())
    if missing:
        raise StackConfigError(
            f"{path}: stack {stack!r} is missing configuration value {missing[0]!r}, which Pulumi.yaml declares "
            f"without a default; set it, e.g. pulumi config set {missing[0].split(':', 1)[1]} <value> -s {stack}"
        )
    env = document.get("environment")
    environments = tuple(str(e) for e in env) if isinstance(env, list) else ((str(env),) if env else ())
    return StackConfig(values=values, secret_keys=tuple(secrets), environments=environments)


def _unsecure(value: Any) -> tuple[Any, bool]:
    """Replace `secure:` ciphertexts (which need the stack's key) with a placeholder; say whether any was found."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, True
        found = False
        out = {}
        for k, v in value.items():
            out[k], inner = _unsecure(v)
            found = found or inner
        return out, found
    if isinstance(value, list):
        items = [_unsecure(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def mock_account(config: Mapping[str, Any]) -> dict[str, str]:
    """The AWS identity the mocks pretend to be, from the stack config where it says so.

    `aws:region` sets the Region (and the partition of China and GovCloud Regions); `aws:allowedAccountIds`, else
    one 12-digit value under a key ending in `accountId`, sets the account; an `...organizationId` the organization.
    """
    account: dict[str, str] = {}
    region = config.get("aws:region")
    if isinstance(region, str) and region:
        account["region"] = region
        if region.startswith("cn-"):
            account["partition"] = "aws-cn"
        elif region.startswith("us-gov-"):
            account["partition"] = "aws-us-gov"
    allowed = config.get("aws:allowedAccountIds")
    if isinstance(allowed, str):
        try:
            allowed = json.loads(allowed)
        except ValueError:
            allowed = [allowed]
    ids_by_key = {
        key: str(value)
        for key, value in config.items()
        if key.lower().endswith("accountid") and _ACCOUNT_ID.match(str(value))
    }
    if isinstance(allowed, list) and allowed and _ACCOUNT_ID.match(str(allowed[0])):
        account["account_id"] = str(allowed[0])
    elif len(set(ids_by_key.values())) == 1:
        account["account_id"] = next(iter(ids_by_key.values()))
    management = [v for k, v in ids_by_key.items() if "management" in k.lower() or "master" in k.lower()]
    if management:
        account["management_account_id"] = management[0]
    elif "account_id" in account:
        account["management_account_id"] = account["account_id"]
    for key, value in config.items():
        if key.lower().endswith("organizationid") and _ORGANIZATION_ID.match(str(value)):
            account["organization_id"] = str(value)
            break
    return account


def render_stack(
    project: Project,
    stack: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    chain: Sequence[str] = (),
) -> StackRendering:
    """Run `stack`'s program under mocks in its own process; never raises for the program's or config's faults.

    `chain` lists the stacks whose `StackReference`s led here, to report a reference cycle instead of looping.
    """
    config_file = project.stack_file(stack)
    started = time.monotonic()

    def failed(message: str) -> StackRendering:
        return StackRendering(stack, config_file, error=message, seconds=time.monotonic() - started)

    if stack in chain:
        return failed(f"StackReference cycle: {' -> '.join([*chain, stack])}")
    if not _STACK_NAME.match(stack):
        return failed(f"{stack!r} is not a stack name; expected letters, digits, '_', '.', '-', e.g. dev")
    try:
        config = stack_config(project, stack)
    except StackConfigError as exc:
        return failed(str(exc))
    request = {
        "projectDir": str(project.directory),
        "projectName": project.name,
        "program": str(project.program),
        "stackConfigDir": str(project.stack_config_dir),
        "stack": stack,
        "config": config.values,
        "secretKeys": list(config.secret_keys),
        "account": mock_account(config.values),
        "chain": [*chain, stack],
        "timeout": timeout,
    }
    with tempfile.TemporaryDirectory(prefix="trailguard-render-") as scratch:
        request_file = Path(scratch) / "request.json"
        result_file = Path(scratch) / "result.json"
        request_file.write_text(json.dumps(request), encoding="utf-8")
        try:
            proc = subprocess.run(
                [project.python, str(WORKER), str(request_file), str(result_file)],
                cwd=project.directory,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=_worker_env(),
                check=False,
            )
        except subprocess.TimeoutExpired:
            return failed(f"the program did not finish within {timeout:g} seconds (raise it with --timeout)")
        except OSError as exc:
            return failed(f"cannot start {project.python}: {exc.strerror}")
        if not result_file.is_file():
            tail = "\n".join((proc.stderr or proc.stdout or "").strip().splitlines()[-5:])
            return failed(f"the program's interpreter {project.python} exited with {proc.returncode}: {tail}")
        result = json.loads(result_file.read_text(encoding="utf-8"))
    seconds = time.monotonic() - started
    error = result.get("error")
    if error and config.environments:
        error += (
            f" (the stack imports Pulumi ESC environment {', '.join(config.environments)}, whose values the "
            "gate cannot read offline: set the keys the program needs in the stack file)"
        )
    return StackRendering(
        stack=stack,
        config_file=config_file,
        resources=tuple(resource_from_json(r) for r in result.get("resources", [])),
        outputs=result.get("outputs") or {},
        error=error,
        seconds=seconds,
    )


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    # The program must not reach a real engine or cloud: no Pulumi CLI is running, and the mocks answer everything.
    for key in ("PULUMI_MONITOR", "PULUMI_ENGINE", "PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS"):
        env.pop(key, None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.setdefault("PULUMI_TEST_MODE", "true")
    return env


def render_stacks(
    project: Project,
    stacks: Iterable[str],
    *,
    jobs: int = 4,
    timeout: float = DEFAULT_TIMEOUT,
    on_done: Callable[[StackRendering], None] | None = None,
) -> list[StackRendering]:
    """Render `stacks` concurrently (each its own process) and return them in the order given."""
    names = list(stacks)
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(names) or 1))) as pool:
        futures = [pool.submit(render_stack, project, name, timeout=timeout) for name in names]
        results = []
        for future in futures:
            rendering = future.result()
            if on_done is not None:
                on_done(rendering)
            results.append(rendering)
    return results
