"""A consumer's stack type-checks under `mypy --strict` against trailguard as pip installs it (py.typed shipped).

The package is built and installed from a copy of this checkout into a temporary folder, so mypy sees what a
consumer's `pip install` would give them, not the editable install (whose import hook mypy cannot follow).
"""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # pip-installs the package and runs mypy

GOOD_CONSUMER = """
import pulumi

from trailguard import LogArchive, OrganizationTrail, OrganizationTrailArgs

archive = LogArchive("archive", {"trail_name": "t", "management_account_id": "111111111111", "bucket": "b"})
args: OrganizationTrailArgs = {
    "name": "t",
    "s3_bucket_name": archive.bucket_name,
    "kms_key_id": archive.kms_key_arn,
    "management_events": {"read_write_type": "All"},
}
trail = OrganizationTrail("organization", args, opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")]))
arn: pulumi.Output[str] = trail.trail_arn
group: pulumi.Output[str] | None = trail.log_group_name
"""

BAD_CONSUMER = """
import pulumi

from trailguard import OrganizationTrail

trail = OrganizationTrail("organization", {"name": "t", "s3_bucket_name": "b", "is_multi_region_trail": "yes"})
group: pulumi.Output[str] = trail.log_group_name
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, package_source: Callable[[], Path]) -> Path:
    source = package_source()
    target = tmp_path_factory.mktemp("site-packages")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
    )
    return target


def mypy(module: str, installed: Path, cache: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    (workdir / "consumer.py").write_text(module, encoding="utf-8")
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "mypy"),
            "--strict",
            "--warn-unreachable",
            "--cache-dir",
            str(cache),
            "--no-error-summary",
            "--hide-error-context",
            "consumer.py",
        ],
        cwd=workdir,
        # On PYTHONPATH, mypy treats the folder like site-packages: it needs py.typed to read trailguard at all.
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


def test_the_installed_package_is_typed(installed: Path) -> None:
    assert (installed / "trailguard" / "py.typed").is_file()


def test_a_consumer_passes_mypy_strict(installed: Path, mypy_cache: Path, tmp_path: Path) -> None:
    result = mypy(GOOD_CONSUMER, installed, mypy_cache, tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


def test_mypy_names_a_missing_argument_a_wrong_type_and_an_optional_output(
    installed: Path, mypy_cache: Path, tmp_path: Path
) -> None:
    result = mypy(BAD_CONSUMER, installed, mypy_cache, tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        'consumer.py:6: error: Missing key "kms_key_id" for TypedDict "OrganizationTrailArgs"  [typeddict-item]',
        'consumer.py:6: error: Incompatible types (expression has type "str", TypedDict item "is_multi_region_trail" '
        'has type "bool | Awaitable[bool] | Output[bool]")  [typeddict-item]',
        'consumer.py:7: error: Incompatible types in assignment (expression has type "Output[str] | None", variable '
        'has type "Output[str]")  [assignment]',
    ]
