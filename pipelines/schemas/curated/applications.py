"""Section 5: vehicles (Table 9), battery scenarios (Table 10), the published pack results
(Table 11) and construction machines (Tables 12 and ES-2)."""
from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import SLUG, PublishedNumber, derived_agrees, field, one_name_per_key, same_across_tables, unique_rows


class VehicleRequirements(PublishedNumber):
    """Table 9: energy per mile, range and battery energy per vehicle type."""

    vehicle_id: Series[str] = field("Vehicle type slug", str_matches=SLUG)
    display_name: Series[str] = field("Name of the vehicle type for charts and tables (ours, not printed)")
    driving_cycle: Series[str] = field("Driving cycle the consumption was simulated on, as printed")
    conditions: Series[str] = field("Condition printed with the value", nullable=True)

    @pa.dataframe_check(name="one display name per vehicle_id")
    def one_display_name(cls, df):
        return one_name_per_key(df, "vehicle_id")

    @pa.dataframe_check(name="one row per vehicle and metric")
    def unique_key(cls, df):
        return unique_rows(df, ["vehicle_id", "metric"])

    @pa.dataframe_check(name="energy needed ≈ kWh/mile × range", raise_warning=True)
    def energy_needed(cls, df):
        return derived_agrees(df, ["vehicle_id"], "energy_needed", lambda w: w["energy_consumption"] * w["range"])

    class Config:
        description = "Table 9: battery energy requirements of bus and heavy-duty truck applications."


class BatteryScenarios(PublishedNumber):
    """Table 10 (and any scenario added beside it): cell metrics and cell-to-pack factors."""

    scenario_id: Series[str] = field("Battery scenario slug", str_matches=SLUG)
    display_name: Series[str] = field("Name of the scenario for charts and tables (ours, not printed)")
    year: Series[int] = field("Year the scenario describes", ge=2000, le=2100)

    @pa.dataframe_check(name="one display name per scenario_id")
    def one_display_name(cls, df):
        return one_name_per_key(df, "scenario_id")

    @pa.dataframe_check(name="one row per scenario and metric")
    def unique_key(cls, df):
        return unique_rows(df, ["scenario_id", "metric"])

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

    vehicle_id: Series[str] = field("Vehicle type slug (curated.vehicle_requirements)", str_matches=SLUG)
    scenario_id: Series[str] = field("Battery scenario slug (curated.battery_scenarios)", str_matches=SLUG)

    @pa.dataframe_check(name="one row per vehicle, scenario and metric")
    def unique_key(cls, df):
        return unique_rows(df, ["vehicle_id", "scenario_id", "metric"])

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

    machine_id: Series[str] = field("Machine slug", str_matches=SLUG)
    display_name: Series[str] = field("Name of the machine for charts and tables (ours, not printed)")
    machine_type: Series[str] = field("Machine type as printed")

    @pa.dataframe_check(name="one display name per machine_id")
    def one_display_name(cls, df):
        return one_name_per_key(df, "machine_id")

    @pa.dataframe_check(name="one row per table, machine and metric")
    def unique_key(cls, df):
        return unique_rows(df, ["source_table", "machine_id", "metric"])

    @pa.dataframe_check(name="Table 12 and Table ES-2 print the same value", raise_warning=True)
    def tables_agree(cls, df):
        return same_across_tables(df, ["machine_id", "metric"])

    class Config:
        description = "Tables 12 and ES-2: weight, battery energy, motor power and operating time of electric construction machines."
