"""Benchmark: wall time of `battery check` on the clean sources tree (a fresh process per call,
as `make check` runs it) beside the floor of any pandas program, `python -c "import pandas"`.

Goal (issue 22): at most 3 s on the clean tree. Prints the median and worst of N runs of each
and the machine's load average. Usage: .venv/bin/python benchmarks/check_sources.py [--runs N]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BATTERY = Path(sys.executable).with_name("battery")
GOAL_SECONDS = 3.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    commands = {
        'python -c "import pandas"': [sys.executable, "-c", "import pandas"],
        "battery check": [str(BATTERY), "check"],
    }
    times: dict[str, list[float]] = {label: [] for label in commands}
    cpu: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(args.runs):  # round-robin, so a change in load hits both alike
        for label, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            times[label].append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[label].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if result.returncode != 0:
                print(f"{label} failed ({result.returncode}): {result.stderr[-2000:]}", file=sys.stderr)
                return 1
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPU(s)")
    print(f"{'command':<30} {'median s':>9} {'max s':>7} {'CPU s (median)':>15}")
    for label, values in times.items():
        print(f"{label:<30} {statistics.median(values):9.2f} {max(values):7.2f} {statistics.median(cpu[label]):15.2f}")
    check = statistics.median(times["battery check"])
    print(f"\nbattery check median {check:.2f} s (goal <= {GOAL_SECONDS:.0f} s): {'met' if check <= GOAL_SECONDS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
