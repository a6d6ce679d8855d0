"""Benchmark: the whole technology pack tables (every sizable technology and product x every
vehicle, and x every construction machine) with 100,000 Monte Carlo samples per pair, and the
battery cost of ownership tables over the same draws.

Prints the pairs sized and the wall time of each table (best of --repeat runs), with the machine
load from `uptime` before and after (2 cores shared: a loaded machine runs slower).
Usage: .venv/bin/python benchmarks/technology_packs.py [--samples 100000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import subprocess
import time

from pipelines.compute.technology_packs import subject_packs
from pipelines.ingest.curate import curate_tables
from pipelines.settings import PROJECT_ROOT
from pipelines.tables.ownership import build_battery_ownership, build_machine_battery_ownership, ownership_inputs
from pipelines.tables.technology_packs import build_technology_cells, build_technology_machine_packs, build_technology_packs

NEEDED = ("cell_claims", "technologies", "products", "technology_cell_overrides", "claim_uncertainty", "technology_pack_ratios",
          "battery_scenarios", "vehicle_requirements", "construction_machines", "pack_limits", "analysis_settings",
          "ownership_assumptions", "cycle_life_fallbacks")


def curated_inputs() -> dict:
    return curate_tables(NEEDED, PROJECT_ROOT / "sources")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    c = curated_inputs()
    print(f"load before: {uptime()}")
    t0 = time.perf_counter()
    cells = build_technology_cells(c["cell_claims"], c["technologies"], c["products"], c["technology_cell_overrides"], c["claim_uncertainty"])
    cells_s = time.perf_counter() - t0
    common = [cells, c["cell_claims"], c["claim_uncertainty"], c["technology_pack_ratios"], c["battery_scenarios"],
              c["vehicle_requirements"], c["construction_machines"], c["pack_limits"]]
    runs = {"technology_packs": [], "technology_machine_packs": [], "battery_ownership": [], "machine_battery_ownership": []}
    rows = {}
    inputs = [cells, c["cell_claims"], c["claim_uncertainty"], c["technology_pack_ratios"], c["battery_scenarios"], c["technologies"]]
    for _ in range(args.repeat):
        # Each repeat draws anew, as a build does; within one, the machine tables reuse the
        # vehicle tables' draws (pipelines/schemas/memo.py), as in a build.
        subject_packs.cache_clear()
        ownership_inputs.cache_clear()
        t = time.perf_counter()
        packs = build_technology_packs(*common, c["analysis_settings"], n_samples=args.samples)
        rows["technology_packs"] = len(packs)
        runs["technology_packs"].append(time.perf_counter() - t)
        t = time.perf_counter()
        machine_packs = build_technology_machine_packs(*common, c["analysis_settings"], n_samples=args.samples)
        rows["technology_machine_packs"] = len(machine_packs)
        runs["technology_machine_packs"].append(time.perf_counter() - t)
        t = time.perf_counter()
        own = build_battery_ownership(packs, *inputs, c["vehicle_requirements"], c["ownership_assumptions"], c["cycle_life_fallbacks"],
                                      c["analysis_settings"])
        rows["battery_ownership"] = len(own)
        runs["battery_ownership"].append(time.perf_counter() - t)
        t = time.perf_counter()
        own = build_machine_battery_ownership(machine_packs, *inputs, c["construction_machines"], c["ownership_assumptions"],
                                              c["cycle_life_fallbacks"], c["analysis_settings"])
        rows["machine_battery_ownership"] = len(own)
        runs["machine_battery_ownership"].append(time.perf_counter() - t)
    print(f"load after:  {uptime()}")
    print(f"\nsizing.technology_cells: {cells_s:.3f} s ({int(cells['sizable'].sum() / 3)} sizable subjects)")
    for table, times in runs.items():
        print(f"sizing.{table}: {rows[table]} pairs x {args.samples:,} samples, best {min(times):.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t in times)})")
    total = cells_s + sum(min(t) for t in runs.values())
    print(f"\nwhole table set, best runs: {total:.2f} s  (target < 5 s)")


if __name__ == "__main__":
    main()
