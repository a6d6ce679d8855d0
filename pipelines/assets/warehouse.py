"""Publish layer: the analysts' DuckDB file, replaced whole once every table is built."""
from __future__ import annotations

from dagster import AssetKey, AssetsDefinition, MaterializeResult, asset

from pipelines.assets.table_metadata import OWNERS
from pipelines.publish.atomic import publish
from pipelines.settings import current_paths

PUBLISHED_KEY = AssetKey(["warehouse", "battery_duckdb"])


def published_warehouse_asset(table_keys: list[AssetKey]) -> AssetsDefinition:
    @asset(
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
    def battery_duckdb() -> MaterializeResult:
        paths = current_paths()
        outcome = publish(paths)
        return MaterializeResult(metadata={"path": str(paths.published_db), **outcome})

    return battery_duckdb
