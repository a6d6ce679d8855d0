"""Charts as assets, one per function of pipelines/publish/chart_builders.py, in one step after
the publish: drawn from the published file (pipelines/publish/chart_files.py) into
warehouse/exports/charts/, never holding the single writer, and shown in the UI through their
metadata (the picture; label overlaps, labels cut by the figure edge, error bars). A failing
chart fails the step naming it and saying the warehouse was published; no stale PNG stays.
A sensor run redraws only the charts reading a table it rebuilt (chart_files.charts_to_draw)."""
from __future__ import annotations

import base64
import inspect
import time
from collections.abc import Callable

from dagster import (
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    CodeReferencesMetadataValue,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from pipelines.assets.table_metadata import OWNERS, asset_key, function_code_reference
from pipelines.assets.warehouse import PUBLISHED_KEY
from pipelines.publish.chart_builders import CHARTS
from pipelines.publish.chart_files import ChartsFailed, chart_tables, charts_to_draw, draw_charts
from pipelines.settings import current_paths

KINDS = {"matplotlib", "png"}


def chart_key(build: Callable) -> AssetKey:
    return AssetKey(["charts", build.__name__])


def chart_step(builds: list[Callable]) -> AssetsDefinition:
    """charts/<function name> per builder: lineage to the tables it reads, its docstring's first line."""
    specs = [
        AssetSpec(
            key=chart_key(build),
            deps=[PUBLISHED_KEY, *sorted({asset_key(t) for t in chart_tables(build).values()}, key=AssetKey.to_user_string)],
            group_name="charts",
            description=inspect.getdoc(build).splitlines()[0],
            kinds=KINDS,
            owners=OWNERS,
            # the chart's builder, not this step
            metadata={"dagster/code_references": CodeReferencesMetadataValue(code_references=[function_code_reference(build, "chart builder")])},
        )
        for build in builds
    ]

    @multi_asset(name="charts", specs=specs, can_subset=True)
    def _charts(context):
        paths = current_paths()
        charts_dir = paths.exports_dir / "charts"
        failed, run = {}, context.job_def.asset_layer.selected_asset_keys  # this run's assets
        tables = {".".join(k.path) for k in run if k.path[0] not in ("charts", "warehouse")}
        todo = charts_to_draw([b for b in builds if chart_key(b) in context.selected_asset_keys], tables, charts_dir)
        for build, chart, seconds in draw_charts(todo, paths.published_db, charts_dir):
            if isinstance(chart, Exception):
                failed[build.__name__] = chart
                context.log.error(f"chart {build.__name__} failed: {type(chart).__name__}: {chart}")
                continue
            image = base64.b64encode(chart.png).decode()
            yield MaterializeResult(asset_key=chart_key(build), metadata={
                "path": MetadataValue.path(str(charts_dir / f"{build.__name__}.png")),
                "preview": MetadataValue.md(f"![{build.__name__}](data:image/png;base64,{image})"),
                "bytes": len(chart.png),
                "render_seconds": round(seconds, 3),
                "drawn_at": MetadataValue.timestamp(time.time()),
                **chart.metadata(),
            })
        if failed:
            raise ChartsFailed.of(failed, paths.published_db, charts_dir)

    return _charts


chart_assets = [chart_step(CHARTS)]
