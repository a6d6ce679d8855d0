"""sizing.technology_cells / technology_packs / technology_machine_packs: every vehicle and
construction machine sized with each technology's (and product's) claimed cells, with Monte Carlo
percentiles and feasibility (pipelines/compute/technology_packs.py)."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import DERIVED, SLUG, ComputedTable, catalogue_field, field, key_rule
from pipelines.schemas.vocabulary import CELL_PROPERTIES

SUBJECT_TYPES = ["technology", "product"]
PROBABILITY = (0.0, 1.0)


def d(description: str, unit: str | None = None, **checks):
    """A computed column."""
    return field(description, unit=unit, origin=DERIVED, **checks)


class TechnologyCells(ComputedTable):
    subject_type: Series[str] = d("technology (all its claims) or product (the claims about that product)", isin=SUBJECT_TYPES)
    subject_id: Series[str] = d("technology_id (curated.technologies) or product_id (curated.products)", str_matches=SLUG)
    property: Series[str] = d("Cell property: " + ", ".join(CELL_PROPERTIES), isin=list(CELL_PROPERTIES))
    technology_id: Series[str] = catalogue_field("technology_id", description="Technology of the subject (curated.technologies)", origin=DERIVED)
    product_id: Series[str] = catalogue_field("product_id", description="Product, for a product subject (curated.products)", origin=DERIVED, nullable=True)
    family: Series[str] = d("Technology family (curated.technologies.family): picks the cell-to-pack ratios")
    unit: Series[str] = d("Unit of value, low and high", isin=["Wh/kg", "Wh/L", "USD/kWh"])
    value: Series[float] = catalogue_field("value", description="Mean best value (value_best) of the feeding claims, in `unit`; null when none is claimed", ge=0, bounds=(0, 20_000))
    low: Series[float] = d("Lowest end of the feeding claims' intervals (curated.claim_uncertainty rule), in `unit`", nullable=True, ge=0, bounds=(0, 20_000))
    high: Series[float] = d("Highest end of the feeding claims' intervals, in `unit`", nullable=True, ge=0, bounds=(0, 20_000))
    claim_count: Series[int] = d("How many claims feed the property (each an equal-weight component of its distribution)", ge=0)
    claim_ids: Series[str] = d("The feeding claims (curated.cell_claims), ';'-separated", nullable=True)
    overridden: Series[bool] = d("True when sources/technology_cell_overrides/ chose the claims instead of the default")
    missing_properties: Series[str] = d(
        "Energy densities the subject's claims lack (';'-separated); null when the subject can be sized", nullable=True
    )
    inferred: Series[bool] = d("True when value, low and high are inferred, not claimed (pipelines/compute/inference.py: the family's cell density)")
    inferred_basis: Series[str] = d("How an inferred value was obtained: the family's sized technologies and their kg/L", nullable=True)
    sizable: Series[bool] = d("True when the subject has both cell energy densities (claimed, or one inferred) and is sized")

    unique_key = key_rule("subject_type", "subject_id", "property", name="one row per subject and cell property")

    @pa.dataframe_check(name="low <= value <= high")
    def ordered(cls, df: pd.DataFrame) -> pd.Series:
        return df["value"].isna() | ((df["low"] <= df["value"] + 1e-9) & (df["value"] <= df["high"] + 1e-9))

    class Config:
        description = (
            "Cell values of every technology and product of the claims database for pack sizing: which claims feed "
            "each property (all of them by default, an analyst override otherwise), their mean best value and range; "
            "subjects lacking an energy density are listed here with what they lack, not dropped."
        )
        metadata = {
            "grain": "one row per technology or product with a claim and cell property",
            "provenance": (
                "pipelines/assets/technology_packs.py build_technology_cells over curated.cell_claims, "
                "curated.technology_cell_overrides and curated.claim_uncertainty"
            ),
            "foreign_keys": {"technology_id": "technologies.technology_id", "product_id": "products.product_id"},
        }


def _p(what: str, unit: str, nullable: bool = False):
    return {
        f"p{p}": d(f"{label} of the {what}, Monte Carlo", unit, nullable=nullable, ge=0)
        for p, label in (("5", "5th percentile"), ("50", "Median"), ("95", "95th percentile"))
    }


class TechnologyPackBase(ComputedTable):
    subject_type: Series[str] = d("technology or product (sizing.technology_cells)", isin=SUBJECT_TYPES)
    subject_id: Series[str] = d("technology_id or product_id whose claimed cells build the pack", str_matches=SLUG)
    technology_id: Series[str] = catalogue_field("technology_id", description="Technology of the subject (curated.technologies)", origin=DERIVED)
    product_id: Series[str] = catalogue_field("product_id", description="Product, for a product subject (curated.products)", origin=DERIVED, nullable=True)
    family: Series[str] = d("Technology family: picks the cell-to-pack ratios (curated.technology_pack_ratios)")
    inferred_properties: Series[str] = d(
        "Cell properties inferred rather than claimed (sizing.technology_cells.inferred_basis says how), ';'-separated; null: all claimed",
        nullable=True,
    )
    battery_energy: Series[float] = d("Battery energy the pack holds", "kWh", ge=0, bounds=(0, 100_000))
    cell_gravimetric_energy_density: Series[float] = d("Cell energy per kg used: mean best value of the feeding claims", "Wh/kg", gt=0)
    cell_volumetric_energy_density: Series[float] = d("Cell energy per litre used: mean best value of the feeding claims", "Wh/L", gt=0)
    cell_cost: Series[float] = d("Cell cost per kWh used; null when no cost is claimed", "USD/kWh", nullable=True, ge=0)
    gravimetric_cell_to_pack_ratio: Series[float] = d("Cell Wh/kg over pack Wh/kg of the family (central value)", "ratio", gt=0)
    volumetric_cell_to_pack_ratio: Series[float] = d("Cell Wh/L over pack Wh/L of the family (central value)", "ratio", gt=0)
    pack_cost_factor: Series[float] = d("Pack $/kWh over cell $/kWh of the family (central value)", "ratio", gt=0)
    pack_mass_p5: Series[float] = d("5th percentile of the pack mass", "kg", ge=0)
    pack_mass_p50: Series[float] = d("Median pack mass", "kg", ge=0)
    pack_mass_p95: Series[float] = d("95th percentile of the pack mass", "kg", ge=0)
    pack_volume_p5: Series[float] = d("5th percentile of the pack volume", "L", ge=0)
    pack_volume_p50: Series[float] = d("Median pack volume", "L", ge=0)
    pack_volume_p95: Series[float] = d("95th percentile of the pack volume", "L", ge=0)
    pack_cost_p5: Series[float] = d("5th percentile of the pack cost; null without a claimed cell cost", "USD", nullable=True, ge=0)
    pack_cost_p50: Series[float] = d("Median pack cost; null without a claimed cell cost", "USD", nullable=True, ge=0)
    pack_cost_p95: Series[float] = d("95th percentile of the pack cost; null without a claimed cell cost", "USD", nullable=True, ge=0)
    max_pack_mass: Series[float] = d("Heaviest pack the asset can carry (curated.pack_limits)", "kg", gt=0, bounds=(0, 100_000))
    max_pack_volume: Series[float] = d("Largest pack volume the asset can hold (curated.pack_limits)", "L", gt=0, bounds=(0, 100_000))
    limit_basis: Series[str] = d("report or assumption: where the limits come from (curated.pack_limits)", isin=["report", "assumption"])
    feasible_probability: Series[float] = d(
        "Share of Monte Carlo samples whose pack is within both the mass and the volume limit", bounds=PROBABILITY
    )
    n_samples: Series[int] = d("Monte Carlo draws per subject (shared by every asset: common random numbers)", gt=0)
    seed: Series[int] = d("Seed of the numpy random generator (same seed, same numbers)", ge=0)

    @pa.dataframe_check(name="p5 <= p50 <= p95")
    def ordered(cls, df: pd.DataFrame) -> pd.Series:
        ok = pd.Series(True, index=df.index)
        for q in ("pack_mass", "pack_volume", "pack_cost", "operating_hours_same_mass"):
            if f"{q}_p5" in df.columns:
                lo, mid, hi = (df[f"{q}_p{p}"] for p in ("5", "50", "95"))
                tol = 1e-9 * hi.abs().fillna(0)
                ok &= lo.isna() | ((lo <= mid + tol) & (mid <= hi + tol))
        return ok


_GRAIN = "one row per {asset} and technology or product that claims both cell energy densities"
_PROV = (
    "pipelines/compute/technology_packs.py size_subjects (pack_sizing of pipelines/compute/sizing.py) over "
    "sizing.technology_cells, curated.technology_pack_ratios, curated.claim_uncertainty, curated.pack_limits and {more}"
)


class TechnologyPacks(TechnologyPackBase):
    vehicle_id: Series[str] = catalogue_field("vehicle_id", description="Vehicle type (curated.vehicle_requirements)", origin=DERIVED, str_matches=SLUG)

    unique_key = key_rule("vehicle_id", "subject_type", "subject_id", name="one row per vehicle and subject")

    class Config:
        description = (
            "Battery pack of every vehicle of Table 9 built with each technology's (and product's) claimed cells and "
            "its family's cell-to-pack ratios: mass, volume and cost as 5th/50th/95th percentiles of a Monte Carlo "
            "over the claims' ranges, and the probability the pack fits the vehicle's limits."
        )
        metadata = {"grain": _GRAIN.format(asset="vehicle"), "provenance": _PROV.format(more="curated.vehicle_requirements")}


class TechnologyMachinePacks(TechnologyPackBase):
    machine_id: Series[str] = catalogue_field("machine_id", description="Construction machine (curated.construction_machines)", origin=DERIVED, str_matches=SLUG)
    machine_type: Series[str] = d("Machine type as printed in Table 12")
    operating_time: Series[float] = d("Hours the machine works on one charge today (Table 12)", "h", gt=0)
    average_power: Series[float] = d("Average power drawn while working: energy / operating time", "kW", ge=0, bounds=(0, 100_000))
    baseline_scenario_id: Series[str] = d("Scenario whose pack mass is held fixed for the same-mass columns (curated.analysis_settings)")
    baseline_pack_mass: Series[float] = d("Mass of the machine's pack with the baseline scenario's cells", "kg", ge=0)
    operating_hours_same_mass_p5: Series[float] = d("5th percentile of the hours of work a pack of the baseline mass gives", "h", ge=0)
    operating_hours_same_mass_p50: Series[float] = d("Median hours of work a pack of the baseline mass gives", "h", ge=0)
    operating_hours_same_mass_p95: Series[float] = d("95th percentile of those hours", "h", ge=0)
    workday_hours: Series[float] = d("Workday of curated.analysis_settings", "h", gt=0, le=24)
    covers_workday: Series[bool] = d("True when the median same-mass operating hours reach the workday")
    workday_probability: Series[float] = d("Share of samples whose same-mass pack covers the workday", bounds=PROBABILITY)

    unique_key = key_rule("machine_id", "subject_type", "subject_id", name="one row per machine and subject")

    class Config:
        description = (
            "Battery of every construction machine of Table 12 built with each technology's (and product's) claimed "
            "cells: pack mass, volume and cost for its kWh as percentiles, the probability it fits the machine's "
            "limits, and the hours of work a pack of today's mass gives and whether it covers the workday."
        )
        metadata = {
            "grain": _GRAIN.format(asset="machine"),
            "provenance": _PROV.format(more="curated.construction_machines and curated.analysis_settings"),
        }
