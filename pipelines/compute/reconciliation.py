"""Computed vs published: one row per published number the pipeline can recompute.

A deviation is information, not a failure. The tolerance is relative and never tighter than
the precision the report printed (a value printed "4.3" cannot be checked closer than ±0.05;
a value printed "0.00" is compared within ±0.005).

A number the computation was fitted to is not evidence: where a curated input was calibrated
against a published number (the ``calibrated_against`` column of sources/cell_model_assumptions
and sources/vehicle_peak_power), that number's row is ``calibrated``, not ``reproduced``, and
names the fitted parameter. Where an independent computation exists (the resistance and pulse
power of eq. 12-21 without the fitted inputs), it is the one compared, and the calibrated value
is kept beside it.

A percent deviation is given only where it means something: both numbers in the same unit, a
single published value that is not zero, and no curated doubt about the printed unit
(``not_comparable`` in sources/reconciliation_notes). Otherwise rel_deviation is null and
deviation_note says why.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.schemas.vocabulary import STATUSES  # noqa: F401 (re-exported)

KEY = ["source_table", "row_key", "column_name"]


def reconcile(
    published: pd.DataFrame,
    computed: pd.DataFrame,
    rel_tolerance: float,
    notes: pd.DataFrame | None = None,
    calibrations: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """published: source_table, row_key, column_name, published_text, published_value, unit,
               precision (half a unit of the last printed digit, in unit); optional
               published_min / published_max (a printed range or bound, in unit)
    computed:  row_key, column_name, computed_value (in `unit`); optional computed_unit (the
               unit the computation returns, compared with `unit`) and calibrated_value (the
               calibrated model's value where computed_value is an independent computation)
    notes:     source_table, row_key, column_name, note; optional not_comparable (why the
               printed unit does not allow a percent deviation)
    calibrations: source_table, row_key, column_name, calibrated_parameter (from calibrations())
    """
    merged = published.merge(computed, on=["row_key", "column_name"], how="left", validate="many_to_one")
    for column in ("published_min", "published_max", "computed_unit", "calibrated_value"):
        if column not in merged.columns:
            merged[column] = np.nan
    pub = merged["published_value"].to_numpy(dtype=float)
    comp = merged["computed_value"].to_numpy(dtype=float)
    lo = merged["published_min"].to_numpy(dtype=float)
    hi = merged["published_max"].to_numpy(dtype=float)
    half_unit = merged["precision"].fillna(0.0).to_numpy(dtype=float)
    unit = merged["unit"].astype("string")
    computed_unit = merged["computed_unit"].astype("string")
    # A printed range or bound ("2.0 to 2.5", "<300"): compared against the interval, widened
    # by half a unit of the last printed digit; a missing side is open.
    interval = ~np.isnan(lo) | ~np.isnan(hi)
    interval &= ~(np.isnan(lo) == np.isnan(hi)) | (lo != hi)
    inside = (np.isnan(lo) | (comp >= lo - half_unit)) & (np.isnan(hi) | (comp <= hi + half_unit))
    # |computed - published| <= max(rel_tolerance x |published|, half a unit of the last printed digit)
    allowed = np.fmax(rel_tolerance * np.abs(pub), half_unit)
    units_differ = (computed_unit.notna() & unit.notna() & (computed_unit != unit)).fillna(False).to_numpy(dtype=bool)
    status = np.select(
        [np.isnan(pub) & ~interval, np.isnan(comp), units_differ, interval, np.abs(comp - pub) <= allowed],
        ["not_comparable", "not_computed", "not_comparable", np.where(inside, "reproduced", "deviates"), "reproduced"],
        default="deviates",
    )
    out = merged
    if notes is not None and not notes.empty:
        keep = [*KEY, "note", *(["not_comparable"] if "not_comparable" in notes.columns else [])]
        out = out.merge(notes[keep], on=KEY, how="left", validate="many_to_one")
    else:
        out["note"] = pd.NA
    if "not_comparable" not in out.columns:
        out["not_comparable"] = pd.NA
    curated_doubt = out["not_comparable"].astype("string")

    reason = np.select(
        [
            np.isnan(pub) & ~interval,
            np.isnan(comp),
            units_differ,
            interval,
            pub == 0,
            curated_doubt.notna().to_numpy(dtype=bool),
        ],
        [
            "published as text: nothing to compare",
            "not computed",
            ("units differ: published in " + unit.fillna("?") + ", computed in " + computed_unit.fillna("?")).to_numpy(dtype=object),
            ("published as a range or bound (" + merged["published_text"].astype(str) + "): compared against it, no percent").to_numpy(dtype=object),
            "published value is 0: no percent",
            ("no percent as printed: " + curated_doubt.fillna("")).to_numpy(dtype=object),
        ],
        default=None,
    )
    meaningful = pd.isna(reason)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(meaningful & (pub != 0), (comp - pub) / np.abs(pub), np.nan)
        tolerance = np.where(pub != 0, allowed / np.abs(pub), np.nan)
    out = out.drop(columns=["not_comparable"]).assign(
        abs_deviation=np.where(interval | units_differ, np.nan, comp - pub),
        rel_deviation=rel,
        tolerance=np.where(units_differ, np.nan, tolerance),
        deviation_note=pd.array(reason, dtype="string"),
    )
    # calibrated: an input was fitted to this number, and the value compared is the fitted model's
    if calibrations is not None and not calibrations.empty:
        out = out.merge(calibrations[[*KEY, "calibrated_parameter"]], on=KEY, how="left", validate="many_to_one")
    else:
        out["calibrated_parameter"] = pd.NA
    fitted = out["calibrated_parameter"].notna().to_numpy(dtype=bool)
    independent = out["calibrated_value"].notna().to_numpy(dtype=bool)
    out["calibrated_value"] = np.where(fitted & ~independent, out["computed_value"], out["calibrated_value"])
    out["calibrated_value"] = out["calibrated_value"].where(fitted)
    out["status"] = np.where(fitted & ~independent & (status == "reproduced"), "calibrated", status)
    return out.drop(columns=["published_min", "published_max", "computed_unit"])


def calibrations(inputs: pd.DataFrame, id_column: str, published_keys: pd.DataFrame) -> pd.DataFrame:
    """The published numbers a curated input was fitted to: source_table, row_key, column_name,
    calibrated_parameter (the fitted input(s), ', '-joined).

    inputs: curated rows with `id_column` (a cell_id or vehicle_id), `parameter` (the fitted
    input's name) and `calibrated_against`
    ("<source table>:<column>", ';'-separated). A row id matches a published row_key equal to
    it or starting with it and '/' (vehicle_id matches every vehicle_id/scenario_id).
    published_keys: source_table, row_key, column_name of the published numbers.
    """
    columns = [*KEY, "calibrated_parameter"]
    rows = inputs[inputs["calibrated_against"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    targets = pd.DataFrame(
        {
            "owner": rows[id_column].to_numpy(),
            "parameter": rows["parameter"].to_numpy(),
            "target": rows["calibrated_against"].str.split(";").to_numpy(),
        }
    )
    targets = targets.explode("target")
    split = targets["target"].str.strip().str.rsplit(":", n=1, expand=True)
    targets = targets.assign(source_table=split[0].str.strip(), column_name=split[1].str.strip())
    keys = published_keys[KEY].drop_duplicates()
    keys = keys.assign(owner=keys["row_key"].str.split("/").str[0])
    matched = targets.merge(keys, on=["owner", "source_table", "column_name"], how="inner")
    grouped = matched.groupby(KEY, sort=False)["parameter"].agg(lambda p: ", ".join(dict.fromkeys(p)))
    return grouped.rename("calibrated_parameter").reset_index()[columns]


def summarise(reconciliation: pd.DataFrame) -> pd.DataFrame:
    """Per published table: how many numbers, how many reproduced or calibrated, the worst
    meaningful deviation."""
    grouped = reconciliation.groupby("source_table")
    return pd.DataFrame(
        {
            "published": grouped.size(),
            "reproduced": grouped["status"].apply(lambda s: int((s == "reproduced").sum())),
            "calibrated": grouped["status"].apply(lambda s: int((s == "calibrated").sum())),
            "worst_rel_deviation": grouped["rel_deviation"].apply(lambda s: float(s.abs().max())),
        }
    ).reset_index()


# --------------------------------------------------------------------------- sizing (Table 11, Section 5.2)

TABLE11_COLUMNS = ("pack_mass", "pack_volume", "pack_cost_total", "pack_specific_power")

# Which Section 5 text claims the sizing recomputes, and how, is data: curated.claim_recomputations
# (sources/claim_recomputations) pairs each claim with its statistic, pack quantities, scenarios
# and vehicle; the printed values, units and ranges come from curated.application_claims.


def _recomputations(claim_recomputations: pd.DataFrame, application_claims: pd.DataFrame, sized_for_range: bool) -> pd.DataFrame:
    """The claims to recompute (one row per claim and quantity), of application_claims."""
    rows = claim_recomputations[claim_recomputations["statistic"].eq("pack_for_range") == sized_for_range]
    rows = rows[rows["claim_id"].isin(application_claims["claim_id"])]
    return rows.assign(quantity=rows["quantities"].str.split(";")).explode("quantity", ignore_index=True)


def _wide_scenarios(scenarios: pd.DataFrame) -> pd.DataFrame:
    """curated.battery_scenarios (long) or a wide frame with the scenario metrics, by scenario_id."""
    from pipelines.compute.sizing import SCENARIO_METRICS, wide_from_long

    if "metric" in scenarios.columns:
        scenarios = wide_from_long(scenarios[scenarios["metric"].isin(SCENARIO_METRICS)], "scenario_id")
    return scenarios.set_index("scenario_id")


def _quantity_units(quantities: pd.Series) -> pd.Series:
    """The unit of each pack quantity, from the model of sizing.vehicle_packs."""
    from pipelines.schemas.computed.sizing import VehiclePacks

    columns = VehiclePacks.to_schema().columns
    return quantities.map(lambda q: columns[q].metadata["unit"])


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
            **{
                f"published_{side}": frame[f"value_{side}"].astype(float).to_numpy()
                for side in ("min", "max")
                if f"value_{side}" in frame.columns
            },
        }
    )


def pack_comparisons(
    vehicle_packs: pd.DataFrame,
    published_pack_results: pd.DataFrame,
    application_claims: pd.DataFrame,
    vehicle_requirements: pd.DataFrame,
    scenarios: pd.DataFrame,
    claim_recomputations: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Published and computed frames for reconcile(): every number of Table 11 (row_key
    "<vehicle_id>/<scenario_id>", column_name the metric slug) against sizing.vehicle_packs, and
    the claims curated.claim_recomputations sizes for a claimed range (statistic pack_for_range,
    row_key the claim_id): a pack for that range x the vehicle's Table 9 consumption in the
    row's scenario.

    `scenarios` is curated.battery_scenarios (long) or a wide frame with the scenario metrics.
    """
    from pipelines.compute.sizing import SCENARIO_METRICS, pack_sizing

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
                "computed_unit": _quantity_units(computed["column_name"]),
            }
        )
    ]

    plan = _recomputations(claim_recomputations, application_claims, sized_for_range=True)
    if len(plan):
        ranges = application_claims.set_index("claim_id")["value"].astype(float)
        consumption = vehicle_requirements[vehicle_requirements["metric"].eq("energy_consumption")]
        consumption = consumption.set_index("vehicle_id")["value"].astype(float)
        energy = plan["range_claim_id"].map(ranges) * plan["vehicle_id"].map(consumption)
        s = _wide_scenarios(scenarios).reindex(plan["scenario_id"])
        sized = pack_sizing(energy.to_numpy(float), *(s[m].to_numpy(float) for m in SCENARIO_METRICS))
        quantity = plan["quantity"].to_numpy()
        value = np.select([quantity == q for q in sized], list(sized.values()), default=np.nan)
        claims = application_claims.set_index("claim_id").loc[plan["claim_id"]].reset_index()
        published.append(_published_rows(claims, "Section " + claims["section"].astype(str), claims["claim_id"]))
        computed.append(
            pd.DataFrame(
                {
                    "row_key": plan["claim_id"],
                    "column_name": claims["metric"].to_numpy(),
                    "computed_value": value,
                    "computed_unit": _quantity_units(plan["quantity"]).to_numpy(),
                }
            )
        )

    return pd.concat(published, ignore_index=True), pd.concat(computed, ignore_index=True)


