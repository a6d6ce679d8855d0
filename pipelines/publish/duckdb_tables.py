"""Write and read warehouse tables in a DuckDB file, with comments from the pandera models.

Table and column comments are generated from the registry's models, so `duckdb_columns()`
in any SQL client shows the same description and unit as the data dictionary.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.schemas.base import column_docs
from pipelines.schemas.registry import all_tables

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def _ident(name: str) -> str:
    # Table names come from asset keys we define; refuse anything else rather than quote it.
    if not _IDENT.match(name):
        raise ValueError(f"not a valid warehouse identifier: {name!r}")
    return name


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def column_comment(description: str, unit: str | None) -> str:
    return f"{description} [{unit}]" if unit else description


def write_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame) -> None:
    """Replace schema.table with `frame` and attach the model's comments, in one transaction."""
    schema, table = _ident(schema), _ident(table)
    qualified = f"{schema}.{table}"
    model = all_tables().get(qualified)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.register("_incoming", frame)
        con.execute(f"CREATE OR REPLACE TABLE {qualified} AS SELECT * FROM _incoming")
        con.unregister("_incoming")
        if model is not None:
            comment_table(con, qualified, model, list(frame.columns))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def comment_table(con: duckdb.DuckDBPyConnection, qualified: str, model, columns: list[str]) -> None:
    """Table and column comments (description [unit]) from the pandera model."""
    con.execute(f"COMMENT ON TABLE {qualified} IS {_literal(model.to_schema().description or '')}")
    for doc in column_docs(model):
        if doc.name in columns:
            comment = column_comment(doc.description, doc.unit)
            con.execute(f'COMMENT ON COLUMN {qualified}."{doc.name}" IS {_literal(comment)}')


def read_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> pd.DataFrame:
    return con.execute(f"SELECT * FROM {_ident(schema)}.{_ident(table)}").df()


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only)


# One open connection per staging file for the length of a run: reopening a DuckDB file costs
# a catalog load and a checkpoint each time (tens of ms), which dominated small-table steps.
_shared: dict[Path, duckdb.DuckDBPyConnection] = {}


def shared_connection(path: Path) -> duckdb.DuckDBPyConnection:
    path = path.resolve()
    if path not in _shared:
        _shared[path] = connect(path)
    return _shared[path]


def close_shared(path: Path) -> None:
    con = _shared.pop(path.resolve(), None)
    if con is not None:
        con.close()


def table_row_counts(path: Path) -> pd.DataFrame:
    """schema, table, rows, comment: what a build summary prints."""
    with connect(path, read_only=True) as con:
        tables = con.execute(
            "SELECT schema_name, table_name, estimated_size, comment FROM duckdb_tables() "
            "WHERE database_name = current_database() ORDER BY schema_name, table_name"
        ).df()
        counts = [
            con.execute(f"SELECT count(*) FROM {_ident(s)}.{_ident(t)}").fetchone()[0]
            for s, t in zip(tables["schema_name"], tables["table_name"])
        ]
    return tables.assign(rows=counts)[["schema_name", "table_name", "rows", "comment"]]
