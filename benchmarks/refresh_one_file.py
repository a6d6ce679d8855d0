"""Benchmark: a one-file change vs a full build.

Copies sources/ to a temporary folder, builds everything once, then edits one file and lets
the real `sources_changed` sensor decide what to run. Prints, for the full build and for the
refresh, the number of assets materialized and the wall time.
Usage: .venv/bin/python benchmarks/refresh_one_file.py [--dataset vehicle_requirements]
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
work = Path(tempfile.mkdtemp(prefix="bench_refresh_"))
shutil.copytree(ROOT / "sources", work / "sources")
(work / "warehouse").mkdir()
os.environ["BATTERY_SOURCES_DIR"] = str(work / "sources")
os.environ["BATTERY_WAREHOUSE_DIR"] = str(work / "warehouse")

from dagster import DagsterEventType, DagsterInstance, build_sensor_context  # noqa: E402

from pipelines.definitions import defs  # noqa: E402

QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def materialized(result) -> int:
    return sum(1 for e in result.all_events if e.event_type == DagsterEventType.ASSET_MATERIALIZATION)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default="vehicle_requirements", help="dataset folder whose first CSV is edited")
    args = parser.parse_args()
    sensor = defs.resolve_sensor_def("sources_changed")
    job = defs.resolve_job_def("build_warehouse")
    with DagsterInstance.ephemeral() as instance:
        first = sensor(build_sensor_context(instance=instance, definitions=defs))
        t0 = time.perf_counter()
        full = job.execute_in_process(instance=instance, run_config=QUIET)
        full_s = time.perf_counter() - t0

        target = sorted((work / "sources" / args.dataset).glob("*.csv"))[0]
        target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a blank line: new hash, same rows
        refresh = sensor(build_sensor_context(instance=instance, definitions=defs, cursor=first.cursor))
        (request,) = refresh.run_requests
        subset = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection=set(request.asset_selection))
        t0 = time.perf_counter()
        partial = subset.execute_in_process(instance=instance, run_config=QUIET)
        partial_s = time.perf_counter() - t0
    assert full.success and partial.success
    print(f"full build:          {materialized(full):3d} assets  {full_s:6.2f} s")
    print(f"one file changed:    {materialized(partial):3d} assets  {partial_s:6.2f} s   ({target.relative_to(work)})")
    print(f"refresh / full time: {partial_s / full_s:.0%} (target < 50%)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
