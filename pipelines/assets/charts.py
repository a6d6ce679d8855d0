"""Charts as assets, one per function of pipelines/publish/chart_builders.py: rendered to PNG
under warehouse/exports/charts/ and shown in the Dagster UI through their materialization
metadata (the picture, and what was measured on it: label overlaps, labels cut by the figure
edge, error bars drawn)."""
from __future__ import annotations

import base64
import inspect
from collections.abc import Callable

from dagster import AssetIn, AssetKey, AssetsDefinition, CodeReferencesMetadataValue, MaterializeResult, MetadataValue, asset

from pipelines.assets.table_metadata import OWNERS, asset_key, function_code_reference
from pipelines.publish.chart_builders import CHARTS
from pipelines.publish.charts import Chart, write_png
from pipelines.settings import current_paths
from pipelines.tables import table_named

KINDS = {"matplotlib", "png"}


def _result(name: str, chart: Chart) -> MaterializeResult:
    path = write_png(chart.png, current_paths().exports_dir / "charts" / f"{name}.png")
    image = base64.b64encode(chart.png).decode()
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "preview": MetadataValue.md(f"![{name}](data:image/png;base64,{image})"),
            "bytes": len(chart.png),
            **chart.metadata(),
        }
    )


def chart_asset(build: Callable[..., Chart]) -> AssetsDefinition:
    """The asset charts/<function name>: its inputs are the tables named by the function's
    parameters, its description the docstring's first line."""
    name = build.__name__
    ins = {p: AssetIn(key=asset_key(table_named(p, f"charts.{name}"))) for p in inspect.signature(build).parameters}

    @asset(
        key=AssetKey(["charts", name]),
        ins=ins,
        group_name="charts",
        description=inspect.getdoc(build).splitlines()[0],
        kinds=KINDS,
        owners=OWNERS,
        # the chart's builder, not this factory
        metadata={"dagster/code_references": CodeReferencesMetadataValue(code_references=[function_code_reference(build, "chart builder")])},
    )
    def _chart(**tables) -> MaterializeResult:
        return _result(name, build(**tables))

    return _chart


chart_assets = [chart_asset(build) for build in CHARTS]
