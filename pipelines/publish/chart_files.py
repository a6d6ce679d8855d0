"""The charts drawn from the published warehouse into warehouse/exports/charts/ (no Dagster:
pipelines/assets/charts.py declares them as assets and calls `draw_charts`).

Every table a chart reads comes from the published file, read-only: the charts never hold the
staging writer, and each PNG shows the warehouse analysts open. A chart whose builder fails is
not left on disk from an earlier warehouse: each PNG is removed before its chart is drawn."""
from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pipelines.publish.charts import Chart, write_png
from pipelines.publish.duckdb_tables import connect, read_table
from pipelines.tables import table_named


def chart_tables(build: Callable) -> dict[str, str]:
    """parameter -> the table it reads ("<schema>.<table>")."""
    return {p: table_named(p, f"charts.{build.__name__}") for p in inspect.signature(build).parameters}


def charts_to_draw(builds: list[Callable], run_tables: set[str] | None, charts_dir: Path) -> list[Callable]:
    """The charts a run must draw: all of them in a full build (`run_tables` None) or a run of
    charts only (no table); in a run of some tables (the sensor's closure of a changed
    dataset), those reading one of them, and any whose PNG is missing. A chart whose tables the
    run did not touch already shows the published warehouse."""
    if not run_tables:
        return list(builds)
    return [b for b in builds if run_tables & set(chart_tables(b).values()) or not (charts_dir / f"{b.__name__}.png").exists()]


def draw_charts(builds: list[Callable], published_db: Path, charts_dir: Path) -> Iterator[tuple[Callable, Chart | Exception, float]]:
    """(builder, its Chart or the error it raised, seconds to draw) for each builder, its PNG
    written to charts_dir/<name>.png, or removed when the builder failed."""
    needed = sorted({t for b in builds for t in chart_tables(b).values()})
    with connect(published_db, read_only=True) as con:
        frames = {t: read_table(con, *t.split(".")) for t in needed}
    for build in builds:
        png = charts_dir / f"{build.__name__}.png"
        png.unlink(missing_ok=True)  # drawn from this warehouse, or not on disk at all
        started = time.monotonic()
        try:
            chart = build(**{p: frames[t].copy() for p, t in chart_tables(build).items()})
        except Exception as error:  # noqa: BLE001 - every chart is tried; the caller reports the failures together
            yield build, error, time.monotonic() - started
            continue
        write_png(chart.png, png)
        yield build, chart, time.monotonic() - started


class ChartsFailed(Exception):
    """Charts whose builder failed after the warehouse was published."""

    @classmethod
    def of(cls, failed: dict[str, Exception], published_db: Path, charts_dir: Path) -> ChartsFailed:
        listing = "; ".join(f"charts.{name}: {type(e).__name__}: {e}" for name, e in failed.items())
        return cls(
            f"{len(failed)} chart(s) failed after the warehouse was published ({published_db} holds this build's tables): "
            f"{listing}. Their PNGs were removed from {charts_dir}, so no chart on disk shows an earlier warehouse."
        )
