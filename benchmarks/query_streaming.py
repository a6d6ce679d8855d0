"""Benchmark: `battery query` in bounded memory and time (issue 24).

Prints, for the real `battery query` process (a fresh process per call, as `make query` runs it):
- peak resident memory and wall time to print the first rows of a 100-million-row result
  (goal: under 300 MB), as a table (default --max-rows) and as CSV with --max-rows;
- wall time and peak memory of a 10-million-row CSV written to /dev/null (all rows streamed);
- Ctrl-C latency: SIGINT sent to a statement that would run for minutes, time until the process
  has exited (goal: under 2 s), over N tries.

Peak memory is the child's ru_maxrss from wait4 (it counts this script's own memory at fork
time too, about 40 MB, so it is an upper bound). Any built warehouse will do: the statements
read range(), not tables (`make build` first, or BATTERY_WAREHOUSE_DIR).
Usage: .venv/bin/python benchmarks/query_streaming.py [--tries N]
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pipelines.query import warehouse_db

BATTERY = Path(sys.executable).with_name("battery")
HUGE = "SELECT i, i * 2.5 AS x, 'row ' || i AS s FROM range({n}) t(i)"
LONG = "SELECT count(*) FROM range(300000) a(i), range(300000) b(i) WHERE (a.i * 7 + b.i) % 1000003 = 5"


def run(args: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB, exit code) of `battery query ARGS`, stdout to /dev/null."""
    started = time.perf_counter()
    with open(os.devnull, "w") as sink:
        child = subprocess.Popen([str(BATTERY), "query", *args], stdout=sink, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, child.returncode


def ctrl_c_latency(wait: float) -> tuple[float, int]:
    """Seconds from SIGINT to the process having exited, and its exit code."""
    child = subprocess.Popen([str(BATTERY), "query", LONG, "--timeout", "0"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    time.sleep(wait)  # started and inside DuckDB
    if child.poll() is not None:
        raise RuntimeError("the long statement ended before SIGINT was sent")
    sent = time.perf_counter()
    child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=60)
    finally:
        child.kill()
    return time.perf_counter() - sent, child.returncode


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=5, help="Ctrl-C tries")
    args = parser.parse_args()
    if not warehouse_db().exists():
        print(f"{warehouse_db()} does not exist: run `make build` first", file=sys.stderr)
        return 2
    cases = {
        "first 200 rows of 100,000,000, table": [HUGE.format(n=100_000_000)],
        "first 1,000 rows of 100,000,000, --csv --max-rows 1000": [HUGE.format(n=100_000_000), "--csv", "--max-rows", "1000"],
        "all 10,000,000 rows, --csv": [HUGE.format(n=10_000_000), "--csv", "--timeout", "0"],
    }
    print(f"{'battery query':<58} {'wall s':>7} {'peak MB':>8} {'exit':>5}")
    for label, case in cases.items():
        seconds, peak, code = run(case)
        print(f"{label:<58} {seconds:7.2f} {peak:8.0f} {code:5d}")
    latencies = []
    for _ in range(args.tries):
        latency, code = ctrl_c_latency(2.0)
        latencies.append(latency)
        if code != 130:
            print(f"  (a Ctrl-C try exited with {code}, not 130)")
    print(f"\nCtrl-C to exit, {args.tries} tries: median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s "
          "(goal < 2 s); first rows of 100 M goal < 300 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
