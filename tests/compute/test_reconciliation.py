"""quality.reconciliation built from the real curated tables, in process (no Dagster run):
numbers an input was fitted to are `calibrated`, never `reproduced`; a percent deviation is
given only where it means something; Section 5.1's statements are reconciled like Section 5.2's.

Published numbers appear only as the reference a computation is compared against."""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from pipelines.compute.reconciliation import STATUSES, calibrations, reconcile
from pipelines.ingest.curate import curate
from pipelines.schemas.computed.quality import Reconciliation
from pipelines.schemas.validate import validate
from pipelines.tables.model import compute_cell_performance_table
from pipelines.tables.quality import build_reconciliation
from pipelines.tables.sizing import build_vehicle_packs
from tests.helpers import REAL_SOURCES

INPUTS = (
    "cell_design_parameters", "cell_model_assumptions", "published_cell_results", "reconciliation_notes", "analysis_settings",
    "vehicle_requirements", "battery_scenarios", "vehicle_peak_power", "scenario_years", "published_pack_results",
    "application_claims", "modelled_cells", "claim_recomputations",
)


@pytest.fixture(scope="module")
def curated() -> dict[str, pd.DataFrame]:
    units, _ = curate("units", REAL_SOURCES)
    metrics, _ = curate("metrics", REAL_SOURCES)
    return {name: curate(name, REAL_SOURCES, metrics, units)[0] for name in INPUTS}


def _reconciliation(curated: dict[str, pd.DataFrame]) -> pd.DataFrame:
    c = curated
    tables = {
        **c,
        "cell_performance": compute_cell_performance_table(
            c["cell_design_parameters"], c["cell_model_assumptions"], c["published_cell_results"]
        ),
        "vehicle_packs": build_vehicle_packs(
            c["vehicle_requirements"], c["battery_scenarios"], c["vehicle_peak_power"], c["scenario_years"], c["analysis_settings"]
        ),
    }
    wanted = inspect.signature(build_reconciliation).parameters
    frame = build_reconciliation(**{name: tables[name] for name in wanted})
    return validate(frame, Reconciliation, "quality.reconciliation")


@pytest.fixture(scope="module")
def reconciled(curated) -> pd.DataFrame:
    return _reconciliation(curated)


def _fit_targets(frame: pd.DataFrame, id_column: str) -> set[tuple[str, str, str]]:
    """(source_table, id, column) of every published number a curated input says it was fitted to."""
    rows = frame[frame["calibrated_against"].notna()]
    targets = rows.assign(target=rows["calibrated_against"].str.split(";")).explode("target")
    table_column = targets["target"].str.rsplit(":", n=1, expand=True)
    return set(zip(table_column[0], targets[id_column], table_column[1]))


# --------------------------------------------------------------------------- calibrated, not reproduced


def test_numbers_an_input_was_fitted_to_are_never_counted_reproduced(curated, reconciled):
    targets = _fit_targets(curated["cell_model_assumptions"], "cell_id") | _fit_targets(curated["vehicle_peak_power"], "vehicle_id")
    owner = reconciled["row_key"].str.split("/").str[0]
    fitted = pd.Series([k in targets for k in zip(reconciled["source_table"], owner, reconciled["column_name"])], index=reconciled.index)
    assert fitted.any()
    assert not (reconciled.loc[fitted, "status"] == "reproduced").any()
    assert reconciled.loc[fitted, "calibrated_parameter"].notna().all()
    # and nothing else is: a calibrated row always names its fitted input
    assert set(reconciled.loc[~fitted, "status"]) <= set(STATUSES) - {"calibrated"}
    assert reconciled.loc[~fitted, "calibrated_parameter"].isna().all()


