"""Charts drawn while the build still computes its tables, on the core the single-writer table
step leaves idle (issue 26: charts off the critical path), and written only after the publish.

`battery build` knows before its tables run that it draws the charts next (cli.render_charts),
and which: those reading a table it rebuilds (chart_files.charts_to_draw). It `arm`s this module
with them, which forks one drawing process at once (matplotlib is imported there, not here). As
each table is stored in staging (io_manager.store_staged_table calls `stored`), every chart whose
tables are now all final gets them, read from staging exactly as the published file will hold
them, with their digests (duckdb_tables.table_digests), and is drawn in the background, unless
the PNG on disk was already drawn from tables with those digests (exports/WRITTEN_FROM.json).

Nothing is written before the publish, and a failed build writes nothing. After the publish,
the files step (after_publish.py) `take`s each drawing made from tables whose digests are the
published file's and writes its PNG; a chart drawn from other tables (another build published
meanwhile) is drawn again from the published file. So a PNG on disk is a drawing of the
published tables, byte for byte the one drawn from the published file.

Without `arm` (runs launched by the sensor, the schedule or the UI), or with one usable core or
no `fork`, nothing here runs: the files step draws the charts after the publish. Drawing early is
only a head start: a chart that could not be submitted, or whose drawing was lost with its
process, is drawn after the publish; only its builder's own failure is reported as the chart's."""
from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import duckdb

from pipelines import runtime
from pipelines.publish.chart_files import Drawn, become_drawing_process, can_fork, chart_tables, draw_from, usable_cores
from pipelines.publish.charts import write_png
from pipelines.publish.duckdb_tables import read_table, table_digests


class EarlyDrawing:
    """The charts of one build to draw as their tables are stored: chart name -> the tables
    still to be stored; once submitted, name -> (digests of its tables, the drawing)."""

    def __init__(self, builds: list[Callable], run_tables: set[str] | None, fresh: Callable[[str, dict[str, str]], bool]):
        self.builds = list(builds)
        self.fresh = fresh  # (chart, digests of its tables) -> its PNG on disk was drawn from them
        self.waiting = {b.__name__: {t for t in chart_tables(b).values() if run_tables is None or t in run_tables} for b in self.builds}
        self.submitted: dict[str, tuple[dict[str, str], Future]] = {}
        self.pool: ProcessPoolExecutor | None = None

    def start(self) -> bool:
        """Fork the drawing process now (it imports matplotlib while the tables are computed)."""
        with runtime.frozen_for_fork():
            try:
                self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), initializer=_prepare, initargs=(self.builds, os.getpid()))
                self.pool.submit(int)  # forks the process now; its initializer runs there, meanwhile
            except (OSError, RuntimeError):
                self.pool = None
        return self.pool is not None

    def stored(self, table: str, con: duckdb.DuckDBPyConnection) -> None:
        """`table` is final in staging (`con`): draw every chart whose tables now all are."""
        for name in [n for n, tables in self.waiting.items() if not tables - {table}]:
            del self.waiting[name]
            try:
                self._submit(name, con)
            except Exception:  # noqa: BLE001 - a head start only: the chart is drawn after the publish
                self.submitted.pop(name, None)
        for tables in self.waiting.values():
            tables.discard(table)

    def _submit(self, name: str, con: duckdb.DuckDBPyConnection) -> None:
        index = next(i for i, b in enumerate(self.builds) if b.__name__ == name)
        tables = sorted(set(chart_tables(self.builds[index]).values()))
        digests = table_digests(con, only=tables)
        if self.pool is None or len(digests) != len(tables) or self.fresh(name, digests):
            return  # drawn already from these tables (or one is missing: the publish would fail)
        frames = {t: read_table(con, *t.split(".", 1)) for t in tables}
        self.submitted[name] = (digests, self.pool.submit(_draw, index, frames))

    def take(self, builds: list[Callable], published: dict[str, str], charts_dir: Path) -> tuple[list[Callable], list[Drawn]]:
        """Of `builds`, those drawn here from tables with the digests of `published` (the
        published file's): (the others, to draw from the published file; the drawings, each
        waited for and its PNG written, or its builder's failure with no PNG on disk). A drawing
        lost with its process (killed, out of memory) is drawn again from the published file."""
        rest, drawn = [], []
        for build in builds:
            digests, future = self.submitted.pop(build.__name__, (None, None))
            if digests is None or any(published.get(t) != d for t, d in digests.items()):
                rest.append(build)
                continue
            try:
                _, chart, seconds, finished_at, trace = future.result()
            except Exception:  # noqa: BLE001 - the drawing process died or the drawing was cancelled: a head start lost
                rest.append(build)
                continue
            path = charts_dir / f"{build.__name__}.png"
            path.unlink(missing_ok=True)  # drawn from this warehouse, or not on disk at all
            if not isinstance(chart, Exception):
                try:
                    write_png(chart.png, path)
                except Exception as error:  # noqa: BLE001 - reported with the other failures
                    chart, trace = error, "".join(traceback.format_exception(error))
            drawn.append(Drawn(build, chart, seconds, finished_at, trace, early=True))
        return rest, drawn

    def close(self) -> None:
        """Stop drawing: a drawing still running (a chart not needed after all, a failed build) is killed."""
        if self.pool is None:
            return
        # ProcessPoolExecutor has no public way to stop a running task before Python 3.14; a
        # multiprocessing Process is only signalled while it has not been reaped (no pid reuse)
        for process in list((getattr(self.pool, "_processes", None) or {}).values()):
            process.kill()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None


# What the drawing process draws: the builders, inherited from the process that forked it.
_BUILDS: list[Callable] = []


def _prepare(builds: list[Callable], parent: int) -> None:
    """In the drawing process, first: it dies with the build, and holds none of its locks."""
    global _BUILDS
    become_drawing_process(parent)
    _BUILDS = builds
    import matplotlib.figure  # noqa: F401 - imported here, while the caller computes tables
    from matplotlib.backends import backend_agg  # noqa: F401


def _draw(index: int, frames: dict) -> tuple:
    return (index, *draw_from(_BUILDS[index], frames))


_armed: dict[str, EarlyDrawing | None] = {"drawing": None}


def arm(builds: list[Callable], run_tables: set[str] | None, fresh: Callable[[str, dict[str, str]], bool]) -> bool:
    """Draw `builds` as their tables are stored by this process's next run (`run_tables`: the
    tables it rebuilds; None: every table). False when no drawing process can be forked (one
    core, no fork): the charts are then drawn after the publish."""
    disarm()
    if not builds or usable_cores() < 2 or not can_fork():
        return False
    drawing = EarlyDrawing(builds, run_tables, fresh)
    if drawing.start():
        _armed["drawing"] = drawing
    return _armed["drawing"] is not None


def disarm() -> None:
    drawing, _armed["drawing"] = _armed["drawing"], None
    if drawing is not None:
        drawing.close()


def stored(table: str, con: duckdb.DuckDBPyConnection) -> None:
    """Called for every table stored in staging; nothing happens unless armed."""
    if _armed["drawing"] is not None:
        _armed["drawing"].stored(table, con)


def take(builds: list[Callable], published: dict[str, str], charts_dir: Path) -> tuple[list[Callable], list[Drawn]]:
    """EarlyDrawing.take when armed; otherwise every build is left to draw."""
    if _armed["drawing"] is None:
        return list(builds), []
    return _armed["drawing"].take(builds, published, charts_dir)
