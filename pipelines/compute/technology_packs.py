"""Technology packs: every vehicle and construction machine sized with each technology's claimed
cells (sizing.technology_packs, sizing.technology_machine_packs).

Pure functions over pandas frames and numpy arrays; no I/O, no loops over rows.

The path (one for technologies and for the report's Table 10 scenarios alike)
-----------------------------------------------------------------------------
1. Each input of a subject (a technology, a product or a scenario) is a mixture of uniform
   intervals [low, high], one per feeding claim, equal weights (`claim_intervals` is the one rule
   turning a claim into its interval; a Table 10 scenario value is the interval [v, v]).
2. `sample_inputs` draws n samples of the six scenario metrics per subject, each (subject,
   metric) from its own random stream seeded from its key (`subject_stream`): one uniform per
   sample, its integer part picks the claim, its fraction the point within the claim's
   interval. A new product or claim therefore moves only the subjects it feeds.
3. `pipelines.compute.sizing.pack_sizing` turns the samples into pack Wh/kg, Wh/L and $/kWh and
   the mass, volume and cost of a 1 kWh pack. Mass, volume, cost and operating hours are
   proportional to the asset's energy, so their quantiles are those of the 1 kWh pack times the
   energy (exact for numpy's linear-interpolated quantiles); the feasibility probability
   compares every sample with the asset's limits divided by its energy.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.compute.sizing import (
    DEFAULT_SEED,
    MC_BLOCK_VALUES,
    SCENARIO_METRICS,
    pack_sizing,
    sample_quantiles,
    sorted_quantiles,
    subject_stream,
)
from pipelines.schemas.memo import same_inputs_once
from pipelines.schemas.vocabulary import CELL_PROPERTIES, PACK_RATIOS

__all__ = [
    "CELL_PROPERTIES",
    "PACK_RATIOS",
    "QUANTILES",
    "claim_intervals",
    "sample_inputs",
    "size_subjects",
]

# The cell properties a technology's claims feed (scenario metric -> cell_claims metric).
REQUIRED = ("cell_gravimetric_energy_density", "cell_volumetric_energy_density")
QUANTILES = (0.05, 0.5, 0.95)
assert set(CELL_PROPERTIES) | set(PACK_RATIOS) == set(SCENARIO_METRICS)


def claim_intervals(claims: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """THE rule turning a claim into a uniform interval (documented in sources/README.md).

    A claim printing both ends (value_min < value_max: a range, a plus-minus) is uniform between
    them. Any other claim is uniform between value_best x low_factor - precision and
    value_best x high_factor + precision, the factors of its qualifier taken from
    curated.claim_uncertainty (precision: half a unit of the last printed digit). Returns
    `claims` with columns low and high (NaN where the claim has no value_best).
    """
    factors = rules.set_index("qualifier")[["low_factor", "high_factor"]]
    missing = set(claims["qualifier"].dropna()) - set(factors.index) - {"not_numeric"}
    if missing:
        raise ValueError(f"curated.claim_uncertainty gives no rule for qualifier(s) {sorted(missing)}")
    best = claims["value_best"].astype(float)
    precision = claims["precision"].astype(float).fillna(0.0)
    lo_f = claims["qualifier"].map(factors["low_factor"]).astype(float)
    hi_f = claims["qualifier"].map(factors["high_factor"]).astype(float)
    vmin, vmax = claims["value_min"].astype(float), claims["value_max"].astype(float)
    ranged = vmin.notna() & vmax.notna() & (vmax > vmin)
    low = np.where(ranged, vmin, best * lo_f - precision)
    high = np.where(ranged, vmax, best * hi_f + precision)
    low = np.where(best.notna(), np.maximum(low, 0.0), np.nan)
    high = np.where(best.notna(), high, np.nan)
    return claims.assign(low=low, high=high)


def sample_inputs(inputs: pd.DataFrame, subjects, n_samples: int, seed: int = DEFAULT_SEED,
                  metrics=SCENARIO_METRICS) -> np.ndarray:
    """Samples of the six scenario metrics (or of the `metrics` named, in that order), shape
    (subjects, metrics, n_samples). A metric's samples are the same whichever others are drawn
    (each has its own stream).

    `inputs`: subject_id, metric, low, high, one row per mixture component (claim). A
    (subject, metric) with no row is NaN (e.g. a cost nobody claims).
    """
    subjects = pd.Index(subjects)
    n_samples = int(n_samples)
    if n_samples < 1:
        raise ValueError("n_samples must be >= 1")
    metrics = tuple(metrics)
    rows = inputs.sort_values(["subject_id", "metric", "low", "high"], kind="stable")
    s_idx = subjects.get_indexer(rows["subject_id"])
    if (s_idx < 0).any() or (pd.Index(SCENARIO_METRICS).get_indexer(rows["metric"]) < 0).any():
        raise ValueError("inputs name a subject or metric outside the ones sized")
    m_idx = pd.Index(metrics).get_indexer(rows["metric"])
    drawn = m_idx >= 0
    rows, s_idx, m_idx = rows[drawn], s_idx[drawn], m_idx[drawn]
    order = np.argsort(s_idx * len(metrics) + m_idx, kind="stable")
    cell = (s_idx * len(metrics) + m_idx)[order]
    n_cells = len(subjects) * len(metrics)
    counts = np.bincount(cell, minlength=n_cells)
    rank = np.arange(len(cell)) - (np.cumsum(counts) - counts)[cell]  # component number within its cell
    k_max = max(int(counts.max(initial=0)), 1)
    low = np.full((n_cells, k_max), np.nan)
    high = np.full((n_cells, k_max), np.nan)
    low[cell, rank] = rows["low"].to_numpy(float)[order]
    high[cell, rank] = rows["high"].to_numpy(float)[order]

    # One uniform per (cell, sample), each cell (subject, metric) from its own stream seeded from
    # its key: integer part -> component, fraction -> point in its interval. A cell at a time
    # keeps every temporary in cache; a one-component cell needs no pick.
    out = np.empty((n_cells, n_samples))
    for c in range(n_cells):
        rng = subject_stream(seed, str(subjects[c // len(metrics)]), metrics[c % len(metrics)])
        k = max(int(counts[c]), 1)
        if k == 1:
            u = rng.random(n_samples, out=out[c])
            out[c] = low[c, 0] + u * (high[c, 0] - low[c, 0])
            continue
        u = rng.random(n_samples) * k
        pick = np.minimum(u.astype(np.int64), k - 1)
        lo, hi = low[c, :k][pick], high[c, :k][pick]
        out[c] = lo + (u - pick) * (hi - lo)
    return out.reshape(len(subjects), len(metrics), n_samples)


def size_subjects(
    inputs: pd.DataFrame,
    assets: pd.DataFrame,
    n_samples: int = 100_000,
    seed: int = DEFAULT_SEED,
    workday_h: float | None = None,
) -> pd.DataFrame:
    """Every asset x every subject of `inputs`: p5 / p50 / p95 of pack mass, volume, cost (NaN
    without a cost), feasible_probability and, for assets with an average power, operating
    hours on the same-mass pack and the share of samples covering the workday.

    assets: asset_id, battery_energy, max_pack_mass, max_pack_volume (NaN: no limit), and optional
    average_power and baseline_pack_mass (the machine's pack with the baseline scenario's cells).
    Every subject must give both energy densities and all three ratios.
    """
    subjects = pd.Index(np.sort(inputs["subject_id"].unique()))
    given = inputs.groupby(["subject_id", "metric"]).size().unstack().reindex(index=subjects, columns=list(SCENARIO_METRICS))
    need = [m for m in SCENARIO_METRICS if m != "cell_cost"]
    incomplete = given[need].isna().any(axis=1)
    if incomplete.any():
        raise ValueError(f"subjects without every density and ratio cannot be sized: {incomplete[incomplete].index.tolist()}")
    drawn = subject_packs(inputs, subjects, n_samples, seed)

    energy = assets["battery_energy"].to_numpy(float)
    _, n_s = len(energy), len(subjects)
    out = {
        "asset_id": np.repeat(assets["asset_id"].to_numpy(), n_s),
        "subject_id": np.tile(subjects.to_numpy(), len(energy)),
        "battery_energy": np.repeat(energy, n_s),
    }
    for name in ("pack_mass", "pack_volume", "pack_cost"):
        qs = drawn[name]  # (3, S)
        for qi, qq in enumerate(QUANTILES):
            out[f"{name}_p{qq * 100:g}"] = (energy[:, None] * qs[qi][None, :]).ravel()

    max_mass = assets["max_pack_mass"].to_numpy(float)
    max_vol = assets["max_pack_volume"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mass_cap = np.where(np.isnan(max_mass), np.inf, max_mass / energy)
        vol_cap = np.where(np.isnan(max_vol), np.inf, max_vol / energy)
    out["feasible_probability"] = _share_within(drawn["mass_samples"], mass_cap, drawn["volume_samples"], vol_cap).ravel()

    if "average_power" in assets.columns and workday_h is not None:
        # same-mass pack: hours = baseline mass x pack Wh/kg / 1000 / average power
        scale = (assets["baseline_pack_mass"].to_numpy(float) / 1000.0) / assets["average_power"].to_numpy(float)
        qs = drawn["pack_gravimetric_energy_density"]
        for qi, qq in enumerate(QUANTILES):
            out[f"operating_hours_same_mass_p{qq * 100:g}"] = (scale[:, None] * qs[qi][None, :]).ravel()
        out["workday_probability"] = _share_at_least(drawn["whkg_sorted"], scale, float(workday_h) * (1 - 1e-12)).ravel()
    return pd.DataFrame(out)


@same_inputs_once
def subject_packs(inputs: pd.DataFrame, subjects: pd.Index, n_samples: int, seed: int) -> dict[str, np.ndarray]:
    """Each subject's 1 kWh pack from its draws (`sample_inputs`), as size_subjects needs them:
    p5 / p50 / p95 (3, S) of pack_mass, pack_volume, pack_cost (NaN without a cost) and
    pack_gravimetric_energy_density; the mass and volume samples (S, N) (feasibility judges them
    together) and the Wh/kg samples sorted along each row (the workday share). Computed once
    for consecutive calls with the same inputs (the vehicle and the machine tables)."""
    x = sample_inputs(inputs, subjects, n_samples, seed)
    has_cost = ~np.isnan(x[:, 2, 0])
    gk, gl, cost, rg, rv, cf = (x[:, i, :] for i in range(len(SCENARIO_METRICS)))
    per_kwh = pack_sizing(1.0, gk, gl, np.nan_to_num(cost, nan=0.0), rg, rv, cf)  # a 1 kWh pack, (S, N)
    del x, gk, gl, cost, rg, rv, cf
    q = np.asarray(QUANTILES)
    whkg = per_kwh["pack_gravimetric_energy_density"]
    whkg.sort(axis=1)
    cost_q = sample_quantiles(per_kwh["pack_cost_total"], q, overwrite=True)
    return {
        "pack_mass": sample_quantiles(per_kwh["pack_mass"], q),
        "pack_volume": sample_quantiles(per_kwh["pack_volume"], q),
        "pack_cost": np.where(has_cost[None, :], cost_q, np.nan),
        "pack_gravimetric_energy_density": sorted_quantiles(whkg, q),
        "mass_samples": per_kwh["pack_mass"],
        "volume_samples": per_kwh["pack_volume"],
        "whkg_sorted": whkg,
    }


def _share_at_least(ordered: np.ndarray, scale: np.ndarray, threshold: float) -> np.ndarray:
    """(assets, subjects): share of the samples with sample x the asset's scale >= threshold, from
    the samples sorted along each row (subjects, n). The product is non-decreasing in the sample
    for a scale >= 0, so the samples passing are the last ones of the row: one binary search
    per asset and subject instead of a comparison per sample (the same products, so the same
    count); an asset whose scale is not a finite number >= 0 is compared sample by sample."""
    n = ordered.shape[1]
    share = np.empty((len(scale), ordered.shape[0]))
    numbers = n - np.isnan(ordered).sum(axis=1)  # a NaN sample (sorted last) never passes
    monotone = np.isfinite(scale) & (scale >= 0) & np.isfinite(threshold)
    for a in np.flatnonzero(monotone):  # assets, not samples
        product = ordered * scale[a]
        below = np.array([np.searchsorted(row, threshold, side="left") for row in product], dtype=np.int64)  # subjects
        share[a] = (numbers - below) / n
    for a in np.flatnonzero(~monotone):
        share[a] = (ordered * scale[a] >= threshold).mean(axis=1)
    return share


def _share_within(mass: np.ndarray, mass_cap: np.ndarray, volume: np.ndarray, vol_cap: np.ndarray) -> np.ndarray:
    """(assets, subjects): share of the samples (subjects, n) with mass <= the asset's mass cap
    and volume <= its volume cap. Computed once per distinct pair of caps (bit for bit), a block
    of pairs at a time, so memory stays bounded however many assets there are."""
    caps = np.ascontiguousarray(np.column_stack([mass_cap, vol_cap]), dtype=float)
    _, first, of_asset = np.unique(caps.view(np.uint64), axis=0, return_index=True, return_inverse=True)
    distinct = caps[first]
    share = np.empty((len(distinct), mass.shape[0]))
    block = max(1, MC_BLOCK_VALUES // max(1, mass.size))
    for start in range(0, len(distinct), block):
        m, v = distinct[start : start + block, 0], distinct[start : start + block, 1]
        within = (mass[None] <= m[:, None, None]) & (volume[None] <= v[:, None, None])
        share[start : start + block] = within.mean(axis=2)
    return share[np.ravel(of_asset)]
