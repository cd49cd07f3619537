"""The policy pack imports the same way in both places it runs: from its own folder and from the installed package.

`pulumi preview --policy-pack policies` starts policies/__main__.py in a virtualenv holding only what
policies/requirements.txt names, with the folder on sys.path; `pip install trailguard` ships the same modules as
the top-level package `trailguard_policies`, which `trailguard check`'s bundled pack and the gate import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from trailguard_gate.analyzer import PolicyPack

REPO = Path(__file__).resolve().parents[1]
PACK_SOURCES = ("PulumiPolicy.yaml", "requirements.txt", "__main__.py", "trailguard_policies")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, package_source: Callable[[], Path]) -> Path:
    """trailguard's wheel, built from a copy of the checkout (the build writes beside its sources) and unpacked as
    pip would install it into site-packages."""
    source = package_source()
    out = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps"]
    subprocess.run([*pip, "--no-build-isolation", "--no-index", "--wheel-dir", str(out), str(source)], check=True)
    site = tmp_path_factory.mktemp("site-packages")
    (built,) = out.glob("trailguard-*.whl")
    with zipfile.ZipFile(built) as archive:
        archive.extractall(site)
    return site


def sdk_only_python(tmp: Path) -> Path:
    """A stand-in for the pack's own virtualenv: this interpreter with pulumi and pulumi-policy, but without the
    site hooks (`-S`) that make the editable trailguard importable."""
    script = tmp / "python"
    purelib = sysconfig.get_paths()["purelib"]
    script.write_text(f'#!/bin/sh\nPYTHONPATH={purelib} exec {sys.executable} -S "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest.mark.slow
def test_the_pack_folder_runs_with_nothing_but_its_requirements(tmp_path: Path) -> None:
    pack = tmp_path / "policies"
    pack.mkdir()
    for name in PACK_SOURCES:
        copy = shutil.copytree if (REPO / "policies" / name).is_dir() else shutil.copy
        copy(REPO / "policies" / name, pack / name)
    python = sdk_only_python(tmp_path)
    assert subprocess.run([python, "-c", "import trailguard_gate"], capture_output=True).returncode == 1
    with PolicyPack(pack, python=python) as running:
        assert "cloudtrail-trail-log-file-validation" in {p.name for p in running.info().policies}


@pytest.mark.slow
def test_the_wheel_ships_every_package_of_the_checkout(wheel: Path) -> None:
    folders = {
        "components": "trailguard",
        "gate": "trailguard_gate",
        "policies/trailguard_policies": "trailguard_policies",
    }
    for folder, package in folders.items():
        for init in (REPO / folder).rglob("__init__.py"):
            shipped = wheel / package / init.relative_to(REPO / folder)
            assert shipped.is_file(), (
                f"{init.relative_to(REPO)} is not in the wheel; list its package in pyproject.toml"
            )


@pytest.mark.slow
def test_the_wheel_ships_the_policies_as_the_package_the_gate_imports(wheel: Path, tmp_path: Path) -> None:
    probe = (
        "import trailguard_pack, trailguard_policies.catalog, trailguard_gate.audit.convert as convert\n"
        "print(trailguard_policies.__file__)\n"
        "print(list(trailguard_pack.__path__)[0])\n"
        "print(convert.TRAIL, len(trailguard_policies.catalog.POLICIES) > 0)\n"
    )
    # -S: no site hooks, so the checkout's editable install cannot stand in for what the wheel lacks.
    result = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{wheel}:{sysconfig.get_paths()['purelib']}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    policies_init, pack_dir, tokens = result.stdout.splitlines()
    assert Path(policies_init) == wheel / "trailguard_policies" / "__init__.py"
    assert Path(pack_dir) == wheel / "trailguard_pack"
    assert (wheel / "trailguard_pack" / "PulumiPolicy.yaml").is_file()
    assert tokens == "aws:cloudtrail/trail:Trail True"


@pytest.mark.parametrize(
    ("options", "environment"),
    [
        ({"toolchain": "pip", "virtualenv": "venv"}, "venv"),
        ({"toolchain": "uv"}, ".venv"),
        ({"toolchain": "pip"}, None),
    ],
    ids=["virtualenv", "uv", "none"],
)
def test_the_pack_runs_in_the_environment_its_manifest_names_as_a_project_would(
    tmp_path: Path, options: dict[str, str], environment: str | None
) -> None:
    from trailguard_gate.run import pack_python

    runtime = {"name": "python", "options": options}
    (tmp_path / "PulumiPolicy.yaml").write_text(yaml.safe_dump({"name": "p", "runtime": runtime}), encoding="utf-8")
    if environment is not None:
        (tmp_path / environment / "bin").mkdir(parents=True)
        (tmp_path / environment / "bin" / "python").touch()

    expected = str(tmp_path / environment / "bin" / "python") if environment else sys.executable
    assert pack_python(tmp_path) == expected
