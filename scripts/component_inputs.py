"""Print the Markdown table of every component input with its default, from the args TypedDicts' docstrings.

    .venv/bin/python scripts/component_inputs.py > inputs.md

The docstrings are the single source: the schema `pulumi package add` infers carries the same text.
"""

import inspect
import typing

from pulumi.provider.experimental.analyzer import Analyzer

import trailguard


def split_default(description: str) -> tuple[str, str]:
    """`"Log every Region. Default: true."` -> `("Log every Region.", "true")`."""
    text, marker, default = " ".join(description.split()).partition(" Default: ")
    return text.strip(), default.strip().removesuffix(".") if marker else ""


def rows(component: type) -> list[str]:
    args = typing.get_type_hints(component.__init__)["args"]  # type: ignore[misc]
    definition = Analyzer("trailguard").analyze([component])["component_definitions"][component.__name__]
    by_python_name = {definition.inputs_mapping[k]: v for k, v in definition.inputs.items()}
    lines = []
    for name in args.__annotations__:
        description, default = split_default(by_python_name[name].description or "")
        schema_name = next(k for k, v in definition.inputs_mapping.items() if v == name)
        shown = "required" if name in args.__required_keys__ else default
        cell = description.replace("|", "\\|")
        lines.append(f"| `{name}` / `{schema_name}` | {shown} | {cell} |")
    return lines


def table() -> str:
    out = []
    for component in trailguard.components():
        out += [f"### {component.__name__}", "", inspect.getdoc(component).split("\n\n")[0].replace("\n", " "), ""]  # type: ignore[union-attr]
        out += ["| Input (Python / other languages) | Default | What it does |", "| --- | --- | --- |"]
        out += [*rows(component), ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(table())
