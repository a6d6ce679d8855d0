"""Inputs of the sizing layer (Section 5) beyond Tables 9-12: peak power per vehicle, charger
classes, example fleets, scenario uncertainty ranges, the numeric claims of Section 5's text,
the curated reconciliation notes and the years to interpolate scenarios for."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import (
    DERIVED,
    SLUG,
    CuratedRows,
    PublishedNumber,
    calibrated_against_field,
    catalogue_field,
    field,
    key_rule,
    within_physical_bounds,
)
from pipelines.schemas.curated.applications import SCENARIO_INPUTS
from pipelines.schemas.published_values import parse_published
from pipelines.schemas.vocabulary import (
    ASSET_TYPES,
    CLAIM_STATISTICS,
    PACK_QUANTITIES,
    SCENARIO_DISTRIBUTIONS,
    SCENARIO_METRICS,
)

CHARGING_MODES = ["overnight", "work_break"]
DISTRIBUTIONS = list(SCENARIO_DISTRIBUTIONS)
# Canonical unit of each scenario metric (as in sources/metrics/): an uncertainty range is
# given in the unit the scenario itself is stored in.
SCENARIO_METRIC_UNITS = {
    "cell_gravimetric_energy_density": "Wh/kg",
    "cell_volumetric_energy_density": "Wh/L",
    "cell_cost": "USD/kWh",
    "gravimetric_cell_to_pack_ratio": "ratio",
    "volumetric_cell_to_pack_ratio": "ratio",
    "pack_cost_factor": "ratio",
}
assert set(SCENARIO_METRIC_UNITS) == set(SCENARIO_METRICS)
# Physical ranges of the power and energy columns (100 MW, 100 MWh: far above any vehicle,
# machine or depot charger; they stop a unit slip and an overflow).
MAX_KW = (0, 100_000)
MAX_KWH = (0, 100_000)



class VehiclePeakPower(CuratedRows):
    """Peak battery power per vehicle, inferred from Table 11 (W/kg x kg)."""

    vehicle_id: Series[str] = catalogue_field("vehicle_id", str_matches=SLUG)
    peak_power_kw: Series[float] = field(
        "Peak power the vehicle draws from its battery, the round figure behind Table 11's W/kg",
        unit="kW",
        gt=0,
        bounds=MAX_KW,
    )
    unit: Series[str] = field("Unit of peak_power_kw as typed (must be kW)", isin=["kW"])
    provenance: Series[str] = field("How the peak power was obtained (it is not printed in the report)")
    reason: Series[str] = field(
        "Why this figure was chosen, in our own words, with the Table 11 products (W/kg x kg) it rests on; "
        "quality.reconciliation checks them: the Table 11 specific powers it was fitted to (calibrated_against)"
    )
    calibrated_against: Series[str] = calibrated_against_field()
    section: Series[str] = catalogue_field("section", description="Report section the inference draws on")
    source_table: Series[str] = catalogue_field("source_table", description="Report table the inference draws on", nullable=True)
    reference_ids: Series[str] = catalogue_field("reference_ids", nullable=True)

    unique_key = key_rule("vehicle_id", name="one row per vehicle")

    class Config:
        metadata = {"foreign_keys": {"vehicle_id": "vehicle_requirements.vehicle_id"}}
        description = (
            "Peak battery power per vehicle application, not printed in the report but recovered from "
            "Table 11 (specific power x pack mass); used for the specific power of every sized pack."
        )


class ChargerClasses(CuratedRows):
    """Section 5.3: charger classes for construction machines, applicability encoded as data."""

    charger_id: Series[str] = field("Charger class slug", str_matches=SLUG)
    label: Series[str] = field("Readable name of the charger class")
    published_text: Series[str] = catalogue_field("published_text", description="The charger power exactly as printed, without unit")
    published_unit: Series[str] = catalogue_field("published_unit", description="The unit of the power exactly as printed", nullable=False)
    power_kw: Series[float] = field("Rated output power of the charger class", unit="kW", gt=0, bounds=MAX_KW)
    unit: Series[str] = field("Unit of power_kw (must be kW)", isin=["kW"])
    charger_type: Series[str] = field("AC Level 2 or DC")
    applicability: Series[str] = field("The situation the report recommends the class for, paraphrased")
    charging_modes: Series[str] = field(
        "Charging modes the class may serve, ';'-separated subset of " + ", ".join(CHARGING_MODES),
        str_matches=r"^(" + "|".join(CHARGING_MODES) + r")(;(" + "|".join(CHARGING_MODES) + r"))*$",
    )
    battery_kwh_min: Series[float] = field(
        "Smallest battery the class applies to (inclusive); empty for no lower limit", unit="kWh", nullable=True, ge=0, bounds=MAX_KWH
    )
    battery_kwh_max: Series[float] = field(
        "Battery size the class stops applying at (exclusive); empty for no upper limit", unit="kWh", nullable=True, gt=0, bounds=MAX_KWH
    )
    battery_kwh_unit: Series[str] = field("Unit of the battery limits (must be kWh)", isin=["kWh"])
    section: Series[str] = catalogue_field("section", description="Report section the class comes from")
    source_table: Series[str] = catalogue_field("source_table", description="Report table, if any", nullable=True)
    reference_ids: Series[str] = catalogue_field("reference_ids", nullable=True)
    note: Series[str] = catalogue_field("note")

    unique_key = key_rule("charger_id", name="one row per charger class")

    @pa.dataframe_check(name="power_kw equals the printed power")
    def power_as_printed(cls, df):
        printed = parse_published(df["published_text"])["value"]
        return df["published_unit"].eq("kW") & ((printed - df["power_kw"]).abs() <= 1e-9)

    @pa.dataframe_check(name="battery_kwh_min below battery_kwh_max")
    def limits_ordered(cls, df):
        return df["battery_kwh_min"].isna() | df["battery_kwh_max"].isna() | (df["battery_kwh_min"] < df["battery_kwh_max"])

    class Config:
        description = (
            "Section 5.3: the charger classes named for construction machines (Level 2 20 kW, DC 50 kW, "
            "DC 300 kW) with the battery sizes and charging modes each applies to."
        )


class Fleets(CuratedRows):
    """Illustrative depot fleets: one file per fleet, one row per asset line."""

    fleet_id: Series[str] = field("Fleet name: the stem of the file the line was read from", origin=DERIVED)
    asset_type: Series[str] = field("vehicle or machine", isin=ASSET_TYPES)
    asset_id: Series[str] = field(
        "vehicle_id (curated.vehicle_requirements) or machine_id (curated.construction_machines)", str_matches=SLUG
    )
    count: Series[int] = field("Number of such assets in the fleet (a whole, non-negative number)", ge=0)
    daily_miles: Series[float] = field("Miles a vehicle drives per day (vehicles only)", unit="miles", nullable=True, ge=0, bounds=(0, 10_000))
    daily_hours: Series[float] = field("Hours a machine works per day (machines only)", unit="h", nullable=True, ge=0, le=24)
    charging_window_h: Series[float] = field(
        "Hours the depot has to recharge the day's energy", unit="h", gt=0, le=24
    )
    distance_unit: Series[str] = field("Unit of daily_miles (must be miles)", isin=["miles"])
    time_unit: Series[str] = field("Unit of daily_hours and charging_window_h (must be h)", isin=["h"])
    illustrative: Series[bool] = field("True when the line is made up for illustration, not taken from the report")
    provenance: Series[str] = field("Where the counts and duty come from")
    note: Series[str] = catalogue_field("note")

    unique_key = key_rule("fleet_id", "asset_type", "asset_id", name="one row per fleet, asset type and asset")

    @pa.dataframe_check(name="vehicles give daily_miles, machines give daily_hours")
    def duty_given(cls, df):
        vehicle = df["asset_type"].eq("vehicle")
        return (vehicle & df["daily_miles"].notna()) | (~vehicle & df["daily_hours"].notna())

    class Config:
        description = (
            "Example depot fleets for fleet sizing (ILLUSTRATIVE, not from the report): asset counts, "
            "daily miles or hours and the charging window; each file of sources/fleets/ is one fleet."
        )


class ScenarioUncertainty(CuratedRows):
    """Low / most likely / high of scenario metrics, for Monte Carlo pack sizing."""

    scenario_id: Series[str] = catalogue_field("scenario_id", str_matches=SLUG)
    metric: Series[str] = catalogue_field("metric", description="Scenario metric the range applies to: " + ", ".join(SCENARIO_METRICS), isin=list(SCENARIO_METRICS))
    low: Series[float] = field("Lowest plausible value, in the row's `unit` (empty for a fixed metric)", nullable=True)
    mode: Series[float] = field("Most likely value, in the row's `unit` (empty for a uniform range)", nullable=True)
    high: Series[float] = field("Highest plausible value, in the row's `unit` (empty for a fixed metric)", nullable=True)
    unit: Series[str] = field("Unit of low, mode and high: the metric's canonical unit")
    distribution: Series[str] = field("Sampling distribution: " + ", ".join(DISTRIBUTIONS), isin=DISTRIBUTIONS)
    provenance: Series[str] = field("Which report figures the bounds come from")
    section: Series[str] = catalogue_field("section", description="Report sections the bounds come from, ';'-separated")
    source_table: Series[str] = catalogue_field("source_table", description="Report tables the bounds come from, ';'-separated", nullable=True)
    reference_ids: Series[str] = catalogue_field("reference_ids", nullable=True)
    note: Series[str] = catalogue_field("note")

    unique_key = key_rule("scenario_id", "metric", name="one row per scenario and metric")

    @pa.dataframe_check(name="low <= mode <= high")
    def ordered(cls, df):
        ok = df["low"].isna() | df["high"].isna() | (df["low"] <= df["high"])
        ok &= df["low"].isna() | df["mode"].isna() | (df["low"] <= df["mode"])
        return ok & (df["mode"].isna() | df["high"].isna() | (df["mode"] <= df["high"]))

    @pa.dataframe_check(name="the distribution's parameters are given")
    def parameters_given(cls, df):
        dist = df["distribution"]
        has = {c: df[c].notna() for c in ("low", "mode", "high")}
        triangular = dist.eq("triangular") & has["low"] & has["mode"] & has["high"]
        uniform = dist.eq("uniform") & has["low"] & has["high"]
        fixed = dist.eq("fixed") & has["mode"]
        return triangular | uniform | fixed

    @pa.dataframe_check(name="unit is the metric's canonical unit")
    def unit_of_metric(cls, df):
        return df["unit"].eq(df["metric"].map(SCENARIO_METRIC_UNITS))

    @pa.dataframe_check(name="densities and ratios positive, costs non-negative, all within the scenario metric's upper bound")
    def positive(cls, df):
        cost = df["metric"].eq("cell_cost")
        high = df["metric"].map({m: h for m, (h, _) in SCENARIO_INPUTS.items()}).astype(float)
        ok = pd.Series(True, index=df.index)
        for c in ("low", "mode", "high"):
            v = df[c]
            ok &= v.isna() | (v > 0) | (cost & (v >= 0))
            ok &= v.isna() | (v <= high)
            ok &= within_physical_bounds(v, df["unit"])
        return ok

    class Config:
        metadata = {"foreign_keys": {"scenario_id": "battery_scenarios.scenario_id"}}
        description = (
            "Uncertainty ranges (low, most likely, high and distribution) of the battery-scenario metrics, "
            "for the Monte Carlo pack sizing; metrics without a row are held at their scenario value."
        )


class ApplicationClaims(PublishedNumber):
    """Numbers stated in the prose of Section 5 (packs, costs, power, charging)."""

    claim_id: Series[str] = catalogue_field("claim_id", str_matches=SLUG)
    subject: Series[str] = field("What the claim is about, in our words")
    conditions: Series[str] = field("Condition or basis printed with the value", nullable=True)
    technology_id: Series[str] = catalogue_field(
        "technology_id", description="Technology a cost claim is about (curated.technologies); empty where the claim names none",
        nullable=True,
    )

    unique_key = key_rule("claim_id", name="one row per claim")

    class Config:
        description = (
            "Numeric statements in the text of Section 5 (pack size and cost trends, power needs, the "
            "500-mile inter-city bus, charging of construction machines), as printed and parsed."
        )


class ClaimRecomputations(CuratedRows):
    """Which Section 5 claims the sizing recomputes, and how (read by quality.reconciliation)."""

    claim_id: Series[str] = catalogue_field("claim_id", description="The claim recomputed (curated.application_claims)")
    statistic: Series[str] = field(
        "How the sizing recomputes it: " + "; ".join(f"{k}: {v}" for k, v in CLAIM_STATISTICS.items()),
        isin=list(CLAIM_STATISTICS),
    )
    quantities: Series[str] = field(
        "Pack quantities of sizing.vehicle_packs the claim is about, ';'-separated subset of "
        + ", ".join(PACK_QUANTITIES)
        + " (one reconciliation row each: row_key '<claim_id>/<quantity>' where there are several)",
        str_matches=r"^(" + "|".join(PACK_QUANTITIES) + r")(;(" + "|".join(PACK_QUANTITIES) + r"))*$",
    )
    scenario_id: Series[str] = catalogue_field(
        "scenario_id", description="Battery scenario the pack is sized in; for a comparison, the one compared from"
    )
    compared_scenario_id: Series[str] = catalogue_field(
        "scenario_id", description="Battery scenario compared with (every statistic but pack_for_range)", nullable=True
    )
    vehicle_id: Series[str] = catalogue_field("vehicle_id", description="Vehicle sized (pack_for_range only)", nullable=True)
    range_claim_id: Series[str] = catalogue_field(
        "claim_id", description="The claim giving the range the pack is sized for (pack_for_range only)", nullable=True
    )
    note: Series[str] = catalogue_field("note")

    unique_key = key_rule("claim_id", name="one row per claim")

    @pa.dataframe_check(name="pack_for_range names one quantity, a vehicle and a range claim; a comparison names the compared scenario")
    def arguments_given(cls, df):
        sized = df["statistic"].eq("pack_for_range")
        one_quantity = ~df["quantities"].str.contains(";", regex=False)
        sized_ok = one_quantity & df["vehicle_id"].notna() & df["range_claim_id"].notna() & df["compared_scenario_id"].isna()
        return sized_ok.where(sized, df["compared_scenario_id"].notna())

    class Config:
        metadata = {
            "foreign_keys": {
                "claim_id": "application_claims.claim_id",
                "range_claim_id": "application_claims.claim_id",
                "vehicle_id": "vehicle_requirements.vehicle_id",
                "scenario_id": "battery_scenarios.scenario_id",
                "compared_scenario_id": "battery_scenarios.scenario_id",
            }
        }
        description = (
            "The Section 5 text claims the pack sizing recomputes, each with the statistic, pack quantities, "
            "scenarios and (for a pack sized for a claimed range) vehicle it is recomputed from; "
            "quality.reconciliation compares them with the printed values."
        )


class ReconciliationNotes(CuratedRows):
    """Why a published number is not reproduced, one row per (table, row, column)."""

    source_table: Series[str] = catalogue_field("source_table", description="Report table of the number (or 'Section 5.2' for a text claim)", nullable=False)
    row_key: Series[str] = field(
        "Row of that table: cell_id, vehicle_id/scenario_id, or the claim_id of a text claim",
        str_matches=r"^[a-z0-9_]+(/[a-z0-9_]+)?$",
    )
    column_name: Series[str] = field("Column of that table as a metric slug", str_matches=SLUG)
    note: Series[str] = field("The explanation, in our own words")
    not_comparable: Series[str] = field(
        "Where the printed unit cannot be the unit of the quantity, why: reconciliation then gives no percent "
        "deviation for the number (empty where the percent is meaningful)",
        nullable=True,
    )

    unique_key = key_rule("source_table", "row_key", "column_name", name="one note per table, row and column")

    class Config:
        description = (
            "Curated explanations of published numbers our recomputation does not reproduce, joined "
            "onto quality.reconciliation by (source_table, row_key, column_name)."
        )


class ScenarioYears(CuratedRows):
    """Years to interpolate the Table 10 scenarios at."""

    year: Series[int] = field("Year to interpolate between the two scenarios named in curated.analysis_settings", ge=2000, le=2100)
    note: Series[str] = catalogue_field("note", description="Why the year is requested, in our own words")

    unique_key = key_rule("year", name="one row per year")

    class Config:
        description = (
            "Years for which vehicle and machine pack sizing adds a scenario interpolated linearly "
            "between the 2024 and 2030 scenarios of Table 10 (scenario_id interpolated_<year>)."
        )
