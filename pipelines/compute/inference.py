"""The one documented fallback for a subject that claims only one cell energy density (issue 23).

A cell's Wh/L divided by its Wh/kg is its mass density (kg/L). Where a technology or product
claims a Wh/kg but no Wh/L (or the reverse), and technologies of its family are sized from both
claims, the missing density is inferred from theirs: value = known value x the members' mean
kg/L (or / for a missing Wh/kg); the interval spans the known interval times the members'
lowest to highest kg/L. The row says it is inferred and names its basis (the members and their
kg/L); a subject without such family members stays unsized (sizing.unsized_subjects).
Pure pandas/numpy over sizing.technology_cells rows; no I/O.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

GRAV, VOL = "cell_gravimetric_energy_density", "cell_volumetric_energy_density"


def infer_densities(cells: pd.DataFrame) -> pd.DataFrame:
    """cells (one row per subject and property) with the missing density of one-density subjects
    filled from their family's sized technologies; adds inferred (bool) and inferred_basis."""
    keys = ["subject_type", "subject_id"]
    out = cells.assign(inferred=False, inferred_basis=None)
    dens = out[out["property"].isin([GRAV, VOL])].pivot_table(index=keys, columns="property", values=["value", "low", "high"], aggfunc="first")
    dens.columns = [f"{a}_{'grav' if b == GRAV else 'vol'}" for a, b in dens.columns]
    dens = dens.reindex(columns=[f"{a}_{b}" for a in ("value", "low", "high") for b in ("grav", "vol")])
    family = out.drop_duplicates(keys).set_index(keys)["family"]
    dens["family"] = family.reindex(dens.index)
    both = dens["value_grav"].notna() & dens["value_vol"].notna()
    members = dens[both & (dens.index.get_level_values("subject_type") == "technology")].copy()
    if members.empty:
        return out
    members["ratio"] = members["value_vol"] / members["value_grav"]
    members["named"] = members.index.get_level_values("subject_id") + " (" + members["ratio"].map("{:.2f}".format) + " kg/L)"
    fam = members.sort_index().groupby("family").agg(r_mean=("ratio", "mean"), r_min=("ratio", "min"), r_max=("ratio", "max"),
                                                     basis=("named", "; ".join), n=("ratio", "size"))
    one = dens[dens["value_grav"].notna() ^ dens["value_vol"].notna()].join(fam, on="family", how="inner")
    if one.empty:
        return out
    need_vol = one["value_vol"].isna()
    value = np.where(need_vol, one["value_grav"] * one["r_mean"], one["value_vol"] / one["r_mean"])
    low = np.where(need_vol, one["low_grav"] * one["r_min"], one["low_vol"] / one["r_max"])
    high = np.where(need_vol, one["high_grav"] * one["r_max"], one["high_vol"] / one["r_min"])
    prop = np.where(need_vol, VOL, GRAV)
    basis = ("inferred from the claimed " + np.where(need_vol, "Wh/kg", "Wh/L") + " x the mean cell density of the "
             + one["n"].astype(str) + " sized technolog(ies) of family " + one["family"] + ": " + one["basis"])
    filled = pd.DataFrame({"subject_type": one.index.get_level_values(0), "subject_id": one.index.get_level_values(1), "property": prop,
                           "_value": value, "_low": low, "_high": high, "_basis": basis.to_numpy()})
    out = out.merge(filled, on=[*keys, "property"], how="left")
    hit = out["_value"].notna()
    out.loc[hit, "value"], out.loc[hit, "low"], out.loc[hit, "high"] = out.loc[hit, "_value"], out.loc[hit, "_low"], out.loc[hit, "_high"]
    out.loc[hit, "inferred"] = True
    out.loc[hit, "inferred_basis"] = out.loc[hit, "_basis"]
    return out.drop(columns=["_value", "_low", "_high", "_basis"])
