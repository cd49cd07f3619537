"""One stack's render, in its own process: `python _render_worker.py REQUEST.json RESULT.json`.

`trailguard_gate.render` starts this script with the project's own interpreter, which may not have the gate
installed: the script loads `trailguard_gate` from its own folder. It runs the program under
`trailguard_gate.mocks` with the stack's config and writes the recorded resources, or the program's error
message, as JSON. Referenced stacks of the same project are rendered the same way, each in its own process.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder is the gate package itself: keep its modules from shadowing the program's imports (`render`, ...).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]


_MINIMUM_PYTHON = (3, 11)


def _refuse(result_file: str, message: str) -> None:
    import json

    Path(result_file).write_text(json.dumps({"resources": [], "outputs": {}, "error": message}), encoding="utf-8")
    sys.exit(0)


def _check_interpreter(result_file: str) -> None:
    """Refuse, with the fix, an interpreter the gate cannot run in: too old, or without the Pulumi SDK."""
    import importlib.util

    if sys.version_info < _MINIMUM_PYTHON:
        _refuse(
            result_file,
            f"the project's interpreter {sys.executable} is Python {sys.version_info[0]}.{sys.version_info[1]}; "
            f"trailguard check needs Python {'.'.join(map(str, _MINIMUM_PYTHON))} or newer in it: recreate the "
            "project's virtualenv with a newer Python, e.g. python3.12 -m venv venv && venv/bin/pip install -r "
            "requirements.txt",
        )
    if importlib.util.find_spec("pulumi") is None:
        _refuse(
            result_file,
            f"the program's interpreter {sys.executable} has no Pulumi SDK (ModuleNotFoundError: No module named "
            "'pulumi'): install the project's requirements into it, e.g. pip install -r requirements.txt",
        )


def _load_package(name: str, folder: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def _load_gate_package() -> None:
    """Make `trailguard_gate` (and the type tokens of `trailguard_policies` it reads) importable from this folder
    when the project's interpreter does not have trailguard installed."""
    import importlib.util

    if importlib.util.find_spec("trailguard_gate") is None:
        _load_package("trailguard_gate", _HERE)
    if importlib.util.find_spec("trailguard_policies") is None:
        # Installed, the policies sit beside the gate; in a checkout, under policies/.
        for folder in (_HERE.parent / "trailguard_policies", _HERE.parent / "policies" / "trailguard_policies"):
            if (folder / "__init__.py").is_file():
                _load_package("trailguard_policies", folder)
                break


if __name__ == "__main__":
    _check_interpreter(sys.argv[2])
_load_gate_package()

import importlib  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.machinery  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Callable  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

from trailguard_gate.mocks import MockAccount, PlausibleMocks, render  # noqa: E402
from trailguard_gate.model import resource_to_json  # noqa: E402

NO_CLOUD_ACCESS = "TrailguardNoCloudAccess"
"""The error code an AWS SDK call from the program gets: `trailguard check` has no credentials and no network."""


class _Roots:
    """The user's code: files under the project (or the program's) folder, outside any installed packages."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots

    def owns(self, filename: str) -> bool:
        path = Path(filename)
        if not path.is_absolute() or "site-packages" in path.parts or path.resolve() == Path(__file__).resolve():
            return False
        resolved = path.resolve()
        return any(resolved.is_relative_to(root) for root in self.roots)

    def where(self, frames: list[traceback.FrameSummary]) -> str | None:
        """`path:line` of the innermost of `frames` in the user's code, relative to the project."""
        found = None
        for frame in frames:
            if self.owns(frame.filename):
                found = f"{os.path.relpath(frame.filename, self.roots[0])}:{frame.lineno}"
        return found


def _root_cause(exc: BaseException) -> BaseException:
    """The exception at the bottom of the `raise ... from` / during-handling chain: what went wrong first."""
    seen = {id(exc)}
    while True:
        inner = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        if inner is None or id(inner) in seen:
            return exc
        seen.add(id(inner))
        exc = inner


def _text(exc: BaseException) -> str:
    text = "\n".join(line.strip() for line in str(exc).strip().splitlines()) or type(exc).__name__
    # Pulumi's own errors (missing config, ...) and the gate's read well alone; other types name the failure.
    if not type(exc).__module__.startswith(("pulumi", "trailguard_gate")):
        text = f"{type(exc).__name__}: {text}"
    return text


def _message(exc: BaseException, roots: _Roots, python_hint: str) -> str:
    """The root cause first, with the deepest frame of the user's own code; the outer errors after it."""
    cause = _root_cause(exc)
    where = roots.where(traceback.extract_tb(cause.__traceback__)) or roots.where(
        traceback.extract_tb(exc.__traceback__)
    )
    text = _text(cause) + (f" (at {where})" if where else "")
    if isinstance(cause, ModuleNotFoundError) and cause.name:
        text += f": the program imports {cause.name.split('.')[0]!r}, which {python_hint}"
    if cause is not exc:
        text += f"; then: {_text(exc)}"
    return text


class _InvokeSites:
    """Where the program called each data source: the SDK's invoke request carries no source position."""

    def __init__(self, roots: _Roots) -> None:
        self.roots = roots
        self.sites: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def install(self) -> None:
        invoke_module = importlib.import_module("pulumi.runtime.invoke")
        original = invoke_module._invoke

        def recording_invoke(tok: str, *args: Any, **kwargs: Any) -> Any:
            site = self.roots.where(traceback.extract_stack()[:-1])
            if site:
                with self._lock:
                    self.sites.setdefault(tok, []).append(site)
            return original(tok, *args, **kwargs)

        setattr(invoke_module, "_invoke", recording_invoke)  # noqa: B010 (the module's private function)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Runs `patch` on a module right after it is first imported, whoever imports it."""

    def __init__(self, name: str, patch: Callable[[ModuleType], None]) -> None:
        self.name = name
        self.patch = patch

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader: Any = spec.loader
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            self.patch(module)

        loader.exec_module = exec_module
        return spec


