"""Render the stacks of any Pulumi Python project under mocks, one subprocess per stack, as `pulumi preview` would.

The project's `Pulumi.yaml` names the program (`main`), where the stack files live (`stackConfigDir`) and the
virtualenv; each `Pulumi.<stack>.yaml` gives that stack's config. Each stack runs in its own interpreter process
(the project's virtualenv where it exists), so one broken program or bad config cannot break the others: its
error comes back as a message and the other stacks are still rendered.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
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
from trailguard_policies.regions import closest_region, region_partition


@dataclass(frozen=True)
class MockAccount:
    """The defaults of `trailguard_gate.mocks.MockAccount`, without importing the Pulumi SDK here."""

    account_id: str = "111111111111"
    region: str = "us-east-1"


WORKER = Path(__file__).with_name("_render_worker.py")
SECRET_PLACEHOLDER = "[secret]"
"""What a `secure:` config value becomes: the gate has no key to decrypt it, and the program only sees a secret."""
DEFAULT_TIMEOUT = 300.0

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
KNOWN_NAMESPACES = ("aws", "trailguard", "pulumi", "random", "tls", "command")
"""Config namespaces a stack file commonly uses besides the project's own: a near miss of one is a typo."""

# Variables naming or holding cloud credentials, profiles or tokens: the program under the gate sees none of them.
_CREDENTIAL_PREFIXES = ("AWS_", "AZURE_", "ARM_", "GOOGLE_", "GCLOUD_", "CLOUDSDK_", "GCP_", "CLOUDFLARE_", "CF_API",
                        "DIGITALOCEAN_", "ACTIONS_ID_TOKEN_", "ACTIONS_RUNTIME_", "PULUMI_ACCESS_TOKEN",
                        "PULUMI_CONFIG_PASSPHRASE")  # fmt: skip
_CREDENTIAL_NAMES = frozenset({"GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN",
                               "KUBECONFIG", "VAULT_TOKEN", "HCLOUD_TOKEN", "LINODE_TOKEN", "OS_PASSWORD"})  # fmt: skip
_CREDENTIAL_WORDS = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSPHRASE|CREDENTIAL|API_KEY|ACCESS_KEY|PRIVATE_KEY)")


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
    python_hint: str = "is not installed in the program's interpreter"
    """How a module missing from `python` gets there, for a program's ModuleNotFoundError."""
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
    notes: tuple[str, ...] = ()
    assumed: dict[str, str] = field(default_factory=dict)
    """The identity values the mocks assumed (`account_id`, `region`), which findings may depend on."""
    project: str = ""
    """The project's name, where the stack was not rendered from a project (a preview JSON, a state file)."""
    wire_config: dict[str, str] | None = None
    """The stack's config as the CLI hands it to a pack, where it does not come from a stack file."""


class MocksFileError(ValueError):
    """The `--mocks` file is malformed; the message names the entry and shows a valid one."""


MOCKS_EXAMPLE = (
    "invokes:\n  aws:ec2/getAmi:getAmi: {id: ami-0abc, imageId: ami-0abc}\n"
    "stacks:\n  acme/network/prod: {vpcId: vpc-0abc}"
)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_]+$")


