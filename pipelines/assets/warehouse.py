"""Publish layer: the analysts' DuckDB file, replaced whole once every table is built."""
# No `from __future__ import annotations` here: Dagster reads the Config annotation at runtime.
import time
from datetime import timedelta
from itertools import islice, pairwise

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, Config, FreshnessPolicy, MaterializeResult, asset
from dagster._utils.schedules import cron_string_iterator

from pipelines.assets.table_metadata import OWNERS, asset_key
from pipelines.publish.atomic import publish
from pipelines.publish.exports import export_tables
from pipelines.publish.io_manager import ensure_staging, finish_staging, unchanged_tables
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
        outcome = publish(paths, run_id=context.run.run_id, tags=dict(context.run.tags), unchanged=unchanged_tables())
        finish_staging()  # published: the steps after this one (exports, charts) read the published file
        return MaterializeResult(metadata={"path": str(paths.published_db), **outcome})

    return battery_duckdb


class ExportConfig(Config):
    """CSV next to Parquet on request: set csv in the run config, or BATTERY_EXPORT_CSV=1."""

    csv: bool = setting("BATTERY_EXPORT_CSV")


@asset(
    key=EXPORTS_KEY,
    deps=[PUBLISHED_KEY],
    group_name="warehouse",
    description="warehouse/exports/: every published table as Parquet (and CSV on request) for R, Excel and BI tools.",
    kinds={"parquet", "duckdb"},
    owners=OWNERS,
)
def exports(config: ExportConfig) -> MaterializeResult:
    paths = current_paths()
    formats = ("parquet", "csv") if config.csv else ("parquet",)
    rows = export_tables(paths.published_db, paths.table_exports_dir, formats)
    return MaterializeResult(
        metadata={"folder": str(paths.table_exports_dir), "formats": ", ".join(formats), "tables": len(rows)}
    )


def site_asset(chart_keys: list[AssetKey]) -> AssetsDefinition:
    @asset(key=SITE_KEY, deps=[EXPORTS_KEY, *chart_keys], group_name="warehouse", kinds={"html"}, owners=OWNERS,
           description="warehouse/site/: the static catalogue of the published file (search; technology, document, table and release pages).")
    def site() -> MaterializeResult:
        paths = current_paths()
        return MaterializeResult(metadata={"folder": str(paths.site_dir), **build_site(paths.published_db, paths.site_dir, paths.exports_dir)})

    return site
