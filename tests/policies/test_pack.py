"""Meta-tests over the whole pack, read through GetAnalyzerInfo as the CLI reads it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pack_fixtures import PACK_DIR, compliant_stack

from trailguard_gate.analyzer import AnalyzerInfo, PolicyPack
from trailguard_gate.model import Level
from trailguard_policies.cis_monitoring import CONTROL_IDS

REPO = PACK_DIR.parent
RESOURCES = (
    "cloudtrail-trail-",
    "cloudtrail-event-data-store-",
    "s3-bucket-policy-",
    "s3-bucket-",
    "kms-key-policy-",
    "kms-key-",
    "cloudwatch-log-group-",
    "iam-role-",
    "sns-topic-policy-",
)
MAPPING_PREFIXES = ("cis-", "security-hub:", "aws-config:", "checkov:")
# The levels the issue asks for: six best practices and their guarantees mandatory, hardening advisory,
# the "create a trail" policy opt-in.
LEVELS = {
    "cloudtrail-trail-multi-region": Level.MANDATORY,
    "cloudtrail-trail-log-file-validation": Level.MANDATORY,
    "cloudtrail-trail-kms-encryption": Level.MANDATORY,
    "cloudtrail-trail-cloudwatch-logs": Level.MANDATORY,
    "s3-bucket-cloudtrail-dedicated": Level.MANDATORY,
    "s3-bucket-cloudtrail-sse-kms": Level.MANDATORY,
    "cloudtrail-trail-logging": Level.MANDATORY,
    "cloudtrail-trail-management-events": Level.MANDATORY,
    "s3-bucket-cloudtrail-not-public": Level.MANDATORY,
    "s3-bucket-cloudtrail-deletion-protection": Level.MANDATORY,
    "kms-key-cloudtrail-deletion-protection": Level.MANDATORY,
    "s3-bucket-policy-cloudtrail-delivery": Level.MANDATORY,
    "kms-key-policy-cloudtrail-delivery": Level.MANDATORY,
    "iam-role-cloudtrail-cloudwatch-delivery": Level.MANDATORY,
    "sns-topic-policy-delivery": Level.MANDATORY,
    "kms-key-policy-service-delivery": Level.MANDATORY,
    "s3-bucket-policy-access-log-delivery": Level.MANDATORY,
    "iam-role-s3-replication-delivery": Level.MANDATORY,
    "s3-bucket-cloudtrail-tls-only": Level.ADVISORY,
    "s3-bucket-cloudtrail-access-logging": Level.ADVISORY,
    "kms-key-cloudtrail-deletion-window": Level.ADVISORY,
    "s3-bucket-cloudtrail-versioning": Level.ADVISORY,
    "kms-key-rotation": Level.ADVISORY,
    "cloudwatch-log-group-cloudtrail-retention": Level.ADVISORY,
    "cloudwatch-log-group-cloudtrail-encryption": Level.ADVISORY,
    "s3-bucket-cloudtrail-lifecycle": Level.ADVISORY,
    "cloudtrail-trail-regional-limit": Level.ADVISORY,
    "cloudtrail-trail-global-service-events": Level.ADVISORY,
    "cloudtrail-trail-s3-data-events": Level.ADVISORY,
    "cloudtrail-trail-tags": Level.ADVISORY,
    "cloudtrail-trail-present": Level.DISABLED,
    # Beyond issue 3: CIS monitoring alarms and CloudTrail Lake, advisory.
    "cloudtrail-trail-cis-monitoring": Level.ADVISORY,
    "cloudtrail-event-data-store-kms-encryption": Level.ADVISORY,
    "cloudtrail-event-data-store-termination-protection": Level.ADVISORY,
    "cloudtrail-event-data-store-retention": Level.ADVISORY,
}
INFRASTRUCTURE = {"__init__", "values", "resources", "iam", "stack", "framework", "recorded_events", "catalog"}


@pytest.fixture(scope="module")
def info(pack: PolicyPack) -> AnalyzerInfo:
    return pack.info()


def test_the_pack_names_itself_and_takes_its_version_from_pulumipolicy_yaml(info: AnalyzerInfo) -> None:
    assert (info.name, info.version) == ("trailguard", "0.1.0")


def test_every_policy_has_the_level_the_issue_asks_for(info: AnalyzerInfo) -> None:
    assert {p.name: p.enforcement_level for p in info.policies} == LEVELS


def test_names_are_unique_kebab_case_and_start_with_the_resource_they_judge(info: AnalyzerInfo) -> None:
    names = [p.name for p in info.policies]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", name), name
        assert name.startswith(RESOURCES), name


def test_descriptions_are_one_complete_sentence(info: AnalyzerInfo) -> None:
    for policy in info.policies:
        text = policy.description
        assert text[0].isupper() and text.endswith("."), policy.name
        assert ". " not in text[:-1] and len(text) <= 130, policy.name


def test_every_policy_says_how_bad_how_to_fix_and_where_to_read(info: AnalyzerInfo) -> None:
    for policy in info.policies:
        assert policy.severity in ("low", "medium", "high", "critical"), policy.name
        assert policy.url is not None and policy.url.startswith("https://"), policy.name
        assert policy.remediation_steps and policy.remediation_steps.endswith("."), policy.name
        assert policy.policy_type in ("resource", "stack"), policy.name


def test_mappings_are_in_the_metadata_and_cis_ones_in_the_framework(info: AnalyzerInfo) -> None:
    for policy in info.policies:
        mapped = [t for t in policy.tags if t.startswith(MAPPING_PREFIXES)]
        assert mapped or policy.tags == ("unmapped",), policy.name
        cis = [t for t in policy.tags if t.startswith("cis-")]
        if cis:
            version, control = cis[0].removeprefix("cis-").split(":")
            assert policy.framework == {
                "name": "CIS AWS Foundations Benchmark",
                "version": version,
                "reference": control,
                "specification": "cis-aws",
            }
        else:
            assert policy.framework is None


def test_checkov_ids_exist_in_the_pinned_checkov() -> None:
    # checkov's ids are read from its own sources in .venv-checkov, the version the gate runs.
    checks = (
        REPO
        / ".venv-checkov"
        / "lib"
        / f"python{sys.version_info.major}.{sys.version_info.minor}"
        / "site-packages"
        / "checkov"
    )
    known = set()
    for path in checks.glob("terraform/checks/**/*"):
        if path.suffix in (".py", ".json", ".yaml"):
            known.update(re.findall(r"CKV2?_AWS_\d+", path.read_text(errors="replace")))
    from trailguard_policies.catalog import POLICIES

    used = {t.split(":", 1)[1] for p in POLICIES for t in p.tags or [] if t.startswith("checkov:")}
    assert used and used <= known, used - known


def test_every_policy_takes_exclusions_that_need_a_reason(info: AnalyzerInfo) -> None:
    for policy in info.policies:
        assert policy.config_schema is not None
        exclude = policy.config_schema["properties"]["exclude"]
        assert exclude["items"]["required"] == ["resource", "reason"], policy.name
        assert exclude["default"] == []


def test_every_policy_module_has_a_test_module() -> None:
    modules = {p.stem for p in (PACK_DIR / "trailguard_policies").glob("*.py")} - INFRASTRUCTURE
    tests = {p.stem.removeprefix("test_") for p in Path(__file__).parent.glob("test_*.py")}
    assert modules and modules <= tests, modules - tests


def test_the_readme_table_is_generated_from_the_pack() -> None:
    result = subprocess.run([sys.executable, str(PACK_DIR / "readme.py"), "--check"], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    readme = (PACK_DIR / "README.md").read_text()
    for name, level in LEVELS.items():
        assert f"[`{name}`](" in readme and f" | {level.value} | " in readme


def test_the_compliant_stack_passes_every_policy_at_every_level(pack: PolicyPack) -> None:
    # The fixture models the trail and its stores, not the CIS alarms on its log group (test_cis_monitoring does).
    handled = [{"controlId": c, "reason": "alarmed by the organization's SIEM"} for c in CONTROL_IDS]
    pack.configure({"cloudtrail-trail-cis-monitoring": {"handledControls": handled}})
    try:
        assert pack.preview(compliant_stack()) == []
    finally:
        pack.configure({})


def test_main_only_assembles_the_pack() -> None:
    source = (PACK_DIR / "__main__.py").read_text()

    assert "PolicyPack(" in source and "def " not in source and "class " not in source


def test_the_pack_imports_nothing_from_the_rest_of_the_repository() -> None:
    for path in PACK_DIR.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(from|import) (trailguard|trailguard_gate)\b(?!_policies)", text, re.M), path
