"""The curator's guide: a section of sources/README.md generated from the pandera models (one
entry per dataset: its purpose, the columns a CSV must and may have, with units, and which
computed tables read it). `battery docs` rewrites it; a test fails when it is stale."""
from __future__ import annotations

import inspect

from pipelines.ingest.curate import parent_tables
from pipelines.schemas.base import column_docs, optional_source_columns, source_columns
from pipelines.schemas.registry import CURATED
from pipelines.settings import PROJECT_ROOT

README_PATH = PROJECT_ROOT / "sources" / "README.md"
START = "<!-- curator's guide: generated from the pandera models by `battery docs`; do not edit by hand -->"
END = "<!-- end of the generated curator's guide -->"


def readers() -> dict[str, list[str]]:
    """curated.<name> -> the computed tables whose function reads it (pipelines/tables/)."""
    import importlib
    import pkgutil

    import pipelines.tables
    from pipelines.tables import TABLE_FUNCTIONS

    for module in pkgutil.iter_modules(pipelines.tables.__path__):  # each module registers its tables
        importlib.import_module(f"pipelines.tables.{module.name}")

    read: dict[str, list[str]] = {}
    for built, fn in sorted(TABLE_FUNCTIONS.items()):
        for table in fn.inputs.values():
            read.setdefault(table, []).append(built)
    return read


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render_dataset(name: str, read_by: list[str]) -> str:
    model = CURATED[name]
    purpose = inspect.cleandoc(model.__doc__ or "") if model.__doc__ and model.__doc__ != model.__mro__[1].__doc__ else ""
    docs = {d.name: d for d in column_docs(model)}
    required = [c for c in source_columns(model) if c not in optional_source_columns(model)]
    lines = [f"### `{name}`", "", " ".join((purpose or model.to_schema().description or "").split()), ""]
    lines.append(f"- **Read by:** {', '.join(f'`{t}`' for t in read_by) or 'no computed table (published as curated)'}")
    if parent_tables(name):
        lines.append(f"- **Ids must exist in:** {', '.join(f'`curated.{t}`' for t in parent_tables(name))}")
    lines += ["", "| column | required | unit | description |", "|---|---|---|---|"]
    for column in source_columns(model):
        doc = docs[column]
        needed = "yes" if column in required and not doc.nullable else "optional" if column not in required else "yes (may be empty)"
        lines.append(f"| `{column}` | {needed} | {_cell(doc.unit)} | {_cell(doc.description)} |")
    return "\n".join(lines) + "\n"


def render_guide() -> str:
    read = readers()
    head = [
        START,
        "## Curator's guide: every dataset, its columns and who reads it",
        "",
        "One entry per dataset folder: what it holds, the columns its CSVs carry (`required`: every",
        "CSV has the column and a value in every row; `may be empty`: the column is in the header, a",
        "cell may be blank; `optional`: a CSV may leave the column out) with units, and the computed",
        "tables that read it. Generated from the pandera models (`pipelines/schemas/`) and the table",
        "functions (`pipelines/tables/`) by `battery docs`.",
        "",
    ]
    body = [render_dataset(name, read.get(f"curated.{name}", [])) for name in sorted(CURATED)]
    return "\n".join(head) + "\n" + "\n".join(body) + END + "\n"


def with_guide(readme: str) -> str:
    """`readme` with its generated section replaced (appended when it has none)."""
    if START in readme:
        before, _, rest = readme.partition(START)
        _, _, after = rest.partition(END + "\n")
        return before + render_guide() + after
    return readme.rstrip("\n") + "\n\n" + render_guide()
