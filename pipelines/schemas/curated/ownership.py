"""Battery ownership assumptions per vehicle and construction machine (sources/ownership_assumptions/):
service life, annual use and usable depth of discharge, each an assumption with its basis."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import CuratedRows, catalogue_field, field, key_rule

BASES = ["report", "assumption"]


class OwnershipAssumptions(CuratedRows):
    vehicle_id: Series[str] = catalogue_field("vehicle_id", description="Vehicle (curated.vehicle_requirements); empty on a machine's row", nullable=True)
    machine_id: Series[str] = catalogue_field("machine_id", description="Construction machine (curated.construction_machines); empty on a vehicle's row", nullable=True)
    service_life: Series[float] = field("Years the vehicle or machine is kept in service", unit="years", gt=0, bounds=(0, 60))
    annual_distance: Series[float] = field("Miles a vehicle drives per year; empty for a machine", unit="miles", nullable=True, gt=0, bounds=(0, 500_000))
    annual_operating_hours: Series[float] = field("Hours a machine works per year; empty for a vehicle", unit="h", nullable=True, gt=0, le=8760)
    usable_depth_of_discharge: Series[float] = field("Share of the pack's energy used per full cycle", unit="ratio", gt=0, le=1)
    basis: Series[str] = field("report (the report states it) or assumption (the data team's)", isin=BASES)
    provenance: Series[str] = field("Where the figures come from, in our own words")
    note: Series[str] = catalogue_field("note")

    unique_key = key_rule("vehicle_id", "machine_id", name="one row per vehicle or machine")

    @pa.dataframe_check(name="a vehicle row gives annual_distance, a machine row annual_operating_hours (exactly one id)")
    def one_asset(cls, df: pd.DataFrame) -> pd.Series:
        vehicle, machine = df["vehicle_id"].notna(), df["machine_id"].notna()
        return (vehicle ^ machine) & (~vehicle | df["annual_distance"].notna()) & (~machine | df["annual_operating_hours"].notna())

    class Config:
        description = (
            "Battery cost of ownership inputs per vehicle and construction machine: service life, annual miles or "
            "operating hours and usable depth of discharge; basis says whether the report states them or they are assumed."
        )


class CycleLifeFallbacks(CuratedRows):
    technology_id: Series[str] = catalogue_field(
        "technology_id", description="Technology (curated.technologies) no cycle-life claim covers; its products take the same fallback"
    )
    from_family: Series[str] = field(
        "Technology family (curated.technologies.family) whose cycle-life claims feed the technology's cycle life, "
        "each claim an equal-weight component of the mixture"
    )
    provenance: Series[str] = field("Why this family stands in for the technology, in our own words (an assumption of the data team)")
    note: Series[str] = catalogue_field("note")

    unique_key = key_rule("technology_id", "from_family", name="one row per technology and family")

    class Config:
        metadata = {"foreign_keys": {"from_family": "technologies.family"}}
        description = (
            "Cycle-life fallback of the battery cost of ownership: for a technology (and its products) with no cycle-life "
            "claim for itself, its technology or its family, the families whose cycle-life claims feed it instead; "
            "an assumption, labelled cycle_life_basis = assumption in the output."
        )
