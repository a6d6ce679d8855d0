"""Battery cost of ownership (issue 23): pack cost, packs bought over the service life and battery
cost per mile / per operating hour, from the pack sizing's own Monte Carlo draws."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.compute.ownership import mixture_draws, ownership_quantiles
from pipelines.compute.technology_packs import claim_intervals
from pipelines.errors import SourceError
from pipelines.ingest.curate import curate_tables
from pipelines.schemas.computed.ownership import BatteryOwnership, MachineBatteryOwnership
from pipelines.schemas.validate import validate
from pipelines.tables.ownership import build_battery_ownership, build_machine_battery_ownership, check_assumptions
from pipelines.tables.sizing import vehicles_wide
from pipelines.tables.technology_packs import build_technology_cells, build_technology_machine_packs, build_technology_packs
from tests.helpers import REAL_SOURCES

NEEDED = (
    "cell_claims", "technologies", "products", "technology_cell_overrides", "claim_uncertainty", "technology_pack_ratios",
    "battery_scenarios", "vehicle_requirements", "construction_machines", "pack_limits", "analysis_settings", "ownership_assumptions",
    "cycle_life_fallbacks",
)
N = 4_000


@pytest.fixture(scope="module")
def built():
    c = curate_tables(NEEDED, REAL_SOURCES)
    cells = build_technology_cells(c["cell_claims"], c["technologies"], c["products"], c["technology_cell_overrides"], c["claim_uncertainty"])
    args = [cells, c["cell_claims"], c["claim_uncertainty"], c["technology_pack_ratios"], c["battery_scenarios"], c["vehicle_requirements"],
            c["construction_machines"], c["pack_limits"]]
    packs = build_technology_packs(*args, c["analysis_settings"], n_samples=N)
    machine_packs = build_technology_machine_packs(*args, c["analysis_settings"], n_samples=N)
    common = [cells, c["cell_claims"], c["claim_uncertainty"], c["technology_pack_ratios"], c["battery_scenarios"], c["technologies"]]
    own = build_battery_ownership(packs, *common, c["vehicle_requirements"], c["ownership_assumptions"], c["cycle_life_fallbacks"],
                                  c["analysis_settings"])
    machines = build_machine_battery_ownership(machine_packs, *common, c["construction_machines"], c["ownership_assumptions"],
                                               c["cycle_life_fallbacks"], c["analysis_settings"])
    return c, cells, packs, validate(own, BatteryOwnership, "sizing.battery_ownership"), \
        validate(machines, MachineBatteryOwnership, "sizing.machine_battery_ownership")


def test_every_sized_pair_is_answered_ordered_finite_and_positive(built):
    """With the curated cycle-life fallbacks, every (asset, sized subject) pair has a cost per use."""
    _, _, packs, own, machines = built
    keys = ["vehicle_id", "subject_type", "subject_id"]
    assert set(map(tuple, own[keys].to_numpy())) == set(map(tuple, packs[keys].to_numpy()))
    for frame, per in ((own, "mile"), (machines, "operating_hour")):
        assert len(frame) > 0 and frame["missing_inputs"].isna().all() and frame["cycle_life_basis"].notna().all()
        lo, mid, hi = (frame[f"battery_cost_per_{per}_p{p}"].to_numpy() for p in (5, 50, 95))
        assert np.isfinite([lo, mid, hi]).all() and (lo > 0).all() and (lo <= mid).all() and (mid <= hi).all()


def _build_with_fallbacks(built, fallbacks):
    c, cells, packs, _, _ = built
    common = [cells, c["cell_claims"], c["claim_uncertainty"], c["technology_pack_ratios"], c["battery_scenarios"], c["technologies"]]
    return build_battery_ownership(packs, *common, c["vehicle_requirements"], c["ownership_assumptions"], fallbacks, c["analysis_settings"])


def test_a_subject_no_cycle_life_claim_covers_takes_its_fallback_families_claims_labelled_assumption(built):
    """A subject fed by sources/cycle_life_fallbacks/ says so (cycle_life_basis = assumption) and names
    exactly the cycle-life claims of the families its technology's rows name; every other subject's
    cycle life comes from claims that cover it."""
    c, _, _, own, _ = built
    fallbacks = c["cycle_life_fallbacks"]
    assumed = own[own["cycle_life_basis"].eq("assumption")]
    assert len(assumed) > 0 and set(assumed["technology_id"]) <= set(fallbacks["technology_id"])
    intervals = claim_intervals(c["cell_claims"][c["cell_claims"]["value_best"].notna()], c["claim_uncertainty"])
    life = intervals[intervals["metric"].eq("cycle_life")]
    family = life["technology_id"].map(c["technologies"].set_index("technology_id")["family"])
    for technology, rows in assumed.groupby("technology_id"):
        families = set(fallbacks.loc[fallbacks["technology_id"].eq(technology), "from_family"])
        # nothing covers the subject itself
        assert not life["technology_id"].eq(technology).any() and not family.eq(rows["family"].iloc[0]).any()
        expected = ";".join(sorted(life.loc[family.isin(families), "claim_id"]))
        assert set(rows["cycle_life_claim_ids"]) == {expected}
        fed = life.set_index("claim_id").loc[expected.split(";")]
        assert (rows["cycle_life_p5"] >= fed["low"].min()).all() and (rows["cycle_life_p95"] <= fed["high"].max()).all()
    assert own.loc[own["cycle_life_basis"].ne("assumption"), "cycle_life_basis"].isin(["claimed", "technology", "family"]).all()


def test_the_fallback_changes_no_other_subjects_draws_and_without_it_the_row_says_what_is_missing(built):
    c, _, _, own, _ = built
    without = _build_with_fallbacks(built, c["cycle_life_fallbacks"].iloc[0:0])
    keys = ["vehicle_id", "subject_type", "subject_id"]
    both = own.merge(without, on=keys, suffixes=("", "_without"))
    assumed = both["cycle_life_basis"].eq("assumption")
    assert assumed.any() and both.loc[assumed, "missing_inputs_without"].notna().all()
    assert both.loc[assumed, "battery_cost_per_mile_p50_without"].isna().all()
    assert "cycle_life_fallbacks" in both.loc[assumed, "missing_inputs_without"].iloc[0]
    for column in ("cycle_life_p5", "cycle_life_p50", "cycle_life_p95", "pack_cost_p50", "battery_cost_per_mile_p50"):
        np.testing.assert_array_equal(both.loc[~assumed, column], both.loc[~assumed, f"{column}_without"])
    np.testing.assert_array_equal(both["pack_cost_p50"], both["pack_cost_p50_without"])


def test_a_fallback_naming_an_unknown_family_names_file_line_and_column(tmp_path):
    import shutil

    shutil.copytree(REAL_SOURCES, tmp_path / "sources")
    path = tmp_path / "sources" / "cycle_life_fallbacks" / "fallbacks.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("li_ion_graphite", "unobtainium", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as error:
        curate_tables(["technologies", "cycle_life_fallbacks"], tmp_path / "sources")
    message = str(error.value)
    assert "fallbacks.csv" in message and "from_family" in message and "unobtainium" in message


def test_pack_cost_is_the_pack_sizings_own_draws(built):
    """Where the subject claims a cell cost, its pack cost percentiles are those of sizing.technology_packs."""
    _, _, packs, own, _ = built
    keys = ["vehicle_id", "subject_type", "subject_id"]
    both = own[own["cost_basis"].eq("claimed")].merge(packs, on=keys, suffixes=("", "_sized"))
    assert len(both) > 0
    for p in ("p5", "p50", "p95"):
        np.testing.assert_allclose(both[f"pack_cost_{p}"], both[f"pack_cost_{p}_sized"], rtol=1e-12)


def test_one_pair_recomputed_by_hand_from_the_curated_inputs(built):
    """The 21700 commercial cell in the transit bus: every input read from the curated tables here,
    the cycles and the bounds of the cost per mile worked out by hand."""
    c, cells, packs, own, _ = built
    row = own[(own["vehicle_id"] == "transit_bus") & (own["subject_id"] == "commercial_21700")].iloc[0]
    a = c["ownership_assumptions"].set_index("vehicle_id").loc["transit_bus"]
    veh = vehicles_wide(c["vehicle_requirements"]).set_index("vehicle_id").loc["transit_bus"]
    kwh, per_mile = float(veh["energy_needed"]), float(veh["energy_consumption"])
    miles = float(a["annual_distance"]) * float(a["service_life"])
    cycles = miles * per_mile / (kwh * float(a["usable_depth_of_discharge"]))
    assert row["cycles_needed"] == pytest.approx(cycles)
    # the claims feeding cycle life and cost, as intervals by the curated rule
    intervals = claim_intervals(c["cell_claims"], c["claim_uncertainty"]).set_index("claim_id")
    life = intervals.loc[row["cycle_life_claim_ids"].split(";")]
    cost = intervals.loc[row["cost_claim_ids"].split(";")]
    assert set(life["product_id"]) == {"commercial_21700"} and set(cost["metric"]) == {"cell_cost"}
    # packs bought: between what the longest and the shortest claimed life need
    fewest = max(1, int(np.ceil(cycles / life["high"].max() - 1e-9)))
    most = max(1, int(np.ceil(cycles / life["low"].min() - 1e-9)))
    assert fewest - 1 <= row["replacements_p5"] <= row["replacements_p95"] <= most - 1
    # pack cost: cell cost x the family's pack cost factor x kWh (the factor's range from the curated ratios)
    ratios = c["technology_pack_ratios"].set_index(["family", "metric"]).loc[(row["family"], "pack_cost_factor")]
    central = packs.loc[packs["subject_id"].eq("commercial_21700"), "pack_cost_factor"].iloc[0]  # a fixed ratio: its Table 10 value
    factor_lo = ratios["low"] if pd.notna(ratios["low"]) else central
    factor_hi = ratios["high"] if pd.notna(ratios["high"]) else central
    cheapest = kwh * cost["low"].min() * factor_lo * fewest / miles
    dearest = kwh * cost["high"].max() * factor_hi * most / miles
    assert cheapest <= row["battery_cost_per_mile_p5"] <= row["battery_cost_per_mile_p50"] <= row["battery_cost_per_mile_p95"] <= dearest
    # the median: median pack cost x median packs bought / lifetime miles, within the spread of the draws
    approx = row["pack_cost_p50"] * (row["replacements_p50"] + 1) / miles
    assert row["battery_cost_per_mile_p5"] <= approx <= row["battery_cost_per_mile_p95"]


def test_hand_worked_fixed_inputs():
    """Fixed inputs: a 300 kWh pack at 150 USD/kWh, 1,200 cycles of life; 2 kWh/mile, 40,000 miles a
    year for 12 years at 80 % depth of discharge: 960,000 kWh / 240 kWh = 4,000 cycles, 4 packs
    (3 replacements), 180,000 USD over 480,000 miles = 0.375 USD/mile."""
    q = ownership_quantiles([300.0], [2.0], [40_000.0], [12.0], [0.8], np.full((1, 5), 150.0), np.full((1, 5), 1200.0))
    assert q["cycles_needed"][0] == pytest.approx(4000.0)
    assert q["replacements"][0, 0].tolist() == [3.0, 3.0, 3.0]
    assert q["lifetime_cost"][0, 0, 1] == pytest.approx(180_000.0)
    assert q["cost_per_use"][0, 0, 1] == pytest.approx(0.375)
    # a life longer than the cycles needed buys one pack, no replacement
    q = ownership_quantiles([300.0], [2.0], [40_000.0], [12.0], [0.8], np.full((1, 5), 150.0), np.full((1, 5), 5000.0))
    assert q["replacements"][0, 0, 1] == 0.0 and q["cost_per_use"][0, 0, 1] == pytest.approx(45_000.0 / 480_000.0)


def test_mixture_draws_stay_within_their_components_and_a_group_without_one_is_nan():
    streams = [np.random.default_rng(i) for i in range(3)]
    x = mixture_draws(np.array([0, 0, 2]), np.array([1.0, 10.0, 5.0]), np.array([2.0, 11.0, 5.0]), 3, 1000, streams)
    assert (((x[0] >= 1) & (x[0] <= 2)) | ((x[0] >= 10) & (x[0] <= 11))).all()
    assert np.isnan(x[1]).all() and (x[2] == 5.0).all()


def test_an_assumption_naming_an_unknown_vehicle_names_file_and_line(built):
    c = built[0]
    rows = c["ownership_assumptions"].copy()
    first = rows.index[rows["vehicle_id"].notna()][0]
    rows.loc[first, "vehicle_id"] = "hover_bus"
    with pytest.raises(SourceError) as error:
        check_assumptions(rows, "vehicle", ["transit_bus"])
    assert "assumptions.csv" in str(error.value) and "hover_bus" in str(error.value) and "vehicle_id" in str(error.value)


def test_replacement_quantiles_from_order_statistics_equal_numpys():
    """The replacements' percentiles come from the cycle life's order statistics (one partition for
    every asset); they equal np.quantile of the packs bought, sample by sample."""
    rng = np.random.default_rng(7)
    life = np.concatenate([rng.uniform(80, 6000, size=(3, 1001)), np.full((1, 1001), np.nan)])
    cost = rng.uniform(90, 300, size=life.shape)
    energy, per_use, annual, years = np.array([270.0, 20.0]), np.array([1.8, 6.7]), np.array([35_000.0, 1000.0]), np.array([12.0, 10.0])
    q = ownership_quantiles(energy, per_use, annual, years, np.array([0.8, 0.8]), cost, life)
    needed = annual * years * per_use / (energy * 0.8)
    with np.errstate(invalid="ignore"):
        packs = np.maximum(1.0, np.ceil(needed[:, None, None] / life[None] - 1e-9))
    expected = np.moveaxis(np.quantile(packs - 1.0, [0.05, 0.5, 0.95], axis=2), 0, -1)
    np.testing.assert_allclose(q["replacements"], expected, rtol=0, atol=1e-12)
    lifetime = np.moveaxis(np.quantile(energy[:, None, None] * cost[None] * packs, [0.05, 0.5, 0.95], axis=2), 0, -1)
    np.testing.assert_allclose(q["lifetime_cost"], lifetime, rtol=1e-12)


def test_quantiles_equal_numpys_bit_for_bit_where_every_sample_buys_the_same_packs_and_where_not():
    """A subject whose every sampled life buys the same number of packs takes that count times the
    cost's order statistics (no product formed); the others' products are selected. Both equal
    np.quantile of the products, sample by sample, to the last bit; so do the pack cost and the
    cycle life read from partitioned rows."""
    rng = np.random.default_rng(11)
    n = 4001
    life = np.stack([
        rng.uniform(5000, 6000, n),  # the first asset needs about 3,500 cycles: one pack in every sample
        rng.uniform(1200, 1500, n),  # three packs in every sample for the first asset
        rng.uniform(80, 6000, n),  # packs bought vary with the sample
        np.where(rng.random(n) < 0.01, np.nan, rng.uniform(900, 2000, n)),  # some samples without a life
        rng.uniform(-50, 6000, n),  # lives <= 0 (no claim gives one): one pack at both ends, thousands near 0
    ])
    cost = rng.uniform(90, 300, size=life.shape)
    cost[1, 17] = np.nan  # a cost sample missing: NaN, as numpy gives
    energy, per_use, annual, years, dod = (np.array(v) for v in ([270.0, 20.0], [1.8, 6.7], [35_000.0, 1000.0], [12.0, 10.0], [0.8, 0.8]))
    q = ownership_quantiles(energy, per_use, annual, years, dod, cost, life)
    needed = annual * years * per_use / (energy * dod)
    with np.errstate(invalid="ignore"):
        packs = np.maximum(1.0, np.ceil(needed[:, None, None] / life[None] - 1e-9))
    assert np.all(packs[0, 0] == 1.0) and np.all(packs[0, 1] == 3.0) and len(np.unique(packs[0, 2])) > 1  # both paths taken
    assert packs[0, 4].max() > 1.0  # the same count at both ends of the lives, not in between
    levels = [0.05, 0.5, 0.95]
    lifetime = np.moveaxis(np.quantile(packs * cost[None], levels, axis=2), 0, -1) * energy[:, None, None]
    np.testing.assert_array_equal(q["lifetime_cost"], lifetime)
    np.testing.assert_array_equal(q["pack_cost"], energy[:, None, None] * np.quantile(cost, levels, axis=1).T[None])
    np.testing.assert_array_equal(q["cycle_life"], np.quantile(life, levels, axis=1).T)
