"""Benchmark: the floor of Dagster's per-step cost, with no work in the steps.

Runs a job of N no-op assets (each reads the previous one through an in-memory IO manager, as
the warehouse's assets read their inputs) on a persistent SQLite instance in a temporary
DAGSTER_HOME configured by the project's dagster.yaml, and on an ephemeral (in-memory) instance,
and prints wall time per run, per step and the number of events stored.
Usage: .venv/bin/python benchmarks/dagster_step_overhead.py [--assets 60] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assets", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
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


if __name__ == "__main__":
    main()
