"""How a consumer installs trailguard: the README's install lines name refs that exist, state the pulumi and
pulumi-aws versions pyproject.toml requires, and the editable install it recommends is visible to mypy.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # makes an editable install and runs mypy

GIT_REF = re.compile(r"github\.com/trailguard/trailguard(?:\.git)?(?:/[\w/]+)?@([\w.\-]+)")


def install_texts(repo_root: Path) -> dict[str, str]:
    files = [repo_root / "README.md", *sorted((repo_root / "examples").rglob("*.txt"))]
    files += sorted((repo_root / "examples").rglob("Pulumi.yaml"))
    return {str(f.relative_to(repo_root)): f.read_text(encoding="utf-8") for f in files}


def test_every_install_line_names_the_default_branch_or_a_tag_the_repository_has(repo_root: Path) -> None:
    tags = subprocess.run(["git", "tag", "--list"], cwd=repo_root, capture_output=True, text=True, check=True)
    known = {"main", *tags.stdout.split()}
    refs = {(path, ref) for path, text in install_texts(repo_root).items() for ref in GIT_REF.findall(text)}
    assert refs, "the README lost its install line"
    assert [(path, ref) for path, ref in sorted(refs) if ref not in known] == []


def test_the_readme_states_the_pulumi_and_pulumi_aws_ranges_pyproject_requires(repo_root: Path) -> None:
    project = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    ranges = dict(re.match(r"([\w-]+)(.*)", d).groups() for d in project["dependencies"])  # type: ignore[union-attr]
    assert (ranges["pulumi"], ranges["pulumi-aws"]) == (">=3.200,<4", ">=7.0,<8")
    readme = " ".join((repo_root / "README.md").read_text(encoding="utf-8").split())
    assert "`pulumi` 3.200 or later (below 4) and `pulumi-aws` 7.x (7.0 or later, below 8)" in readme
    lock = (repo_root / "requirements" / "dev.lock").read_text(encoding="utf-8")
    for package in ("pulumi", "pulumi-aws"):
        locked = re.search(rf"^{package}==([\d.]+)", lock, re.M)
        assert locked and f"{package} {locked.group(1)}" in readme


CONSUMER = """
from trailguard import OrganizationTrail

trail = OrganizationTrail("organization", {"name": "t", "s3_bucket_name": "b", "is_multi_region_trail": "yes"})
"""


@pytest.fixture(scope="module")
def editable(tmp_path_factory: pytest.TempPathFactory, package_source: Callable[[], Path]) -> Path:
    """A strict editable install, as the README says, of a copy of this checkout into a fresh environment."""
    source = package_source()
    env = tmp_path_factory.mktemp("env")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    [site] = env.glob("lib/python*/site-packages")
    # The fresh environment sees this one's dependencies (pulumi, pulumi-aws) through a .pth path entry, and
    # trailguard only through the editable install below.
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (site / "dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--no-build-isolation", "--no-index", "--config-settings", "editable_mode=strict", "--target", str(site),
         "-e", str(source)],
        check=True,
    )  # fmt: skip
    return env


def test_mypy_follows_the_strict_editable_install_into_the_checkout(
    editable: Path, mypy_cache: Path, tmp_path: Path
) -> None:
    (tmp_path / "consumer.py").write_text(CONSUMER, encoding="utf-8")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "mypy"),
            "--strict",
            "--python-executable",
            str(editable / "bin" / "python"),
            "--cache-dir",
            str(mypy_cache),
            "--no-error-summary",
            "--hide-error-context",
            "--follow-imports",
            "silent",
            "consumer.py",
        ],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    # mypy read OrganizationTrailArgs from the checkout: it names the missing key and the wrongly typed one.
    assert 'Missing key "kms_key_id" for TypedDict "OrganizationTrailArgs"' in result.stdout, result.stdout
    assert '"is_multi_region_trail"' in result.stdout
    assert "Cannot find implementation or library stub" not in result.stdout


def test_mypy_follows_the_development_environment_make_setup_builds(mypy_cache: Path, tmp_path: Path) -> None:
    # make setup adds a .pth naming build/editable/, whose import names link to the source folders.
    (tmp_path / "consumer.py").write_text(CONSUMER, encoding="utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "mypy"), "--strict", "--python-executable", sys.executable, "--cache-dir",
         str(mypy_cache), "--no-error-summary", "--hide-error-context", "--follow-imports", "silent", "consumer.py"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert 'Missing key "kms_key_id" for TypedDict "OrganizationTrailArgs"' in result.stdout, result.stdout
