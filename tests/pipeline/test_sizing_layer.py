"""The sizing layer wired into the pipeline: scenarios and vehicles added as files flow to every
sizing table with no code change; bad fleet and uncertainty files fail naming file, line and
column or rule; the Table 11 reconciliation adapter covers every printed number.

The arithmetic itself is checked by hand-worked examples in tests/compute/test_sizing.py.
Each test materializes only the curated inputs of the sizing layer and the sizing assets into a
temporary staging DuckDB (the `workspace` fixture), never the published warehouse.
"""
from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from dagster import DagsterInstance, materialize

from pipelines.assets.computed import table_step
from pipelines.assets.curated import curated_assets
from pipelines.assets.sizing import sizing_assets
from pipelines.assets.table_metadata import asset_key
from pipelines.compute.reconciliation import STATUSES, pack_comparisons, reconcile
from pipelines.ingest.curate import curate
from pipelines.publish.io_manager import StagingDuckDBIOManager
from pipelines.tables.sizing import build_vehicle_packs
from tests.helpers import REAL_SOURCES
from tests.helpers import failure_message as _failure_message
from tests.helpers import set_cell as _set

# The per-scenario sizing tables (the technology packs of pipelines/assets/technology_packs.py size
# claims, not scenarios: tests/compute/test_technology_packs.py).
SIZING_TABLES = sorted(key.path[1] for a in sizing_assets for key in a.keys)
# The Monte Carlo settings a test run uses (a build draws sources/analysis_settings/ monte_carlo_samples).
FAST_MC = {"ops": {"sizing_test": {"config": {"n_samples": 2_000}}}}


def _materialize_sizing(*tables: str):
    """Materialize the given sizing tables (all by default) and only the curated tables they need."""
    by_key = {a.key: a for a in [*curated_assets, *sizing_assets]}
    wanted = [asset_key(f"sizing.{t}") for t in (tables or SIZING_TABLES)]
    needed: set = set()
    while wanted:
        key = wanted.pop()
        if key in by_key and key not in needed:
            needed.add(key)
            wanted.extend(by_key[key].dependency_keys)
    selected = table_step("sizing_test", [by_key[k] for k in needed])  # one step, as the build runs them
    run_config = FAST_MC if asset_key("sizing.pack_uncertainty") in needed else {}
    return materialize(
        selected,
        resources={"io_manager": StagingDuckDBIOManager()},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config=run_config,
    )


def _tables(workspace, *tables: str) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(workspace.staging_db), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM sizing.{t}").df() for t in (tables or SIZING_TABLES)}


