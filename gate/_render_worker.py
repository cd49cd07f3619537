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


def _load_gate_package() -> None:
    """Make `trailguard_gate` importable from this folder when the interpreter does not have it installed."""
    import importlib.util

    if importlib.util.find_spec("trailguard_gate") is not None:
        return
    spec = importlib.util.spec_from_file_location(
        "trailguard_gate", _HERE / "__init__.py", submodule_search_locations=[str(_HERE)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["trailguard_gate"] = module
    spec.loader.exec_module(module)


_load_gate_package()

import json  # noqa: E402
import os  # noqa: E402
import runpy  # noqa: E402
import traceback  # noqa: E402
from typing import Any  # noqa: E402

from trailguard_gate.mocks import MockAccount, PlausibleMocks, render  # noqa: E402
from trailguard_gate.model import resource_to_json  # noqa: E402


def _user_frame(exc: BaseException, roots: list[Path]) -> str | None:
    """`path:line` of the innermost frame of the user's own code (not the SDK, not site-packages)."""
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if "site-packages" in path.parts or path.resolve() == Path(__file__).resolve():
            continue
        if any(path.resolve().is_relative_to(root) for root in roots):
            found = f"{os.path.relpath(path, roots[0])}:{frame.lineno}"
    return found


def _message(exc: BaseException, roots: list[Path]) -> str:
    """The user's own exception text, with where it was raised: not a traceback wall."""
    text = "\n".join(line.strip() for line in str(exc).strip().splitlines()) or type(exc).__name__
    # Pulumi's own errors (missing config, ...) and the gate's read well alone; other types name the failure.
    if not type(exc).__module__.startswith(("pulumi", "trailguard_gate")):
        text = f"{type(exc).__name__}: {text}"
    where = _user_frame(exc, roots)
    return f"{text} (at {where})" if where else text


def _stack_outputs_resolver(request: dict[str, Any]) -> Any:
    """Answer a StackReference to a stack of this project by rendering that stack too, in its own process."""
    from trailguard_gate.render import load_project, render_stack

    def resolve(name: str) -> dict[str, Any] | None:
        parts = name.split("/")
        stack = parts[-1]
        if len(parts) == 3 and parts[1] != request["projectName"]:
            return None
        project = load_project(Path(request["projectDir"]))
        if not project.stack_file(stack).is_file():
            return None
        rendering = render_stack(project, stack, timeout=request["timeout"], chain=request["chain"])
        if rendering.error:
            raise RuntimeError(f"the referenced stack {stack!r} could not be rendered: {rendering.error}")
        return rendering.outputs

    return resolve


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def main(request_file: str, result_file: str) -> int:
    request = json.loads(Path(request_file).read_text(encoding="utf-8"))
    program = Path(request["program"])
    roots = [Path(request["projectDir"]).resolve(), program.resolve()]
    os.chdir(request["projectDir"])
    sys.path.insert(0, str(program if program.is_dir() else program.parent))
    sys.argv = [str(program / "__main__.py" if program.is_dir() else program)]
    mocks = PlausibleMocks(MockAccount(**request["account"]), stack_outputs=_stack_outputs_resolver(request))

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
        )
        result = {
            "resources": [resource_to_json(r) for r in rendering.resources],
            "outputs": _jsonable(rendering.outputs),
            "error": None,
        }
    except BaseException as exc:  # the program's failure is the result, reported to the user
        result = {"resources": [], "outputs": {}, "error": _message(exc, roots)}
    Path(result_file).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
