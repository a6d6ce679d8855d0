"""The Dagster code location: every asset, check, job, sensor and schedule of the warehouse."""
from __future__ import annotations

from pipelines import runtime

runtime.tune()  # before the imports below: every process loading the code location (pipelines/runtime.py)

from pipelines.provenance import code_digest

code_digest()  # the code on disk before the modules below are imported: what this process runs (or older)

from dagster import (
    AssetSelection,
    Definitions,
    colored_console_logger,
    define_asset_job,
    in_process_executor,
)

from pipelines.settings import check_environment

check_environment()  # every BATTERY_* variable, before any asset, sensor or schedule is defined

from pipelines.assets.computed import table_step
from pipelines.assets.curated import curated_assets
from pipelines.assets.model import model_assets
from pipelines.assets.quality import reconciliation, source_findings
from pipelines.assets.sizing import sizing_assets
from pipelines.assets.source_files import source_assets
from pipelines.assets.table_metadata import with_code_references
from pipelines.assets.technology_db import technology_db_assets
from pipelines.assets.technology_packs import technology_pack_assets
from pipelines.assets.warehouse import published_files, published_warehouse_asset
from pipelines.automation.refresh import daily_refresh_schedule, sources_changed_sensor
from pipelines.progress import progress_logger
from pipelines.publish.io_manager import StagingDuckDBIOManager

table_defs = [*curated_assets, *model_assets, *sizing_assets, reconciliation, source_findings, *technology_db_assets, *technology_pack_assets]
table_keys = [key for a in table_defs for key in a.keys]
# Every table in one Dagster step (a multi-asset that can be subset): one asset per table in the
# UI, lineage and checks, without Dagster's per-step cost for each of them (issue 26).
table_assets = table_step("tables", table_defs)
warehouse_asset = published_warehouse_asset(table_keys)

all_assets = [*source_assets, *table_assets, warehouse_asset, published_files]

# Every materializable asset; the observable sources are observed by the sensor instead.
build_warehouse_job = define_asset_job(
    "build_warehouse",
    selection=AssetSelection.all().materializable(),
    description="Rebuild every table from sources/ and publish warehouse/battery.duckdb.",
)

defs = Definitions(
    # Each asset links to the function that computes it: a table asset to its table function and
    # pandera model (not the shared factory), a chart to its builder, the others to their body.
    assets=with_code_references(all_assets),
    jobs=[build_warehouse_job],
    sensors=[sources_changed_sensor(build_warehouse_job)],
    schedules=[daily_refresh_schedule(build_warehouse_job)],
    resources={"io_manager": StagingDuckDBIOManager()},
    # One process, one DuckDB writer: steps share the staging file sequentially.
    executor=in_process_executor,
    # `progress` is what `make build` selects; runs launched from the UI keep the console logger.
    loggers={"console": colored_console_logger, "progress": progress_logger},
)

# Loaded: the definitions above live as long as the process, out of every later collection.
runtime.freeze_loaded()