@pytest.mark.parametrize(
    ("table", "column", "inputs"),
    [
        ("Table 7", "internal_resistance", "cell_model_assumptions"),
        ("Table 7", "pulse_power_95", "cell_model_assumptions"),
        ("Table 11", "pack_specific_power", "vehicle_peak_power"),
    ],
)
def test_named_fits_are_declared_as_data(curated, reconciled, table, column, inputs):
    """The back-solved resistance, pulse voltage and peak power say what they were fitted to,
    and no row of those columns is reproduced by the fitted model."""
    declared = curated[inputs]["calibrated_against"].fillna("").str.contains(f"{table}:{column}", regex=False)
    assert declared.any()
    rows = reconciled[(reconciled["source_table"] == table) & (reconciled["column_name"] == column)]
    assert len(rows) and not (rows["status"] == "reproduced").any()


def test_dropping_a_declared_fit_makes_the_number_count_as_reproduced_again(curated):
    """The status follows the data: without calibrated_against, agreement is counted as reproduced."""
    edited = dict(curated)
    edited["vehicle_peak_power"] = curated["vehicle_peak_power"].assign(calibrated_against=pd.NA)
    before = _reconciliation(curated)
    after = _reconciliation(edited)
    t11 = (before["source_table"] == "Table 11") & (before["column_name"] == "pack_specific_power")
    assert (before.loc[t11, "status"] == "calibrated").sum() == (after.loc[t11, "status"] == "reproduced").sum() > 0
    assert not (after.loc[t11, "status"] == "calibrated").any()


def test_calibrations_match_vehicle_rows_by_prefix():
    inputs = pd.DataFrame({"vehicle_id": ["bus"], "parameter": ["peak_power_kw"], "calibrated_against": ["Table 11:pack_specific_power"]})
    keys = pd.DataFrame(
        {"source_table": ["Table 11"] * 3, "row_key": ["bus/a", "bus/b", "busy/a"], "column_name": ["pack_specific_power"] * 3}
    )
    found = calibrations(inputs, "vehicle_id", keys)
    assert sorted(found["row_key"]) == ["bus/a", "bus/b"]
    assert set(found["calibrated_parameter"]) == {"peak_power_kw"}


# --------------------------------------------------------------------------- percent only where meaningful


def _one(**published) -> pd.DataFrame:
    base = {"source_table": "T", "row_key": "r", "column_name": "c", "published_text": "x", "unit": "kg", "precision": 0.5}
    return pd.DataFrame([{**base, **published}])


@pytest.mark.parametrize(
    ("published", "computed", "notes", "reason"),
    [
        ({"published_value": 0.0, "precision": 0.005}, {"computed_value": 0.001}, None, "is 0"),
        ({"published_value": 5.0}, {"computed_value": 5.0, "computed_unit": "L"}, None, "units differ"),
        ({"published_value": np.nan, "published_min": 2.0, "published_max": 2.5, "precision": 0.05}, {"computed_value": 2.2}, None, "range"),
        ({"published_value": 5.0}, {"computed_value": 5e6}, {"not_comparable": "the printed unit is off"}, "printed unit is off"),
    ],
)
def test_no_percent_where_it_is_not_meaningful(published, computed, notes, reason):
    computed = pd.DataFrame([{"row_key": "r", "column_name": "c", **computed}])
    note_frame = None if notes is None else pd.DataFrame([{"source_table": "T", "row_key": "r", "column_name": "c", "note": "n", **notes}])
    out = reconcile(_one(**published), computed, 0.01, note_frame)
    assert out["rel_deviation"].isna().all()
    assert reason in out.loc[0, "deviation_note"]


def test_percent_kept_where_meaningful():
    out = reconcile(_one(published_value=10.0), pd.DataFrame([{"row_key": "r", "column_name": "c", "computed_value": 11.0}]), 0.01)
    assert out.loc[0, "rel_deviation"] == pytest.approx(0.1)
    assert pd.isna(out.loc[0, "deviation_note"])


