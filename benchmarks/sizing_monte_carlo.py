"""Wall time of the Monte Carlo pack sizing: 100,000 samples per vehicle x scenario pair.

Run from the repository root:  python benchmarks/sizing_monte_carlo.py [n_samples] [repeats]
Uses the curated sources (Tables 9 and 10, any extra scenario files, the uncertainty ranges).
Target: under 5 s for all pairs.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.compute.sizing import monte_carlo_packs, wide_from_long  # noqa: E402
from pipelines.schemas.published_values import parse_published  # noqa: E402

SOURCES = ROOT / "sources"
TARGET_S = 5.0


def load_long(folder: Path) -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(folder.glob("*.csv"))]
    df = pd.concat(frames, ignore_index=True)
    return df.join(parse_published(df["published_text"])[["value"]])


def main() -> int:
    n_samples = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    vehicles = wide_from_long(load_long(SOURCES / "vehicle_requirements"), "vehicle_id")
    scenarios = wide_from_long(load_long(SOURCES / "battery_scenarios"), ["scenario_id", "year"])
    ranges = pd.read_csv(SOURCES / "scenario_uncertainty" / "ranges.csv")
    pairs = len(vehicles) * len(scenarios)

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = monte_carlo_packs(vehicles, ranges, n_samples=n_samples, scenarios=scenarios)
        times.append(time.perf_counter() - t0)
    best, worst = min(times), max(times)
    print(
        f"monte_carlo_packs: {len(vehicles)} vehicles x {len(scenarios)} scenarios = {pairs} pairs, "
        f"{n_samples:,} samples per pair ({pairs * n_samples:,} pack samples, {len(ranges)} ranged inputs)"
    )
    print(f"wall time over {repeats} runs: best {best:.3f} s, worst {worst:.3f} s (target < {TARGET_S:.0f} s)")
    print(f"result rows: {len(out)}")
    return 0 if worst < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
