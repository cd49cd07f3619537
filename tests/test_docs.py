"""Generated documentation stays in step with the code it describes."""

import runpy
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_component_inputs_page_is_generated_from_the_components() -> None:
    table = runpy.run_path(str(REPO / "scripts" / "component_inputs.py"), run_name="component_inputs")["table"]
    page = (REPO / "docs" / "components.md").read_text()
    assert page.endswith(table() + "\n"), "docs/components.md is stale: run `make docs`"
