"""Publish layer: the analysts' DuckDB file, replaced whole once every table is built, and the files
written from it once published (exports, charts, site)."""
# No `from __future__ import annotations` here: Dagster reads the Config annotation at runtime.
import time
from collections.abc import Callable
from datetime import timedelta
from itertools import islice, pairwise

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Config,
    FreshnessPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)
from dagster._utils.schedules import cron_string_iterator

from pipelines.assets.charts import chart_key, chart_specs, code_reference
from pipelines.assets.table_metadata import OWNERS, asset_key
from pipelines.publish.after_publish import write_after_publish
from pipelines.publish.atomic import publish
from pipelines.publish.chart_builders import CHARTS
from pipelines.publish.exports import export_tables
from pipelines.publish.io_manager import ensure_staging, finish_staging, unchanged_tables
from pipelines.publish.run_scope import rebuilt_datasets, table_settings
from pipelines.publish.site import build_site
from pipelines.settings import current_paths, freshness_margin_hours, refresh_cron, refresh_timezone, setting

PUBLISHED_KEY = asset_key("warehouse.battery_duckdb")
EXPORTS_KEY = asset_key("warehouse.exports")
SITE_KEY = asset_key("warehouse.site")


def schedule_period(cron: str, timezone: str, ticks: int = 64) -> timedelta:
    """The longest gap between consecutive ticks of `cron` (a weekday-only schedule: 3 days)."""
    times = list(islice(cron_string_iterator(time.time(), cron, timezone), ticks))
    return max(later - earlier for earlier, later in pairwise(times))


def warehouse_freshness_policy() -> FreshnessPolicy:
    """Fresh while the last publish is younger than one schedule period (daily_refresh's cron)
    plus a margin; warned at one period, failed beyond. Dagster's UI shows the state and age."""
    period = schedule_period(refresh_cron(), refresh_timezone())
    return FreshnessPolicy.time_window(
        fail_window=period + timedelta(hours=freshness_margin_hours()), warn_window=period
    )


def published_warehouse_asset(table_keys: list[AssetKey]) -> AssetsDefinition:
    @asset(
        freshness_policy=warehouse_freshness_policy(),
        key=PUBLISHED_KEY,
        deps=table_keys,
        group_name="warehouse",
        description=(
            "warehouse/battery.duckdb, the database analysts query. Built in staging and swapped "
            "in atomically only when every upstream table passed its blocking checks."
        ),
        kinds={"duckdb"},
        owners=OWNERS,
    )
    def battery_duckdb(context: AssetExecutionContext) -> MaterializeResult:
        paths = current_paths()
        ensure_staging()
        layer = context.job_def.asset_layer  # this run's assets, and the whole graph
        outcome = publish(
            paths, run_id=context.run.run_id, tags=dict(context.run.tags), unchanged=unchanged_tables(),
            rebuilt=rebuilt_datasets(set(layer.selected_asset_keys), table_keys, layer.asset_graph),
            default_settings=not table_settings(context.run.run_config),
        )
        finish_staging()  # published: the steps after this one (exports, charts) read the published file
        return MaterializeResult(metadata={"path": str(paths.published_db), **outcome})

    return battery_duckdb


class ExportConfig(Config):
    """CSV next to Parquet on request: set csv in the run config, or BATTERY_EXPORT_CSV=1."""

    csv: bool = setting("BATTERY_EXPORT_CSV")


def published_files_step(builds: list[Callable]) -> AssetsDefinition:
    """warehouse/exports, charts/<name> per chart builder and warehouse/site: the files written from
    the published warehouse, read-only, in one step after the publish (publish/after_publish.py:
    the charts drawn in processes of their own while the exports and the site's pages are written)."""
    specs = [
        AssetSpec(EXPORTS_KEY, deps=[PUBLISHED_KEY], group_name="warehouse", kinds={"parquet", "duckdb"}, owners=OWNERS,
                  description="warehouse/exports/: every published table as Parquet (and CSV on request) for R, Excel and BI tools.",
                  metadata=code_reference(export_tables, "exports")),
        *chart_specs(builds, PUBLISHED_KEY),
        AssetSpec(SITE_KEY, deps=[EXPORTS_KEY, *map(chart_key, builds)], group_name="warehouse", kinds={"html"}, owners=OWNERS,
                  description="warehouse/site/: the static catalogue of the published file (search; technology, document, table and release pages).",
                  metadata=code_reference(build_site, "site")),
    ]

    @multi_asset(name="published_files", specs=specs, can_subset=True)
    def published_files(context: AssetExecutionContext, config: ExportConfig):
        run = context.job_def.asset_layer.selected_asset_keys  # this run's assets: in a sensor run, the tables it rebuilt
        tables = {".".join(k.path) for k in run if k.path[0] not in ("charts", "warehouse")}
        chosen = [b for b in builds if chart_key(b) in context.selected_asset_keys]
        formats = (("parquet", "csv") if config.csv else ("parquet",)) if EXPORTS_KEY in context.selected_asset_keys else None
        for name, meta in write_after_publish(current_paths(), chosen, tables, formats, SITE_KEY in context.selected_asset_keys,
                                              context.log.error, export=export_tables):  # resolved per run (tests replace it)
            yield MaterializeResult(asset_key=AssetKey(name.split(".")), metadata={k: TYPED.get(k, lambda v: v)(v) for k, v in meta.items()})

    return published_files


TYPED = {"path": MetadataValue.path, "preview": MetadataValue.md, "drawn_at": MetadataValue.timestamp, "written_at": MetadataValue.timestamp,
         "unchanged_since": MetadataValue.timestamp, "checked_at": MetadataValue.timestamp}
published_files = published_files_step(CHARTS)