def test_real_reconciliation_gives_a_percent_or_a_reason(reconciled):
    has_percent = reconciled["rel_deviation"].notna()
    assert (has_percent ^ reconciled["deviation_note"].notna()).all()
    # a percent only on a single, non-zero published value
    assert (reconciled.loc[has_percent, "published_value"].abs() > 0).all()
    # the foil-resistance rows of Table 6, whose printed unit is in doubt, carry no percent
    foils = reconciled[(reconciled["source_table"] == "Table 6") & reconciled["column_name"].isin(["cu_resistance", "al_resistance"])]
    assert len(foils) and foils["rel_deviation"].isna().all() and foils["deviation_note"].notna().all()
    # what is left is a deviation a reader can take as a percent: nothing near a million percent
    assert reconciled["rel_deviation"].abs().max() < 100


# --------------------------------------------------------------------------- Section 5.1


def test_section51_statements_are_reconciled_from_the_sizing(curated, reconciled):
    claims = curated["application_claims"]
    statements = claims[(claims["section"].astype(str) == "5.1") & claims["metric"].str.contains("reduction|pack_specific_power")]
    rows = reconciled[reconciled["source_table"] == "Section 5.1"]
    assert set(statements["claim_id"]) <= set(rows["row_key"].str.split("/").str[0])
    recomputed = curated["claim_recomputations"]
    assert set(rows["row_key"].str.split("/").str[0]) == set(recomputed.loc[recomputed["statistic"].ne("pack_for_range"), "claim_id"])
    assert rows["computed_value"].notna().all()

    # the packaging-only savings are the Table 10 cell-to-pack ratios' change
    t10 = curated["battery_scenarios"].pivot_table(index="scenario_id", columns="metric", values="value")
    before, after = recomputed.set_index("claim_id").loc["s5_packaging_mass_reduction", ["scenario_id", "compared_scenario_id"]]
    ratio = t10.loc[after, "gravimetric_cell_to_pack_ratio"] / t10.loc[before, "gravimetric_cell_to_pack_ratio"]
    mass = rows.set_index("row_key").loc["s5_packaging_mass_reduction"]
    assert mass["computed_value"] == pytest.approx(100 * (1 - ratio))
    # a printed range is compared against the range, with no percent
    factor = rows[rows["row_key"].str.startswith("s5_size_factor_2030_2035/")]
    assert len(factor) == 2 and factor["rel_deviation"].isna().all()
    low, high = claims.set_index("claim_id").loc["s5_size_factor_2030_2035", ["value_min", "value_max"]]
    half = claims.set_index("claim_id").loc["s5_size_factor_2030_2035", "precision"]
    inside = factor["computed_value"].between(low - half, high + half)
    assert ((factor["status"] == "reproduced") == inside).all()
    # every statement the sizing does not reproduce is explained
    deviates = rows[rows["status"] == "deviates"]
    assert deviates["note"].notna().all()


# --------------------------------------------------------------------------- independent eq 12-21


def test_resistance_and_pulse_power_are_compared_independently_of_the_fitted_inputs(curated, reconciled):
    """Doubling the inputs back-solved from Table 7 moves the calibrated value, never the
    independent one that is compared."""
    edited = dict(curated)
    asm = curated["cell_model_assumptions"]
    fitted = asm["parameter"].isin(["electrode_area_specific_resistance", "pulse_voltage"])
    edited["cell_model_assumptions"] = asm.assign(value=asm["value"].where(~fitted, asm["value"] * 2))
    changed = _reconciliation(edited)
    for frame in (reconciled, changed):
        assert (frame["row_key"] + frame["source_table"] + frame["column_name"]).is_unique
    key = ["source_table", "row_key", "column_name"]
    both = reconciled.merge(changed, on=key, suffixes=("", "_changed"))
    rows = both[both["source_table"].isin(["Table 7", "Table ES-1"]) & both["column_name"].isin(["internal_resistance", "pulse_power_95"])]
    assert len(rows) == 2 * 2 * curated["modelled_cells"]["cell_id"].nunique()
    np.testing.assert_allclose(rows["computed_value"], rows["computed_value_changed"])
    assert (np.abs(rows["calibrated_value_changed"] / rows["calibrated_value"] - 1) > 0.1).all()
    assert rows["calibrated_parameter"].notna().all()
    # the calibrated model still agrees with what it was fitted to (or the gap is explained)
    fitted_ok = np.abs(rows["calibrated_value"] - rows["published_value"]) <= np.fmax(
        rows["tolerance"] * rows["published_value"].abs(), rows["precision"]
    )
    assert (fitted_ok | rows["note"].notna()).all()
    assert rows.loc[rows["status"] == "deviates", "note"].notna().all()


