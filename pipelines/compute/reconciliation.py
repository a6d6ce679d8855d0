"""Computed vs published: one row per published number the pipeline can recompute.

A deviation is information, not a failure. The tolerance is relative and never tighter than
the precision the report printed (a value printed "4.3" cannot be checked closer than ±0.05;
a value printed "0.00" is compared within ±0.005).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# not_comparable: the published value is a range or not a number, so no single value to match.
STATUSES = ("reproduced", "deviates", "not_computed", "not_comparable")
KEY = ["source_table", "row_key", "column_name"]


def reconcile(
    published: pd.DataFrame,
    computed: pd.DataFrame,
    rel_tolerance: float,
    notes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """published: source_table, row_key, column_name, published_text, published_value, unit,
               precision (half a unit of the last printed digit, in unit)
    computed:  row_key, column_name, computed_value   (same units as published)
    notes:     source_table, row_key, column_name, note (optional curated explanations)
    """
    merged = published.merge(computed, on=["row_key", "column_name"], how="left", validate="many_to_one")
    pub = merged["published_value"].to_numpy(dtype=float)
    comp = merged["computed_value"].to_numpy(dtype=float)
    half_unit = merged["precision"].fillna(0.0).to_numpy(dtype=float)
    # |computed - published| <= max(rel_tolerance x |published|, half a unit of the last printed digit)
    allowed = np.fmax(rel_tolerance * np.abs(pub), half_unit)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(pub != 0, (comp - pub) / np.abs(pub), np.nan)
        tolerance = np.where(pub != 0, allowed / np.abs(pub), np.nan)
    status = np.select(
        [np.isnan(pub), np.isnan(comp), np.abs(comp - pub) <= allowed],
        ["not_comparable", "not_computed", "reproduced"],
        default="deviates",
    )
    out = merged.assign(
        abs_deviation=comp - pub,
        rel_deviation=rel,
        tolerance=tolerance,
        status=status,
    )
    if notes is not None and not notes.empty:
        out = out.merge(notes[[*KEY, "note"]], on=KEY, how="left", validate="many_to_one")
    else:
        out["note"] = pd.NA
    return out


def summarise(reconciliation: pd.DataFrame) -> pd.DataFrame:
    """Per published table: how many numbers, how many reproduced, the worst deviation."""
    grouped = reconciliation.groupby("source_table")
    return pd.DataFrame(
        {
            "published": grouped.size(),
            "reproduced": grouped["status"].apply(lambda s: int((s == "reproduced").sum())),
            "worst_rel_deviation": grouped["rel_deviation"].apply(lambda s: float(s.abs().max())),
        }
    ).reset_index()


# --------------------------------------------------------------------------- sizing (Table 11, Section 5.2)

TABLE11_COLUMNS = ("pack_mass", "pack_volume", "pack_cost_total", "pack_specific_power")

# Section 5 text claims the sizing recomputes: claim_id -> (vehicle_id, scenario_id, claim_id of
# the range the claim is made for). The range, the consumption (Table 9) and the scenario
# (Table 10) are all read from the curated tables; only this pairing is written here.
SIZING_CLAIMS: dict[str, tuple[str, str, str]] = {
    "s5_intercity_bus_500mi_pack_mass": ("intercity_bus", "advanced_2030", "s5_intercity_bus_advanced_range"),
    "s5_intercity_bus_500mi_pack_volume": ("intercity_bus", "advanced_2030", "s5_intercity_bus_advanced_range"),
}


def _published_rows(frame: pd.DataFrame, source_table: pd.Series, row_key: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_table": source_table.to_numpy(),
            "row_key": row_key.to_numpy(),
            "column_name": frame["metric"].to_numpy(),
            "published_text": frame["published_text"].to_numpy(),
            "published_value": frame["value"].astype(float).to_numpy(),
            "unit": frame["unit"].to_numpy(),
            "precision": frame["precision"].astype(float).to_numpy(),
        }
    )


def pack_comparisons(
    vehicle_packs: pd.DataFrame,
    published_pack_results: pd.DataFrame,
    application_claims: pd.DataFrame,
    vehicle_requirements: pd.DataFrame,
    scenarios: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Published and computed frames for reconcile(): every number of Table 11 (row_key
    "<vehicle_id>/<scenario_id>", column_name the metric slug) against sizing.vehicle_packs, and
    the Section 5.2 claims of SIZING_CLAIMS (row_key the claim_id) recomputed as a pack for the
    claimed range x the Table 9 consumption in the claim's scenario.

    `scenarios` is curated.battery_scenarios (long) or a wide frame with the scenario metrics.
    """
    from pipelines.compute.sizing import SCENARIO_METRICS, pack_sizing, wide_from_long

    t11 = published_pack_results[published_pack_results["metric"].isin(TABLE11_COLUMNS)]
    published = [
        _published_rows(t11, t11["source_table"].fillna("Table 11"), t11["vehicle_id"] + "/" + t11["scenario_id"])
    ]
    computed = vehicle_packs.melt(
        id_vars=["vehicle_id", "scenario_id"], value_vars=list(TABLE11_COLUMNS), var_name="column_name", value_name="computed_value"
    )
    computed = [
        pd.DataFrame(
            {
                "row_key": computed["vehicle_id"] + "/" + computed["scenario_id"],
                "column_name": computed["column_name"],
                "computed_value": computed["computed_value"].astype(float),
            }
        )
    ]

    claims = application_claims[application_claims["claim_id"].isin(SIZING_CLAIMS)]
    if len(claims):
        plan = pd.DataFrame(
            [(c, *SIZING_CLAIMS[c]) for c in claims["claim_id"]],
            columns=["claim_id", "vehicle_id", "scenario_id", "range_claim_id"],
        )
        ranges = application_claims.set_index("claim_id")["value"].astype(float)
        consumption = vehicle_requirements[vehicle_requirements["metric"].eq("energy_consumption")]
        consumption = consumption.set_index("vehicle_id")["value"].astype(float)
        wide = (
            wide_from_long(scenarios[scenarios["metric"].isin(SCENARIO_METRICS)], "scenario_id")
            if "metric" in scenarios.columns
            else scenarios
        ).set_index("scenario_id")
        energy = plan["range_claim_id"].map(ranges) * plan["vehicle_id"].map(consumption)
        s = wide.reindex(plan["scenario_id"])
        sized = pack_sizing(energy.to_numpy(float), *(s[m].to_numpy(float) for m in SCENARIO_METRICS))
        claim_metric = claims.set_index("claim_id")["metric"].reindex(plan["claim_id"]).to_numpy()
        value = np.full(len(plan), np.nan)
        for metric in ("pack_mass", "pack_volume", "pack_cost_total"):  # the claim's own column
            value = np.where(claim_metric == metric, sized[metric], value)
        published.append(_published_rows(claims, "Section " + claims["section"].astype(str), claims["claim_id"]))
        computed.append(pd.DataFrame({"row_key": plan["claim_id"], "column_name": claim_metric, "computed_value": value}))

    return pd.concat(published, ignore_index=True), pd.concat(computed, ignore_index=True)


# --------------------------------------------------------------------------- cell model (Tables 6, 7, ES-1)


def cell_comparisons(
    cell_performance: pd.DataFrame,
    cell_design_parameters: pd.DataFrame,
    published_cell_results: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Published and computed frames for reconcile(): every derived row of Table 6 and every
    number of Tables 7 and ES-1 that model.cell_performance recomputes (row_key = cell_id,
    column_name = the Table 6 parameter or Table 7 metric slug, which the model's outputs share)."""
    outputs = [c for c in cell_performance.columns if c != "cell_id"]
    t6 = cell_design_parameters[cell_design_parameters["parameter"].isin(outputs) & cell_design_parameters["value"].notna()]
    t7 = published_cell_results[published_cell_results["metric"].isin(outputs) & published_cell_results["value"].notna()]
    published = pd.concat(
        [
            _published_rows(t6.assign(metric=t6["parameter"]), t6["source_table"], t6["cell_id"]),
            _published_rows(t7, t7["source_table"], t7["cell_id"]),
        ],
        ignore_index=True,
    )
    computed = cell_performance.melt(id_vars="cell_id", value_vars=outputs, var_name="column_name", value_name="computed_value")
    computed = computed.rename(columns={"cell_id": "row_key"})
    return published, computed
