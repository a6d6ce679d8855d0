"""The charts drawn from the published warehouse into warehouse/exports/charts/ (no Dagster:
pipelines/assets/warehouse.py declares them as assets and calls `draw_charts`).

Every table a chart reads comes from the published file, read-only: the charts never hold the
staging writer, and each PNG shows the warehouse analysts open. A chart whose builder fails is
not left on disk from an earlier warehouse: every PNG to draw is removed before drawing starts.

The charts are drawn in processes forked from the caller (one per core it may use, at most one
per chart), which read nothing themselves: the caller reads the tables once, the forks inherit
them (and matplotlib, imported before forking), so drawing starts at once and uses every core
while the caller writes the exports and the site."""
from __future__ import annotations

import inspect
import multiprocessing
import os
import pickle
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from pipelines import runtime
from pipelines.publish import build_lock
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


class Drawn(NamedTuple):
    """One chart drawn (its PNG written) or failed (no PNG), when it finished (time.time())."""

    build: Callable
    chart: Chart | Exception
    seconds: float
    finished_at: float
    trace: str = ""  # the failure's traceback, as text
    early: bool = False  # drawn from the tables as staged, while the build computed them (early_charts.py)


def drawing_processes(charts: int) -> int:
    """Processes to draw `charts` charts in: one per core this process may use, at most one per
    chart; 0 (draw in this process) on one core or where processes cannot be forked."""
    if not can_fork():
        return 0
    workers = min(usable_cores(), charts)
    return workers if workers > 1 else 0


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


# What a drawing process draws: the builders and their tables, inherited from the process that forked it.
_JOB: tuple[list[Callable], dict[str, pd.DataFrame], Path] | None = None


def _set_job(builds: list[Callable], frames: dict[str, pd.DataFrame], charts_dir: Path, parent: int | None = None) -> None:
    """The job of a drawing process (or of this one, `parent` None); a drawing process dies with
    its parent and holds none of its locks."""
    global _JOB
    if parent is not None:
        become_drawing_process(parent)
    _JOB = (builds, frames, charts_dir)


def become_drawing_process(parent: int) -> None:
    """First thing in a process forked to draw charts: it dies with `parent`, and holds none of
    its locks (the build lock's descriptor it inherited is closed, not unlocked)."""
    runtime.die_with_parent(parent)
    build_lock.close_inherited()


def draw_from(build: Callable, frames: dict[str, pd.DataFrame]) -> tuple[Chart | Exception, float, float, str]:
    """(the chart or its error, seconds, when it finished, the failure's traceback) of `build`
    given its tables (table -> frame, each handed over as a copy); a failure is returned, not
    raised."""
    started = time.monotonic()
    try:
        chart = build(**{p: frames[t].copy() for p, t in chart_tables(build).items()})
    except Exception as error:  # noqa: BLE001 - every chart is tried; the caller reports the failures together
        return _portable(error), time.monotonic() - started, time.time(), "".join(traceback.format_exception(error))
    return chart, time.monotonic() - started, time.time(), ""


def _draw(index: int) -> tuple[int, Chart | Exception, float, float, str]:
    """Draw builder `index` of the job and write its PNG (atomically: a reader never sees half a
    picture); a failure is returned, not raised, with its traceback."""
    builds, frames, charts_dir = _JOB
    build = builds[index]
    chart, seconds, finished_at, trace = draw_from(build, frames)
    if not isinstance(chart, Exception):
        try:
            write_png(chart.png, charts_dir / f"{build.__name__}.png")
        except Exception as error:  # noqa: BLE001 - reported with the others
            return index, _portable(error), seconds, time.time(), "".join(traceback.format_exception(error))
    return index, chart, seconds, finished_at, trace


def _portable(error: Exception) -> Exception:
    """The error itself when it can travel back from a drawing process, else its text."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any error that does not survive pickling
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


@contextmanager
def draw_charts(builds: list[Callable], published_db: Path, charts_dir: Path, processes: int | None = None) -> Iterator[Iterator[Drawn]]:
    """Start drawing `builds` from the tables of `published_db` into charts_dir/<name>.png, in
    `processes` forked processes (default: drawing_processes), and give what was drawn in the order
    it finishes; the caller is free meanwhile. With 0 processes the charts are drawn here, one by
    one, as the results are read. Each PNG to draw is removed first: a chart that fails, or is
    never drawn, is not on disk."""
    for build in builds:
        (charts_dir / f"{build.__name__}.png").unlink(missing_ok=True)  # drawn from this warehouse, or not on disk at all
    if not builds:
        yield iter(())
        return
    charts_dir.mkdir(parents=True, exist_ok=True)
    needed = sorted({t for b in builds for t in chart_tables(b).values()})
    with connect(published_db, read_only=True) as con:
        frames = {t: read_table(con, *t.split(".")) for t in needed}
    processes = drawing_processes(len(builds)) if processes is None else processes
    pool = _fork_pool(processes, builds, frames, charts_dir) if processes > 1 else None
    if pool is None:  # one core, or no process could be forked: drawn here, as the results are read
        _set_job(builds, frames, charts_dir)
        yield (Drawn(builds[i], *rest) for i, *rest in map(_draw, range(len(builds))))
        return
    try:
        futures = {pool.submit(_draw, i): i for i in range(len(builds))}
        yield _results(futures, builds)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _fork_pool(processes: int, builds: list[Callable], frames: dict[str, pd.DataFrame], charts_dir: Path) -> ProcessPoolExecutor | None:
    """`processes` drawing processes forked now, matplotlib imported first (once, for all of them);
    None when they cannot be forked (out of memory or processes)."""
    import matplotlib.figure  # noqa: F401
    from matplotlib.backends import backend_agg  # noqa: F401

    with runtime.frozen_for_fork():
        pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"), initializer=_set_job,
                                   initargs=(builds, frames, charts_dir, os.getpid()))
        try:
            pool.submit(int).result()  # forks every process now, and checks they run
            return pool
        except (OSError, BrokenProcessPool):
            pool.shutdown(wait=False, cancel_futures=True)
            return None


def _results(futures: dict[Future, int], builds: list[Callable]) -> Iterator[Drawn]:
    for future in as_completed(futures):
        try:
            index, chart, seconds, finished_at, trace = future.result()
        except Exception as error:  # noqa: BLE001 - the drawing process died (killed, out of memory): no PNG
            yield Drawn(builds[futures[future]], error, 0.0, time.time(), "".join(traceback.format_exception(error)))
            continue
        yield Drawn(builds[index], chart, seconds, finished_at, trace)
