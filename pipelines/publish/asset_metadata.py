"""Dagster metadata generated from the pandera models, the warehouse's declared constraints and
the column lineage, as plain functions any asset declaration calls (pipelines/assets/): the
column schema with DuckDB types and constraints, code references to the table function and the
pandera model, dagster/column_lineage, and tables of rows (a warning check's flagged rows)."""
from __future__ import annotations

import inspect
from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa
from dagster import (
    AssetKey,
    CodeReferencesMetadataValue,
    LocalFileCodeReference,
    MetadataValue,
    TableColumn,
    TableColumnConstraints,
    TableColumnDep,
    TableColumnLineage,
    TableConstraints,
    TableRecord,
    TableSchema,
)

from pipelines.publish.duckdb_tables import column_comment, not_null_columns, primary_key, table_constraints
from pipelines.schemas.base import column_docs, foreign_key_constraints, table_key, unique_columns
from pipelines.schemas.registry import all_tables, model_source_line
from pipelines.tables import TABLE_FUNCTIONS
from pipelines.tables.lineage import table_lineage, upstream_of_other_tables

MAX_ROWS_IN_METADATA = 50


def asset_key(name: str) -> AssetKey:
    """The asset key of "<schema>.<table>" (or "sources.<dataset>", "warehouse.<name>"): the one
    place asset keys are built."""
    return AssetKey(name.split("."))


# The DuckDB type the warehouse declares for each pandera dtype (publish/duckdb_tables.py writes
# the frames, DuckDB types them; tests/pipeline/test_column_schema.py compares every column of a
# built warehouse with this map).
DUCKDB_TYPES = {
    "str": "VARCHAR",
    "int64": "BIGINT",
    "Int64": "BIGINT",
    "float64": "DOUBLE",
    "bool": "BOOLEAN",
    "datetime64[ns]": "TIMESTAMP_NS",
}


def duckdb_type(dtype: str) -> str:
    return DUCKDB_TYPES.get(dtype, dtype)


def column_schema(model: type[pa.DataFrameModel], table: str | None = None) -> TableSchema:
    """The table as the warehouse declares it: DuckDB types, and the constraints DuckDB holds
    (NOT NULL, PRIMARY KEY, UNIQUE, FOREIGN KEY), per column and for the table."""
    docs = column_docs(model)
    names = [d.name for d in docs]
    tables = all_tables()
    key = primary_key(table, names) if table else ()
    required = not_null_columns(table) if table else frozenset(d.name for d in docs if not d.nullable)
    unique = set(unique_columns(model))
    declared_fks = {fk.column: fk for fk in foreign_key_constraints(model, tables)} if table in tables else {}

    def other(name: str) -> list[str]:
        notes = []
        if name in key:
            notes.append("PRIMARY KEY" if len(key) == 1 else f"PRIMARY KEY ({', '.join(key)})")
        fk = declared_fks.get(name)
        if fk is not None:
            target = f"{fk.parent_table}.{fk.parent_column}"
            notes.append(f"FOREIGN KEY -> {target}" if fk.declared else f"references {target} (checked by the ingest: {fk.reason})")
        return notes

    return TableSchema(
        columns=[
            TableColumn(
                name=d.name,
                type=duckdb_type(d.dtype),
                description=column_comment(d.description, d.unit),
                constraints=TableColumnConstraints(
                    nullable=d.name not in required,
                    unique=d.name in unique or (d.name,) == tuple(key) or (not key and (d.name,) == table_key(model)),
                    other=other(d.name),
                ),
            )
            for d in docs
        ],
        constraints=TableConstraints(other=table_constraints(table, names) if table else []),
    )


def model_code_reference(model: type[pa.DataFrameModel]) -> LocalFileCodeReference:
    """Where the table's schema is defined: the UI links each asset to its pandera model (a model
    built by wide_model() points at the assignment that builds it)."""
    path, line = model_source_line(model)
    return LocalFileCodeReference(file_path=path, line_number=line, label="pandera model")


def function_code_reference(fn: Callable, label: str) -> LocalFileCodeReference:
    """The function itself (through functools.wraps to the function a decorator wraps)."""
    fn = inspect.unwrap(fn)
    return LocalFileCodeReference(file_path=inspect.getsourcefile(fn), line_number=inspect.getsourcelines(fn)[1], label=label)


def code_references(table: str, model: type[pa.DataFrameModel]) -> CodeReferencesMetadataValue:
    """The table function that computes the table (a computed table), then its pandera model."""
    refs = []
    fn = TABLE_FUNCTIONS.get(table)
    if fn is not None:
        refs.append(function_code_reference(fn, "table function"))
    return CodeReferencesMetadataValue(code_references=[*refs, model_code_reference(model)])


def column_lineage(table: str) -> TableColumnLineage | None:
    """dagster/column_lineage of a computed table: each column's upstream columns in other
    assets (columns of its own table it is computed from are followed to theirs)."""
    lineage = table_lineage(table)
    if not lineage:
        return None
    return TableColumnLineage(
        deps_by_column={
            column: [TableColumnDep(asset_key=asset_key(u.table), column_name=u.column) for u in upstream_of_other_tables(table, column)]
            for column in lineage
        }
    )


_TABLE_TYPES = {"f": "float", "i": "int", "u": "int", "b": "bool"}


def _cell(value):
    """A value a Dagster table record holds: str, int, float, bool or None (never NaN)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def lineage_table(table: str):
    """The column lineage as a table the open-source UI shows (it hides dagster/column_lineage,
    whose column graph is a Dagster+ feature): one row per column, its upstream columns (a bare
    name is a column of the same table; [rows] says which rows of a long table feed it) and
    its formula, as meta.column_lineage holds them."""
    def named(u) -> str:
        where = f" [{u.rows}]" if u.rows else ""
        return (u.column if u.table == table else f"{u.table}.{u.column}") + where

    rows = [
        {"column": column, "how": entry.how, "upstream": "; ".join(dict.fromkeys(named(u) for u in entry.upstream)),
         "formula": entry.formula or ""}
        for column, entry in table_lineage(table).items()
    ]
    return rows_table(pd.DataFrame(rows), limit=None) if rows else None


def rows_table(rows: pd.DataFrame, limit: int | None = MAX_ROWS_IN_METADATA):
    """The first MAX_ROWS_IN_METADATA rows as a Dagster table (shown in the UI as a table, not
    behind a markdown link): for a warning rule, each flagged row's identifying columns, its
    printed value, the recomputed value, the relative deviation and how it was judged."""
    shown = rows if limit is None else rows.head(limit)
    schema = TableSchema(columns=[TableColumn(name=str(c), type=_TABLE_TYPES.get(shown[c].dtype.kind, "string")) for c in shown.columns])
    records = [TableRecord({str(c): _cell(v) for c, v in zip(shown.columns, row)}) for row in shown.itertuples(index=False, name=None)]
    return MetadataValue.table(records=records, schema=schema)
