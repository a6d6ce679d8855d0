"""The meta tables written whole by the build (not diffed into releases): meta.column_lineage
(where each computed column comes from, pipelines/tables/lineage.py) and meta.source_versions
(the data version of every dataset folder the run started from, which the sources_changed sensor
takes as its first cursor), and meta.build_code (the code that built every table, written only by a
run that built them all). They are replaced in staging and published with it; `battery build`
reads the last two to rebuild only what changed (automation/refresh.py build_plan)."""
from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.publish.duckdb_tables import comment_table, connect, has_table
from pipelines.schemas.base import column_docs
from pipelines.schemas.registry import META
from pipelines.tables.lineage import lineage_rows

_TYPES = {"str": "VARCHAR", "int64": "BIGINT", "float64": "DOUBLE", "bool": "BOOLEAN"}
SOURCE_VERSIONS = "meta.source_versions"
COLUMN_LINEAGE = "meta.column_lineage"
BUILD_CODE = "meta.build_code"
# meta.build_code's digest when the tables were not all built by one code with the default run
# settings (a partial run of other code, a run with Monte Carlo settings changed): equal to no code
MIXED_CODE = "mixed: not every table was built by one code with the default run settings"


def replace_meta_table(con: duckdb.DuckDBPyConnection, qualified: str, rows: list[dict]) -> None:
    """Create (or replace) meta table `qualified` from its pandera model and fill it with `rows`."""
    model = META[qualified]
    docs = column_docs(model)
    names = [d.name for d in docs]
    # Rows the code generates (no curator input): tests/pipeline/test_column_lineage.py validates them
    # against the model; a pandera pass here costs half a second of every build.
    frame = _frame(rows, names)
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    columns = ", ".join(f'"{d.name}" {_TYPES[d.dtype]}' + ("" if d.nullable else " NOT NULL") for d in docs)
    con.execute(f"CREATE OR REPLACE TABLE {qualified} ({columns})")
    comment_table(con, qualified, model, names)
    if rows:  # one insert from the frame (executemany costs seconds for a few thousand rows)
        con.register("_meta_rows", frame[names])
        try:
            con.execute(f"INSERT INTO {qualified} SELECT * FROM _meta_rows")
        finally:
            con.unregister("_meta_rows")


def _frame(rows: list[dict], columns: list[str]):
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def write_column_lineage(con: duckdb.DuckDBPyConnection) -> None:
    replace_meta_table(con, COLUMN_LINEAGE, lineage_rows())


def write_source_versions(con: duckdb.DuckDBPyConnection, versions: dict[str, str]) -> None:
    replace_meta_table(con, SOURCE_VERSIONS, [{"dataset": k, "data_version": v} for k, v in sorted(versions.items())])


def read_source_versions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The data versions the published file was built from ({} when it records none)."""
    if not has_table(con, SOURCE_VERSIONS):
        return {}
    return dict(con.execute(f"SELECT dataset, data_version FROM {SOURCE_VERSIONS}").fetchall())


def carry_source_versions(con: duckdb.DuckDBPyConnection, previous: Path, rebuilt: set[str]) -> None:
    """In a run that rebuilt the tables of some dataset folders only: every other folder keeps the
    version recorded in `previous` (the published file its tables come from), not the one this
    run saw at its start (a folder edited meanwhile would otherwise count as built); "unknown"
    where `previous` records none, so the next build rebuilds it."""
    current = read_source_versions(con)
    before: dict[str, str] = {}
    if previous.exists():
        with connect(previous, read_only=True) as old:
            before = read_source_versions(old)
    kept = {name: version if name in rebuilt else before.get(name, "unknown") for name, version in current.items()}
    if kept != current:
        write_source_versions(con, kept)


def write_build_code(con: duckdb.DuckDBPyConnection, digest: str, commit: str) -> None:
    replace_meta_table(con, BUILD_CODE, [{"code_digest": digest, "git_commit": commit}])


def read_build_code(con: duckdb.DuckDBPyConnection) -> str | None:
    """The digest of the code that built every table of the file (None when it records none)."""
    if not has_table(con, BUILD_CODE):
        return None
    row = con.execute(f"SELECT code_digest FROM {BUILD_CODE}").fetchone()
    return row[0] if row else None
