"""meta.releases, meta.release_tables, meta.changes: which version of the warehouse a reader
holds and what changed since the one before (written by pipelines/publish/releases.py)."""
from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from pipelines.schemas.base import DERIVED, ComputedTable, field

TRIGGERS = ["cli", "sensor", "schedule", "backfill", "ui"]
CHANGES = ["added", "removed", "changed"]


class Releases(ComputedTable):
    release_id: Series[str] = field(
        "Release name vYYYY.MM.DD.N (N counts the day's releases, UTC); warehouse/releases/<release_id>.duckdb "
        "holds its file while retained",
        origin=DERIVED,
        unique=True,
        str_matches=r"^v\d{4}\.\d{2}\.\d{2}\.\d+$",
    )
    release_number: Series[int] = field("Sequence number of the release in this warehouse (1 = first)", origin=DERIVED, ge=1)
    published_at: Series[pd.Timestamp] = field("When the release was published (UTC)", origin=DERIVED)
    previous_release_id: Series[str] = field(
        "Release meta.changes compares this one with (null for the first)", origin=DERIVED, nullable=True
    )
    git_commit: Series[str] = field(
        "git commit of the pipeline code that built it, '-dirty' appended when the worktree had uncommitted "
        "changes (null outside a git checkout)",
        origin=DERIVED,
        nullable=True,
    )
    sources_hash: Series[str] = field("SHA-256 of sources/: every file's relative path and bytes, hidden entries left aside, a symbolic link by its "
        "target's name (never read)", origin=DERIVED)
    trigger: Series[str] = field(
        "What started the build: cli (battery build / make build), sensor, schedule, backfill, or ui "
        "(a run launched from the Dagster UI or the Python API)",
        origin=DERIVED,
        isin=TRIGGERS,
    )
    trigger_name: Series[str] = field("Name of the sensor or schedule, where one started it", origin=DERIVED, nullable=True)
    run_id: Series[str] = field("Dagster run id of the build", origin=DERIVED, nullable=True)
    tables: Series[int] = field("Tables in the release (meta.* excluded)", origin=DERIVED, ge=0)
    rows: Series[int] = field("Rows in the release over all its tables (meta.* excluded)", origin=DERIVED, ge=0)
    changed_rows: Series[int] = field(
        "Rows added, removed or changed since the previous release, over all tables", origin=DERIVED, ge=0
    )

    class Config:
        description = (
            "Every successful publish that changed at least one row is a release: its id, time, code version, "
            "sources version and trigger. The newest row describes the file you hold."
        )
        metadata = {
            "grain": "one row per release (history kept in full; files of the newest releases only)",
            "provenance": "pipelines/publish/releases.py record_release, at publish",
        }


class ReleaseTables(ComputedTable):
    release_id: Series[str] = field("Release (meta.releases)", origin=DERIVED)
    table_name: Series[str] = field("Warehouse table, schema.table", origin=DERIVED)
    row_count: Series[int] = field("Rows of the table in this release", origin=DERIVED, ge=0)
    added: Series[int] = field("Rows whose key is new since the previous release", origin=DERIVED, ge=0)
    removed: Series[int] = field("Rows whose key is gone since the previous release", origin=DERIVED, ge=0)
    changed: Series[int] = field("Rows whose key stayed and at least one value changed", origin=DERIVED, ge=0)
    key_columns: Series[str] = field(
        "Columns identifying a row (the pandera model's key), ';'-separated; empty where the table's single row is its own key",
        origin=DERIVED,
        nullable=True,
    )

    class Config:
        unique = ["release_id", "table_name"]
        description = "Row count and change counts of every table in every release: the per-table change summary."
        metadata = {
            "grain": "one row per release and table",
            "provenance": "pipelines/publish/releases.py record_release, at publish",
        }


class Changes(ComputedTable):
    release_id: Series[str] = field("Release the change arrived in (meta.releases)", origin=DERIVED)
    table_name: Series[str] = field("Warehouse table, schema.table", origin=DERIVED)
    change: Series[str] = field("added, removed, or changed (one row per changed column)", origin=DERIVED, isin=CHANGES)
    row_key: Series[str] = field(
        "The row's key as column=value pairs, '; '-separated (meta.release_tables.key_columns)", origin=DERIVED
    )
    column_name: Series[str] = field("Column whose value changed (null for added and removed rows)", origin=DERIVED, nullable=True)
    old_value: Series[str] = field("Value in the previous release, as text", origin=DERIVED, nullable=True)
    new_value: Series[str] = field("Value in this release, as text", origin=DERIVED, nullable=True)
    delta: Series[float] = field(
        "new - old for a numeric column, in the column's unit (duckdb_columns() comment)", origin=DERIVED, nullable=True
    )

    class Config:
        unique = ["release_id", "table_name", "row_key", "column_name"]
        description = (
            "Row-level difference of every table between a release and the previous one, by the table's key: "
            "added and removed rows, and for changed rows each column with old and new value (a column added or "
            "dropped reads as null on the side that lacks it). Kept for the releases whose files are retained."
        )
        metadata = {
            "grain": "one row per added or removed row, one row per changed column of a changed row",
            "provenance": "pipelines/publish/releases.py, a DuckDB diff against the previous published file",
        }
