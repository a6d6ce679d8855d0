"""The files written from the published warehouse once it is published, read-only: the exports,
the charts and the catalogue site (no Dagster: pipelines/assets/warehouse.py declares them as
assets of one step and calls `write_after_publish`).

The charts are drawn in processes of their own (chart_files.draw_charts) while this process
writes the exports and the site's pages; the site links the charts last, once drawn. A failure
of one never stops the others (except the site, which links the exports: it is not rewritten
over failed exports); all are reported together at the end, saying the warehouse was published."""
from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator

from pipelines.publish.chart_files import Drawn, charts_to_draw, draw_charts
from pipelines.publish.exports import export_tables
from pipelines.publish.site import build_site
from pipelines.settings import Paths


class AfterPublishFailed(Exception):
    """Files written from the published warehouse (exports, charts, site) that failed after the
    publish: the warehouse stays published; what is on disk is said."""

    @classmethod
    def of(cls, failed: dict[str, Exception], paths: Paths) -> AfterPublishFailed:
        listing = "; ".join(f"{name}: {type(e).__name__}: {e}" for name, e in failed.items())
        notes = []
        if any(name.startswith("charts.") for name in failed):
            notes.append(f"The failed charts' PNGs were removed from {paths.exports_dir / 'charts'}, so no chart on disk shows an earlier warehouse.")
        if "warehouse.exports" in failed:
            notes.append(f"{paths.table_exports_dir} does not hold this warehouse's exports (any there are an earlier warehouse's; the next "
                         "build rewrites them from the published file first), so the site, which links them, was not rewritten.")
        if "warehouse.site" in failed:
            notes.append(f"{paths.site_dir} is still the catalogue of an earlier warehouse (make site rewrites it).")
        return cls(f"{len(failed)} of the files written from the published warehouse failed ({paths.published_db} was published and holds "
                   f"this build's tables): {listing}. " + " ".join(notes))


def chart_metadata(drawn: Drawn, paths: Paths) -> dict:
    """A chart drawn: its PNG (path and picture), when and how fast, what was measured on it."""
    name, chart = drawn.build.__name__, drawn.chart
    return {
        "path": str(paths.exports_dir / "charts" / f"{name}.png"),
        "preview": f"![{name}](data:image/png;base64,{base64.b64encode(chart.png).decode()})",
        "bytes": len(chart.png),
        "render_seconds": round(drawn.seconds, 3),
        "drawn_at": drawn.finished_at,
        **chart.metadata(),
    }


def write_after_publish(
    paths: Paths, builds: list[Callable], run_tables: set[str] | None, export_formats: tuple[str, ...] | None, site: bool,
    log: Callable[[str], None], export: Callable = export_tables,
) -> Iterator[tuple[str, dict]]:
    """(asset name, metadata) for each file written: the exports in `export_formats` (None: not
    asked), the charts of `builds` this run must draw (chart_files.charts_to_draw) and the site
    (when `site`); raises AfterPublishFailed naming every one that failed, after the others."""
    failed: dict[str, Exception] = {}
    drawn: list[Drawn] = []
    site_metadata = None

    def failure(name: str, error: Exception, trace: str = "") -> None:
        failed[name] = error
        log(f"{name} failed: {type(error).__name__}: {error}" + (f"\n{trace}" if trace else ""))

    todo = charts_to_draw(builds, run_tables, paths.exports_dir / "charts")
    with draw_charts(todo, paths.published_db, paths.exports_dir / "charts") as drawing:  # drawing from here on
        if export_formats:
            started = time.monotonic()
            try:
                rows = export(paths.published_db, paths.table_exports_dir, export_formats)
            except Exception as error:  # noqa: BLE001 - the charts are still drawn; reported with them at the end
                failure("warehouse.exports", error)
            else:
                yield "warehouse.exports", {"folder": str(paths.table_exports_dir), "formats": ", ".join(export_formats), "tables": len(rows),
                                            "seconds": round(time.monotonic() - started, 3), "written_at": time.time()}
        if site and "warehouse.exports" not in failed:
            started = time.monotonic()
            try:  # the pages first, then (once drawn) the charts
                summary = build_site(paths.published_db, paths.site_dir, paths.exports_dir, lambda: drawn.extend(drawing))
            except Exception as error:  # noqa: BLE001 - reported at the end
                failure("warehouse.site", error)
            else:
                site_metadata = {"folder": str(paths.site_dir), **summary, "seconds": round(time.monotonic() - started, 3), "written_at": time.time()}
        drawn.extend(drawing)  # the charts not read yet: all of them without a site
    for chart in drawn:
        if isinstance(chart.chart, Exception):
            failure(f"charts.{chart.build.__name__}", chart.chart, chart.trace)
        else:
            yield f"charts.{chart.build.__name__}", chart_metadata(chart, paths)
    if site_metadata is not None:
        yield "warehouse.site", site_metadata
    if failed:
        raise AfterPublishFailed.of(failed, paths)
