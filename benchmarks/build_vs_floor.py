"""Benchmark: `battery build` against the plain-load floor, median of N, interleaved.

The floor is what issue 16 compares a build with: a plain script (no Dagster, no validation, no
model) that reads every CSV under sources/ with pandas and writes one DuckDB table per dataset
into a fresh file. It runs as its own Python process, imports included, exactly like the build.

The build is the CLI a user runs (`make build` runs `battery build` after `make setup`, which then
only compiles what changed in pipelines/), into a temporary warehouse and Dagster instance (never
the project's own), from a copy of sources/. One warm-up build comes first, so the measured
builds are the warm rebuilds a user sees: the published warehouse, the release history and the
instance already exist. Which build is timed (one at a time):

- default: nothing changed since the last build. `battery build` finds sources/ and the code as
  the published warehouse records them (meta.source_versions, meta.build_code), rebuilds no
  table, and finds the exports, charts and site up to date (publish/after_publish.py).
- --edit: before each measured build one value of sources/vehicle_requirements/table9.csv is
  changed (1.8 and 1.9 in turn): the build rebuilds the tables downstream of that folder,
  publishes a release, and redraws the charts reading a changed table.
- --full: `battery build --full`, every table rebuilt from the same sources; no row changes, so
  the files written after the publish are found up to date.
- --full --rewrite-files: the same, with the manifest of those files removed before each
  build, so each writes them all again, as a build that changed every table would.

Runs alternate (floor, build, floor, build, ...) so a change in the machine's load hits both
alike; the load average is printed before and after.

Usage: .venv/bin/python benchmarks/build_vs_floor.py [--runs 5] [--edit | --full [--rewrite-files]]
       .venv/bin/python benchmarks/build_vs_floor.py --floor-only   (the floor script's body)
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
BATTERY = Path(sys.executable).with_name("battery")


def plain_load(sources: Path, target: Path) -> int:
    """Every dataset's CSVs (all columns as pandas reads them) as one DuckDB table; returns rows."""
    import duckdb
    import pandas as pd

    rows = 0
    with duckdb.connect(str(target)) as con:
        for folder in sorted(p for p in sources.iterdir() if p.is_dir()):
            files = sorted(folder.glob("*.csv"))
            if not files:
                continue
            frame = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
            con.register("frame", frame)
            con.execute(f'CREATE TABLE "{folder.name}" AS SELECT * FROM frame')
            con.unregister("frame")
            rows += len(frame)
    return rows


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--edit", action="store_true", help="one value of one dataset changed before each build")
    mode.add_argument("--full", action="store_true", help="battery build --full: every table rebuilt")
    parser.add_argument("--rewrite-files", action="store_true", help="with --full: every build writes the exports, charts and site again")
    parser.add_argument("--floor-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rewrite_files and not args.full:
        parser.error("--rewrite-files goes with --full")
    if args.floor_only:
        args.target.unlink(missing_ok=True)
        plain_load(Path(os.environ.get("BATTERY_SOURCES_DIR", PROJECT / "sources")), args.target)
        return

    root = Path(tempfile.mkdtemp(prefix="bench_floor_"))
    try:
        home = root / "dagster_home"
        home.mkdir()
        shutil.copy(PROJECT / "dagster.yaml", home / "dagster.yaml")
        sources = root / "sources"
        shutil.copytree(Path(os.environ.get("BATTERY_SOURCES_DIR", PROJECT / "sources")), sources)
        table9 = sources / "vehicle_requirements" / "table9.csv"
        env = {**os.environ, "BATTERY_WAREHOUSE_DIR": str(root / "warehouse"), "DAGSTER_HOME": str(home),
               "BATTERY_SOURCES_DIR": str(sources)}
        floor_cmd = [sys.executable, __file__, "--floor-only", "--target", str(root / "plain.duckdb")]
        build_cmd = [str(BATTERY), "build", *(["--full"] if args.full else [])]
        print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        warm = timed(build_cmd, env)
        print(f"warm-up build (first build into an empty warehouse): {warm:.1f} s")
        floors, builds = [], []
        for run in range(args.runs):
            floors.append(timed(floor_cmd, env))
            if args.edit:  # the transit bus's consumption, 1.8 kWh/mi as published, and 1.9 in turn
                old, new = (",1.8,", ",1.9,") if run % 2 == 0 else (",1.9,", ",1.8,")
                text = table9.read_text(encoding="utf-8")
                assert old in text, f"{table9} holds no {old!r}"
                table9.write_text(text.replace(old, new, 1), encoding="utf-8")
            if args.rewrite_files:
                from pipelines.publish.after_publish import MANIFEST  # here: the floor's process imports nothing of the project

                (root / "warehouse" / "exports" / MANIFEST).unlink()
            builds.append(timed(build_cmd, env))
        print(f"load average after:  {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        f, b = statistics.median(floors), statistics.median(builds)
        print(f"plain load floor, {args.runs} runs: " + ", ".join(f"{x:.2f}" for x in floors) + f" s (median {f:.2f} s)")
        print(
            "battery build --full, every table rebuilt, writing the exports, charts and site again each time" if args.rewrite_files
            else "battery build --full, every table rebuilt (no row changes: the exports, charts and site are up to date)" if args.full
            else "battery build after one edit of vehicle_requirements: its closure rebuilt, a release, the charts reading it"
            if args.edit else "battery build with nothing changed: no table rebuilt, the files up to date"
        )
        print(f"battery build,    {args.runs} runs: " + ", ".join(f"{x:.2f}" for x in builds) + f" s (median {b:.2f} s)")
        print(f"build / floor: {b / f:.1f}x  (issue 16 goal: at most 5x, i.e. {5 * f:.1f} s)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
