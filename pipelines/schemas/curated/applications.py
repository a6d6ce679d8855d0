"""Section 5: vehicles (Table 9), battery scenarios (Table 10), the published pack results
(Table 11) and construction machines (Tables 12 and ES-2)."""
from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import (
    SLUG,
    PublishedNumber,
    catalogue_field,
    derived_agrees,
    field,
    key_rule,
    name_rule,
    positive_numbers,
    same_across_tables,
)
from pipelines.schemas.vocabulary import SCENARIO_METRICS

# The printed numbers pack and machine sizing read: metric -> (upper bound in the metric's
# unit, whether 0 is possible). The upper ends are far above any vehicle or machine: they stop a
# unit slip and an overflow, never a real figure.
VEHICLE_INPUTS = {"energy_consumption": (100.0, False), "range": (10_000.0, False), "energy_needed": (100_000.0, False)}
SCENARIO_INPUTS = {
    "cell_gravimetric_energy_density": (15_000.0, False),
    "cell_volumetric_energy_density": (20_000.0, False),
    "cell_cost": (10_000.0, True),
    "gravimetric_cell_to_pack_ratio": (100.0, False),
    "volumetric_cell_to_pack_ratio": (100.0, False),
    "pack_cost_factor": (100.0, False),
}
assert set(SCENARIO_INPUTS) == set(SCENARIO_METRICS)
MACHINE_INPUTS = {
    "energy_storage": (100_000.0, False),
    "operating_time": (1_000.0, False),
    "motor_power": (100_000.0, True),
    "gross_weight": (10_000_000.0, False),
}


class VehicleRequirements(PublishedNumber):
    """Table 9: energy per mile, range and battery energy per vehicle type.

    Vehicle sizing takes a vehicle's pack energy from its `energy_needed` row when it has one,
    even where `energy_consumption` x `range` gives another number (a warning-level rule reports
    the disagreement); only a vehicle without `energy_needed` is sized on kWh/mile x range."""

    vehicle_id: Series[str] = catalogue_field("vehicle_id", str_matches=SLUG)
    display_name: Series[str] = field("Name of the vehicle type for charts and tables (ours, not printed)")
    driving_cycle: Series[str] = field("Driving cycle the consumption was simulated on, as printed")
    conditions: Series[str] = field("Condition printed with the value", nullable=True)

    unique_key = key_rule("vehicle_id", "metric", name="one row per vehicle and metric")

    @pa.dataframe_check(name="value of a sizing input is a number > 0 and within its upper bound")
    def value_sizing_input_positive(cls, df):
        return positive_numbers(df, VEHICLE_INPUTS)

    one_display_name = name_rule("vehicle_id")

    @pa.dataframe_check(name="energy needed ≈ kWh/mile × range", raise_warning=True)
    def energy_needed(cls, df):
        return derived_agrees(df, ["vehicle_id"], "energy_needed", lambda w: w["energy_consumption"] * w["range"])

    class Config:
        description = "Table 9: battery energy requirements of bus and heavy-duty truck applications."


class BatteryScenarios(PublishedNumber):
    """Table 10 (and any scenario added beside it): cell metrics and cell-to-pack factors."""

    scenario_id: Series[str] = catalogue_field("scenario_id", str_matches=SLUG)
    year: Series[int] = catalogue_field("scenario_year")
    display_name: Series[str] = field("Name of the scenario for charts and tables (ours, not printed)")
    technology_id: Series[str] = catalogue_field(
        "technology_id",
        description="Technology the scenario's cells stand for (curated.technologies); a generic scenario "
        "(current lithium-ion, advanced 2030 cells) maps to a family-level technology",
    )

    unique_key = key_rule("scenario_id", "metric", name="one row per scenario and metric")

    @pa.dataframe_check(name="value of a sizing input is a number > 0 (cost >= 0) and within its upper bound")
    def value_sizing_input_positive(cls, df):
        return positive_numbers(df, SCENARIO_INPUTS)

    one_display_name = name_rule("scenario_id")

    @pa.dataframe_check(name="cell-to-pack ratios and cost factor are at least 1")
    def pack_overheads(cls, df):
        factors = df["metric"].isin(["gravimetric_cell_to_pack_ratio", "volumetric_cell_to_pack_ratio", "pack_cost_factor"])
        return ~factors | df["value"].isna() | (df["value"] >= 1)

    class Config:
        description = (
            "Battery scenarios for pack sizing: cell Wh/kg, Wh/L and $/kWh with cell-to-pack "
            "ratios. Table 10 gives 2024 and 2030; further scenarios can be added as files."
        )


class PublishedPackResults(PublishedNumber):
    """Table 11: pack mass, volume, cost and specific power as published."""

    vehicle_id: Series[str] = catalogue_field("vehicle_id", str_matches=SLUG)
    scenario_id: Series[str] = catalogue_field("scenario_id", str_matches=SLUG)

    unique_key = key_rule("vehicle_id", "scenario_id", "metric", name="one row per vehicle, scenario and metric")

    class Config:
        metadata = {
            "foreign_keys": {
                "vehicle_id": "vehicle_requirements.vehicle_id",
                "scenario_id": "battery_scenarios.scenario_id",
            }
        }
        description = "Table 11: published battery pack characteristics per vehicle in 2024 and 2030."


class ConstructionMachines(PublishedNumber):
    """Tables 12 and ES-2: electric construction machines."""

    machine_id: Series[str] = catalogue_field("machine_id", str_matches=SLUG)
    display_name: Series[str] = field("Name of the machine for charts and tables (ours, not printed)")
    machine_type: Series[str] = field("Machine type as printed")

    unique_key = key_rule("source_table", "machine_id", "metric", name="one row per table, machine and metric")

    @pa.dataframe_check(name="value of a sizing input is a number > 0 (motor power >= 0) and within its upper bound")
    def value_sizing_input_positive(cls, df):
        return positive_numbers(df, MACHINE_INPUTS)

    one_display_name = name_rule("machine_id")

    @pa.dataframe_check(name="Table 12 and Table ES-2 print the same value", raise_warning=True)
    def tables_agree(cls, df):
        return same_across_tables(df, ["machine_id", "metric"])

    class Config:
        description = "Tables 12 and ES-2: weight, battery energy, motor power and operating time of electric construction machines."
