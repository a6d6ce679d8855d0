"""Every warehouse table as Parquet (and CSV on request), for R, Excel and BI tools.

Written from the published database, read-only, into a fresh folder that replaces the
previous export only once complete.

CSV files are opened by spreadsheets, which evaluate a cell starting with `=`, `+`, `-`, `@`,
a tab or a carriage return as a formula (`=HYPERLINK(...)`). In the CSV export such a text
cell is neutralised with a leading apostrophe (`'-20 to 55`), as OWASP advises; number columns
(-20), the Parquet files and the stored tables keep every value as it is."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.provenance import code_digest
from pipelines.publish.duckdb_tables import connect, per_table, quoted, table_digests

FORMATS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER true)"}
FORMULA_START = r"^[=+\-@\t\r]"  # a text cell a spreadsheet would evaluate


def export_query(con, schema: str, table: str, fmt: str) -> str:
    """The SELECT a table is exported with; for CSV, text cells that start a formula get a
    leading apostrophe."""
    source = f"{quoted(schema)}.{quoted(table)}"
    if fmt != "csv":
        return f"SELECT * FROM {source}"
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall()
    parts = []
    for name, kind in columns:
        c = quoted(name)
        if kind == "VARCHAR":
            parts.append(f"CASE WHEN regexp_matches({c}, '{FORMULA_START}') THEN concat(chr(39), {c}) ELSE {c} END AS {c}")
        else:
            parts.append(c)
    return f"SELECT {', '.join(parts)} FROM {source}"


STAMP = "PUBLISHED_CONTENT"  # in the exports folder: the digest of the published tables they were written from


def identity_of(digests: dict[str, str]) -> str:
    """One digest of the tables' digests (duckdb_tables.table_digests)."""
    return hashlib.sha256("\n".join(f"{t} {d}" for t, d in sorted(digests.items())).encode()).hexdigest()


def content_identity(con: duckdb.DuckDBPyConnection) -> str:
    """The digest of every table of `con`'s database (table_digests: columns, rows, order): equal
    for two files holding the same tables, whatever their bytes (DuckDB's are not stable)."""
    return identity_of(table_digests(con))


def published_identity(published_db: Path) -> str:
    with connect(published_db, read_only=True) as con:
        return content_identity(con)


def exports_match(published_db: Path, target: Path) -> bool:
    """Whether the exports in `target` were written from the tables the published file holds now."""
    stamp = target / STAMP
    return stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == published_identity(published_db)


LOCK = ".after_publish.lock"  # in warehouse/exports/: one writer at a time of the files written from the published warehouse


@contextmanager
def files_lock(exports_dir: Path) -> Iterator[None]:
    """Held while the exports, charts or site are written: by the step after a publish
    (after_publish.py), which runs outside the build lock, and by the refresh of stale exports at
    a run's start. Released when the file closes, however the holder ends."""
    exports_dir.mkdir(parents=True, exist_ok=True)
    with open(exports_dir / LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def refresh_stale_exports(published_db: Path, target: Path) -> list[str]:
    """Exports move with the warehouse: when a build published and then failed (or was killed)
    before its exports were written, the next run rewrites them from the published file first.
    Returns notes for the run's log."""
    if not target.is_dir() or not published_db.is_file() or exports_match(published_db, target):
        return []
    formats = tuple(f for f in FORMATS if (target / f).is_dir()) or ("parquet",)
    try:
        with files_lock(target.parent):
            if exports_match(published_db, target):  # another run rewrote them while this one waited
                return []
            export_tables(published_db, target, formats)
    except (OSError, duckdb.Error) as exc:
        return [f"the exports in {target} do not match {published_db} and could not be rewritten: {exc}"]
    return [f"the exports in {target} did not match {published_db} (a build stopped after publishing); rewritten from it"]


TABLES = "TABLE_DIGESTS.json"  # in the exports folder: the code and each table's digest its files were written from


def _written_from(target: Path, code: str) -> dict[str, str]:
    """"<schema>.<table>" -> the digest of the table the files in `target` were written from, when
    written by `code` ({} otherwise, or when unrecorded)."""
    try:
        recorded = json.loads((target / TABLES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return recorded.get("tables", {}) if isinstance(recorded, dict) and recorded.get("code") == code else {}


def export_tables(published_db: Path, target: Path, formats: tuple[str, ...] = ("parquet",)) -> dict[str, int]:
    """Write <target>/<format>/<schema>.<table>.<format>; returns rows per table. The folder is
    stamped with the digest of the published tables it was written from (STAMP). A file that
    `target` already holds, written by the same code from a table with the same digest
    (duckdb_tables.table_digests: comment, columns, rows and order), is taken as it is (a new
    hard link to it: files are never changed in place); the others are written."""
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    code = code_digest()
    with connect(published_db, read_only=True) as con:
        digests = table_digests(con)
        identity = identity_of(digests)
        previous = _written_from(target, code)
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "ORDER BY schema_name, table_name"
        ).fetchall()
        for fmt in formats:
            (staging / fmt).mkdir(parents=True)
            for schema, table in tables:
                path = staging / fmt / f"{schema}.{table}.{fmt}"
                digest = digests.get(f"{schema}.{table}")
                if digest is not None and previous.get(f"{schema}.{table}") == digest and _link(target / fmt / path.name, path):
                    continue
                # identifiers come from duckdb_tables(), the path from our own folder: no user text
                con.execute(f"COPY ({export_query(con, schema, table, fmt)}) TO '{path}' {FORMATS[fmt]}")
        counted = per_table(con, {f"{s}.{t}": f"{quoted(s)}.{quoted(t)}" for s, t in tables}, "count(*)")
        rows = {name: n for name, (n,) in counted.items()}
    staging.mkdir(parents=True, exist_ok=True)
    (staging / TABLES).write_text(json.dumps({"code": code, "tables": digests}, sort_keys=True) + "\n", encoding="utf-8")
    (staging / STAMP).write_text(identity + "\n", encoding="utf-8")
    replace_folder(staging, target)
    return rows


def _link(existing: Path, new: Path) -> bool:
    """`new` as a hard link to `existing`; False when there is no such file or it cannot be linked."""
    try:
        if not existing.is_file() or existing.is_symlink():
            return False
        os.link(existing, new)
    except OSError:
        return False
    return True


def replace_folder(staging: Path, target: Path, background: bool = False) -> None:
    """Swap a completed `staging` folder in as `target`; the old one is removed after the swap
    (by a thread when `background`: a reader of `target` never sees a partial folder either way)."""
    previous = target.with_name(target.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.rename(previous)
    staging.rename(target)
    if background:
        threading.Thread(target=shutil.rmtree, args=(previous,), kwargs={"ignore_errors": True}, name="remove-previous").start()
    else:
        shutil.rmtree(previous, ignore_errors=True)
