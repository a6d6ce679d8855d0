"""Benchmark: start-to-result time of `battery query` (a fresh process per call, as `make query`
runs it) against the floor of any DuckDB client, `python -c "import duckdb"`.

Prints the median and worst of N runs of each. Build first: `make build` (or point
BATTERY_WAREHOUSE_DIR at a built warehouse folder).
Usage: .venv/bin/python benchmarks/query_startup.py [--runs N]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from pipelines.query import warehouse_db

SQL = "SELECT count(*) FROM curated.cell_claims"
BATTERY = Path(sys.executable).with_name("battery")


def timed(commands: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Round-robin, so a change in machine load hits every command alike."""
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, command in commands.items():
            t0 = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            times[label].append((time.perf_counter() - t0) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if not warehouse_db().exists():
        print(f"{warehouse_db()} does not exist: run `make build` first", file=sys.stderr)
        return 2
    commands = {
        'python -c "import duckdb"': [sys.executable, "-c", "import duckdb"],
        f'battery query "{SQL}"': [str(BATTERY), "query", SQL],
        "battery query --name high_energy_technologies": [str(BATTERY), "query", "--name", "high_energy_technologies"],
    }
    print(f"{'command':<60} {'median ms':>10} {'max ms':>8}")
    medians = {}
    for label, times in timed(commands, args.runs).items():
        medians[label] = statistics.median(times)
        print(f"{label:<60} {medians[label]:10.0f} {max(times):8.0f}")
    floor = medians['python -c "import duckdb"']
    worst = max(v for k, v in medians.items() if k.startswith("battery"))
    print(f"\nbattery query median over the import-duckdb floor: +{worst - floor:.0f} ms (worst of the two queries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