# --------------------------------------------------------------------------- cell model (Tables 6, 7, ES-1)


def cell_comparisons(
    cell_performance: pd.DataFrame,
    cell_design_parameters: pd.DataFrame,
    published_cell_results: pd.DataFrame,
    independent: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Published and computed frames for reconcile(): every derived row of Table 6 and every
    number of Tables 7 and ES-1 that model.cell_performance recomputes (row_key = cell_id,
    column_name = the Table 6 parameter or Table 7 metric slug, which the model's outputs share).

    independent: cell_id plus output columns computed without the calibrated inputs (eq 12-21,
    pipelines/compute/cell_resistance.py); where given, it is the value compared and the
    model's value is kept as calibrated_value."""
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
    from pipelines.compute.cell_model import OUTPUT_UNITS

    computed = computed.rename(columns={"cell_id": "row_key"})
    computed["computed_unit"] = computed["column_name"].map(OUTPUT_UNITS)
    if independent is not None:
        other = independent.melt(id_vars="cell_id", var_name="column_name", value_name="independent_value")
        computed = computed.merge(other.rename(columns={"cell_id": "row_key"}), on=["row_key", "column_name"], how="left")
        replaced = computed["independent_value"].notna()
        computed["calibrated_value"] = computed["computed_value"].where(replaced)
        computed["computed_value"] = computed["independent_value"].where(replaced, computed["computed_value"])
        computed = computed.drop(columns="independent_value")
    return published, computed


# --------------------------------------------------------------------------- Section 5.1 statements

# The statistics of a comparison between two scenarios and their units (a `max` keeps the
# quantity's own unit); what each computes: vocabulary.CLAIM_STATISTICS.
_STATISTIC_UNITS = {"packaging_reduction": "%", "reduction": "%", "factor": "ratio"}


def section51_comparisons(
    vehicle_packs: pd.DataFrame, application_claims: pd.DataFrame, scenarios: pd.DataFrame, claim_recomputations: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Published and computed frames for reconcile(): the statements curated.claim_recomputations
    compares between two scenarios (every statistic but pack_for_range) recomputed from the pack
    sizing (sizing.vehicle_packs, and pack_sizing at mixed cell and packaging figures for the
    packaging-only savings). reduction and factor do not depend on the vehicle (its energy
    cancels): the median over the vehicles is taken. A statement about several quantities gives
    one row per quantity, row_key "<claim_id>/<quantity>".

    `scenarios` is curated.battery_scenarios (long) or a wide frame with the scenario metrics.
    """
    from pipelines.compute.sizing import SCENARIO_METRICS, pack_sizing

    plan = _recomputations(claim_recomputations, application_claims, sized_for_range=False)
    plan = plan.rename(columns={"scenario_id": "from_id", "compared_scenario_id": "to_id"})
    claims = application_claims[application_claims["claim_id"].isin(plan["claim_id"])]
    if plan.empty:
        return _published_rows(claims, claims["claim_id"], claims["claim_id"]).iloc[:0], pd.DataFrame(
            columns=["row_key", "column_name", "computed_value", "computed_unit"]
        )
    several = plan.groupby("claim_id")["quantity"].transform("size") > 1
    plan["row_key"] = plan["claim_id"].where(~several, plan["claim_id"] + "/" + plan["quantity"])
    rows = claims.set_index("claim_id").loc[plan["claim_id"]].reset_index()
    published = _published_rows(rows, "Section " + rows["section"].astype(str), plan["row_key"])

    # sizing outputs per scenario: median over the vehicles (identical for reduction and factor)
    per_scenario = vehicle_packs.groupby("scenario_id")[["pack_mass", "pack_volume", "pack_cost_total"]].median()
    peak = vehicle_packs.groupby("scenario_id")["pack_specific_power"].max()
    frm = per_scenario.reindex(plan["from_id"]).to_numpy()
    to = per_scenario.reindex(plan["to_id"]).to_numpy()
    column = {"pack_mass": 0, "pack_volume": 1, "pack_cost_total": 2}
    index = plan["quantity"].map(column).fillna(0).astype(int).to_numpy()
    rows_ = np.arange(len(plan))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = to[rows_, index] / frm[rows_, index]
    # packaging alone: one kWh at the `from` cell figures, packed with each scenario's ratios
    wide = _wide_scenarios(scenarios)
    cells = wide.reindex(plan["from_id"])[list(SCENARIO_METRICS[:3])].to_numpy(float).T
    packaging = [wide.reindex(plan[side])[list(SCENARIO_METRICS[3:])].to_numpy(float).T for side in ("from_id", "to_id")]
    packed = [pack_sizing(1.0, *cells, *ratios) for ratios in packaging]
    packaging_ratio = packed[1]["pack_mass"] / packed[0]["pack_mass"]
    packaging_ratio = np.where(plan["quantity"] == "pack_volume", packed[1]["pack_volume"] / packed[0]["pack_volume"], packaging_ratio)
    packaging_ratio = np.where(
        plan["quantity"] == "pack_cost_total", packed[1]["pack_cost_total"] / packed[0]["pack_cost_total"], packaging_ratio
    )
    largest = np.fmax(peak.reindex(plan["from_id"]).to_numpy(float), peak.reindex(plan["to_id"]).to_numpy(float))
    statistic = plan["statistic"].to_numpy()
    value = np.select(
        [statistic == "packaging_reduction", statistic == "reduction", statistic == "factor", statistic == "max"],
        [100.0 * (1.0 - packaging_ratio), 100.0 * (1.0 - ratio), 1.0 / ratio, largest],
        default=np.nan,
    )
    computed_unit = plan["statistic"].map(_STATISTIC_UNITS).fillna(_quantity_units(plan["quantity"]))
    computed = pd.DataFrame(
        {
            "row_key": plan["row_key"],
            "column_name": rows["metric"].to_numpy(),
            "computed_value": value,
            "computed_unit": computed_unit.to_numpy(),
        }
    )
    return published, computed
