"""Every warehouse table as Parquet (and CSV on request), for R, Excel and BI tools.

Written from the published database, read-only, into a fresh folder that replaces the
previous export only once complete."""
from __future__ import annotations

import shutil
from pathlib import Path

from pipelines.publish.duckdb_tables import connect

FORMATS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER true)"}


def export_tables(published_db: Path, target: Path, formats: tuple[str, ...] = ("parquet",)) -> dict[str, int]:
    """Write <target>/<format>/<schema>.<table>.<format>; returns rows per table."""
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    rows: dict[str, int] = {}
    with connect(published_db, read_only=True) as con:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "ORDER BY schema_name, table_name"
        ).fetchall()
        for fmt in formats:
            (staging / fmt).mkdir(parents=True)
            for schema, table in tables:
                path = staging / fmt / f"{schema}.{table}.{fmt}"
                # identifiers come from duckdb_tables(), the path from our own folder: no user text
                con.execute(f"COPY (SELECT * FROM \"{schema}\".\"{table}\") TO '{path}' {FORMATS[fmt]}")
        for schema, table in tables:
            rows[f"{schema}.{table}"] = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
    previous = target.with_name(target.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.rename(previous)
    staging.rename(target)
    shutil.rmtree(previous, ignore_errors=True)
    return rows
