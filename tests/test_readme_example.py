"""The README's Python example, copied into a new project as a newcomer would, passes `trailguard check`.

The stack file and the program are cut out of the README's "Import the components in a Python stack" section, so
the README cannot drift from what passes. The project has no skips file of its own: the checkov checks that do not
apply to trailguard's components are skipped by the skips the package ships.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from gate_runs import check, failing

REPO = Path(__file__).resolve().parents[1]
SECTION = "## Import the components in a Python stack"
README_ACCOUNT = "111111111111"


def readme_example() -> tuple[str, str]:
    """(stack file, program): the section's first YAML block and its first Python block."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", len(SECTION))]
    stack_file = re.search(r"```yaml\n(.*?)```", section, re.S)
    program = re.search(r"```python\n(.*?)```", section, re.S)
    assert stack_file and program, f"the README's {SECTION!r} section lost its yaml or python block"
    return stack_file.group(1), program.group(1)


def test_the_section_holds_the_stack_file_and_the_program() -> None:
    stack_file, program = readme_example()
    assert "aws:allowedAccountIds" in stack_file
    assert "from trailguard import" in program
    assert README_ACCOUNT in stack_file and README_ACCOUNT in program


@pytest.mark.checkov
@pytest.mark.parametrize("account", [README_ACCOUNT, "210987654321"])
def test_the_readme_example_passes_the_gate_with_no_skips_of_its_own(tmp_path: Path, account: str) -> None:
    stack_file, program = readme_example()
    project = tmp_path / "org-trail"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: org-trail\nruntime: python\n", encoding="utf-8")
    (project / "Pulumi.management.yaml").write_text(stack_file.replace(README_ACCOUNT, account), encoding="utf-8")
    (project / "__main__.py").write_text(program.replace(README_ACCOUNT, account), encoding="utf-8")
    code, report, output = check(project)
    [target] = report["targets"]
    assert (code, target["error"], failing(target)) == (0, None, []), output
    assert target["resources"] > 40
    if account != README_ACCOUNT:
        # Nothing is judged as the README's placeholder account: the mocks are the account the stack names.
        assert README_ACCOUNT not in json.dumps(report)
