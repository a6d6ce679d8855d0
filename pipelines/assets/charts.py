"""Charts as assets, one per function of pipelines/publish/chart_builders.py, drawn after the
publish in the step writing the files of the published warehouse (assets/warehouse.py): drawn
from the published file (publish/chart_files.py) into warehouse/exports/charts/, never holding
the single writer, and shown in the UI through their metadata (the picture; label overlaps,
labels cut by the figure edge, error bars). A failing chart fails the step naming it and saying
the warehouse was published; no stale PNG stays. A sensor run redraws only the charts reading a
table it rebuilt (chart_files.charts_to_draw)."""
from __future__ import annotations

import inspect
from collections.abc import Callable

from dagster import AssetKey, AssetSpec, CodeReferencesMetadataValue

from pipelines.assets.table_metadata import OWNERS, asset_key, function_code_reference
from pipelines.publish.chart_files import chart_tables

KINDS = {"matplotlib", "png"}


def chart_key(build: Callable) -> AssetKey:
    return AssetKey(["charts", build.__name__])


def code_reference(fn: Callable, label: str) -> dict:
    return {"dagster/code_references": CodeReferencesMetadataValue(code_references=[function_code_reference(fn, label)])}


def chart_specs(builds: list[Callable], published_key: AssetKey) -> list[AssetSpec]:
    """charts/<function name> per builder: lineage to the published file and the tables it
    reads, its docstring's first line, a link to the builder (not to the step drawing it)."""
    return [
        AssetSpec(key=chart_key(build), group_name="charts", description=inspect.getdoc(build).splitlines()[0], kinds=KINDS,
                  deps=[published_key, *sorted({asset_key(t) for t in chart_tables(build).values()}, key=AssetKey.to_user_string)],
                  owners=OWNERS, metadata=code_reference(build, "chart builder"))
        for build in builds
    ]
