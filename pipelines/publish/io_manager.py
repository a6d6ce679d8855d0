"""Staging: every table asset is stored in the staging DuckDB as <schema>.<table> (the asset
key), and read back from there by downstream assets. Each run's staging starts as a copy of the
published warehouse, so a run that materializes a subset reads the published versions of
everything else, and a failed run's writes die with it. The table steps store their tables with
store_staged_table (a table computed exactly as staging holds it is not written again,
duckdb_tables.write_table); the Dagster IO manager below does the same for an Output, and
its setup and teardown bound the run's hold of staging.

The run holds the build lock from its first read or write of staging to the publish (or its
end), so two runs never interleave writes; the analysts' file is only touched by the publish
asset (publish/atomic.py).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from dagster import ConfigurableIOManager, InitResourceContext, InputContext, OutputContext

from pipelines.ingest.fingerprints import fingerprints
from pipelines.publish import build_lock, early_charts
from pipelines.publish.atomic import start_staging
from pipelines.publish.duckdb_tables import BatchStream, Catalog, close_shared, read_table, shared_connection, write_table
from pipelines.publish.meta_tables import write_source_versions
from pipelines.schemas.registry import all_tables
from pipelines.settings import current_paths
from pipelines.settings import lock_timeout_seconds as configured_lock_timeout

# Tables read by several downstream steps (curated.cell_claims feeds a dozen) are read from
# staging once per run and handed out as copies: a step may change the frame it gets, never the
# cached one. A write of the table drops its entry; setup and teardown of a run clear them all.
# Only tables up to this many rows are kept.
CACHE_MAX_ROWS = 200_000
_read_cache: dict[tuple[Path, str, str], pd.DataFrame] = {}


# Whether this process's run has taken the build lock and started its staging (start_staging):
# done at the run's first read or write of a table, so a step that neither reads nor writes
# staging (the charts, rendered from the published file) never takes the single writer's lock.
# `catalog`: what staging held when the run started it (a copy of the published file), so that
# a table computed exactly as it is published is not written again (duckdb_tables.write_table).
_run = {"lock_timeout": 120.0, "started": False, "catalog": None}


def ensure_staging() -> None:
    """Take the build lock and start this run's staging (a copy of the published file), once per run."""
    if _run["started"]:
        return
    paths = current_paths()
    build_lock.acquire(paths.lock_file, float(_run["lock_timeout"]))
    _run["started"] = True
    _read_cache.clear()
    # published state + this run's writes, nothing left over from a failed run
    for note in start_staging(paths):
        if _run.get("log") is not None:
            _run["log"].warning(note)
    # What this run is built from, taken before any asset reads sources/: published with the
    # file, it is the sources_changed sensor's first cursor (no rebuild on a fresh `make ui`).
    write_source_versions(shared_connection(paths.staging_db), fingerprints(paths.sources))
    _run["catalog"] = Catalog.read(shared_connection(paths.staging_db))


def unchanged_tables() -> set[str]:
    """The warehouse tables (not meta.*) of this run's staging still as copied from the
    published file: none rewritten by this run (store_staged_table)."""
    catalog = _run["catalog"]
    return set(catalog.tables) & set(all_tables()) if catalog is not None else set()


def finish_staging() -> None:
    """Close staging (closing checkpoints the file) and release the lock: at the run's end, or
    as soon as the publish step has swapped the warehouse in (exports and charts read the
    published file and do not hold the writer)."""
    if not _run["started"]:
        return
    _read_cache.clear()
    _run["catalog"] = None
    close_shared(current_paths().staging_db)
    build_lock.release(current_paths().lock_file)
    _run["started"] = False


def load_staged_table(key) -> pd.DataFrame:
    """A table of staging by its asset key (<schema>/<table>): read once per run, a copy each time."""
    ensure_staging()
    schema, table = key.path[0], key.path[-1]
    staging = current_paths().staging_db
    cached = _read_cache.get((staging, schema, table))
    if cached is None:
        cached = read_table(shared_connection(staging), schema, table)
        if len(cached) > CACHE_MAX_ROWS:
            return cached
        _read_cache[(staging, schema, table)] = cached
    return cached.copy()


def store_staged_table(key, data: pd.DataFrame | BatchStream) -> dict:
    """Write a table into this run's staging by its asset key (<schema>/<table>); returns the
    metadata of its materialization (rows written, warehouse table). The table steps store
    their tables with this (pipelines/assets/computed.py), handle_output does for an Output."""
    ensure_staging()
    schema, table = key.path[0], key.path[-1]
    staging = current_paths().staging_db
    _read_cache.pop((staging, schema, table), None)
    rows = write_table(shared_connection(staging), schema, table, data, catalog=_run["catalog"])
    early_charts.stored(f"{schema}.{table}", shared_connection(staging))  # a chart whose tables are all stored starts drawing
    return {"dagster/row_count": rows, "warehouse_table": f"{schema}.{table}"}


class StagingDuckDBIOManager(ConfigurableIOManager):
    """Tables live in warehouse/.build/staging.duckdb until published."""

    # How long a second build waits for the first before it is refused.
    lock_timeout_seconds: float = configured_lock_timeout()

    def setup_for_execution(self, context: InitResourceContext) -> None:
        finish_staging()  # a previous run of this process that did not tear down
        _run.update(lock_timeout=self.lock_timeout_seconds, log=context.log)

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        finish_staging()
        _run["log"] = None

    def handle_output(self, context: OutputContext, obj: pd.DataFrame | BatchStream | None) -> None:
        """A pandas frame, or (a table too large to hold) a stream of Arrow record batches
        that DuckDB reads as it is produced."""
        if obj is None:
            return
        context.add_output_metadata(store_staged_table(context.asset_key, obj))

    def load_input(self, context: InputContext) -> pd.DataFrame:
        return load_staged_table(context.asset_key)
