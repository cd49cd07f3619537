"""The real Pulumi CLI for the engine tests: where it is, and how it runs against a throwaway local backend.

The CLI comes from `PULUMI=/path/to/pulumi`, else `pulumi` on PATH, else `.tools/bin/pulumi` (`make engine` builds it
from `engine/go.mod`). A Python policy pack or component provider also needs the CLI's Python language host,
`pulumi-language-python`, which the CLI finds next to itself or on PATH. Every command runs with its own
`PULUMI_HOME`, a `file://` backend in a temporary directory, a passphrase secrets provider, no update check, no
plugin downloads and no cloud credentials.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TOOLS_BIN = REPO / ".tools" / "bin"
PASSPHRASE = "trailguard-engine-tests"
TIMEOUT = 300.0

LANGUAGE_HOST_UNAVAILABLE = (
    "the Go module proxy does not serve github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3 at any "
    "version ('go list -m -versions' answers 403 Forbidden: This module version is not available), so it cannot be "
    "built here (the older host inside github.com/pulumi/pulumi/sdk/v3@v3.68.0 predates this CLI's RunPlugin request: "
    "README, 'The real Pulumi engine in the tests'); put a pulumi-language-python next to the pulumi CLI or on PATH "
    "to run these tests"
)

# What a command must never see: cloud credentials and a Pulumi Cloud login.
_SCRUBBED_PREFIXES = ("AWS_", "PULUMI_")


class EngineMissing(RuntimeError):
    """The CLI (or its Python language host) is not there; the message says why and how to get it."""


def locate_pulumi() -> Path:
    """`$PULUMI`, else `pulumi` on PATH, else `.tools/bin/pulumi`; `EngineMissing` naming what was looked at."""
    given = os.environ.get("PULUMI")
    if given:
        path = Path(given)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise EngineMissing(f"PULUMI={given} is not an executable file; point it at a pulumi CLI, or unset it")
        return path.resolve()
    on_path = shutil.which("pulumi")
    if on_path:
        return Path(on_path).resolve()
    built = TOOLS_BIN / "pulumi"
    if built.is_file() and os.access(built, os.X_OK):
        return built
    go = shutil.which("go")
    how = (
        "run `make engine` to build it from engine/go.mod"
        if go
        else "install Go >= 1.26.6 and run `make engine`, or set PULUMI=/path/to/pulumi"
    )
    raise EngineMissing(f"no Pulumi CLI: PULUMI is unset, none on PATH, no {built}; {how}")


def locate_language_host(pulumi: Path) -> Path:
    """`pulumi-language-python` where the CLI looks for it: beside the CLI, then on PATH."""
    search = os.pathsep.join([str(pulumi.parent), os.environ.get("PATH", ""), str(TOOLS_BIN)])
    found = shutil.which("pulumi-language-python", path=search)
    if not found:
        raise EngineMissing(f"no pulumi-language-python beside {pulumi} or on PATH: {LANGUAGE_HOST_UNAVAILABLE}")
    return Path(found).resolve()


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)

    def json_lines(self) -> list[dict[str, Any]]:
        """`--json` event streams: one JSON document per line."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


@dataclass(frozen=True)
class Engine:
    """The CLI with a private home and backend: nothing it does reaches the user's Pulumi setup or the network."""

    pulumi: Path
    root: Path
    """A temporary directory holding `home/` (PULUMI_HOME) and `state/` (the file backend)."""

    @property
    def backend_url(self) -> str:
        return (self.root / "state").as_uri()

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
        (self.root / "home").mkdir(parents=True, exist_ok=True)
        (self.root / "state").mkdir(parents=True, exist_ok=True)
        env.update(
            {
                # The CLI finds its language hosts beside itself and on PATH.
                "PATH": os.pathsep.join([str(self.pulumi.parent), env.get("PATH", "")]),
                "PULUMI_HOME": str(self.root / "home"),
                "PULUMI_BACKEND_URL": self.backend_url,
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_SKIP_CONFIRMATIONS": "true",
                "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true",
                "NO_COLOR": "1",
            }
        )
        env.update(extra or {})
        return env

    def run(
        self,
        *args: str,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        ok: bool | None = True,
        timeout: float = TIMEOUT,
    ) -> Result:
        """Run `pulumi ARGS` in `cwd`; `ok=True` asserts exit 0, `ok=False` a non-zero exit, None checks nothing."""
        argv = (str(self.pulumi), "--non-interactive", "--color", "never", *args)
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=self.env(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = Result(tuple(args), proc.returncode, proc.stdout, proc.stderr)
        if ok is not None and (proc.returncode == 0) != ok:
            expected = "exit 0" if ok else "a non-zero exit"
            raise AssertionError(
                f"pulumi {' '.join(args)} in {cwd}: expected {expected}, got {proc.returncode}\n"
                f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
            )
        return result

    def version(self) -> str:
        return self.run("version", cwd=self.root).stdout.strip()


def scratch_project(directory: Path, name: str, *, stack_files: Sequence[Path] = ()) -> Path:
    """A project folder the CLI can keep stacks for: `Pulumi.yaml` naming `name`, and copies of `stack_files` in
    `stacks/` (the CLI writes the passphrase salt into a stack's file: never into the repository's own)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime:\n  name: python\nstackConfigDir: stacks\n", encoding="utf-8"
    )
    (directory / "stacks").mkdir(exist_ok=True)
    for path in stack_files:
        shutil.copyfile(path, directory / "stacks" / path.name)
    return directory


def import_state(engine: Engine, stack: str, project: str, deployment: str, directory: Path) -> Path:
    """`pulumi stack init` then `pulumi stack import` of the `deployment` JSON into a scratch project of that
    name under `directory`; the project's folder, where `--stack` finds the stack."""
    folder = scratch_project(directory / "project", project)
    engine.run("stack", "init", stack, "--secrets-provider", "passphrase", cwd=folder)
    path = directory / f"{stack}.state.json"
    path.write_text(deployment, encoding="utf-8")
    result = engine.run("stack", "import", "--stack", stack, "--file", str(path), cwd=folder)
    assert "Import complete." in result.output
    return folder


def runnable_pack(source: Path, directory: Path) -> Path:
    """A copy of the policy pack in `source` that the CLI can start without installing anything.

    `PulumiPolicy.yaml` names the virtualenv `venv` in the pack's folder: the language host runs the pack with its
    interpreter, and `pulumi policy analyze` installs nothing (`pulumi install` in the folder would fill it from
    requirements.txt over PyPI). Here `venv` is this test run's own virtualenv, made from requirements/dev.lock,
    which holds the pack's requirements (pulumi, pulumi-policy) at the locked versions.
    """
    pack = directory / source.name
    shutil.copytree(source, pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    (pack / "venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return pack
