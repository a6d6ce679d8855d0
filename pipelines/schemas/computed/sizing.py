"""sizing.*: battery packs for vehicles and construction machines, depot fleets and Monte Carlo
uncertainty (report Section 5), computed by pipelines/compute/sizing.py."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import DERIVED, SLUG, ComputedTable, catalogue_field, field
from pipelines.schemas.vocabulary import SCENARIO_METRICS, UNCERTAIN_METRICS


def d(description: str, unit: str | None = None, **checks):
    """A computed column."""
    return field(description, unit=unit, origin=DERIVED, **checks)


_SCENARIO_ID = "Battery scenario: a scenario of curated.battery_scenarios, or interpolated_<year> (curated.scenario_years)"
_INTERPOLATED = "True for a scenario blended linearly, for a requested year, between the two scenarios named in curated.analysis_settings"
_GRAV = "Cell energy per kg of the scenario (Table 10, or interpolated)"
_VOL = "Cell energy per litre of the scenario (Table 10, or interpolated)"
_COST = "Cell cost per kWh of the scenario (Table 10, or interpolated)"
_GRATIO = "Cell Wh/kg divided by pack Wh/kg in the scenario (mass overhead of packaging)"
_VRATIO = "Cell Wh/L divided by pack Wh/L in the scenario (volume overhead of packaging)"
_CFACTOR = "Pack cost per kWh divided by cell cost per kWh in the scenario"


class ScenarioPack(ComputedTable):
    """Columns every sized pack shares: the scenario's cell figures and the pack they give
    for the row's battery_energy."""

    cell_gravimetric_energy_density: Series[float] = d(_GRAV, "Wh/kg", gt=0)
    cell_volumetric_energy_density: Series[float] = d(_VOL, "Wh/L", gt=0)
    cell_cost: Series[float] = d(_COST, "USD/kWh", ge=0)
    gravimetric_cell_to_pack_ratio: Series[float] = d(_GRATIO, "ratio", gt=0)
    volumetric_cell_to_pack_ratio: Series[float] = d(_VRATIO, "ratio", gt=0)
    pack_cost_factor: Series[float] = d(_CFACTOR, "ratio", gt=0)
    pack_gravimetric_energy_density: Series[float] = d("Pack energy per kg: cell Wh/kg / gravimetric ratio", "Wh/kg", gt=0)
    pack_volumetric_energy_density: Series[float] = d("Pack energy per litre: cell Wh/L / volumetric ratio", "Wh/L", gt=0)
    pack_cost: Series[float] = d("Pack cost per kWh: cell cost x cost factor", "USD/kWh", ge=0)
    pack_mass: Series[float] = d("Mass of a pack holding battery_energy: energy / pack Wh/kg", "kg", ge=0)
    pack_volume: Series[float] = d("Volume of a pack holding battery_energy: energy / pack Wh/L", "L", ge=0)
    pack_cost_total: Series[float] = d("Cost of a pack holding battery_energy: energy x pack cost per kWh", "USD", ge=0)


class VehiclePacks(ScenarioPack):
    vehicle_id: Series[str] = catalogue_field("vehicle_id", origin=DERIVED, str_matches=SLUG)
    scenario_id: Series[str] = catalogue_field("scenario_id", description=_SCENARIO_ID, origin=DERIVED, str_matches=SLUG)
    year: Series[int] = catalogue_field("scenario_year", origin=DERIVED)
    interpolated: Series[bool] = d(_INTERPOLATED)
    energy_consumption: Series[float] = d("Energy the vehicle uses per mile (Table 9)", "kWh/mile", nullable=True, ge=0)
    range: Series[float] = d("Daily range the pack is sized for (Table 9)", "miles", nullable=True, ge=0)
    battery_energy: Series[float] = d("Battery energy the vehicle needs: Table 9 energy needed", "kWh", ge=0)
    energy_from_consumption: Series[float] = d(
        "Energy per mile x range, a cross-check of battery_energy", "kWh", nullable=True, ge=0
    )
    pack_peak_power: Series[float] = d(
        "Peak power the vehicle's pack must deliver (curated.vehicle_peak_power); null when not known", "kW", nullable=True, gt=0
    )
    pack_specific_power: Series[float] = d(
        "Power per kg of pack at the vehicle's peak power: peak kW / pack mass (null without a peak power)",
        "W/kg",
        nullable=True,
        ge=0,
    )

    class Config:
        unique = ["vehicle_id", "scenario_id"]
        description = (
            "Battery pack of every vehicle type of Table 9 under every battery scenario: energy needed, "
            "pack Wh/kg and Wh/L, mass, volume, cost and specific power at peak power (Table 11 recomputed, "
            "extended to added and interpolated scenarios)."
        )
        metadata = {
            "grain": "one row per vehicle type and battery scenario (file scenarios and interpolated years)",
            "provenance": (
                "pipelines/compute/sizing.py vehicle_packs over curated.vehicle_requirements, "
                "curated.battery_scenarios (+ curated.scenario_years) and curated.vehicle_peak_power"
            ),
        }