def _refuse_aws_sdk_calls(account: MockAccount, roots: _Roots) -> None:
    """Make every AWS SDK (botocore) call from the program fail at once with a clear error, before it signs or
    sends anything; STS GetCallerIdentity answers with the mocked identity, as the Pulumi data source does."""

    def patch(client_module: ModuleType) -> None:
        from botocore.exceptions import ClientError

        def refuse(client: Any, operation_name: str, api_params: Any) -> Any:
            service = client.meta.service_model.service_name
            if (service, operation_name) == ("sts", "GetCallerIdentity"):
                return {
                    "UserId": "AROAEXAMPLE:deployer",
                    "Account": account.account_id,
                    "Arn": f"arn:{account.partition}:sts::{account.account_id}:assumed-role/deployer/trailguard",
                    "ResponseMetadata": {"HTTPStatusCode": 200},
                }
            site = roots.where(traceback.extract_stack()[:-1])
            raise ClientError(
                {
                    "Error": {
                        "Code": NO_CLOUD_ACCESS,
                        "Message": (
                            f"trailguard check renders the program as `pulumi preview` would, with no cloud "
                            f"credentials or network: the AWS SDK call {service}.{operation_name}"
                            + (f" at {site}" if site else "")
                            + " was refused. Run it only in deployments (if not pulumi.runtime.is_dry_run(): ...) "
                            "or read the value through a Pulumi data source (aws.*.get_*), which the gate answers"
                        ),
                    }
                },
                operation_name,
            )

        client_module.BaseClient._make_api_call = refuse

    sys.meta_path.insert(0, _PatchOnImport("botocore.client", patch))


def _stack_outputs_resolver(request: dict[str, Any], supplied: dict[str, Any]) -> Any:
    """Answer a StackReference: outputs supplied with --mocks by the stack's full name; else, for a stack of this
    project with a stack file, its outputs rendered under mocks in its own process; else unknown (None)."""
    from trailguard_gate.render import load_project, render_stack

    def resolve(name: str) -> dict[str, Any] | None:
        if name in supplied:
            return dict(supplied[name])
        parts = name.split("/")
        stack = parts[-1]
        if len(parts) == 3 and parts[1] != request["projectName"]:
            return None
        project = load_project(Path(request["projectDir"]))
        if not project.stack_file(stack).is_file():
            return None
        rendering = render_stack(
            project,
            stack,
            timeout=request["timeout"],
            chain=request["chain"],
            mocks=request.get("mocks"),
            organization=request.get("organization") or "organization",
            identity=request.get("identity"),
        )
        if rendering.error:
            raise RuntimeError(f"the referenced stack {stack!r} could not be rendered: {rendering.error}")
        return rendering.outputs

    return resolve


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _notes(mocks: PlausibleMocks, sites: _InvokeSites) -> list[str]:
    notes = []
    for token in dict.fromkeys(mocks.unanswered):
        where = ", ".join(dict.fromkeys(sites.sites.get(token, []))) or "the program"
        notes.append(
            f"data source {token} (at {where}) was answered with an empty result: the gate has no plausible "
            f"answer for it; supply one with --mocks (invokes: {{{token}: {{...}}}}) where a finding depends on it"
        )
    for name in dict.fromkeys(mocks.unknown_stacks):
        notes.append(
            f"StackReference {name!r}: its outputs are unknown, as in a preview without access to that stack; "
            f"supply them with --mocks (stacks: {{{name}: {{output: value}}}})"
        )
    return notes


def main(request_file: str, result_file: str) -> int:
    request = json.loads(Path(request_file).read_text(encoding="utf-8"))
    program = Path(request["program"])
    roots = _Roots([Path(request["projectDir"]).resolve(), program.resolve()])
    os.chdir(request["projectDir"])
    sys.path.insert(0, str(program if program.is_dir() else program.parent))
    sys.argv = [str(program / "__main__.py" if program.is_dir() else program)]
    supplied = request.get("mocks") or {}
    account = MockAccount(**request["account"])
    mocks = PlausibleMocks(
        account,
        stack_outputs=_stack_outputs_resolver(request, supplied.get("stacks") or {}),
        invoke_results=supplied.get("invokes") or {},
        strict_stack_references=False,
    )
    sites = _InvokeSites(roots)
    sites.install()
    _refuse_aws_sdk_calls(account, roots)

    def run() -> None:
        runpy.run_path(str(program), run_name="__main__")

    result: dict[str, Any]
    try:
        rendering = render(
            run,
            project=request["projectName"],
            stack=request["stack"],
            config=request["config"],
            mocks=mocks,
            secret_keys=request["secretKeys"],
            preview=True,
            organization=request.get("organization"),
        )
        result = {
            "resources": [resource_to_json(r) for r in rendering.resources],
            "outputs": _jsonable(rendering.outputs),
            "error": None,
        }
    except BaseException as exc:  # the program's failure is the result, reported to the user
        result = {"resources": [], "outputs": {}, "error": _message(exc, roots, request.get("pythonHint", ""))}
    result["notes"] = _notes(mocks, sites)
    Path(result_file).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
