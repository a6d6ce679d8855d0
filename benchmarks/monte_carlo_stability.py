"""Benchmark: is the Monte Carlo sample count enough? The rule (sources/analysis_settings/):
p5, p50 and p95 of every Monte Carlo table are stable to `monte_carlo_tolerance` at
`monte_carlo_samples` draws per sized subject.

For each sample count of a doubling ladder, every sized subject (each technology and product of
sizing.technology_packs, each scenario of sizing.pack_uncertainty) is drawn with several
independent seeds, and the p5 / p50 / p95 of its 1 kWh pack mass, volume and cost placed in a
reference distribution drawn with 16x the largest count: the printed number is the worst error
in probability over subjects, quantiles, quantities and seeds (0.004: an estimated p50 lies
between the reference's p49.6 and p50.4, to the reference's resolution of 1/4000). Probability, not value: a technology whose claims
are disjoint intervals has a gap at its median, where the value of p50 jumps between the two
claims with any sample count while its rank stays put; the worst relative value deviation is
printed beside it for information. The count in sources/ must be at or above the first count
whose worst rank error is within the tolerance; the script says whether it is, with the load
from `uptime` beside it.

Usage: .venv/bin/python benchmarks/monte_carlo_stability.py [--seeds 4] [--counts 2500 5000 ...]
"""
from __future__ import annotations

import argparse
import subprocess
import time
import warnings

import numpy as np
import pandas as pd

from pipelines.compute.sizing import monte_carlo_packs, pack_sizing
from pipelines.compute.technology_packs import QUANTILES, sample_inputs, size_subjects
from pipelines.ingest.curate import curate_tables
from pipelines.schemas.curated.settings import AnalysisSettings
from pipelines.settings import PROJECT_ROOT
from pipelines.tables.sizing import file_scenarios
from pipelines.tables.technology_packs import build_technology_cells, subject_inputs

NEEDED = ("cell_claims", "technologies", "products", "technology_cell_overrides", "claim_uncertainty", "technology_pack_ratios",
          "battery_scenarios", "scenario_uncertainty", "analysis_settings")
ONE_KWH = pd.DataFrame({"asset_id": ["one_kwh"], "battery_energy": [1.0], "max_pack_mass": [np.nan], "max_pack_volume": [np.nan]})


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


LEVELS = np.linspace(0.0, 1.0, 4001)  # the reference distribution, by its quantiles


def technology_quantiles(inputs: pd.DataFrame, n: int, seed: int, quantiles=QUANTILES) -> np.ndarray:
    """(subjects, quantities x quantiles): the production path (size_subjects) for a 1 kWh pack."""
    if quantiles is not QUANTILES:  # the reference: every level, from the same samples size_subjects draws
        subjects = np.sort(inputs["subject_id"].unique())
        x = sample_inputs(inputs, subjects, n, seed)
        per_kwh = pack_sizing(1.0, x[:, 0], x[:, 1], np.nan_to_num(x[:, 2], nan=0.0), x[:, 3], x[:, 4], x[:, 5])
        cost = np.where(np.isnan(x[:, 2, :1]), np.nan, per_kwh["pack_cost_total"])
        return np.stack([np.quantile(v, quantiles, axis=1).T for v in (per_kwh["pack_mass"], per_kwh["pack_volume"], cost)], axis=1)
    out = size_subjects(inputs, ONE_KWH, n_samples=n, seed=seed)
    cols = [f"{q}_p{p * 100:g}" for q in ("pack_mass", "pack_volume", "pack_cost") for p in quantiles]
    return out.sort_values("subject_id")[cols].to_numpy(float).reshape(len(out), 3, len(quantiles))


def scenario_quantiles(c: dict, n: int, seed: int, quantiles=QUANTILES) -> np.ndarray:
    """(scenarios, quantities x quantiles): the production path (monte_carlo_packs) for a 1 kWh pack."""
    scenarios = file_scenarios(c["battery_scenarios"]).drop(columns="interpolated")
    ranges = c["scenario_uncertainty"][["scenario_id", "metric", "low", "mode", "high", "distribution"]]
    vehicles = pd.DataFrame({"vehicle_id": ["one_kwh"], "energy_needed": [1.0]})
    out = monte_carlo_packs(vehicles, ranges, n_samples=n, seed=seed, scenarios=scenarios, quantiles=quantiles)
    cols = [f"p{q * 100:g}" for q in quantiles]
    out = out.drop_duplicates(["scenario_id", "metric"]).sort_values(["scenario_id", "metric"])
    return out[cols].to_numpy(float).reshape(-1, 3, len(quantiles))