class MachinePacks(ScenarioPack):
    machine_id: Series[str] = catalogue_field("machine_id", origin=DERIVED, str_matches=SLUG)
    machine_type: Series[str] = d("Machine type as printed in Table 12")
    scenario_id: Series[str] = catalogue_field("scenario_id", description=_SCENARIO_ID, origin=DERIVED, str_matches=SLUG)
    year: Series[int] = catalogue_field("scenario_year", origin=DERIVED)
    interpolated: Series[bool] = d(_INTERPOLATED)
    battery_energy: Series[float] = d("Battery energy the machine carries today (Table 12)", "kWh", ge=0)
    operating_time: Series[float] = d("Hours the machine works on one charge today (Table 12)", "h", gt=0)
    motor_power: Series[float] = d("Electric motor power (Table 12)", "kW", nullable=True, ge=0)
    average_power: Series[float] = d("Average power drawn while working: energy / operating time", "kW", ge=0)
    pack_specific_power: Series[float] = d(
        "Motor power per kg of that pack (null without a motor power)", "W/kg", nullable=True, ge=0
    )
    baseline_scenario_id: Series[str] = d("Scenario whose pack mass is held fixed for the same-mass columns")
    baseline_pack_mass: Series[float] = d("Mass of the machine's pack in the baseline scenario", "kg", ge=0)
    energy_same_mass: Series[float] = d(
        "Energy this scenario's cells store in the baseline pack mass", "kWh", ge=0
    )
    pack_volume_same_mass: Series[float] = d("Volume of that same-mass pack", "L", ge=0)
    pack_cost_same_mass: Series[float] = d("Cost of that same-mass pack", "USD", ge=0)
    operating_hours_same_mass: Series[float] = d(
        "Hours of work the same-mass pack gives at the average power", "h", ge=0
    )
    covers_workday: Series[bool] = d("True when operating_hours_same_mass reaches the workday of curated.analysis_settings")
    workday_energy: Series[float] = d("Energy a workday (curated.analysis_settings) takes at the average power", "kWh", ge=0)
    workday_pack_mass: Series[float] = d("Mass of a pack holding a workday's energy in this scenario", "kg", ge=0)
    workday_pack_volume: Series[float] = d("Volume of a pack holding a workday's energy in this scenario", "L", ge=0)
    overnight_charge_power: Series[float] = d(
        "Power that refills the same-mass pack in the overnight window (curated.analysis_settings)", "kW", ge=0
    )
    overnight_charger_id: Series[str] = d(
        "Smallest charger class (curated.charger_classes) that does the overnight charge; null when none does",
        nullable=True,
    )
    overnight_charger_label: Series[str] = d("Name of that overnight charger class", nullable=True)
    break_charge_power: Series[float] = d(
        "Power that refills the same-mass pack in a work break (curated.analysis_settings)", "kW", ge=0
    )
    break_charger_id: Series[str] = d(
        "Smallest charger class that does the work-break charge; null when none of the report's classes does",
        nullable=True,
    )
    break_charger_label: Series[str] = d("Name of that work-break charger class", nullable=True)

    class Config:
        unique = ["machine_id", "scenario_id"]
        description = (
            "Battery of every construction machine of Table 12 under every battery scenario: pack mass and "
            "volume for its kWh; at the baseline (2024) pack mass, the energy and operating hours each "
            "scenario reaches and whether it covers an 8-hour workday; overnight (8 h) and work-break "
            "(1 h) charging power and the smallest charger class of Section 5.3 that delivers it."
        )
        metadata = {
            "grain": "one row per construction machine and battery scenario (file scenarios and interpolated years)",
            "provenance": (
                "pipelines/compute/sizing.py machine_packs over curated.construction_machines (Table 12 values), "
                "curated.battery_scenarios (+ curated.scenario_years) and curated.charger_classes"
            ),
        }


