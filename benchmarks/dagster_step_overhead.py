"""Benchmark: the floor of Dagster's per-step cost, with no work in the steps.

Runs a job of N no-op assets (each reads the previous one through an in-memory IO manager, as
the warehouse's assets read their inputs) on a persistent SQLite instance in a temporary
DAGSTER_HOME configured by the project's dagster.yaml, and on an ephemeral (in-memory) instance,
and prints wall time per run, per step and the number of events stored. Then the cost of a new
run's event-log file (every run has one, `battery build` makes two runs): copied from the
template (pipelines/automation/event_storage.py) against Dagster's own initialisation of it.
Usage: .venv/bin/python benchmarks/dagster_step_overhead.py [--assets 60] [--repeat 3] [--run-files 10]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from dagster import AssetIn, AssetKey, DagsterInstance, Definitions, InMemoryIOManager, asset, define_asset_job

ROOT = Path(__file__).resolve().parents[1]


def noop_assets(n: int) -> list:
    assets = []
    for i in range(n):
        ins = {"upstream": AssetIn(key=AssetKey(["bench", f"a{i - 1}"]))} if i else {}

        @asset(key=AssetKey(["bench", f"a{i}"]), ins=ins)
        def _noop(**inputs) -> int:
            return len(inputs)

        assets.append(_noop)
    return assets


def run(instance: DagsterInstance, n: int) -> tuple[float, int]:
    defs = Definitions(assets=noop_assets(n), jobs=[define_asset_job("noop")], resources={"io_manager": InMemoryIOManager()})
    job = defs.resolve_job_def("noop")
    started = time.perf_counter()
    result = job.execute_in_process(instance=instance, run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
    seconds = time.perf_counter() - started
    assert result.success
    return seconds, len(result.all_events)


def new_run_files(n: int) -> None:
    """Median time to open the event-log file of a new run, n runs per storage, each in a fresh
    folder (the template is made by the first run there, which is left out of the median)."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    from pipelines.automation.event_storage import PooledSqliteEventLogStorage

    for label, cls in (("from the template (the project's)", PooledSqliteEventLogStorage),
                       ("by Dagster's initialisation", SqliteEventLogStorage)):
        folder = tempfile.mkdtemp(prefix="bench_run_files_")
        storage = cls(folder)
        try:
            times = []
            for _ in range(n + 1):
                shard = str(uuid.uuid4())
                started = time.perf_counter()
                with storage.run_connection(shard):
                    pass
                times.append(time.perf_counter() - started)
            print(f"a new run's event-log file, {label:<34}: median {statistics.median(times[1:]) * 1000:.1f} ms "
                  f"of {n} runs (the first run in the folder {times[0] * 1000:.1f} ms)")
        finally:
            storage.dispose()
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--run-files", type=int, default=10)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench_dagster_home_"))
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        for label, make in (("persistent sqlite (dagster.yaml)", DagsterInstance.get), ("ephemeral", DagsterInstance.ephemeral)):
            instance = make()
            times = []
            for _ in range(args.repeat):
                seconds, events = run(instance, args.assets)
                times.append(seconds)
            best = min(times)
            print(f"{label:<34} {args.assets} no-op assets: " + ", ".join(f"{t:.2f}" for t in times)
                  + f" s; best {best / args.assets * 1000:.0f} ms/step, {events} events per run")
            instance.dispose()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    new_run_files(args.run_files)


if __name__ == "__main__":
    main()