def load_mocks(path: Path) -> dict[str, Any]:
    """The answers a user supplies: `invokes` (data source token -> result) and `stacks` (full name -> outputs)."""
    document = _read_yaml(path, MocksFileError)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise MocksFileError(f"--mocks {path}: expected a mapping with invokes and stacks, e.g.\n{MOCKS_EXAMPLE}")
    unknown = sorted(set(document) - {"invokes", "stacks"})
    if unknown:
        raise MocksFileError(f"--mocks {path}: unknown section {unknown[0]!r}; the sections are invokes and stacks")
    out: dict[str, Any] = {}
    for section, what, example in (
        ("invokes", "a data source token", "aws:ec2/getAmi:getAmi"),
        ("stacks", "a stack's full name", "acme/network/prod"),
    ):
        entries = document.get(section) or {}
        if not isinstance(entries, dict):
            raise MocksFileError(f"--mocks {path}: {section!r} must map {what} to a mapping, e.g.\n{MOCKS_EXAMPLE}")
        for key, value in entries.items():
            if section == "invokes" and not (isinstance(key, str) and _TOKEN.match(key)):
                raise MocksFileError(f"--mocks {path}: {section}: {key!r} is not {what}, e.g. {example}")
            if not isinstance(value, dict):
                raise MocksFileError(
                    f"--mocks {path}: {section}: {key}: expected a mapping of names to values, e.g.\n{MOCKS_EXAMPLE}"
                )
        out[section] = {str(k): v for k, v in entries.items()}
    return out


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
            "(runtime: python). For any other language, judge what the Pulumi CLI prints: "
            "pulumi preview --json > preview.json, then trailguard check --preview-json preview.json; "
            "or pulumi stack export > state.json, then trailguard check --state state.json"
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
    python, hint = project_python(directory, options if isinstance(options, dict) else {})
    return Project(
        directory=directory,
        name=name,
        program=program,
        stack_config_dir=stack_config_dir,
        python=python,
        python_hint=hint,
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


def _venv_python(venv: Path) -> Path | None:
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    return None


def project_python(directory: Path, options: Mapping[str, Any]) -> tuple[str, str]:
    """The interpreter Pulumi would run a project (or, from PulumiPolicy.yaml, a policy pack) with, and how a
    missing module gets into it.

    As Pulumi's Python language host: `runtime.options.virtualenv` names the virtualenv; `toolchain: uv` uses
    it or uv's `.venv`; `toolchain: poetry` the environment `poetry env info` reports (an in-project `.venv`
    where poetry is not installed). Without one, the gate's own interpreter.
    """
    toolchain = str(options.get("toolchain") or "pip")
    venv = options.get("virtualenv")
    candidates: list[Path] = []
    if isinstance(venv, str) and venv:
        candidates.append(Path(venv) if Path(venv).is_absolute() else directory / venv)
    if toolchain == "uv":
        candidates.append(directory / ".venv")
    if toolchain == "poetry":
        poetry = shutil.which("poetry")
        if poetry:
            try:
                found = subprocess.run(
                    [poetry, "env", "info", "--path"], cwd=directory, capture_output=True, text=True, timeout=60
                ).stdout.strip()
            except (OSError, subprocess.TimeoutExpired):
                found = ""
            if found:
                candidates.append(Path(found))
        candidates.append(directory / ".venv")
    for candidate in candidates:
        python = _venv_python(candidate)
        if python is not None:
            installer = {"uv": "uv sync", "poetry": "poetry install"}.get(toolchain, "pip install -r requirements.txt")
            return str(python), f"is not installed in the project's environment {candidate}: run {installer} there"
    if toolchain in ("uv", "poetry"):
        setup = "uv sync" if toolchain == "uv" else "poetry install"
        where = f"its environment ({setup} in {directory})"
    elif isinstance(venv, str) and venv:
        where = f"its virtualenv {venv} (python -m venv {venv} && {venv}/bin/pip install -r requirements.txt)"
    else:
        where = "a virtualenv named in Pulumi.yaml (runtime.options.virtualenv: venv)"
    return sys.executable, (
        f"is not installed in the interpreter the gate fell back to ({sys.executable}), as the project has no "
        f"environment yet: create {where}, or install the project's requirements next to trailguard"
    )


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
        _check_namespace(path, key, project.name)
        plain, secret = _unsecure(value)
        values[full] = plain
        if secret:
            secrets.append(full)
    region = values.get("aws:region")
    if region is not None:
        problem = region_problem(region)
        if problem:
            raise StackConfigError(f"{path}: aws:region {region!r} {problem}")
    missing = sorted(project.required - values.keys())
    if missing:
        raise StackConfigError(
            f"{path}: stack {stack!r} is missing configuration value {missing[0]!r}, which Pulumi.yaml declares "
            f"without a default; set it, e.g. pulumi config set {missing[0].split(':', 1)[1]} <value> -s {stack}"
        )
    env = document.get("environment")
    environments = tuple(str(e) for e in env) if isinstance(env, list) else ((str(env),) if env else ())
    return StackConfig(values=values, secret_keys=tuple(secrets), environments=environments)


def _check_namespace(path: Path, key: str, project: str) -> None:
    """A namespace one typo away from the project's or a provider's (`trailgaurd:`) is refused: Pulumi would pass
    the key to nobody, and the setting would be silently lost."""
    if ":" not in key:
        return
    namespace = key.split(":", 1)[0]
    known = (project, *KNOWN_NAMESPACES)
    if namespace in known:
        return
    close = difflib.get_close_matches(namespace, known, n=1, cutoff=0.75)
    if close:
        raise StackConfigError(
            f"{path}: config key {key!r} is in namespace {namespace!r}, which no program or provider reads; "
            f"did you mean {close[0]}:{key.split(':', 1)[1]}?"
        )


def region_problem(region: Any) -> str | None:
    """What is wrong with an `aws:region` value, with the fix; None for a Region name."""
    if isinstance(region, str) and region_partition(region) is not None:
        return None
    close = closest_region(str(region))
    hint = f"did you mean {close}?" if close else "expected a Region code, e.g. us-east-1 or eu-west-1"
    return f"is not an AWS Region; {hint} (pulumi config set aws:region <region>)"


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
        partition = region_partition(region)
        if partition and partition != "aws":
            account["partition"] = partition
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


@dataclass(frozen=True)
class Identity:
    """The AWS identity the mocks assume for a stack, and what of it the config did not say."""

    account: dict[str, str]
    assumed: dict[str, str]
    """`account_id` / `region` -> the value assumed because neither the config nor the command line gave one."""


def mock_identity(config: Mapping[str, Any], *, account_id: str | None = None, region: str | None = None) -> Identity:
    """`mock_account` with `--account-id`/`--region` over the config, and the defaults it fell back to."""
    account = mock_account(config)
    if region:
        account["region"] = region
        partition = region_partition(region)
        account["partition"] = partition if partition else "aws"
    if account_id:
        account["account_id"] = account_id
        account.setdefault("management_account_id", account_id)
    defaults = MockAccount()
    assumed = {}
    if "account_id" not in account:
        assumed["account_id"] = defaults.account_id
    if "region" not in account:
        assumed["region"] = defaults.region
    return Identity(account=account, assumed=assumed)


def render_stack(
    project: Project,
    stack: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    chain: Sequence[str] = (),
    mocks: Mapping[str, Any] | None = None,
    organization: str = "organization",
    identity: Mapping[str, str | None] | None = None,
) -> StackRendering:
    """Run `stack`'s program under mocks in its own process; never raises for the program's or config's faults.

    `chain` lists the stacks whose `StackReference`s led here, to report a reference cycle instead of looping.
    `mocks` holds the answers the user supplied (`invokes` by token, `stacks` outputs by full stack name);
    `identity` the `account_id` and `region` given on the command line.
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
    notes: list[str] = []
    if not config_file.is_file() and not config_file.with_suffix(".yml").is_file():
        notes.append(
            f"no stack file {_shown(config_file)}: rendered with empty stack config (the project's defaults only)"
        )
    ident = mock_identity(config.values, **{k: v for k, v in (identity or {}).items() if v})
    if ident.assumed:
        said = {"account_id": "account", "region": "Region"}
        how = {"account_id": "aws:allowedAccountIds or --account-id", "region": "aws:region or --region"}
        notes.append(
            "assumed AWS "
            + " and ".join(f"{said[k]} {v}" for k, v in ident.assumed.items())
            + " (set "
            + "; ".join(how[k] for k in ident.assumed)
            + ")"
        )
    request = {
        "projectDir": str(project.directory),
        "projectName": project.name,
        "program": str(project.program),
        "stackConfigDir": str(project.stack_config_dir),
        "stack": stack,
        "config": config.values,
        "secretKeys": list(config.secret_keys),
        "account": ident.account,
        "identity": dict(identity or {}),
        "chain": [*chain, stack],
        "timeout": timeout,
        "mocks": dict(mocks or {}),
        "organization": organization,
        "pythonHint": project.python_hint,
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
                env=_worker_env(Path(scratch)),
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
        notes=(*notes, *result.get("notes", [])),
        assumed=ident.assumed,
    )


def _shown(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def is_credential_variable(name: str) -> bool:
    """Whether an environment variable names or holds cloud credentials, a profile or a token."""
    upper = name.upper()
    return (
        upper.startswith(_CREDENTIAL_PREFIXES)
        or upper in _CREDENTIAL_NAMES
        or _CREDENTIAL_WORDS.search(upper) is not None
    )


def _worker_env(scratch: Path) -> dict[str, str]:
    """The program's environment: no Pulumi engine, and no cloud credentials, profiles or metadata service.

    The AWS SDKs read credentials from `AWS_*` variables, the shared config and credentials files, container
    credentials and the EC2 instance metadata service; every one is cut off here, so a program that reaches for
    AWS finds nothing to sign with, and the AWS SDK calls it makes fail at once (see `_render_worker`).
    """
    env = {k: v for k, v in os.environ.items() if not is_credential_variable(k)}
    # The program must not reach a real engine or cloud: no Pulumi CLI is running, and the mocks answer everything.
    for key in ("PULUMI_MONITOR", "PULUMI_ENGINE", "PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS"):
        env.pop(key, None)
    empty = scratch / "no-credentials"
    empty.mkdir(exist_ok=True)
    env.update(
        {
            "AWS_CONFIG_FILE": str(empty / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(empty / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AZURE_CONFIG_DIR": str(empty),
            "CLOUDSDK_CONFIG": str(empty),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PULUMI_TEST_MODE": "true",
        }
    )
    return env


def render_stacks(
    project: Project,
    stacks: Iterable[str],
    *,
    jobs: int = 4,
    timeout: float = DEFAULT_TIMEOUT,
    on_done: Callable[[StackRendering], None] | None = None,
    mocks: Mapping[str, Any] | None = None,
    organization: str = "organization",
    identity: Mapping[str, str | None] | None = None,
) -> list[StackRendering]:
    """Render `stacks` concurrently (each its own process) and return them in the order given."""
    names = list(stacks)
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(names) or 1))) as pool:
        futures = [
            pool.submit(
                render_stack, project, name, timeout=timeout, mocks=mocks, organization=organization, identity=identity
            )
            for name in names
        ]
        results = []
        for future in futures:
            rendering = future.result()
            if on_done is not None:
                on_done(rendering)
            results.append(rendering)
    return results