def worst_errors(estimates: list[np.ndarray], reference: np.ndarray) -> tuple[float, float]:
    """(worst rank error, worst relative value deviation) of the estimated p5/p50/p95 in the
    reference distribution (its quantiles at LEVELS)."""
    rank, value = 0.0, 0.0
    target = np.asarray(QUANTILES)
    ref_at = reference[..., np.searchsorted(LEVELS, target)]
    for est in estimates:
        for idx in np.ndindex(est.shape[:2]):
            ref = reference[idx]
            if np.isnan(ref).all():
                continue
            # the levels of the reference at which its quantile equals the estimate (an interval
            # where the reference has an atom, e.g. a fixed input): error 0 when the target is in it
            last = len(LEVELS) - 1
            lo = LEVELS[np.clip(np.searchsorted(ref, est[idx], "left") - 1, 0, last)]
            hi = LEVELS[np.clip(np.searchsorted(ref, est[idx], "right"), 0, last)]
            rank = max(rank, float(np.max(np.maximum(0.0, np.maximum(lo - target, target - hi)))))
            with np.errstate(divide="ignore", invalid="ignore"):
                value = max(value, float(np.nanmax(np.abs(est[idx] - ref_at[idx]) / np.abs(ref_at[idx]))))
    return rank, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--counts", type=int, nargs="+", default=[2_500, 5_000, 10_000, 20_000, 40_000, 80_000])
    args = parser.parse_args()
    warnings.simplefilter("ignore", pd.errors.PerformanceWarning)  # the reference's 4,001 quantile columns
    c = curate_tables(NEEDED, PROJECT_ROOT / "sources")
    settings = AnalysisSettings.from_frame(c["analysis_settings"])
    cells = build_technology_cells(c["cell_claims"], c["technologies"], c["products"], c["technology_cell_overrides"], c["claim_uncertainty"])
    inputs, subjects = subject_inputs(cells, c["cell_claims"], c["claim_uncertainty"], c["technology_pack_ratios"], c["battery_scenarios"])
    print(f"load before: {uptime()}")
    print(f"rule (sources/analysis_settings/): p5/p50/p95 within {settings.monte_carlo_tolerance:g} in probability at "
          f"{settings.monte_carlo_samples:,} samples; {len(subjects)} technology/product subjects, "
          f"{c['scenario_uncertainty']['scenario_id'].nunique()} scenarios; {args.seeds} seeds per count")
    top = 16 * max(args.counts)
    ref_seed = settings.monte_carlo_seed + 10_000
    t0 = time.perf_counter()
    refs = {
        "technology packs": technology_quantiles(inputs, top, ref_seed, LEVELS),
        "pack uncertainty": scenario_quantiles(c, top, ref_seed, LEVELS),
    }
    print(f"reference: {top:,} samples per subject ({time.perf_counter() - t0:.1f} s)\n")
    print("worst error of p5/p50/p95 in probability (rank), and as relative value deviation, over every subject and seed")
    print(f"{'samples':>9}  {'tech packs rank':>15}  {'(value)':>9}  {'pack unc. rank':>14}  {'(value)':>9}  {'within':>6}  {'s per table':>11}")
    first_ok = None
    for n in args.counts:
        seeds = [settings.monte_carlo_seed + k for k in range(args.seeds)]
        t = time.perf_counter()
        tech, tech_value = worst_errors([technology_quantiles(inputs, n, s) for s in seeds], refs["technology packs"])
        scen, scen_value = worst_errors([scenario_quantiles(c, n, s) for s in seeds], refs["pack uncertainty"])
        seconds = (time.perf_counter() - t) / (2 * args.seeds)
        ok = max(tech, scen) <= settings.monte_carlo_tolerance
        first_ok = first_ok or (n if ok else None)
        print(f"{n:>9,}  {tech:>15.4f}  {tech_value:>9.2%}  {scen:>14.4f}  {scen_value:>9.2%}  {'yes' if ok else 'no':>6}  {seconds:>11.3f}")
    print(f"\nload after:  {uptime()}")
    chosen = settings.monte_carlo_samples
    verdict = "enough" if first_ok is not None and chosen >= first_ok else "NOT shown enough"
    print(f"first count within {settings.monte_carlo_tolerance:g}: {first_ok if first_ok else 'none of the counts'}; "
          f"sources/ uses {chosen:,}: {verdict}")


if __name__ == "__main__":
    main()
