"""Publish the staging database as the analysts' warehouse, all or nothing.

Each run starts from a copy of the published warehouse in warehouse/.build/staging.duckdb
(start_staging) and its assets write into it. Publishing checkpoints it, copies it next
to the published file, checks the copy, and renames it over warehouse/battery.duckdb. The
rename is atomic: an analyst's open read-only connection keeps reading the old file whole,
a new connection sees the new file whole, and a build killed at any point before the rename
leaves the published file exactly as it was.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from pipelines.publish.duckdb_tables import close_shared, connect, shared_connection
from pipelines.publish.releases import keep_release, record_release
from pipelines.schemas.registry import all_tables
from pipelines.settings import Paths


class IncompleteWarehouse(RuntimeError):
    pass


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_TABLES = "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = current_database()"


def _tables_in(path: Path) -> set[str]:
    with connect(path, read_only=True) as con:
        return {r[0] for r in con.execute(_TABLES).fetchall()}


def start_staging(paths: Paths) -> None:
    """Every run starts from the published warehouse. A run that fails (or is killed) leaves
    its partial writes in staging; without this reset a later, unrelated run would publish them."""
    close_shared(paths.staging_db)
    paths.build_dir.mkdir(parents=True, exist_ok=True)
    paths.staging_db.with_name(paths.staging_db.name + ".wal").unlink(missing_ok=True)
    if paths.published_db.exists():
        tmp = paths.staging_db.with_name(paths.staging_db.name + ".seed")
        shutil.copyfile(paths.published_db, tmp)
        os.replace(tmp, paths.staging_db)
    else:
        paths.staging_db.unlink(missing_ok=True)


def remove_stale_temporaries(paths: Paths) -> None:
    """Left-overs of a build killed mid-copy: never published, safe to delete."""
    for tmp in paths.warehouse_dir.glob(".battery.duckdb.*.tmp"):
        tmp.unlink(missing_ok=True)


def publish(paths: Paths, run_id: str | None = None, tags: dict[str, str] | None = None) -> dict:
    staging = paths.staging_db
    if not staging.exists():
        raise IncompleteWarehouse(f"nothing to publish: {staging} does not exist (run a full build)")
    # The run's own connection (see io_manager.py): checkpoint so the file alone holds everything.
    con = shared_connection(staging)
    # meta.releases / meta.changes against the file about to be replaced (publish/releases.py)
    release = record_release(con, previous=paths.published_db, paths=paths, run_id=run_id, tags=tags)
    con.execute("CHECKPOINT")
    expected = set(all_tables())
    missing = sorted(expected - {r[0] for r in con.execute(_TABLES).fetchall()})
    if missing:
        raise IncompleteWarehouse(
            "staging is missing tables " + ", ".join(missing) + ": run a full build (`make build`) before publishing"
        )

    remove_stale_temporaries(paths)
    tmp = paths.warehouse_dir / f".battery.duckdb.{os.getpid()}.tmp"
    shutil.copyfile(staging, tmp)
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())
    published_tables = _tables_in(tmp)  # the copy opens and holds everything: only then replace
    if not expected <= published_tables:
        tmp.unlink(missing_ok=True)
        raise IncompleteWarehouse("the copied database is incomplete; the published warehouse was left unchanged")
    os.replace(tmp, paths.published_db)
    _fsync_dir(paths.warehouse_dir)
    outcome = {"tables": len(published_tables), "bytes": paths.published_db.stat().st_size}
    return {**outcome, **keep_release(paths, release)}  # release file + retention, only after the swap
