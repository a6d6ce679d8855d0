"""Nothing non-finite, negative or nonsensical is published (issue 10 item 3).

Property: random finite and non-finite values put into the curated inputs of the model and
sizing layers either fail validation cleanly (a SourceError naming file and line) or give
outputs whose every number is finite. The plain ingest / compute / validate functions are
called in-process (no Dagster run per example)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipelines.compute.cell_model import TABLE6_INPUTS
from pipelines.errors import SourceError
from pipelines.ingest.curate import curate
from pipelines.schemas.registry import CURATED, all_tables
from pipelines.schemas.validate import validate
from pipelines.tables.model import compute_cell_performance_table, compute_cell_sensitivity
from pipelines.tables.sizing import build_fleet_summary, build_machine_packs, build_vehicle_packs
from tests.helpers import REAL_SOURCES

TABLES = all_tables()
# No shrinking: a failure is printed as drawn, and the test stays fast either way.
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)

# Values that break naive arithmetic, beside any float hypothesis draws.
EDGES = [0.0, -0.0, -20.0, 1e-300, 1e300, np.inf, -np.inf, np.nan, 0.999999, 1.0]
numbers = st.one_of(st.sampled_from(EDGES), st.floats(allow_nan=True, allow_infinity=True))


@pytest.fixture(scope="module")
def curated() -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    tables["units"], _ = curate("units", REAL_SOURCES)
    tables["metrics"], _ = curate("metrics", REAL_SOURCES)
    for name in CURATED:
        if name not in tables:
            tables[name], _ = curate(name, REAL_SOURCES, tables["metrics"], tables["units"])
    return tables


def _edit(frame: pd.DataFrame, rows: pd.Index, columns: list[str], edits: list[tuple[int, float]]) -> pd.DataFrame:
    out = frame.copy()
    for position, value in edits:
        out.loc[rows[position % len(rows)], columns] = value
    return out


def _revalidate(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """The curated layer's blocking rules, on a frame whose numbers were changed."""
    return validate(frame, CURATED[name], name)


def _assert_clean(error: SourceError) -> None:
    message = str(error)
    assert error.problems, message
    assert "line " in message or ", row " in message, message
    assert all(p.rule for p in error.problems)


def _assert_finite(frame: pd.DataFrame, table: str) -> None:
    """Every number is finite; a NaN (published as NULL) only where the model allows a null."""
    columns = TABLES[table].to_schema().columns
    numeric = frame.select_dtypes("number")
    values = numeric.to_numpy(dtype=float)
    assert np.isfinite(values[~np.isnan(values)]).all(), table
    required = [c for c in numeric.columns if not columns[c].nullable]
    assert not numeric[required].isna().any(axis=None), table


@SETTINGS
@given(
    assumption_edits=st.lists(st.tuples(st.integers(0, 10_000), numbers), min_size=1, max_size=3),
    table6_edits=st.lists(st.tuples(st.integers(0, 10_000), numbers), max_size=2),
)
def test_cell_model_publishes_only_finite_numbers(curated, assumption_edits, table6_edits):
    t6 = curated["cell_design_parameters"]
    assumptions = _edit(curated["cell_model_assumptions"], curated["cell_model_assumptions"].index, ["value"], assumption_edits)
    inputs = t6.index[t6["parameter"].isin(TABLE6_INPUTS)]
    t6 = _edit(t6, inputs, ["value", "value_min", "value_max"], table6_edits)
    try:
        t6 = _revalidate(t6, "cell_design_parameters")
        assumptions = _revalidate(assumptions, "cell_model_assumptions")
        sources = {"cell_design_parameters": t6, "cell_model_assumptions": assumptions}
        performance = validate(compute_cell_performance_table(t6, assumptions, curated["published_cell_results"]), TABLES["model.cell_performance"], "model.cell_performance", sources)
        sensitivity = validate(compute_cell_sensitivity(t6, assumptions, curated["analysis_settings"]), TABLES["model.cell_sensitivity"], "model.cell_sensitivity", sources)
    except SourceError as error:
        _assert_clean(error)
        return
    _assert_finite(performance, "model.cell_performance")
    _assert_finite(sensitivity, "model.cell_sensitivity")