def test_independent_resistance_adds_the_printed_separator_and_the_foils_for_dense_cells(curated, reconciled):
    """For a cell whose electrodes hold no liquid, eq 12-13 + eq 19 is all the report gives:
    the Table 6 separator area-specific resistance over the cell area plus the two foils."""
    asm = curated["cell_model_assumptions"].pivot_table(index="cell_id", columns="parameter", values="value")
    dense = asm.index[(asm["cathode_porosity"] == 0) & ((asm["anode_porosity"] == 0) | (asm["electrolyte_density"] == 0))]
    perf = compute_cell_performance_table(
        curated["cell_design_parameters"], curated["cell_model_assumptions"], curated["published_cell_results"]
    ).set_index("cell_id")
    t6 = curated["cell_design_parameters"].pivot_table(index="cell_id", columns="parameter", values="value")
    expected = t6["sse_interface_resistance"] / perf["cell_area"] * 1e3 + (perf["cu_resistance"] + perf["al_resistance"]) * 1e-9
    rows = reconciled[(reconciled["source_table"] == "Table 7") & (reconciled["column_name"] == "internal_resistance")].set_index("row_key")
    assert len(dense) >= 5
    np.testing.assert_allclose(rows.loc[dense, "computed_value"], expected.loc[dense], rtol=0.01)


def test_peak_power_is_the_table11_product_of_every_scenario(curated):
    """The inferred peak power of each vehicle is within 1 % of Table 11's specific power x pack
    mass, for every scenario Table 11 prints (the inference sources/vehicle_peak_power states)."""
    t11 = curated["published_pack_results"].pivot_table(index=["vehicle_id", "scenario_id"], columns="metric", values="value")
    product = (t11["pack_specific_power"] * t11["pack_mass"] / 1000.0).rename("product").reset_index()
    peak = curated["vehicle_peak_power"].set_index("vehicle_id")["peak_power_kw"]
    product["peak"] = product["vehicle_id"].map(peak)
    assert product["scenario_id"].nunique() >= 2 and product["peak"].notna().all()
    assert ((product["product"] - product["peak"]).abs() <= 0.01 * product["peak"]).all()


def test_which_claims_are_recomputed_and_how_is_read_from_the_curated_pairings(curated, reconciled):
    """sources/claim_recomputations decides: a claim without a row is not reconciled, and a
    claim's scenarios are the row's (swapping them inverts the factor)."""
    pairs = curated["claim_recomputations"]
    edited = dict(curated)
    factor = pairs["claim_id"].eq("s5_size_factor_2030_2035")
    swapped = pairs.assign(
        scenario_id=pairs["scenario_id"].where(~factor, pairs["compared_scenario_id"]),
        compared_scenario_id=pairs["compared_scenario_id"].where(~factor, pairs["scenario_id"]),
    )
    edited["claim_recomputations"] = swapped[~pairs["claim_id"].eq("s5_cost_reduction_2030_2035")]
    again = _reconciliation(edited)
    assert "s5_cost_reduction_2030_2035" in set(reconciled["row_key"])
    assert "s5_cost_reduction_2030_2035" not in set(again["row_key"])
    key = "s5_size_factor_2030_2035/pack_mass"
    before = reconciled.set_index("row_key").loc[key, "computed_value"]
    after = again.set_index("row_key").loc[key, "computed_value"]
    assert after == pytest.approx(1.0 / before)
