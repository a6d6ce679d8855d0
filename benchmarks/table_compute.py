"""Benchmark: each table's own computation and checks (what the `tables` step spends on a table
besides DuckDB writes and Dagster), without a Dagster run. Every table of the build is
materialized (TableDef.materialize: compute, pandera validation, warning rules, check results),
parents first, with its inputs read from an already built warehouse; the remembered draws and
parses (pipelines/schemas/memo.py) are cleared before each repeat, so each repeat computes as a
fresh build does. Prints the per-table minimum over the repeats (wall and CPU), their sums, and
the load from `uptime`.

Usage: .venv/bin/python benchmarks/table_compute.py [--warehouse warehouse/battery.duckdb] [--repeats 3] [--top 20]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time

os.environ.setdefault("BATTERY_WAREHOUSE_DIR", tempfile.mkdtemp(prefix="table_compute_"))  # nothing is written

import duckdb  # noqa: E402

from pipelines.assets.computed import TableDef  # noqa: E402
from pipelines.compute.technology_packs import subject_packs  # noqa: E402
from pipelines.definitions import table_defs  # noqa: E402
from pipelines.schemas.published_values import parse_published  # noqa: E402
from pipelines.settings import PROJECT_ROOT  # noqa: E402
from pipelines.tables.ownership import ownership_inputs  # noqa: E402
from pipelines.tables.runner import parents_first  # noqa: E402


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warehouse", default=str(PROJECT_ROOT / "warehouse" / "battery.duckdb"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    con = duckdb.connect(args.warehouse, read_only=True)
    tables = {t.key: t for t in table_defs if isinstance(t, TableDef)}
    order = parents_first({key: t.dependency_keys for key, t in tables.items()})
    read: dict = {}

    def frame(key):
        if key not in read:
            read[key] = con.execute(f'SELECT * FROM "{key.path[0]}"."{key.path[-1]}"').df()
        return read[key].copy()

    def drain(key, data) -> dict:
        """The step's `store`, writing nothing: a streamed table's batches are produced (and
        checked) as a write would read them."""
        if hasattr(data, "reader"):
            for _ in data.reader():
                pass
        return {}

    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    print(f"load before: {uptime()}")
    for _ in range(args.repeats):
        for remembered in (subject_packs, ownership_inputs, parse_published):
            remembered.cache_clear()
        for key in order:
            table = tables[key]
            frames = {param: frame(parent) for param, parent in table.reads.items()}
            started, started_cpu = time.perf_counter(), time.process_time()
            for _ in table.materialize(frames, {}, drain):
                pass
            name = key.to_user_string()
            wall[name] = min(wall.get(name, float("inf")), time.perf_counter() - started)
            cpu[name] = min(cpu.get(name, float("inf")), time.process_time() - started_cpu)
    print(f"load after:  {uptime()}\n")
    print(f"{'wall s':>7}  {'cpu s':>7}  table (minimum of {args.repeats} repeats)")
    for name in sorted(wall, key=wall.get, reverse=True)[: args.top]:
        print(f"{wall[name]:7.3f}  {cpu[name]:7.3f}  {name}")
    curated = [n for n in wall if n.startswith("curated/")]
    print(f"{sum(wall[n] for n in curated):7.3f}  {sum(cpu[n] for n in curated):7.3f}  the {len(curated)} curated tables")
    print(f"{sum(wall.values()):7.3f}  {sum(cpu.values()):7.3f}  all {len(wall)} tables")


if __name__ == "__main__":
    main()
