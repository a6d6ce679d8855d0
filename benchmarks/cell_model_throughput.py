"""Throughput of the vectorised cell model on one core, and its speed-up over the row-by-row code.

Run from the repository root:  python benchmarks/cell_model_throughput.py [n_designs] [n_rowwise]
Evaluates compute_cell_performance on a batch of n_designs (default 1,000,000) random designs
(best of 5 runs) and compute_cell_performance_rowwise on n_rowwise of them (default 20,000),
scaling the latter to designs/second (the row-by-row reference lives in tests/reference_cell_model.py). Target: >= 2,000,000 designs/s vectorised.
BLAS/OpenMP pools are pinned to one thread before numpy is imported.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.compute.cell_model import (  # noqa: E402
    DESIGN_INPUTS,
    compute_cell_performance,
)
from tests.reference_cell_model import compute_cell_performance_rowwise  # noqa: E402

TARGET_PER_S = 2_000_000

# Plausible span of every input (units as in DESIGN_INPUT_UNITS); the values do not affect speed.
SPANS = {
    "cathode_thickness": (50, 250),
    "cathode_density": (1.6, 2.4),
    "cathode_material_specific_capacity": (0.15, 0.6),
    "cathode_additional_material_ratio": (0.05, 0.3),
    "anode_density": (0.5, 2.4),
    "separator_density": (1.1, 1.9),
    "sse_thickness": (10, 50),
    "cu_resistivity": (1.7, 1.7),
    "al_resistivity": (2.8, 2.8),
    "current_collector_thickness": (6, 15),
    "cu_density": (8.23, 8.96),
    "cell_capacity": (5, 100),
    "anode_oversize_factor": (1.05, 1.3),
    "average_voltage": (2.5, 3.8),
    "cathode_porosity": (0.0, 0.35),
    "anode_specific_capacity": (0.3, 2.9),
    "anode_porosity": (0.0, 0.6),
    "separator_porosity": (0.0, 0.5),
    "electrolyte_density": (0.0, 1.3),
    "al_density": (2.7, 2.7),
    "sse_resistivity": (100, 2000),
    "electrode_area_specific_resistance": (2, 20),
    "current_path_length": (50, 200),
    "pulse_voltage": (3.2, 4.2),
}


def random_designs(n: int, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.uniform(*SPANS[k], n) for k in DESIGN_INPUTS}


def main(n: int = 1_000_000, n_rowwise: int = 20_000, repeats: int = 5) -> None:
    designs = random_designs(n)
    compute_cell_performance({k: v[:1000] for k, v in designs.items()})  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        compute_cell_performance(designs)
        times.append(time.perf_counter() - t0)
    best = min(times)
    vec_rate = n / best

    rows = [{k: float(designs[k][i]) for k in DESIGN_INPUTS} for i in range(n_rowwise)]
    t0 = time.perf_counter()
    for row in rows:
        compute_cell_performance_rowwise(row)
    row_time = time.perf_counter() - t0
    row_rate = n_rowwise / row_time

    print(f"vectorised : {n:,} designs in {best * 1000:.1f} ms (best of {repeats}) -> {vec_rate:,.0f} designs/s")
    print(f"row-by-row : {n_rowwise:,} designs in {row_time:.2f} s -> {row_rate:,.0f} designs/s "
          f"(scaled: {n / row_rate:.1f} s for {n:,})")
    print(f"speed-up   : {vec_rate / row_rate:,.0f}x")
    status = "OK" if vec_rate >= TARGET_PER_S else "BELOW TARGET"
    print(f"target     : >= {TARGET_PER_S:,} designs/s on one core -> {status}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