def _write_csv(path: Path, rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


# --------------------------------------------------------------------------- data flows through


def test_new_scenario_file_reaches_every_sizing_table(workspace):
    folder = workspace.sources / "battery_scenarios"
    header = [*_header(folder / "table10.csv"), "document_id"]  # a new file states its rows' document
    values = {
        "cell_gravimetric_energy_density": ("350", "Wh/kg"),
        "cell_volumetric_energy_density": ("800", "Wh/l"),
        "cell_cost": ("95", "$/kWh"),
        "gravimetric_cell_to_pack_ratio": ("1.25", ""),
        "volumetric_cell_to_pack_ratio": ("1.5", ""),
        "pack_cost_factor": ("1.3", ""),
    }
    rows = [header]
    for metric, (text, unit) in values.items():
        row = dict.fromkeys(header, "")
        row.update(scenario_id="test_future_2035", display_name="Test future (2035)", year="2035", technology_id="advanced_lithium", metric=metric, published_text=text, published_unit=unit, section="5.1",
                   document_id="burke_zhao_2025")
        rows.append([row[c] for c in header])
    _write_csv(folder / "test_future.csv", rows)

    result = _materialize_sizing()
    assert result.success, _failure_message(result)
    tables = _tables(workspace)
    assert set(tables) == {"vehicle_packs", "machine_packs", "fleet_summary", "pack_uncertainty"}
    for name, frame in tables.items():
        assert "test_future_2035" in set(frame["scenario_id"]), f"new scenario missing from sizing.{name}"
        assert {"current_2024", "advanced_2030"} <= set(frame["scenario_id"]), name
    # the shipped example year is interpolated alongside the file scenarios
    for name in ("vehicle_packs", "machine_packs", "fleet_summary"):
        assert "interpolated_2027" in set(tables[name]["scenario_id"]), name
    assert tables["fleet_summary"]["illustrative"].all()
    packs = tables["vehicle_packs"]
    bus = packs[(packs["vehicle_id"] == "transit_bus") & (packs["scenario_id"] == "test_future_2035")].iloc[0]
    assert bus["pack_gravimetric_energy_density"] == pytest.approx(350 / 1.25)


def test_new_vehicle_appears_in_vehicle_packs(workspace):
    t9 = workspace.sources / "vehicle_requirements"
    header = [*_header(t9 / "table9.csv"), "document_id"]  # a new file states its rows' document
    rows = [header]
    for metric, text, unit in (("energy_consumption", "1.5", "kWh/mi"), ("range", "200", "miles"), ("energy_needed", "300", "kWh")):
        row = dict.fromkeys(header, "")
        row.update(vehicle_id="school_bus", display_name="School bus", driving_cycle="test cycle", metric=metric, published_text=text, published_unit=unit, section="5.1",
                   document_id="burke_zhao_2025")
        rows.append([row[c] for c in header])
    _write_csv(t9 / "school_bus.csv", rows)
    peak = workspace.sources / "vehicle_peak_power"
    peak_header = _header(peak / "peak_power.csv")
    row = dict.fromkeys(peak_header, "")
    row.update(vehicle_id="school_bus", peak_power_kw="200", unit="kW", provenance="test", reason="test", section="5.2")
    _write_csv(peak / "school_bus.csv", [peak_header, [row[c] for c in peak_header]])

    result = _materialize_sizing("vehicle_packs")
    assert result.success, _failure_message(result)
    packs = _tables(workspace, "vehicle_packs")["vehicle_packs"]
    school = packs[packs["vehicle_id"] == "school_bus"]
    assert set(school["scenario_id"]) == set(packs["scenario_id"])  # every scenario, interpolated ones too
    assert (school["battery_energy"] == 300).all() and (school["pack_peak_power"] == 200).all()


# --------------------------------------------------------------------------- bad inputs


def _fleet_rows(workspace, edit) -> None:
    path = workspace.sources / "fleets" / "example_fleet.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    _write_csv(path, edit(rows))


@pytest.mark.parametrize(
    "case, edit, expected",
    [
        (
            "unknown asset id",
            lambda rows: _set(rows, 3, "asset_id", "flying_bus"),
            ["example_fleet.csv", "line 3", "'asset_id'", "flying_bus", "curated.vehicle_requirements"],
        ),
        (
            "negative count",
            lambda rows: _set(rows, 4, "count", "-2"),
            ["example_fleet.csv", "line 4", "'count'", "greater_than_or_equal_to(0)"],
        ),
        (
            "fractional count",
            lambda rows: _set(rows, 5, "count", "2.5"),
            ["example_fleet.csv", "line 5", "'count'"],
        ),
        (
            "illustrative flag not a boolean",
            lambda rows: _set(rows, 2, "illustrative", "maybe"),
            ["example_fleet.csv", "line 2", "'illustrative'", "not a boolean"],
        ),
    ],
)
def test_bad_fleet_file_fails_naming_file_line_and_column(workspace, case, edit, expected):
    _fleet_rows(workspace, edit)
    message = _failure_message(_materialize_sizing("fleet_summary"))
    for fragment in expected:
        assert fragment in message, f"{case}: {fragment!r} missing from:\n{message}"


def test_scenario_range_low_above_high_fails_naming_the_rule(workspace):
    path = workspace.sources / "scenario_uncertainty" / "ranges.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    _set(rows, 3, "low", "1400")  # above its high of 1300
    _write_csv(path, rows)
    message = _failure_message(_materialize_sizing("pack_uncertainty"))
    for fragment in ("ranges.csv", "line 3", "low <= mode <= high"):
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


def test_interpolated_year_outside_the_scenarios_fails_naming_the_line(workspace):
    _write_csv(workspace.sources / "scenario_years" / "years.csv", [["year", "note"], ["2027", ""], ["2040", "too late"]])
    message = _failure_message(_materialize_sizing("vehicle_packs"))
    for fragment in ("years.csv", "line 3", "'year'", "2040", "no extrapolation"):
        assert fragment in message, f"{fragment!r} missing from:\n{message}"


# --------------------------------------------------------------------------- reconciliation


def test_pack_comparisons_cover_table11_and_the_500_mile_claim():
    units, _ = curate("units", REAL_SOURCES)
    metrics, _ = curate("metrics", REAL_SOURCES)
    c = {
        name: curate(name, REAL_SOURCES, metrics, units)[0]
        for name in ("vehicle_requirements", "battery_scenarios", "vehicle_peak_power", "scenario_years",
                     "published_pack_results", "application_claims", "analysis_settings", "claim_recomputations")
    }
    packs = build_vehicle_packs(
        c["vehicle_requirements"], c["battery_scenarios"], c["vehicle_peak_power"], c["scenario_years"], c["analysis_settings"]
    )
    published, computed = pack_comparisons(
        packs, c["published_pack_results"], c["application_claims"], c["vehicle_requirements"], c["battery_scenarios"],
        c["claim_recomputations"],
    )
    result = reconcile(published, computed, rel_tolerance=0.01)

    table11 = result[result["source_table"] == "Table 11"]
    claims = result[result["source_table"] == "Section 5.2"]
    assert len(table11) == 48
    assert set(claims["row_key"]) == {"s5_intercity_bus_500mi_pack_mass", "s5_intercity_bus_500mi_pack_volume"}
    assert len(result) == 48 + len(claims)
    assert result["status"].isin(STATUSES).all()
    assert (result["status"] != "not_computed").all()
    assert not result.duplicated(["source_table", "row_key", "column_name"]).any()
    reproduced = int((table11["status"] == "reproduced").sum())
    print(f"\nTable 11: {reproduced} of 48 reproduced within 1%; claims: {claims['status'].tolist()}")


def test_machines_are_sized_from_the_table_analysis_settings_names():
    """analysis_settings.machine_table picks the copy of each machine number (Table 12 or ES-2)."""
    from pipelines.tables.sizing import machines_wide

    units, _ = curate("units", REAL_SOURCES)
    metrics, _ = curate("metrics", REAL_SOURCES)
    machines, _ = curate("construction_machines", REAL_SOURCES, metrics, units)
    tables = set(machines["source_table"])
    assert len(tables) == 2
    for table in sorted(tables):
        marked = machines.assign(value=machines["value"].where(machines["source_table"].ne(table), -1.0), value_min=np.nan, value_max=np.nan)
        wide, _ = machines_wide(marked, table)
        printed_there = set(machines.loc[machines["source_table"].eq(table), "machine_id"])
        chosen = wide[wide["machine_id"].isin(printed_there)].drop(columns="machine_id")
        assert (chosen.select_dtypes("number") == -1.0).all(axis=None)
