"""Sizing tables (report Section 5): vehicle packs, construction-machine packs, depot fleets and
Monte Carlo pack uncertainty (sizing.<table>).

Each function reads curated tables, pivots the long ones into the wide frames
pipelines/compute/sizing.py works on, computes, and validates the result against its pandera
model (pipelines/schemas/computed/sizing.py) before it is stored. No Dagster here: the assets
(pipelines/assets/sizing.py) declare them, tests and the reconciliation call them directly.

Scenarios are data: every scenario in sources/battery_scenarios/ is sized, plus one scenario per
year of sources/scenario_years/ interpolated between the two scenarios named in
sources/analysis_settings/ (which also holds the workday and charging windows).
"""
import numpy as np
import pandas as pd

from pipelines.compute.sizing import (
    SCENARIO_METRICS,
    fleet_summary,
    interpolate_scenarios,
    machine_packs,
    monte_carlo_packs,
    vehicle_packs,
    wide_from_long,
)
from pipelines.schemas.curated.settings import AnalysisSettings
from pipelines.tables import table


def monte_carlo_choice(settings: AnalysisSettings, n_samples: int | None, seed: int | None) -> tuple[int, int]:
    """The sample count and seed of every Monte Carlo table: sources/analysis_settings/
    (monte_carlo_samples, the count benchmarks/monte_carlo_stability.py shows holds p5/p50/p95
    within monte_carlo_tolerance; monte_carlo_seed), unless the run's config overrides them."""
    return (int(settings.monte_carlo_samples) if n_samples is None else int(n_samples),
            int(settings.monte_carlo_seed) if seed is None else int(seed))


def _where(frame: pd.DataFrame, mask: pd.Series) -> list[str]:
    """'file, line N' of the curated rows selected by mask."""
    rows = frame.loc[mask, ["source_file", "source_line"]].drop_duplicates()
    return [f"{f}, line {int(n)}" for f, n in rows.itertuples(index=False, name=None)]


def point_values(long: pd.DataFrame) -> pd.Series:
    """One number per printed value: the parsed point value, or the middle of a printed range."""
    middle = (long["value_min"].astype(float) + long["value_max"].astype(float)) / 2
    return long["value"].astype(float).fillna(middle)


# --------------------------------------------------------------------------- wide inputs


def file_scenarios(battery_scenarios: pd.DataFrame) -> pd.DataFrame:
    """curated.battery_scenarios (long) -> one row per scenario, one column per metric."""
    long = battery_scenarios[battery_scenarios["metric"].isin(SCENARIO_METRICS)]
    wide = wide_from_long(long.assign(point=point_values(long)), ["scenario_id", "year"], value_col="point")
    for metric in SCENARIO_METRICS:
        if metric not in wide.columns:
            wide[metric] = np.nan
    incomplete = wide[list(SCENARIO_METRICS)].isna()
    if incomplete.any(axis=None):
        lines = []
        for scenario_id, row in zip(wide["scenario_id"], incomplete.itertuples(index=False)):
            missing = [m for m, gap in zip(SCENARIO_METRICS, row) if gap]
            if missing:
                files = sorted(set(battery_scenarios.loc[battery_scenarios["scenario_id"].eq(scenario_id), "source_file"]))
                lines.append(f"  - scenario '{scenario_id}' ({', '.join(files)}): no number for {', '.join(missing)}")
        raise ValueError("battery scenarios cannot be sized, a metric is missing:\n" + "\n".join(lines))
    wide["year"] = wide["year"].astype(int)
    return wide[["scenario_id", "year", *SCENARIO_METRICS]].assign(interpolated=False)


def sizing_scenarios(battery_scenarios: pd.DataFrame, scenario_years: pd.DataFrame, analysis_settings: AnalysisSettings) -> pd.DataFrame:
    """The file scenarios plus one interpolated scenario per requested year, blended between
    the two scenarios named in curated.analysis_settings."""
    scenarios = file_scenarios(battery_scenarios)
    if scenario_years is None or scenario_years.empty:
        return scenarios
    bracket = (analysis_settings.interpolation_from, analysis_settings.interpolation_to)
    pair = scenarios[scenarios["scenario_id"].isin(bracket)]
    if len(pair) < len(bracket):
        raise ValueError(
            f"sources/scenario_years/ asks for interpolated years but battery_scenarios lacks "
            f"{sorted(set(bracket) - set(pair['scenario_id']))} to interpolate between"
        )
    low, high = int(pair["year"].min()), int(pair["year"].max())
    outside = ~scenario_years["year"].between(low, high)
    if outside.any():
        raise ValueError(
            f"interpolated years must lie between {low} and {high} (no extrapolation): "
            + "; ".join(f"{w}, column 'year': got {y}" for w, y in zip(_where(scenario_years, outside), scenario_years.loc[outside, "year"]))
        )
    blended = interpolate_scenarios(pair.drop(columns="interpolated"), scenario_years["year"].to_numpy(), pair=bracket)
    blended = blended[["scenario_id", "year", *SCENARIO_METRICS]].assign(
        year=lambda f: f["year"].round().astype(int), interpolated=True
    )
    return pd.concat([scenarios, blended], ignore_index=True)


