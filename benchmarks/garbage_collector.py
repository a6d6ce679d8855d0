"""Benchmark: `battery build` with the garbage-collector settings of pipelines/runtime.py against
CPython's defaults, interleaved, each in its own process into its own temporary warehouse.

For each build it prints the wall time of the process, the collector's pauses during it (all
generations, from gc.callbacks), the time from the build's end to the process's exit (the
interpreter's shutdown) and the peak resident memory.

Usage: .venv/bin/python benchmarks/garbage_collector.py [--runs 3]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]

# The child: `battery build` through the console entry point, the runtime settings switched off
# for "defaults", the collector's pauses summed, the moment main() returned reported.
CHILD = r"""
import gc, json, resource, sys, time
paused, started = [0.0], [0.0]
def watch(phase, info):
    if phase == "start":
        started[0] = time.perf_counter()
    else:
        paused[0] += time.perf_counter() - started[0]
gc.callbacks.append(watch)
import pipelines.runtime as runtime
if sys.argv[1] == "defaults":
    runtime.tune = runtime.freeze_loaded = runtime.exit_without_final_collection = lambda: None
from pipelines import cli
main = cli.main
def reporting(argv=None):
    code = main(argv)
    print(json.dumps({"returned": time.time(), "gc_pauses": paused[0],
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), file=sys.stderr)
    return code
cli.main = reporting
sys.argv = ["battery", "build"]
cli.entry()
"""


def one_build(mode: str, root: Path) -> dict:
    home = root / f"home_{mode}"
    home.mkdir(exist_ok=True)
    shutil.copy(PROJECT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "BATTERY_WAREHOUSE_DIR": str(root / f"warehouse_{mode}"), "DAGSTER_HOME": str(home)}
    began = time.time()
    done = subprocess.run([sys.executable, "-c", CHILD, mode], env=env, cwd=PROJECT, capture_output=True, text=True)
    ended = time.time()
    if done.returncode != 0:
        raise SystemExit(f"build ({mode}) failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return {"wall": ended - began, "gc": report["gc_pauses"], "shutdown": ended - report["returned"], "peak_mb": report["peak_mb"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench_gc_"))
    results: dict[str, list[dict]] = {"defaults": [], "tuned": []}
    try:
        print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for _ in range(args.runs):
            for mode in results:
                results[mode].append(one_build(mode, root))
        print(f"load average after:  {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for mode, runs in results.items():
            line = ", ".join(f"{k} {statistics.median(r[k] for r in runs):.2f}" for k in ("wall", "gc", "shutdown"))
            peak = statistics.median(r["peak_mb"] for r in runs)
            print(f"{mode:<8} median of {args.runs}: {line} s; peak {peak:.0f} MB")
            print("         walls: " + ", ".join(f"{r['wall']:.2f}" for r in runs) + " s")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
