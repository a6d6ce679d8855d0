"""The data dictionary (docs/data_dictionary.md), generated from the pandera models and the
datasets' metadata. A test fails when the committed file differs from what this renders."""
from __future__ import annotations

import pandera.pandas as pa
import yaml

from pipelines.schemas.base import column_docs, foreign_key_constraints, table_key, unique_columns
from pipelines.schemas.registry import CURATED, all_tables, documented_tables
from pipelines.settings import PROJECT_ROOT, current_paths

DICTIONARY_PATH = PROJECT_ROOT / "docs" / "data_dictionary.md"


def table_metadata(table: str, model: type[pa.DataFrameModel]) -> dict:
    """grain and provenance: from sources/<name>/dataset.yaml for curated tables, from the
    model's Config.metadata for computed ones."""
    schema, name = table.split(".", 1)
    if schema == "curated" and name in CURATED:
        meta_file = current_paths().sources / name / "dataset.yaml"
        meta = yaml.safe_load(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        return {
            "grain": meta.get("grain", ""),
            "provenance": f"{meta.get('origin', '')}; transcribed in `sources/{name}/`",
            "title": meta.get("title", ""),
        }
    meta = getattr(model.__config__, "metadata", None) or {}
    return {"grain": meta.get("grain", ""), "provenance": meta.get("provenance", ""), "title": ""}


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def constraint_lines(table: str, model: type[pa.DataFrameModel]) -> list[str]:
    """Key and references as declared in DuckDB (publish/duckdb_tables.py builds them from the same model)."""
    key = table_key(model)
    nullable = {d.name for d in column_docs(model) if d.nullable}
    if key:
        kind = "UNIQUE (a key column may be null)" if nullable & set(key) else "PRIMARY KEY"
        lines = [f"- **Key:** {', '.join(f'`{c}`' for c in key)} ({kind})"]
    else:
        lines = ["- **Key:** none declared"]
    lines += [f"- **Unique:** `{c}`" for c in unique_columns(model)]
    for fk in foreign_key_constraints(model, all_tables()):
        target = f"`{fk.parent_table}.{fk.parent_column}`"
        how = "FOREIGN KEY" if fk.declared else f"checked by the ingest, not a DuckDB FOREIGN KEY: {fk.reason}"
        lines.append(f"- **References:** `{fk.column}` → {target} ({how})")
    return lines


def render_table(table: str, model: type[pa.DataFrameModel]) -> str:
    meta = table_metadata(table, model)
    lines = [f"## `{table}`", ""]
    if meta["title"]:
        lines += [f"**{meta['title']}**", ""]
    lines += [
        model.to_schema().description or "",
        "",
        f"- **Grain:** {meta['grain']}",
        f"- **Provenance:** {meta['provenance']}",
        f"- **Schema:** `{model.__module__}.{model.__name__}`",
        *constraint_lines(table, model),
        "",
        "| column | type | unit | origin | description |",
        "|---|---|---|---|---|",
    ]
    for doc in column_docs(model):
        nullable = "" if not doc.nullable else " (nullable)"
        lines.append(
            f"| `{doc.name}` | {doc.dtype}{nullable} | {_cell(doc.unit)} | {doc.origin} | {_cell(doc.description)} |"
        )
    return "\n".join(lines) + "\n"


def render_dictionary() -> str:
    tables = documented_tables()
    header = [
        "# Data dictionary",
        "",
        "Generated from the pandera models by `make docs`; do not edit by hand (a test fails when",
        "this file is stale). Every column also carries its description and unit as a DuckDB",
        "comment: `SELECT table_name, column_name, comment FROM duckdb_columns()`.",
        "",
        "Origin `source` means typed by a curator in `sources/`; `derived` means computed by the pipeline.",
        "",
        "Constraints are declared in DuckDB from the same models (`SELECT * FROM duckdb_constraints()`):",
        "the **Key** of each table is its PRIMARY KEY (UNIQUE where a key column may be null), a column",
        "not marked nullable is NOT NULL, and a **References** line is a FOREIGN KEY where DuckDB can",
        "declare one. A `;`-separated list of keys (`reference_ids`) or a reference to part of a longer",
        "key cannot be a FOREIGN KEY: the ingest checks those, and the line says so.",
        "",
        "**Units: in the column's metadata, never in its name.** A computed column is named for the quantity",
        "(`battery_energy`, `pack_mass`, `pack_peak_power`, `operating_time`), and its unit is in the `unit` column",
        "below and in the DuckDB comment; a column without a fixed unit says which column holds it (`value`",
        "with `unit`). Curated tables keep their source files' column names. Named queries in",
        "`warehouse/queries/` round for display and may put the unit in an output alias (`mass_2030_kg`);",
        "stored tables are never rounded.",
        "",
        "| table | description |",
        "|---|---|",
    ]
    header += [f"| [`{t}`](#{t.replace('.', '')}) | {_cell(m.to_schema().description)} |" for t, m in tables.items()]
    body = [render_table(t, m) for t, m in tables.items()]
    return "\n".join(header) + "\n\n" + "\n".join(body)
