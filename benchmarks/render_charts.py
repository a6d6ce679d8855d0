"""Benchmark: time to render each chart from a published warehouse, outside Dagster.

Reads the tables each chart function takes (pipelines/publish/chart_builders.py) from a
published battery.duckdb, renders every chart, prints seconds per chart (the first one includes
the matplotlib import) and what was measured on it, and writes the PNGs to a folder to look at;
then the wall time of drawing them all as a build does (chart_files.draw_charts: the tables read
once, the charts drawn in one forked process per core) and the machine's load beside it.
Usage: .venv/bin/python benchmarks/render_charts.py WAREHOUSE_DIR [--out DIR] [--repeat N]
"""
from __future__ import annotations

import argparse
import inspect
import os
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines.publish.chart_builders import CHARTS
from pipelines.publish.chart_files import draw_charts, drawing_processes
from pipelines.tables import table_named


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse_dir", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_charts_"))
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(args.warehouse_dir / "battery.duckdb"), read_only=True) as con:
        inputs = {
            build.__name__: {p: con.execute(f"SELECT * FROM {table_named(p, 'bench')}").df() for p in inspect.signature(build).parameters}
            for build in CHARTS
        }
    total = 0.0
    for i in range(args.repeat):
        for build in CHARTS:
            started = time.perf_counter()
            chart = build(**inputs[build.__name__])
            seconds = time.perf_counter() - started
            total += seconds
            (out / f"{build.__name__}.png").write_bytes(chart.png)
            if i == args.repeat - 1:
                print(f"  {build.__name__:<26} {seconds:6.2f} s  {chart.metadata()}")
    print(f"all charts, {args.repeat} pass(es): {total:.2f} s; PNGs in {out}")
    processes = drawing_processes(len(CHARTS))
    for i in range(args.repeat):
        started = time.perf_counter()
        with draw_charts(CHARTS, args.warehouse_dir / "battery.duckdb", out / "drawn") as drawing:
            failed = [d.build.__name__ for d in drawing if isinstance(d.chart, Exception)]
        print(f"all charts as a build draws them ({processes or 'no'} forked processes, tables read included): "
              f"{time.perf_counter() - started:.2f} s wall, load {os.getloadavg()[0]:.2f}" + (f"; FAILED: {failed}" if failed else ""))


if __name__ == "__main__":
    main()
