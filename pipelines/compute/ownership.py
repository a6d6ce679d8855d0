"""Battery cost of ownership (issue 23): pure numpy over Monte Carlo draws, no I/O.

For an asset (vehicle or machine) and a subject (technology or product), per Monte Carlo sample:

    energy over the service life   W = annual use x service life x energy per use
                                       (kWh per mile for a vehicle, average kW for a machine)
    full cycles needed             C = W / (pack kWh x usable depth of discharge)
    packs bought                   P = max(1, ceil(C / cycle life))      replacements = P - 1
    battery cost over the life     L = pack kWh x pack USD/kWh x P
    battery cost per use           L / (annual use x service life)   (USD per mile, or per operating hour)

No discounting, no residual value, no calendar ageing (a pack is replaced only when its cycles run
out): what the database's claims can carry. The pack USD/kWh samples are those of the pack sizing
(the same draws); the cycle life is a mixture of uniform intervals, one per feeding claim, drawn
from its own stream.
"""
from __future__ import annotations

import numpy as np

from pipelines.compute.sizing import quantile_positions, sample_quantiles, sorted_quantiles

QUANTILES = (0.05, 0.5, 0.95)


def mixture_draws(group: np.ndarray, low: np.ndarray, high: np.ndarray, n_groups: int, n_samples: int,
                  streams) -> np.ndarray:
    """(n_groups, n_samples) draws: each group a mixture of uniform [low, high] components with equal
    weights (one uniform per sample: integer part picks the component, fraction the point); NaN for
    a group without a component. `streams` holds one numpy Generator per group: each group draws
    only from its own, so adding a group leaves every other group's draws unchanged."""
    order = np.argsort(group, kind="stable")
    group, low, high = np.asarray(group)[order], np.asarray(low, float)[order], np.asarray(high, float)[order]
    counts = np.bincount(group, minlength=n_groups)
    rank = np.arange(len(group)) - (np.cumsum(counts) - counts)[group]
    k_max = max(int(counts.max(initial=0)), 1)
    lo, hi = np.full((n_groups, k_max), np.nan), np.full((n_groups, k_max), np.nan)
    lo[group, rank], hi[group, rank] = low, high
    k = np.maximum(counts, 1)[:, None]
    u = np.empty((n_groups, int(n_samples)))
    for row, stream in zip(u, streams, strict=True):
        stream.random(out=row)
    u *= k
    pick = np.minimum(u.astype(np.int64), k - 1)
    a, b = np.take_along_axis(lo, pick, axis=1), np.take_along_axis(hi, pick, axis=1)
    return a + (u - pick) * (b - a)


def _packs_bought(cycles_needed, cycle_life, out=None):
    """Packs bought: max(1, ceil(cycles needed / cycle life)), broadcasting (into `out` when given)."""
    out = np.divide(cycles_needed, cycle_life, out=out)
    out -= 1e-9
    np.ceil(out, out=out)
    return np.maximum(1.0, out, out=out)


def _decreasing_quantiles(ordered: np.ndarray, transform, q: np.ndarray) -> np.ndarray:
    """np.quantile (linear method) of transform(samples) along the last axis, for a non-increasing
    `transform` of (..., N) samples, from the samples' order statistics alone (`ordered`: the
    samples sorted along the last axis): the k-th smallest transformed value is the transform of
    the k-th largest sample. Exact, and the samples are ordered once, not once per asset (`ordered`
    may be partitioned instead of sorted: only the positions n - 1 - k around each level are read)."""
    n = ordered.shape[-1]
    h = (n - 1) * q
    lo = np.floor(h).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    a, b = transform(ordered[..., n - 1 - lo]), transform(ordered[..., n - 1 - hi])
    return a + (h - lo) * (b - a)


def _lifetime_per_kwh(cycles_needed: float, cycle_life, life_stats, cost, cost_stats, q) -> np.ndarray:
    """Quantiles (S, 3) of packs bought x pack USD/kWh over each subject's samples (S, N), for one
    asset, bit for bit those of the products. `life_stats` and `cost_stats` hold each row's order
    statistics at its ends and at the quantiles' positions (ownership_quantiles). Packs bought
    never increases with the cycle life, so a subject whose longest and shortest sampled lives buy
    the same (finite) count k buys k in every sample (for lives > 0): the products' order
    statistics are k x the cost's (x k >= 1 keeps the order), and no product is formed. The other subjects' products are
    formed and selected (sample_quantiles)."""
    fewest = _packs_bought(cycles_needed, life_stats[:, -1])  # NaN where a life is NaN (last)
    # the count never increases with the life only for lives > 0 (C / -1 or C / -0.0 buys one pack)
    same = (fewest == _packs_bought(cycles_needed, life_stats[:, 0])) & np.isfinite(fewest) & (life_stats[:, 0] > 0)
    per_kwh = np.empty((len(cost), len(q)))
    if same.any():
        per_kwh[same] = sorted_quantiles(fewest[same, None] * cost_stats[same], q).T
    if not same.all():
        rows = slice(None) if not same.any() else ~same  # no copy of every row when none is shortcut
        products = _packs_bought(cycles_needed, cycle_life[rows])
        products *= cost[rows]
        per_kwh[rows] = sample_quantiles(products, q, overwrite=True).T
    return per_kwh


def ownership_quantiles(energy, energy_per_use, annual_use, service_life, depth_of_discharge,
                        pack_cost_per_kwh: np.ndarray, cycle_life: np.ndarray) -> dict[str, np.ndarray]:
    """Assets (A,) x subjects' samples (S, N) -> quantiles (A, S, 3) of pack_cost, replacements,
    lifetime_cost and cost_per_use, cycles_needed (A,), and the quantiles (S, 3) of the cycle
    life. NaN where an input is missing."""
    energy, per_use, annual, years, dod = (np.asarray(v, float) for v in (energy, energy_per_use, annual_use, service_life, depth_of_discharge))
    uses = annual * years
    cycles_needed = uses * per_use / (energy * dod)
    q = np.asarray(QUANTILES)
    n_a, (n_s, n) = len(energy), pack_cost_per_kwh.shape
    out = {k: np.empty((n_a, n_s, len(q))) for k in ("pack_cost", "replacements", "lifetime_cost", "cost_per_use")}
    # Only some order statistics of each row are read: the cost's at the quantiles, the cycle
    # life's at the quantiles, mirrored (replacements) and at both ends. Each row is partitioned
    # at those positions (exactly what a sort puts there, NaN last) instead of sorted.
    at = quantile_positions(n, q)
    cost_stats = pack_cost_per_kwh.copy()
    cost_stats.partition(at, axis=1)
    life_stats = cycle_life.copy()
    life_stats.partition(np.unique(np.concatenate([[0], at, n - 1 - at])), axis=1)
    out["pack_cost"][:] = energy[:, None, None] * sorted_quantiles(cost_stats, q).T[None]
    out["cycle_life"] = sorted_quantiles(life_stats, q).T
    with np.errstate(invalid="ignore", divide="ignore"):
        out["replacements"][:] = _decreasing_quantiles(life_stats[None], lambda life: _packs_bought(cycles_needed[:, None, None], life), q) - 1.0
        for a in range(n_a):  # an asset at a time: memory stays bounded, and the block stays in cache
            out["lifetime_cost"][a] = energy[a] * _lifetime_per_kwh(cycles_needed[a], cycle_life, life_stats, pack_cost_per_kwh, cost_stats, q)
        out["cost_per_use"][:] = out["lifetime_cost"] / uses[:, None, None]
    out["cycles_needed"] = cycles_needed
    return out
