"""The Dagster column schema is the schema the warehouse really has: the types DuckDB declares,
NOT NULL, PRIMARY KEY and FOREIGN KEY as in duckdb_constraints(); code references lead to the
table function and the pandera model, not the shared asset factory; source assets have an owner
and kinds."""
from __future__ import annotations

import inspect
from pathlib import Path

import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.publish.chart_builders import CHARTS
from pipelines.schemas.registry import COMPUTED, all_tables
from pipelines.tables import TABLE_FUNCTIONS

SPECS = {".".join(s.key.path): s for s in defs.resolve_all_asset_specs()}


@pytest.fixture(scope="module")
def catalog(built_warehouse):
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        columns = con.execute(
            "SELECT schema_name || '.' || table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name <> 'meta' AND NOT internal"
        ).fetchall()
        constraints = con.execute(
            "SELECT schema_name || '.' || table_name, constraint_type, constraint_column_names, referenced_table, "
            "referenced_column_names FROM duckdb_constraints() WHERE database_name = current_database() "
            "AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')"
        ).fetchall()
    return columns, constraints


def test_column_types_and_nullability_are_duckdbs(catalog):
    columns, _ = catalog
    declared = {(t, c): (kind, nullable) for t, c, kind, nullable in columns}
    shown = {
        (table, col.name): (col.type, col.constraints.nullable)
        for table in all_tables()
        for col in SPECS[table].metadata["dagster/column_schema"].columns
    }
    assert set(shown) == set(declared)
    assert {k: v for k, v in shown.items() if declared[k] != v} == {}


def test_primary_and_foreign_keys_are_duckdbs(catalog):
    _, constraints = catalog
    primary = {t: tuple(cols) for t, kind, cols, _, _ in constraints if kind == "PRIMARY KEY"}
    foreign = {(t, cols[0]): f"{t.split('.')[0]}.{ref}.{ref_cols[0]}" for t, kind, cols, ref, ref_cols in constraints if kind == "FOREIGN KEY"}
    for table in all_tables():
        schema = SPECS[table].metadata["dagster/column_schema"]
        key = primary.get(table)
        table_level = list(schema.constraints.other)
        if key:
            assert f"PRIMARY KEY ({', '.join(key)})" in table_level, table
        for col in schema.columns:
            notes = list(col.constraints.other)
            assert any(n.startswith("PRIMARY KEY") for n in notes) == (key is not None and col.name in key), (table, col.name)
            fk = foreign.get((table, col.name))
            assert (f"FOREIGN KEY -> {fk}" in notes) if fk else not any(n.startswith("FOREIGN KEY") for n in notes), (table, col.name)


def _line(reference) -> str:
    return Path(reference.file_path).read_text(encoding="utf-8").splitlines()[reference.line_number - 1]


def test_a_computed_table_links_to_its_table_function_then_its_model():
    for table in COMPUTED:
        first, *rest = SPECS[table].metadata["dagster/code_references"].code_references
        fn = inspect.unwrap(TABLE_FUNCTIONS[table])
        # the function's first line: its `@table("<name>")` decorator, or its def
        assert first.label == "table function", table
        assert _line(first).lstrip().startswith((f'@table("{table}"', f"def {fn.__name__}(")), (table, _line(first))
        assert not first.file_path.endswith("assets/computed.py")
        assert [r.label for r in rest] == ["pandera model"]


def test_a_chart_links_to_its_builder():
    for build in CHARTS:
        (reference,) = SPECS[f"charts.{build.__name__}"].metadata["dagster/code_references"].code_references
        assert _line(reference).startswith(f"def {build.__name__}("), _line(reference)


def test_source_assets_have_an_owner_and_kinds():
    sources = [s for name, s in SPECS.items() if name.startswith("sources.")]
    assert sources
    assert [s.key for s in sources if not s.owners or not s.kinds] == []
