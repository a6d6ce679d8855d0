"""Fixed cost of the curated layer without Dagster: read, parse, validate and key-check every
dataset of sources/ (pipelines/ingest/curate.py), evaluate the warning-level rules of each
curated table, and build quality.source_findings from them.

Run from the repository root:  python benchmarks/curate_tables.py [repeats]
Prints, for the best of `repeats` runs (by CPU time), the CPU seconds per step and in total, and
the load average (the machine is shared: compare runs made back to back).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.ingest.curate import curate, parent_tables  # noqa: E402
from pipelines.schemas.registry import CURATED  # noqa: E402
from pipelines.schemas.validate import evaluate_warnings  # noqa: E402
from pipelines.tables.quality import CHECKED, source_findings_frame  # noqa: E402

SOURCES = ROOT / "sources"


def run() -> dict[str, float]:
    """CPU seconds per step of one pass over every dataset."""
    tables, seconds = {}, {}

    def get(name: str):
        if name not in tables:
            parents = {p: get(p) for p in parent_tables(name)}
            t0 = time.process_time()
            tables[name], _ = curate(name, SOURCES, tables.get("metrics"), tables.get("units"), parents=parents)
            seconds[f"curated.{name}"] = time.process_time() - t0
        return tables[name]

    for name in ("units", "metrics", *CURATED):
        get(name)
    t0 = time.process_time()
    for name, frame in tables.items():
        evaluate_warnings(frame, CURATED[name])
    seconds["warning rules (all curated tables)"] = time.process_time() - t0
    t0 = time.process_time()
    source_findings_frame(**{name: tables[name] for name in CHECKED})
    seconds["quality.source_findings"] = time.process_time() - t0
    return seconds


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    run()  # first pass: schemas built, lazy imports done
    runs = [run() for _ in range(repeats)]
    best = min(runs, key=lambda s: sum(s.values()))
    curated = sum(v for k, v in best.items() if k.startswith("curated."))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"best of {repeats} runs, CPU seconds:")
    for step, value in sorted(best.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {step:<45} {value:6.3f}")
    print(f"  curated assets, {len(CURATED)} tables, total     {curated:6.3f}")
    print(f"all of the above                                {sum(best.values()):6.3f}")


if __name__ == "__main__":
    main()