def vehicles_wide(vehicle_requirements: pd.DataFrame) -> pd.DataFrame:
    """Table 9 wide; a vehicle that gives consumption and range but no energy gets their product."""
    long = vehicle_requirements
    wide = wide_from_long(long.assign(point=point_values(long)), "vehicle_id", value_col="point")
    for c in ("energy_consumption", "range", "energy_needed"):
        if c not in wide.columns:
            wide[c] = np.nan
    wide["energy_needed"] = wide["energy_needed"].fillna(wide["energy_consumption"] * wide["range"])
    missing = wide["energy_needed"].isna()
    if missing.any():
        lines = _where(long, long["vehicle_id"].isin(wide.loc[missing, "vehicle_id"]))
        raise ValueError(
            "vehicles without energy_needed (nor energy_consumption and range) cannot be sized: " + "; ".join(lines)
        )
    return wide[["vehicle_id", "energy_consumption", "range", "energy_needed"]]


def machines_wide(construction_machines: pd.DataFrame, machine_table: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The machines wide, each number taken from `machine_table` (analysis_settings.machine_table)
    where that table prints it, else from the other table that does; and the machine types."""
    long = construction_machines.assign(
        _rank=construction_machines["source_table"].ne(machine_table).astype(int), point=point_values(construction_machines)
    )
    long = long.sort_values(["_rank", "source_file", "source_line"], kind="stable").drop_duplicates(["machine_id", "metric"])
    wide = wide_from_long(long, "machine_id", value_col="point")
    types = long.drop_duplicates("machine_id")[["machine_id", "machine_type"]]
    return wide, types


def charger_frame(charger_classes: pd.DataFrame) -> pd.DataFrame:
    return charger_classes[["charger_id", "label", "power_kw", "battery_kwh_min", "battery_kwh_max", "charging_modes"]]


# --------------------------------------------------------------------------- builders


@table("sizing.vehicle_packs")
def build_vehicle_packs(
    vehicle_requirements: pd.DataFrame,
    battery_scenarios: pd.DataFrame,
    vehicle_peak_power: pd.DataFrame,
    scenario_years: pd.DataFrame,
    analysis_settings: AnalysisSettings,
) -> pd.DataFrame:
    scenarios = sizing_scenarios(battery_scenarios, scenario_years, analysis_settings)
    out = vehicle_packs(
        vehicles_wide(vehicle_requirements),
        scenarios.drop(columns="interpolated"),
        vehicle_peak_power[["vehicle_id", "peak_power_kw"]],
    )
    out = out.merge(scenarios[["scenario_id", "interpolated"]], on="scenario_id", how="left")
    return out


@table("sizing.machine_packs")
def build_machine_packs(
    construction_machines: pd.DataFrame,
    battery_scenarios: pd.DataFrame,
    charger_classes: pd.DataFrame,
    scenario_years: pd.DataFrame,
    analysis_settings: AnalysisSettings,
) -> pd.DataFrame:
    scenarios = sizing_scenarios(battery_scenarios, scenario_years, analysis_settings)
    settings = analysis_settings
    machines, types = machines_wide(construction_machines, settings.machine_table)
    out = machine_packs(
        machines,
        scenarios.drop(columns="interpolated"),
        charger_frame(charger_classes),
        workday_h=settings.workday_hours,
        overnight_h=settings.overnight_charging_hours,
        break_h=settings.work_break_charging_hours,
        baseline_scenario=settings.baseline_scenario,
    )
    out = (
        out.merge(types, on="machine_id", how="left")
        .merge(scenarios[["scenario_id", "interpolated"]], on="scenario_id", how="left")
        .assign(baseline_scenario_id=settings.baseline_scenario)
    )
    return out


def check_fleet_assets(fleets: pd.DataFrame, vehicle_ids, machine_ids) -> None:
    """Every fleet line must name a sized vehicle or machine: fail naming file, line and id."""
    known = {"vehicle": set(vehicle_ids), "machine": set(machine_ids)}
    tables = {"vehicle": "curated.vehicle_requirements", "machine": "curated.construction_machines"}
    unknown = pd.Series(
        [asset_id not in known.get(kind, set()) for kind, asset_id in zip(fleets["asset_type"], fleets["asset_id"])],
        index=fleets.index,
        dtype=bool,
    )
    if not unknown.any():
        return
    lines = [
        f"  - {f}, line {int(n)}, column 'asset_id': {kind} '{asset_id}' is not an id of {tables[kind]} "
        f"(known: {', '.join(sorted(known[kind]))})"
        for f, n, kind, asset_id in fleets.loc[unknown, ["source_file", "source_line", "asset_type", "asset_id"]].itertuples(
            index=False, name=None
        )
    ]
    raise ValueError("fleet lines name unknown assets (rule 'asset_id names a sized vehicle or machine'):\n" + "\n".join(lines))


@table("sizing.fleet_summary")
def build_fleet_summary(fleets: pd.DataFrame, vehicle_packs: pd.DataFrame, machine_packs: pd.DataFrame) -> pd.DataFrame:
    check_fleet_assets(fleets, vehicle_packs["vehicle_id"], machine_packs["machine_id"])
    scenario_info = pd.concat(
        [vehicle_packs[["scenario_id", "year", "interpolated"]], machine_packs[["scenario_id", "year", "interpolated"]]]
    ).drop_duplicates("scenario_id")
    pieces = []
    for fleet_id, lines in fleets.groupby("fleet_id", sort=True):  # one iteration per fleet file
        totals = fleet_summary(
            lines[["asset_type", "asset_id", "count", "daily_miles", "daily_hours", "charging_window_h"]],
            vehicle_packs,
            machine_packs,
        )
        windows = lines["charging_window_h"].unique()
        pieces.append(
            totals.assign(
                fleet_id=fleet_id,
                illustrative=bool(lines["illustrative"].astype(bool).any()),
                charging_window=float(windows[0]) if len(windows) == 1 else np.nan,
                source_file=", ".join(sorted(lines["source_file"].unique())),
            )
        )
    out = pd.concat(pieces, ignore_index=True).merge(scenario_info, on="scenario_id", how="left")
    out["asset_count"] = out["asset_count"].round().astype(int)
    out["assets_exceeding_pack"] = out["assets_exceeding_pack"].round().astype(int)
    out = out.sort_values(["fleet_id", "year", "scenario_id"], kind="stable").reset_index(drop=True)
    return out


@table("sizing.pack_uncertainty")
def build_pack_uncertainty(
    vehicle_requirements: pd.DataFrame,
    battery_scenarios: pd.DataFrame,
    scenario_uncertainty: pd.DataFrame,
    analysis_settings: AnalysisSettings,
    n_samples: int | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    n_samples, seed = monte_carlo_choice(analysis_settings, n_samples, seed)
    scenarios = file_scenarios(battery_scenarios)
    unknown = ~scenario_uncertainty["scenario_id"].isin(scenarios["scenario_id"])
    if unknown.any():
        raise ValueError(
            "scenario_uncertainty names scenarios missing from curated.battery_scenarios: "
            + "; ".join(
                f"{w}, column 'scenario_id': '{s}'"
                for w, s in zip(_where(scenario_uncertainty, unknown), scenario_uncertainty.loc[unknown, "scenario_id"])
            )
        )
    ranges = scenario_uncertainty[["scenario_id", "metric", "low", "mode", "high", "distribution"]]
    out = monte_carlo_packs(
        vehicles_wide(vehicle_requirements),
        ranges,
        n_samples=n_samples,
        seed=seed,
        scenarios=scenarios.drop(columns="interpolated"),
        quantiles=(0.05, 0.5, 0.95),
    )
    varies = scenario_uncertainty["distribution"].ne("fixed") & (scenario_uncertainty["low"] < scenario_uncertainty["high"])
    ranged = scenario_uncertainty[varies].groupby("scenario_id")["metric"].nunique()
    out = out.merge(scenarios[["scenario_id", "year"]], on="scenario_id", how="left").assign(
        ranged_metrics=lambda f: f["scenario_id"].map(ranged).fillna(0).astype(int)
    )
    return out