class FleetSummary(ComputedTable):
    fleet_id: Series[str] = d("Fleet (curated.fleets: the name of its file)")
    scenario_id: Series[str] = catalogue_field("scenario_id", description=_SCENARIO_ID, origin=DERIVED, str_matches=SLUG)
    year: Series[int] = catalogue_field("scenario_year", origin=DERIVED)
    interpolated: Series[bool] = d(_INTERPOLATED)
    illustrative: Series[bool] = d("True when any line of the fleet is made up for illustration (not from the report)")
    asset_count: Series[int] = d("Vehicles and machines in the fleet", ge=0)
    total_battery_energy: Series[float] = d("Battery energy installed across the fleet", "kWh", ge=0)
    total_pack_mass: Series[float] = d("Battery mass across the fleet", "kg", ge=0)
    total_pack_volume: Series[float] = d("Battery volume across the fleet", "L", ge=0)
    total_pack_cost: Series[float] = d("Battery cost across the fleet", "USD", ge=0)
    daily_energy: Series[float] = d(
        "Energy the fleet uses per day: miles x kWh/mile for vehicles, hours x average power for machines", "kWh", ge=0
    )
    charging_window: Series[float] = d(
        "The fleet's depot charging window (null when its lines give different windows)", "h", nullable=True, gt=0
    )
    depot_charging_power: Series[float] = d(
        "Constant depot power that returns each line's daily energy within its charging window, summed", "kW", ge=0
    )
    assets_exceeding_pack: Series[int] = d("Assets whose daily energy is more than their pack holds", ge=0)
    source_file: Series[str] = catalogue_field("source_file", description="File under sources/fleets/ the fleet was read from", origin=DERIVED)

    class Config:
        unique = ["fleet_id", "scenario_id"]
        description = (
            "Depot fleet totals per battery scenario: battery kWh, mass, volume and cost, daily energy and the "
            "depot charging power for the fleet's charging window. The shipped fleet is ILLUSTRATIVE."
        )
        metadata = {
            "grain": "one row per fleet and battery scenario",
            "provenance": "pipelines/compute/sizing.py fleet_summary over curated.fleets, sizing.vehicle_packs and sizing.machine_packs",
        }


class PackUncertainty(ComputedTable):
    vehicle_id: Series[str] = catalogue_field("vehicle_id", origin=DERIVED, str_matches=SLUG)
    scenario_id: Series[str] = catalogue_field("scenario_id", origin=DERIVED, str_matches=SLUG)
    year: Series[int] = catalogue_field("scenario_year", origin=DERIVED)
    metric: Series[str] = d("Pack quantity sampled: " + ", ".join(UNCERTAIN_METRICS), isin=list(UNCERTAIN_METRICS))
    unit: Series[str] = d("Unit of p5, p50, p95 and mean", isin=sorted(set(UNCERTAIN_METRICS.values())))
    p5: Series[float] = d("5th percentile of the sampled quantity, in `unit`", ge=0)
    p50: Series[float] = d("Median of the sampled quantity, in `unit`", ge=0)
    p95: Series[float] = d("95th percentile of the sampled quantity, in `unit`", ge=0)
    mean: Series[float] = d("Mean of the sampled quantity, in `unit`", ge=0)
    ranged_metrics: Series[int] = d(
        "How many of the scenario metrics vary (curated.scenario_uncertainty rows that are not fixed); 0 means no spread",
        ge=0,
        le=len(SCENARIO_METRICS),
    )
    n_samples: Series[int] = d("Monte Carlo draws per vehicle and scenario", gt=0)
    seed: Series[int] = d("Seed of the numpy random generator (same seed, same numbers)", ge=0)

    @pa.dataframe_check(name="p5 <= p50 <= p95")
    def ordered(cls, df: pd.DataFrame) -> pd.Series:
        tol = 1e-9 * df["p95"].abs()
        return (df["p5"] <= df["p50"] + tol) & (df["p50"] <= df["p95"] + tol)

    @pa.dataframe_check(name="unit matches the metric")
    def unit_of_metric(cls, df: pd.DataFrame) -> pd.Series:
        return df["unit"].eq(df["metric"].map(UNCERTAIN_METRICS))

    class Config:
        unique = ["vehicle_id", "scenario_id", "metric"]
        description = (
            "Monte Carlo uncertainty of pack mass, volume and cost per vehicle and battery scenario: 5th, 50th "
            "and 95th percentiles from sampling the scenario ranges of curated.scenario_uncertainty (seeded, "
            "reproducible)."
        )
        metadata = {
            "grain": "one row per vehicle type, battery scenario (file scenarios only) and pack quantity",
            "provenance": (
                "pipelines/compute/sizing.py monte_carlo_packs over curated.vehicle_requirements, "
                "curated.battery_scenarios and curated.scenario_uncertainty"
            ),
        }
