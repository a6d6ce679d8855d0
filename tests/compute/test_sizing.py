"""Tests of pipelines/compute/sizing.py.

Inputs are hand-made frames; expected values are worked out by hand in the comments. Published
report numbers appear only in test_table11_* as references the computation is compared with
(read from sources/, never typed here).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.compute.sizing import (
    SCENARIO_METRICS,
    fleet_summary,
    interpolate_scenarios,
    machine_packs,
    monte_carlo_packs,
    pack_sizing,
    sample_quantiles,
    vehicle_packs,
    wide_from_long,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "sources"


# --------------------------------------------------------------------------- fixtures


# The analysis settings the hand-worked machine cases assume (sources/analysis_settings/ in the pipeline).
HOURS = {"workday_h": 8.0, "overnight_h": 8.0, "break_h": 1.0}

def scenarios_frame() -> pd.DataFrame:
    # Two made-up scenarios with round numbers (not the report's).
    return pd.DataFrame(
        {
            "scenario_id": ["base_2020", "future_2030"],
            "year": [2020, 2030],
            "cell_gravimetric_energy_density": [250.0, 450.0],
            "cell_volumetric_energy_density": [600.0, 1000.0],
            "cell_cost": [120.0, 80.0],
            "gravimetric_cell_to_pack_ratio": [1.25, 1.125],
            "volumetric_cell_to_pack_ratio": [1.5, 1.25],
            "pack_cost_factor": [1.5, 1.25],
        }
    )


def vehicles_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "vehicle_id": ["bus", "truck"],
            "energy_consumption": [2.0, 2.5],
            "range": [100.0, 200.0],
            "energy_needed": [200.0, 500.0],
        }
    )


def peak_frame() -> pd.DataFrame:
    return pd.DataFrame({"vehicle_id": ["bus", "truck"], "peak_power_kw": [160.0, 300.0]})


def machines_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "machine_id": ["digger", "crane"],
            "energy_storage": [20.0, 240.0],
            "operating_time": [4.0, 6.0],
            "motor_power": [18.0, 200.0],
        }
    )


def chargers_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "charger_id": ["l2", "dc50", "dc300"],
            "label": ["Level 2", "DC 50", "DC 300"],
            "power_kw": [20.0, 50.0, 300.0],
            "battery_kwh_max": [100.0, np.nan, np.nan],
            "charging_modes": ["overnight;work_break"] * 3,
        }
    )


def scenario_args(s: pd.Series):
    return [s[m] for m in SCENARIO_METRICS]


# --------------------------------------------------------------------------- pack_sizing


def test_pack_sizing_hand_worked_base():
    s = scenarios_frame().iloc[0]
    out = pack_sizing(200.0, *scenario_args(s), peak_power_kw=160.0)
    # pack Wh/kg = 250 / 1.25 = 200      -> mass   = 200 kWh * 1000 / 200 = 1000 kg
    # pack Wh/L  = 600 / 1.5  = 400      -> volume = 200 000 / 400       = 500 L
    # pack $/kWh = 120 * 1.5  = 180      -> cost   = 200 * 180           = 36 000 USD
    # specific power = 160 kW * 1000 / 1000 kg = 160 W/kg
    assert out["pack_gravimetric_energy_density"] == pytest.approx(200.0)
    assert out["pack_volumetric_energy_density"] == pytest.approx(400.0)
    assert out["pack_cost"] == pytest.approx(180.0)
    assert out["pack_mass"] == pytest.approx(1000.0)
    assert out["pack_volume"] == pytest.approx(500.0)
    assert out["pack_cost_total"] == pytest.approx(36_000.0)
    assert out["pack_specific_power"] == pytest.approx(160.0)


def test_pack_sizing_hand_worked_future_and_broadcast():
    s = scenarios_frame().iloc[1]
    out = pack_sizing(np.array([200.0, 500.0]), *scenario_args(s), peak_power_kw=np.array([160.0, 300.0]))
    # pack Wh/kg = 450 / 1.125 = 400 -> masses 200 000/400 = 500 kg, 500 000/400 = 1250 kg
    # pack Wh/L  = 1000 / 1.25 = 800 -> volumes 250 L, 625 L
    # pack $/kWh = 80 * 1.25   = 100 -> costs 20 000, 50 000 USD
    # W/kg: 160 000 / 500 = 320; 300 000 / 1250 = 240
    np.testing.assert_allclose(out["pack_mass"], [500.0, 1250.0])
    np.testing.assert_allclose(out["pack_volume"], [250.0, 625.0])
    np.testing.assert_allclose(out["pack_cost_total"], [20_000.0, 50_000.0])
    np.testing.assert_allclose(out["pack_specific_power"], [320.0, 240.0])
    assert set(out) == {
        "pack_gravimetric_energy_density",
        "pack_volumetric_energy_density",
        "pack_mass",
        "pack_volume",
        "pack_cost_total",
        "pack_cost",
        "pack_specific_power",
    }


def test_pack_sizing_without_peak_power_gives_nan_power():
    out = pack_sizing(100.0, 300.0, 600.0, 100.0, 1.5, 1.5, 1.2)
    # 300/1.5 = 200 Wh/kg -> 500 kg; no power given -> NaN W/kg
    assert out["pack_mass"] == pytest.approx(500.0)
    assert math.isnan(out["pack_specific_power"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"battery_energy": -1.0}, "battery_energy must be >= 0"),
        ({"cell_wh_per_kg": 0.0}, "cell_wh_per_kg must be > 0"),
        ({"grav_ratio": -1.2}, "grav_ratio must be > 0"),
        ({"cell_cost_usd_per_kwh": np.nan}, "cell_cost_usd_per_kwh must be finite"),
        ({"battery_energy": "lots"}, "battery_energy must be numeric"),
    ],
)
def test_pack_sizing_rejects_bad_inputs(kwargs, message):
    args = dict(
        battery_energy=100.0,
        cell_wh_per_kg=300.0,
        cell_wh_per_l=600.0,
        cell_cost_usd_per_kwh=100.0,
        grav_ratio=1.2,
        vol_ratio=1.4,
        cost_factor=1.2,
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        pack_sizing(**args)


@settings(max_examples=200, deadline=None)
@given(
    energy=st.floats(0, 5000),
    wh_kg=st.floats(50, 1000),
    ratio=st.floats(1, 2),
    k=st.floats(0.1, 10),
)
def test_pack_mass_is_linear_in_energy_and_consistent(energy, wh_kg, ratio, k):
    a = pack_sizing(energy, wh_kg, 500.0, 100.0, ratio, 1.5, 1.3)
    b = pack_sizing(energy * k, wh_kg, 500.0, 100.0, ratio, 1.5, 1.3)
    assert b["pack_mass"] == pytest.approx(k * a["pack_mass"], rel=1e-9, abs=1e-9)
    # mass x pack Wh/kg gives the energy back
    assert a["pack_mass"] * a["pack_gravimetric_energy_density"] / 1000 == pytest.approx(energy, rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------- vehicle_packs


def test_vehicle_packs_cross_join_and_values():
    out = vehicle_packs(vehicles_frame(), scenarios_frame(), peak_frame())
    assert len(out) == 4
    row = out.set_index(["vehicle_id", "scenario_id"]).loc[("truck", "base_2020")]
    # 500 kWh / 200 Wh/kg = 2500 kg; 500 000 / 400 = 1250 L; 500 * 180 = 90 000 USD; 300 000 / 2500 = 120 W/kg
    assert row["pack_mass"] == pytest.approx(2500.0)
    assert row["pack_volume"] == pytest.approx(1250.0)
    assert row["pack_cost_total"] == pytest.approx(90_000.0)
    assert row["pack_specific_power"] == pytest.approx(120.0)
    # consumption x range: 2.5 * 200 = 500 kWh
    assert row["energy_from_consumption"] == pytest.approx(500.0)


def test_vehicle_without_peak_power_gets_nan():
    out = vehicle_packs(vehicles_frame(), scenarios_frame(), peak_frame().iloc[:1])
    assert out.loc[out.vehicle_id.eq("truck"), "pack_specific_power"].isna().all()
    assert out.loc[out.vehicle_id.eq("bus"), "pack_specific_power"].notna().all()


def test_vehicle_packs_missing_column_message():
    with pytest.raises(ValueError, match="vehicles is missing required column.*energy_needed"):
        vehicle_packs(vehicles_frame().drop(columns="energy_needed"), scenarios_frame(), peak_frame())
    with pytest.raises(ValueError, match="scenarios is missing required column.*pack_cost_factor"):
        vehicle_packs(vehicles_frame(), scenarios_frame().drop(columns="pack_cost_factor"), peak_frame())


def test_vehicle_packs_negative_energy_message():
    v = vehicles_frame()
    v.loc[0, "energy_needed"] = -5
    with pytest.raises(ValueError, match="vehicles.energy_needed must be >= 0"):
        vehicle_packs(v, scenarios_frame(), peak_frame())


def test_duplicate_scenario_rejected():
    s = pd.concat([scenarios_frame(), scenarios_frame().iloc[:1]])
    with pytest.raises(ValueError, match="duplicate scenario_id"):
        vehicle_packs(vehicles_frame(), s, peak_frame())


# --------------------------------------------------------------------------- new scenario everywhere


def test_new_scenario_row_appears_in_every_output():
    extra = scenarios_frame().iloc[[1]].assign(scenario_id="brand_new_2035", year=2035, cell_cost=60.0)
    scen = pd.concat([scenarios_frame(), extra], ignore_index=True)
    vp = vehicle_packs(vehicles_frame(), scen, peak_frame())
    mp = machine_packs(machines_frame(), scen, chargers_frame(), **HOURS, baseline_scenario="base_2020")
    fleet = pd.DataFrame(
        {"asset_type": ["vehicle", "machine"], "asset_id": ["bus", "digger"], "count": [2, 1], "daily_miles": [80, np.nan], "daily_hours": [np.nan, 3]}
    )
    fs = fleet_summary(fleet, vp, mp, charging_window_h=8)
    ranges = pd.DataFrame(
        {"scenario_id": ["future_2030"], "metric": ["cell_cost"], "low": [70.0], "mode": [80.0], "high": [100.0], "distribution": ["triangular"]}
    )
    mc = monte_carlo_packs(vehicles_frame(), ranges, n_samples=1000, seed=1, scenarios=scen)
    interp = interpolate_scenarios(scen.assign(family="f"), [2032])
    for name, frame in {"vehicle_packs": vp, "machine_packs": mp, "fleet_summary": fs, "monte_carlo": mc}.items():
        assert "brand_new_2035" in set(frame["scenario_id"]), name
    # the new scenario is a bracketing end for 2032 in its family
    assert interp.loc[0, "interpolated_from_high"] == "brand_new_2035"
    # pack cost follows the new cell cost: bus 200 kWh * 60 * 1.25 = 15 000 USD
    new_bus = vp.set_index(["vehicle_id", "scenario_id"]).loc[("bus", "brand_new_2035")]
    assert new_bus["pack_cost_total"] == pytest.approx(15_000.0)


# --------------------------------------------------------------------------- interpolation


def test_interpolation_endpoints_equal_endpoints_exactly():
    scen = scenarios_frame().assign(family="lithium")
    out = interpolate_scenarios(scen, [2020, 2030]).set_index("year")
    for m in SCENARIO_METRICS:
        assert out.loc[2020.0, m] == scen.loc[0, m]
        assert out.loc[2030.0, m] == scen.loc[1, m]


def test_interpolation_midpoint_hand_worked_and_default_family():
    s = scenarios_frame()
    s.loc[0, "scenario_id"] = "current_2024"
    s.loc[1, "scenario_id"] = "advanced_2030"
    s["year"] = [2024, 2030]
    pair = ("current_2024", "advanced_2030")
    out = interpolate_scenarios(s, 2027, pair=pair)
    assert list(out["scenario_id"]) == ["interpolated_2027"]
    # w = (2027 - 2024) / 6 = 0.5 -> Wh/kg (250 + 450)/2 = 350; $/kWh (120 + 80)/2 = 100
    assert out.loc[0, "cell_gravimetric_energy_density"] == pytest.approx(350.0)
    assert out.loc[0, "cell_cost"] == pytest.approx(100.0)
    assert out.loc[0, "interpolation_weight"] == pytest.approx(0.5)
    # 2025: w = 1/6 -> ratio 1.25 + (1.125 - 1.25)/6 = 1.2291666...
    out25 = interpolate_scenarios(s, [2025], pair=pair)
    assert out25.loc[0, "gravimetric_cell_to_pack_ratio"] == pytest.approx(1.25 - 0.125 / 6)
    # endpoints through the default pair as well
    ends = interpolate_scenarios(s, [2024, 2030], pair=pair).set_index("year")
    assert ends.loc[2030.0, "cell_volumetric_energy_density"] == 1000.0


def test_interpolation_families_and_out_of_range():
    s = pd.concat(
        [scenarios_frame().assign(family="li"), scenarios_frame().assign(family="na", scenario_id=["na_2020", "na_2030"], cell_cost=[100.0, 50.0])],
        ignore_index=True,
    )
    out = interpolate_scenarios(s, [2025]).set_index("family")
    assert out.loc["li", "scenario_id"] == "li_interpolated_2025"
    assert out.loc["na", "cell_cost"] == pytest.approx(75.0)
    with pytest.raises(ValueError, match="outside the span"):
        interpolate_scenarios(s, [2040])
    with pytest.raises(ValueError, match="lacks default scenario"):
        interpolate_scenarios(scenarios_frame(), [2025], pair=("current_2024", "advanced_2030"))
    with pytest.raises(ValueError, match="name the two scenarios"):
        interpolate_scenarios(scenarios_frame(), [2025])


# --------------------------------------------------------------------------- machines


def test_machine_packs_hand_worked():
    out = machine_packs(machines_frame(), scenarios_frame(), chargers_frame(), **HOURS, baseline_scenario="base_2020")
    d = out.set_index(["machine_id", "scenario_id"])
    base = d.loc[("digger", "base_2020")]
    fut = d.loc[("digger", "future_2030")]
    # average power 20 kWh / 4 h = 5 kW; base pack 200 Wh/kg -> 20 000 / 200 = 100 kg
    assert base["average_power"] == pytest.approx(5.0)
    assert base["pack_mass"] == pytest.approx(100.0)
    # same 100 kg with 400 Wh/kg holds 40 kWh -> 40 / 5 = 8 h -> covers an 8 h workday
    assert fut["energy_same_mass"] == pytest.approx(40.0)
    assert fut["operating_hours_same_mass"] == pytest.approx(8.0)
    assert bool(fut["covers_workday"]) and not bool(base["covers_workday"])
    # 40 kWh overnight in 8 h = 5 kW -> Level 2; in a 1 h break = 40 kW -> DC 50
    assert fut["overnight_charge_power"] == pytest.approx(5.0)
    assert fut["overnight_charger_id"] == "l2"
    assert fut["break_charge_power"] == pytest.approx(40.0)
    assert fut["break_charger_id"] == "dc50"
    # same-mass volume: 40 kWh / 800 Wh/L = 50 L (base: 20 kWh / 400 Wh/L = 50 L too)
    assert fut["pack_volume_same_mass"] == pytest.approx(50.0)
    # crane: 240 kWh base, 6 h -> 40 kW; future same mass: 1200 kg * 400 = 480 kWh -> 12 h
    crane = d.loc[("crane", "future_2030")]
    assert crane["operating_hours_same_mass"] == pytest.approx(12.0)
    # 480 kWh: overnight 60 kW -> DC 300 (L2 barred above 100 kWh, DC 50 too small); break 480 kW -> none
    assert crane["overnight_charger_id"] == "dc300"
    assert pd.isna(crane["break_charger_id"])
    # motor 200 kW on the 240 kWh pack: base 1200 kg -> 166.7 W/kg
    assert d.loc[("crane", "base_2020"), "pack_specific_power"] == pytest.approx(200_000 / 1200)


def test_machine_packs_bad_inputs():
    with pytest.raises(ValueError, match="machines is missing required column.*operating_time"):
        machine_packs(machines_frame().drop(columns="operating_time"), scenarios_frame(), chargers_frame(), **HOURS, baseline_scenario="base_2020")
    m = machines_frame()
    m.loc[1, "energy_storage"] = -240
    with pytest.raises(ValueError, match="energy_storage must be >= 0"):
        machine_packs(m, scenarios_frame(), chargers_frame(), **HOURS, baseline_scenario="base_2020")
    with pytest.raises(ValueError, match="baseline scenario 'current_2024' is not in scenarios"):
        machine_packs(machines_frame(), scenarios_frame(), chargers_frame(), **HOURS, baseline_scenario="current_2024")


# --------------------------------------------------------------------------- fleets


def test_fleet_summary_hand_worked():
    scen = scenarios_frame()
    vp = vehicle_packs(vehicles_frame(), scen, peak_frame())
    mp = machine_packs(machines_frame(), scen, chargers_frame(), **HOURS, baseline_scenario="base_2020")
    fleet = pd.DataFrame(
        {
            "asset_type": ["vehicle", "machine"],
            "asset_id": ["bus", "digger"],
            "count": [3, 2],
            "daily_miles": [90.0, np.nan],
            "daily_hours": [np.nan, 4.0],
            "charging_window_h": [10.0, 10.0],
        }
    )
    out = fleet_summary(fleet, vp, mp).set_index("scenario_id")
    b = out.loc["base_2020"]
    # battery kWh: 3 * 200 + 2 * 20 = 640; mass 3 * 1000 + 2 * 100 = 3200 kg
    assert b["total_battery_energy"] == pytest.approx(640.0)
    assert b["total_pack_mass"] == pytest.approx(3200.0)
    # cost: 3 * 36 000 + 2 * (20 * 180) = 115 200 USD
    assert b["total_pack_cost"] == pytest.approx(115_200.0)
    # daily energy: 3 * 90 mi * 2 kWh/mi + 2 * 4 h * 5 kW = 540 + 40 = 580 kWh; over 10 h -> 58 kW
    assert b["daily_energy"] == pytest.approx(580.0)
    assert b["depot_charging_power"] == pytest.approx(58.0)
    # the argument overrides the file's window: 580 / 8 = 72.5 kW
    assert fleet_summary(fleet, vp, mp, charging_window_h=8).set_index("scenario_id").loc["base_2020", "depot_charging_power"] == pytest.approx(72.5)


def test_fleet_summary_bad_inputs():
    scen = scenarios_frame()
    vp = vehicle_packs(vehicles_frame(), scen, peak_frame())
    mp = machine_packs(machines_frame(), scen, chargers_frame(), **HOURS, baseline_scenario="base_2020")
    fleet = pd.DataFrame({"asset_type": ["vehicle"], "asset_id": ["tram"], "count": [1], "daily_miles": [10.0]})
    with pytest.raises(ValueError, match="not found"):
        fleet_summary(fleet, vp, mp, charging_window_h=8)
    with pytest.raises(ValueError, match="fleet is missing required column.*count"):
        fleet_summary(fleet.drop(columns="count"), vp, mp, charging_window_h=8)
    fleet2 = fleet.assign(asset_id="bus", count=-1)
    with pytest.raises(ValueError, match="fleet.count must be >= 0"):
        fleet_summary(fleet2, vp, mp, charging_window_h=8)


# --------------------------------------------------------------------------- Monte Carlo


def mc_ranges() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario_id": ["future_2030", "future_2030", "future_2030"],
            "metric": ["cell_gravimetric_energy_density", "cell_volumetric_energy_density", "cell_cost"],
            "low": [400.0, 900.0, 60.0],
            "mode": [450.0, 1000.0, 80.0],
            "high": [500.0, 1200.0, 110.0],
            "distribution": ["triangular", "uniform", "triangular"],
        }
    )


def test_monte_carlo_reproducible_for_a_seed():
    a = monte_carlo_packs(vehicles_frame(), mc_ranges(), n_samples=20_000, seed=7, scenarios=scenarios_frame())
    b = monte_carlo_packs(vehicles_frame(), mc_ranges().iloc[::-1], n_samples=20_000, seed=7, scenarios=scenarios_frame())
    pd.testing.assert_frame_equal(a, b)  # same seed, any row order of the ranges file
    c = monte_carlo_packs(vehicles_frame(), mc_ranges(), n_samples=20_000, seed=8, scenarios=scenarios_frame())
    assert not np.allclose(a["p50"], c["p50"]) or (a["p5"] == a["p95"]).all()


def test_monte_carlo_values():
    out = monte_carlo_packs(vehicles_frame(), mc_ranges(), n_samples=100_000, seed=3, scenarios=scenarios_frame())
    d = out.set_index(["vehicle_id", "scenario_id", "metric"])
    # unranged scenario is deterministic: bus base mass 1000 kg at every quantile
    fixed = d.loc[("bus", "base_2020", "pack_mass")]
    assert fixed["p5"] == pytest.approx(1000.0) and fixed["p95"] == pytest.approx(1000.0)
    # ranged: bus future mass = 200 000 * 1.125 / Wh_kg with Wh_kg triangular(400, 450, 500):
    # median Wh/kg = 450 (symmetric) -> 500 kg; bounds 450..562.5 kg
    r = d.loc[("bus", "future_2030", "pack_mass")]
    assert r["p50"] == pytest.approx(500.0, rel=0.005)
    assert 450.0 < r["p5"] < r["p50"] < r["p95"] < 562.5
    # uniform volume: Wh/L median 1050 -> 200 000 * 1.25 / 1050 = 238.1 L
    assert d.loc[("bus", "future_2030", "pack_volume"), "p50"] == pytest.approx(250_000 / 1050, rel=0.005)
    assert set(out["metric"]) == {"pack_mass", "pack_volume", "pack_cost_total"}
    assert (out["n_samples"] == 100_000).all()


def test_monte_carlo_vehicles_sharing_an_energy_get_the_lone_vehicles_statistics():
    # The statistics are computed once per distinct energy: a fleet of copies (and -0.0 beside
    # 0.0) must give, bit for bit, what each vehicle gets when it is sized on its own.
    energies = [200.0, 500.0, 200.0, 0.0, -0.0, 500.0]
    fleet = pd.DataFrame({"vehicle_id": [f"v{i}" for i in range(len(energies))], "energy_needed": energies})
    together = monte_carlo_packs(fleet, mc_ranges(), n_samples=5_000, seed=11, scenarios=scenarios_frame())
    for vehicle in fleet.itertuples(index=False):
        alone = monte_carlo_packs(pd.DataFrame([vehicle._asdict()]), mc_ranges(), n_samples=5_000, seed=11, scenarios=scenarios_frame())
        mine = together[together["vehicle_id"].eq(vehicle.vehicle_id)].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone, check_exact=True)
        signs = np.signbit(mine[["p5", "p50", "p95", "mean"]].to_numpy()) == np.signbit(alone[["p5", "p50", "p95", "mean"]].to_numpy())
        assert signs.all()


def test_monte_carlo_bad_ranges():
    bad = mc_ranges()
    bad.loc[0, "low"] = 600.0
    with pytest.raises(ValueError, match="low <= mode <= high"):
        monte_carlo_packs(vehicles_frame(), bad, n_samples=10, scenarios=scenarios_frame())
    with pytest.raises(ValueError, match="scenario_ranges is missing required column.*distribution"):
        monte_carlo_packs(vehicles_frame(), mc_ranges().drop(columns="distribution"), n_samples=10, scenarios=scenarios_frame())
    with pytest.raises(ValueError, match="all six metrics"):
        monte_carlo_packs(vehicles_frame(), mc_ranges(), n_samples=10)
    with pytest.raises(ValueError, match="distribution must be one of"):
        monte_carlo_packs(vehicles_frame(), mc_ranges().assign(distribution="normal"), n_samples=10, scenarios=scenarios_frame())


# --------------------------------------------------------------------------- published Table 11 as reference


def _load_long(path: Path) -> pd.DataFrame:
    from pipelines.schemas.published_values import parse_published

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return df.join(parse_published(df["published_text"])[["value"]])


needs_sources = pytest.mark.skipif(
    not all(
        (SOURCES / p).exists()
        for p in (
            "vehicle_requirements/table9.csv",
            "battery_scenarios/table10.csv",
            "published_pack_results/table11.csv",
            "vehicle_peak_power/peak_power.csv",
            "reconciliation_notes/sizing.csv",
        )
    ),
    reason="curated Section 5 sources not present",
)


@needs_sources
def test_table11_reproduced_or_explained():
    veh = wide_from_long(_load_long(SOURCES / "vehicle_requirements/table9.csv"), "vehicle_id")
    scen = wide_from_long(_load_long(SOURCES / "battery_scenarios/table10.csv"), ["scenario_id", "year"])
    peak = pd.read_csv(SOURCES / "vehicle_peak_power/peak_power.csv")
    computed = vehicle_packs(veh, scen, peak).melt(
        id_vars=["vehicle_id", "scenario_id"],
        value_vars=["pack_mass", "pack_volume", "pack_cost_total", "pack_specific_power"],
        var_name="metric",
        value_name="computed",
    )
    published = _load_long(SOURCES / "published_pack_results/table11.csv")
    cmp = published.merge(computed, on=["vehicle_id", "scenario_id", "metric"], how="left")
    assert cmp["computed"].notna().all() and len(cmp) == 48
    cmp["rel"] = (cmp["value"] / cmp["computed"] - 1).abs()
    notes = pd.read_csv(SOURCES / "reconciliation_notes/sizing.csv")
    notes = notes[notes["source_table"].eq("Table 11")]
    vehicle_scenario = notes["row_key"].str.split("/", expand=True)
    explained = set(zip(vehicle_scenario[0], vehicle_scenario[1], notes["column_name"]))
    off = cmp[cmp["rel"] > 0.01]
    unexplained = [k for k in zip(off.vehicle_id, off.scenario_id, off.metric) if k not in explained]
    assert not unexplained, f"Table 11 numbers off by >1% with no reconciliation note: {unexplained}"
    # every note points at an existing Table 11 number
    assert explained <= set(zip(cmp.vehicle_id, cmp.scenario_id, cmp.metric))


@needs_sources
def test_inferred_peak_power_matches_table11_products():
    published = _load_long(SOURCES / "published_pack_results/table11.csv")
    w = published.pivot_table(index=["vehicle_id", "scenario_id"], columns="metric", values="value")
    product_kw = (w["pack_mass"] * w["pack_specific_power"] / 1000).rename("product").reset_index()
    peak = pd.read_csv(SOURCES / "vehicle_peak_power/peak_power.csv")
    m = product_kw.merge(peak, on="vehicle_id")
    assert len(m) == 12
    np.testing.assert_allclose(m["product"], m["peak_power_kw"], rtol=0.005)


def test_monte_carlo_a_new_scenario_moves_no_other():
    """Each ranged input draws from its own stream: adding a scenario leaves the others' rows bit for bit."""
    base = monte_carlo_packs(vehicles_frame(), mc_ranges(), n_samples=5_000, seed=7, scenarios=scenarios_frame())
    extra_scenario = scenarios_frame().query("scenario_id == 'future_2030'").assign(scenario_id="a_new_2031")
    extra_ranges = mc_ranges().query("scenario_id == 'future_2030'").assign(scenario_id="a_new_2031")
    grown = monte_carlo_packs(vehicles_frame(), pd.concat([extra_ranges, mc_ranges()]), n_samples=5_000, seed=7,
                              scenarios=pd.concat([extra_scenario, scenarios_frame()]))
    kept = grown[grown["scenario_id"].ne("a_new_2031")].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, base, check_exact=True)


@pytest.mark.parametrize("q", [(0.05, 0.5, 0.95), (0.0, 1.0), (0.25, 0.333, 0.999)])
def test_sample_quantiles_equal_numpys_bit_for_bit(q):
    # rows of random, rounded (ties), constant and NaN-holding samples, in 1 to 3 dimensions
    rng = np.random.default_rng(3)
    for shape in [(1,), (2,), (7,), (40,), (3, 41), (2, 3, 100), (5, 4000)]:
        x = rng.normal(size=shape) * 1000
        variants = [x, np.round(x, -2), np.full(shape, 2.5)]
        if x.ndim > 1:
            with_nan = x.copy()
            with_nan[0, ..., :3] = np.nan
            variants.append(with_nan)
        for v in variants:
            expected = np.quantile(v, q, axis=-1)
            got = sample_quantiles(v.copy(), q)
            assert got.shape == expected.shape
            assert np.array_equal(got, expected, equal_nan=True), (shape, q)
            in_place = v.copy()
            assert np.array_equal(sample_quantiles(in_place, q, overwrite=True), expected, equal_nan=True)
            # reordered in place, the same samples in each row
            assert np.array_equal(np.sort(in_place, axis=-1), np.sort(v, axis=-1), equal_nan=True)