@SETTINGS
@given(
    vehicle_edits=st.lists(st.tuples(st.integers(0, 10_000), numbers), max_size=2),
    scenario_edits=st.lists(st.tuples(st.integers(0, 10_000), numbers), max_size=2),
    power_edits=st.lists(st.tuples(st.integers(0, 10_000), numbers), max_size=2),
    machine_edits=st.lists(st.tuples(st.integers(0, 10_000), numbers), max_size=2),
)
def test_sizing_publishes_only_finite_numbers(curated, vehicle_edits, scenario_edits, power_edits, machine_edits):
    c = dict(curated)
    bounds = ["value", "value_min", "value_max"]
    c["vehicle_requirements"] = _edit(c["vehicle_requirements"], c["vehicle_requirements"].index, bounds, vehicle_edits)
    c["battery_scenarios"] = _edit(c["battery_scenarios"], c["battery_scenarios"].index, bounds, scenario_edits)
    c["vehicle_peak_power"] = _edit(c["vehicle_peak_power"], c["vehicle_peak_power"].index, ["peak_power_kw"], power_edits)
    c["construction_machines"] = _edit(c["construction_machines"], c["construction_machines"].index, bounds, machine_edits)
    try:
        for name in ("vehicle_requirements", "battery_scenarios", "vehicle_peak_power", "construction_machines"):
            c[name] = _revalidate(c[name], name)
        vehicles = validate(
            build_vehicle_packs(c["vehicle_requirements"], c["battery_scenarios"], c["vehicle_peak_power"], c["scenario_years"], c["analysis_settings"]),
            TABLES["sizing.vehicle_packs"],
            "sizing.vehicle_packs",
            c,
        )
        machines = validate(
            build_machine_packs(c["construction_machines"], c["battery_scenarios"], c["charger_classes"], c["scenario_years"], c["analysis_settings"]),
            TABLES["sizing.machine_packs"],
            "sizing.machine_packs",
            c,
        )
        fleets = validate(build_fleet_summary(c["fleets"], vehicles, machines), TABLES["sizing.fleet_summary"], "sizing.fleet_summary", c)
    except SourceError as error:
        _assert_clean(error)
        return
    for frame, table in ((vehicles, "sizing.vehicle_packs"), (machines, "sizing.machine_packs"), (fleets, "sizing.fleet_summary")):
        _assert_finite(frame, table)


def test_output_rule_is_the_backstop_and_names_the_input_rows(curated):
    """Were an impossible input to pass the curated layer, the output's generated rules block
    it and the error lists the curated rows of the failing cell with their file and lines."""
    assumptions = curated["cell_model_assumptions"].copy()
    first = assumptions.index[assumptions["parameter"].eq("cell_capacity")][0]
    cell = assumptions.loc[first, "cell_id"]
    assumptions.loc[first, "value"] = 0.0  # cell_capacity 0: NaN masses, inf resistances
    t6 = curated["cell_design_parameters"]
    with pytest.raises(SourceError) as info:  # the table function validates what it returns
        compute_cell_performance_table(t6, assumptions, curated["published_cell_results"])
    message = str(info.value)
    assert f"model.cell_performance, row 1 (cell_id='{cell}')" in message
    assert "finite number (not NaN or inf)" in message or "not_nullable" in message
    line = int(assumptions.loc[first, "source_line"])
    traced = [p for p in info.value.problems if p.file == "sources/cell_model_assumptions/assumptions.csv"]
    assert traced and f" {line}," in f" {traced[0].detail.removeprefix('lines ')},"
    assert any(p.file == "sources/cell_design_parameters/table6.csv" for p in info.value.problems)


@pytest.mark.parametrize(
    "table, column, value, rule",
    [
        ("sizing.vehicle_packs", "pack_mass", -1.0, "physical range of kg"),
        ("sizing.vehicle_packs", "pack_cost_total", np.inf, "finite number"),
        ("sizing.machine_packs", "pack_volume", -5.0, "physical range of L"),
        ("model.cell_performance", "cell_energy", -72.0, "physical range of Wh"),
    ],
)
def test_every_computed_number_column_gets_the_generated_rules(curated, table, column, value, rule):
    c = curated
    built = {
        "sizing.vehicle_packs": lambda: build_vehicle_packs(
            c["vehicle_requirements"], c["battery_scenarios"], c["vehicle_peak_power"], c["scenario_years"], c["analysis_settings"]
        ),
        "sizing.machine_packs": lambda: build_machine_packs(
            c["construction_machines"], c["battery_scenarios"], c["charger_classes"], c["scenario_years"], c["analysis_settings"]
        ),
        "model.cell_performance": lambda: compute_cell_performance_table(c["cell_design_parameters"], c["cell_model_assumptions"], c["published_cell_results"]),
    }[table]()
    built.loc[built.index[0], column] = value
    with pytest.raises(SourceError) as info:
        validate(built, TABLES[table], table)
    assert f"column '{column}'" in str(info.value) and rule in str(info.value)
