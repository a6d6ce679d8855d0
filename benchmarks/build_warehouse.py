"""Benchmark: wall time of a full build from a warm venv, with its breakdown.

Prints the import time of the code location, the time of each asset step (from Dagster's own
step events) and the total, for a build of the real sources/ into a temporary warehouse.
Usage: .venv/bin/python benchmarks/build_warehouse.py [--repeat N]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

started = time.perf_counter()
os.environ.setdefault("BATTERY_WAREHOUSE_DIR", tempfile.mkdtemp(prefix="bench_build_"))
from dagster import DagsterEventType, DagsterInstance  # noqa: E402

from pipelines.definitions import defs  # noqa: E402

import_seconds = time.perf_counter() - started


def step_durations(result) -> dict[str, float]:
    return {
        e.step_key: e.event_specific_data.duration_ms / 1000
        for e in result.all_events
        if e.event_type == DagsterEventType.STEP_SUCCESS
    }


QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    job = defs.resolve_job_def("build_warehouse")
    print(f"warehouse dir: {os.environ['BATTERY_WAREHOUSE_DIR']}")
    print(f"import of the code location: {import_seconds:6.2f} s")
    totals = []
    for i in range(args.repeat):
        t0 = time.perf_counter()
        result = job.execute_in_process(instance=DagsterInstance.ephemeral(), run_config=QUIET)
        total = time.perf_counter() - t0
        assert result.success
        totals.append(total)
        if i == args.repeat - 1:
            print("\nper asset (last run):")
            for step, seconds in sorted(step_durations(result).items(), key=lambda kv: -kv[1]):
                print(f"  {step.replace('__', '.'):<45} {seconds:6.2f} s")
    print(f"\nfull build (run only), {args.repeat} runs: " + ", ".join(f"{t:.2f}" for t in totals) + " s")
    print(f"full build incl. import, best run: {import_seconds + min(totals):.2f} s  (target < 10 s)")


if __name__ == "__main__":
    main()
