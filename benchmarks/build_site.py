"""Benchmark: time to write the static catalogue (pipelines/publish/site.py) from a published
warehouse, outside Dagster, into a temporary folder (the warehouse's own site/ is not touched).

Prints the seconds of each run (wall and CPU), the pages, and the size of the folder.
Usage: .venv/bin/python benchmarks/build_site.py WAREHOUSE_DIR [--repeat N]   (after a make build)
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from pipelines.publish.site import build_site


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse_dir", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_site_") as scratch:
        target = Path(scratch) / "site"
        walls = []
        for run in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            summary = build_site(args.warehouse_dir / "battery.duckdb", target, args.warehouse_dir / "exports")
            walls.append(time.perf_counter() - wall)
            print(f"run {run + 1}: {walls[-1]:.3f} s wall, {time.process_time() - cpu:.3f} s CPU, {summary['pages']} pages")
        size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
        print(f"median {sorted(walls)[len(walls) // 2]:.3f} s wall over {len(walls)} runs; site {size / 1e6:.1f} MB "
              f"(downloads hard-linked to the exports), load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
