"""Technology packs: claims -> cell values -> packs for every vehicle and machine (issue 14)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.compute.technology_packs import _share_at_least, claim_intervals, sample_inputs, size_subjects
from pipelines.errors import SourceError
from pipelines.ingest.curate import curate_tables
from pipelines.schemas.computed.technology_packs import TechnologyCells, TechnologyMachinePacks, TechnologyPacks
from pipelines.schemas.validate import validate
from pipelines.tables.sizing import build_vehicle_packs
from pipelines.tables.technology_packs import (
    build_technology_cells,
    build_technology_machine_packs,
    build_technology_packs,
    scenario_inputs,
    unsizable,
    vehicle_assets,
)
from tests.helpers import REAL_SOURCES, rewrite_csv

NEEDED = (
    "cell_claims", "technologies", "products", "technology_cell_overrides", "claim_uncertainty", "technology_pack_ratios",
    "battery_scenarios", "vehicle_requirements", "construction_machines", "pack_limits", "analysis_settings",
    "vehicle_peak_power", "scenario_years",
)
N = 20_000  # enough for stable percentiles in a test; the build uses 100,000


def _curate_all(root, names=NEEDED) -> dict[str, pd.DataFrame]:
    return curate_tables(names, root)


@pytest.fixture(scope="module")
def curated() -> dict[str, pd.DataFrame]:
    return _curate_all(REAL_SOURCES)


@pytest.fixture(scope="module")
def cells(curated) -> pd.DataFrame:
    c = curated
    frame = build_technology_cells(c["cell_claims"], c["technologies"], c["products"], c["technology_cell_overrides"], c["claim_uncertainty"])
    return validate(frame, TechnologyCells, "sizing.technology_cells")


def _args(c, cells):
    return [cells, c["cell_claims"], c["claim_uncertainty"], c["technology_pack_ratios"], c["battery_scenarios"],
            c["vehicle_requirements"], c["construction_machines"], c["pack_limits"]]


@pytest.fixture(scope="module")
def vehicle_table(curated, cells) -> pd.DataFrame:
    frame = build_technology_packs(*_args(curated, cells), curated["analysis_settings"], n_samples=N)
    return validate(frame, TechnologyPacks, "sizing.technology_packs")


@pytest.fixture(scope="module")
def machine_table(curated, cells) -> pd.DataFrame:
    frame = build_technology_machine_packs(*_args(curated, cells), curated["analysis_settings"], n_samples=N)
    return validate(frame, TechnologyMachinePacks, "sizing.technology_machine_packs")


def _fixed(subject: str, **values: float) -> pd.DataFrame:
    return pd.DataFrame({"subject_id": subject, "metric": list(values), "low": list(values.values()), "high": list(values.values())})


def test_hand_worked_case_matches_to_the_watt_hour():
    """One technology, one vehicle and one machine, fixed inputs: every number by hand."""
    inputs = _fixed(
        "tech", cell_gravimetric_energy_density=400.0, cell_volumetric_energy_density=800.0, cell_cost=100.0,
        gravimetric_cell_to_pack_ratio=1.25, volumetric_cell_to_pack_ratio=1.6, pack_cost_factor=1.2,
    )
    assets = pd.DataFrame({
        "asset_id": ["truck", "digger"], "battery_energy": [1000.0, 20.0], "max_pack_mass": [3125.0, 50.0],
        "max_pack_volume": [2500.0, 100.0], "average_power": [np.nan, 5.0], "baseline_pack_mass": [np.nan, 100.0],
    })
    out = size_subjects(inputs, assets, n_samples=7, workday_h=8).set_index("asset_id")
    # pack 400 / 1.25 = 320 Wh/kg and 800 / 1.6 = 500 Wh/L; pack cost 100 x 1.2 = 120 $/kWh
    truck, digger = out.loc["truck"], out.loc["digger"]
    for p in ("p5", "p50", "p95"):
        assert truck[f"pack_mass_{p}"] * 320 == pytest.approx(1_000_000, abs=1)  # kg x Wh/kg = the 1,000,000 Wh held
        assert truck[f"pack_mass_{p}"] == pytest.approx(3125.0, abs=1 / 320)  # 1,000,000 Wh / 320 Wh/kg, to the Wh
        assert truck[f"pack_volume_{p}"] == pytest.approx(2000.0, abs=1 / 500)  # 1,000,000 Wh / 500 Wh/L
        assert truck[f"pack_cost_{p}"] == pytest.approx(120_000.0, abs=0.12)  # 1000 kWh x 120 $/kWh, to the Wh
        # same-mass pack of the machine: 100 kg x 320 Wh/kg = 32,000 Wh at 5 kW average = 6.4 h
        assert digger[f"operating_hours_same_mass_{p}"] * 5.0 * 1000 == pytest.approx(32_000, abs=1)
    assert truck["feasible_probability"] == 1.0  # 3125 kg within 3125 kg, 2000 L within 2500 L
    assert digger["pack_mass_p50"] == pytest.approx(62.5)  # 20,000 Wh / 320 Wh/kg
    assert digger["feasible_probability"] == 0.0  # 62.5 kg over its 50 kg limit
    assert digger["workday_probability"] == 0.0  # 6.4 h short of 8 h


def test_feasible_probability_is_the_share_within_the_limits():
    """Cell Wh/kg uniform on [300, 500], ratio 1: a 1 kWh pack weighs 1000/g kg, within 2.5 kg when g >= 400: half."""
    inputs = pd.concat([
        pd.DataFrame({"subject_id": ["t"], "metric": ["cell_gravimetric_energy_density"], "low": [300.0], "high": [500.0]}),
        _fixed("t", cell_volumetric_energy_density=1000.0, gravimetric_cell_to_pack_ratio=1.0, volumetric_cell_to_pack_ratio=1.0,
               pack_cost_factor=1.0),
    ])
    assets = pd.DataFrame({"asset_id": ["a"], "battery_energy": [1.0], "max_pack_mass": [2.5], "max_pack_volume": [10.0]})
    out = size_subjects(inputs, assets, n_samples=100_000)
    assert out["feasible_probability"].iloc[0] == pytest.approx(0.5, abs=0.01)
    assert np.isnan(out["pack_cost_p50"].iloc[0])  # no cost claimed


def test_higher_cell_wh_per_kg_gives_a_lighter_pack():
    ratios = dict(cell_volumetric_energy_density=800.0, gravimetric_cell_to_pack_ratio=1.2, volumetric_cell_to_pack_ratio=1.4,
                  pack_cost_factor=1.2)
    inputs = pd.concat([_fixed("low", cell_gravimetric_energy_density=300.0, **ratios),
                        _fixed("high", cell_gravimetric_energy_density=450.0, **ratios)])
    assets = pd.DataFrame({"asset_id": ["bus"], "battery_energy": [400.0], "max_pack_mass": [np.nan], "max_pack_volume": [np.nan]})
    out = size_subjects(inputs, assets, n_samples=100).set_index("subject_id")
    assert out.at["high", "pack_mass_p50"] < out.at["low", "pack_mass_p50"]
    assert out.at["high", "pack_volume_p50"] == out.at["low", "pack_volume_p50"]


def test_higher_claimed_wh_per_kg_gives_a_lighter_pack_through_the_claims(curated, cells, vehicle_table):
    """Same family (same ratios) and same vehicle: of two subjects whose Wh/kg rests on one claim
    each, the one claiming clearly more (5 %, well beyond the Monte Carlo error of independent
    streams) is lighter. (A mixture of several claims has no such order: its median is not its
    mean.)"""
    grav = cells[cells["property"].eq("cell_gravimetric_energy_density")]
    point = grav[grav["claim_count"].eq(1)][["subject_type", "subject_id"]]
    rows = vehicle_table[vehicle_table["vehicle_id"].eq("long_haul_truck")].merge(point, on=["subject_type", "subject_id"])
    compared = 0
    for _, group in rows.groupby("family"):
        group = group.sort_values("cell_gravimetric_energy_density")
        g, mass = group["cell_gravimetric_energy_density"].to_numpy(), group["pack_mass_p50"].to_numpy()
        for i in range(len(group) - 1):
            if g[i + 1] >= 1.05 * g[i]:  # e.g. Blue Solutions Gen 4 (450) vs QuantumScape (400)
                assert mass[i + 1] < mass[i], group[["subject_id", "cell_gravimetric_energy_density", "pack_mass_p50"]]
                compared += 1
    assert compared >= 1


def test_table10_scenarios_reproduce_vehicle_packs_through_the_same_path(curated):
    c = curated
    packs = build_vehicle_packs(c["vehicle_requirements"], c["battery_scenarios"], c["vehicle_peak_power"], c["scenario_years"],
                                c["analysis_settings"])
    assets = vehicle_assets(c["vehicle_requirements"], c["pack_limits"])
    out = size_subjects(scenario_inputs(c["battery_scenarios"]), assets, n_samples=5)
    merged = out.rename(columns={"asset_id": "vehicle_id", "subject_id": "scenario_id"}).merge(packs, on=["vehicle_id", "scenario_id"])
    assert {"current_2024", "advanced_2030"} <= set(merged["scenario_id"])  # the report's two, and any added file scenario
    assert len(merged) == len(out) == packs.loc[~packs["interpolated"], ["vehicle_id", "scenario_id"]].drop_duplicates().shape[0]
    for column, reference in (("pack_mass", "pack_mass"), ("pack_volume", "pack_volume"), ("pack_cost", "pack_cost_total")):
        for p in ("p5", "p50", "p95"):
            np.testing.assert_allclose(merged[f"{column}_{p}"], merged[reference], rtol=1e-12)


def test_percentiles_ordered_everywhere(vehicle_table, machine_table):
    for frame, quantities in ((vehicle_table, ("pack_mass", "pack_volume", "pack_cost")),
                              (machine_table, ("pack_mass", "pack_volume", "pack_cost", "operating_hours_same_mass"))):
        for q in quantities:
            lo, mid, hi = (frame[f"{q}_p{p}"] for p in ("5", "50", "95"))
            ok = lo.isna() | ((lo <= mid) & (mid <= hi))
            assert ok.all(), q
    assert vehicle_table["feasible_probability"].between(0, 1).all()


def test_every_vehicle_and_machine_sized_with_every_sizable_subject(curated, cells, vehicle_table, machine_table):
    sizable = cells.loc[cells["sizable"], ["subject_type", "subject_id"]].drop_duplicates()
    assert len(vehicle_table) == len(sizable) * curated["vehicle_requirements"]["vehicle_id"].nunique()
    assert len(machine_table) == len(sizable) * curated["construction_machines"]["machine_id"].nunique()
    # the claim ids feeding a sized pack's cell Wh/kg (named once per subject in technology_cells)
    # are claims of that property; an inferred Wh/kg has none and says how it was inferred
    claims = curated["cell_claims"].set_index("claim_id")["metric"]
    grav = cells[cells["property"].eq("cell_gravimetric_energy_density")].set_index(["subject_type", "subject_id"])
    fed = grav.reindex(pd.MultiIndex.from_frame(vehicle_table[["subject_type", "subject_id"]]))
    ids = fed.loc[~fed["inferred"], "claim_ids"].str.split(";").explode()
    assert ids.notna().all() and claims.reindex(ids).eq("gravimetric_energy_density").all()
    assert fed.loc[fed["inferred"], "inferred_basis"].str.contains("inferred from the claimed Wh/L").all()


def test_a_subject_lacking_a_density_is_inferred_from_its_family_or_listed_not_dropped(cells):
    listed = unsizable(cells)  # the asset's metadata lists them
    # golden_feather_small_batch prints '-' for its Wh/L: its Wh/L is inferred from its family's
    # sized technologies and says so
    row = cells[cells["subject_id"].eq("golden_feather_small_batch") & cells["property"].eq("cell_volumetric_energy_density")].iloc[0]
    assert row["sizable"] and row["inferred"] and row["claim_count"] == 0 and "family li_metal" in row["inferred_basis"]
    # the family's sized technologies are named in the basis, and the inferred value is the claimed
    # Wh/kg times their mean kg/L
    grav = cells[cells["subject_id"].eq("golden_feather_small_batch") & cells["property"].eq("cell_gravimetric_energy_density")].iloc[0]
    members = cells[cells["subject_type"].eq("technology") & cells["family"].eq("li_metal") & cells["sizable"] & ~cells["inferred"]]
    wide = members.pivot(index="subject_id", columns="property", values="value")
    wide = wide[~wide.index.isin(cells.loc[cells["inferred"], "subject_id"])]
    density = (wide["cell_volumetric_energy_density"] / wide["cell_gravimetric_energy_density"]).mean()
    assert row["value"] == pytest.approx(grav["value"] * density)
    # a subject with neither density is listed with what it lacks
    assert any("lacks cell_gravimetric_energy_density, cell_volumetric_energy_density" in line for line in listed)


def test_claim_interval_rule():
    claims = pd.DataFrame({
        "value_best": [900.0, 400.0, 500.0, 400.0, 285.0],
        "value_min": [800.0, np.nan, np.nan, 400.0, 285.0],
        "value_max": [1000.0, np.nan, 500.0, np.nan, 285.0],
        "qualifier": ["range", "approx", "up_to", "gt", "exact"],
        "precision": [0.5, 0.5, 0.5, 0.5, 0.5],
    })
    rules = pd.read_csv(REAL_SOURCES / "claim_uncertainty" / "rules.csv")
    out = claim_intervals(claims, rules)
    f = rules.set_index("qualifier")
    assert out["low"].tolist() == [800.0, 400 * f.at["approx", "low_factor"] - 0.5, 500 * f.at["up_to", "low_factor"] - 0.5,
                                   400 * f.at["gt", "low_factor"] - 0.5, 284.5]
    assert out["high"].tolist() == [1000.0, 400 * f.at["approx", "high_factor"] + 0.5, 500 * f.at["up_to", "high_factor"] + 0.5,
                                    400 * f.at["gt", "high_factor"] + 0.5, 285.5]


def test_override_replaces_the_default_claims(cells):
    row = cells[(cells["subject_id"] == "advanced_lithium") & (cells["property"] == "cell_gravimetric_energy_density")].iloc[0]
    assert row["overridden"] and row["claim_ids"] == "es_model_projection_energy_density_grav"


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [("claim_ids", "no_such_claim", "key not in curated.cell_claims.claim_id"),
     ("technology_id", "no_such_technology", "key not in curated.technologies.technology_id")],
)
def test_override_naming_an_unknown_claim_or_technology_is_blocking(sources_copy, column, value, rule):
    path = sources_copy / "technology_cell_overrides" / "overrides.csv"

    def edit(rows):
        rows[1][rows[0].index(column)] = value
        return rows

    rewrite_csv(path, edit)
    with pytest.raises(SourceError) as error:
        _curate_all(sources_copy, ("technology_cell_overrides",))
    message = str(error.value)
    assert "overrides.csv" in message and "line 2" in message and column in message and rule in message and value in message


def test_override_with_a_claim_of_another_property_is_blocking(curated):
    c = curated
    wrong = c["technology_cell_overrides"].assign(claim_ids="es_model_projection_energy_density_vol")
    with pytest.raises(SourceError) as error:
        build_technology_cells(c["cell_claims"], c["technologies"], c["products"], wrong, c["claim_uncertainty"])
    message = str(error.value)
    assert "overrides.csv" in message and "line 2" in message and "claim_ids" in message


def test_lineage_claims_to_cells_to_packs():
    from dagster import AssetKey

    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    cells_parents = graph.get(AssetKey(["sizing", "technology_cells"])).parent_keys
    assert AssetKey(["curated", "cell_claims"]) in cells_parents
    for table in ("technology_packs", "technology_machine_packs"):
        assert AssetKey(["sizing", "technology_cells"]) in graph.get(AssetKey(["sizing", table])).parent_keys
    assert AssetKey(["sizing", "technology_packs"]) in graph.get(AssetKey(["charts", "technology_pack_mass"])).parent_keys


def test_build_summary_counts_the_subjects_not_sized_in_one_line(curated, cells, tmp_path, capsys):
    from pipelines.cli import _print_not_sized
    from pipelines.publish.duckdb_tables import connect
    from pipelines.tables.readiness import build_unsized_subjects

    unsized = build_unsized_subjects(cells, curated["cell_claims"], curated["technologies"], curated["products"])
    db = tmp_path / "battery.duckdb"
    with connect(db) as con:
        con.execute("CREATE SCHEMA sizing")
        con.register("cells", cells)
        con.register("unsized", unsized)
        con.execute("CREATE TABLE sizing.technology_cells AS SELECT * FROM cells")
        con.execute("CREATE TABLE sizing.unsized_subjects AS SELECT * FROM unsized")
    with connect(db, read_only=True) as con:
        _print_not_sized(con)
    printed = capsys.readouterr().out
    sized = len(cells.loc[cells["sizable"], ["subject_type", "subject_id"]].drop_duplicates())
    assert printed.count("\n") == 1
    assert f"{sized} technologies/products sized, {len(unsized)} not" in printed and "unsized_subjects" in printed


def test_pack_limit_naming_an_unknown_vehicle_is_blocking(curated, cells):
    c = curated
    limits = c["pack_limits"].copy()
    limits.loc[limits.index[0], "vehicle_id"] = "hover_bus"
    args = _args(c, cells)
    args[-1] = limits
    with pytest.raises(SourceError) as error:
        build_technology_packs(*args, c["analysis_settings"], n_samples=10)
    message = str(error.value)
    assert "limits.csv" in message and "line 2" in message and "vehicle_id" in message and "hover_bus" in message


def test_technology_chart_draws_every_vehicle_up_to_its_panel_limit_then_an_even_spread():
    from pipelines.publish.technology_charts import MAX_VEHICLE_PANELS, vehicles_shown

    few = [f"v{i}" for i in range(MAX_VEHICLE_PANELS)]
    assert vehicles_shown(few) == few
    many = [f"v{i:04d}" for i in range(6000)]  # in battery-energy order
    shown = vehicles_shown(many)
    assert len(shown) == MAX_VEHICLE_PANELS and shown == sorted(shown)
    assert shown[0] == many[0] and shown[-1] == many[-1]
    steps = np.diff([many.index(v) for v in shown])
    assert steps.max() - steps.min() <= 1  # evenly spread


def test_each_subject_draws_from_its_own_stream():
    """Adding a subject, or drawing the subjects in another order, leaves every other subject's
    samples bit for bit unchanged (issue 22: a new product moves only its own rows)."""
    ratios = dict(gravimetric_cell_to_pack_ratio=1.2, volumetric_cell_to_pack_ratio=1.4, pack_cost_factor=1.2)
    interval = lambda s, lo, hi: pd.DataFrame(  # noqa: E731
        {"subject_id": s, "metric": ["cell_gravimetric_energy_density", "cell_volumetric_energy_density"], "low": [lo, 2 * lo],
         "high": [hi, 2 * hi]})
    a = pd.concat([interval("technology:a", 250.0, 300.0), _fixed("technology:a", **ratios)])
    b = pd.concat([interval("technology:b", 350.0, 450.0), _fixed("technology:b", **ratios)])
    new = pd.concat([interval("product:new", 300.0, 500.0), _fixed("product:new", **ratios)])
    alone = sample_inputs(pd.concat([a, b]), ["technology:a", "technology:b"], 1000, seed=5)
    grown = sample_inputs(pd.concat([new, b, a]), ["product:new", "technology:a", "technology:b"], 1000, seed=5)
    np.testing.assert_array_equal(alone, grown[1:])
    other_seed = sample_inputs(pd.concat([a, b]), ["technology:a", "technology:b"], 1000, seed=6)
    assert not np.array_equal(alone[:, 0], other_seed[:, 0])


def test_share_at_least_counts_the_samples_a_comparison_of_each_would():
    # sorted samples x an asset's scale >= threshold: the same share as comparing every sample,
    # with ties, NaN samples (never passing), a zero scale and a NaN scale (compared one by one)
    rng = np.random.default_rng(7)
    samples = np.round(rng.random((4, 500)) * 300, 1)
    samples[1, :20] = np.nan
    scale = np.array([0.027, 8 / 150.0, 0.0, np.nan])
    threshold = 8 * (1 - 1e-12)
    expected = (samples[None] * scale[:, None, None] >= threshold).mean(axis=2)
    got = _share_at_least(np.sort(samples, axis=1), scale, threshold)
    assert np.array_equal(got, expected)
    assert 0 < got[0].min() and got[1].max() < 1 and not got[2].any()
