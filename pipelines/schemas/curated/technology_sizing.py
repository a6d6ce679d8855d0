"""Inputs of technology pack sizing (sizing.technology_packs): the claims an analyst picks for a
technology's cell values, the cell-to-pack ratios per technology family, the rule that turns a
claim into a distribution, and the largest pack each vehicle and machine can carry."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import SLUG, SOURCE, CuratedRows, catalogue_field, field, key_rule
from pipelines.schemas.published_values import QUALIFIERS
from pipelines.schemas.vocabulary import CELL_PROPERTIES, PACK_RATIOS, READINESS_STAGES

LIMIT_BASES = ["report", "assumption"]


class TechnologyCellOverrides(CuratedRows):
    technology_id: Series[str] = catalogue_field(
        "technology_id", description="Technology whose cell property is overridden (curated.technologies)", str_matches=SLUG
    )
    product_id: Series[str] = catalogue_field(
        "product_id", description="Product the override applies to (curated.products); empty for the technology itself"
    )
    property: Series[str] = field("Cell property: " + ", ".join(CELL_PROPERTIES), isin=list(CELL_PROPERTIES))
    claim_ids: Series[str] = field("The claims (curated.cell_claims) that feed the property instead, ';'-separated")
    reason: Series[str] = field("Why the analyst disagrees with the default, in our own words")
    note: Series[str] = catalogue_field("note")

    unique_key = key_rule("technology_id", "product_id", "property", name="one row per technology or product and property")

    class Config:
        metadata = {"foreign_keys": {"claim_ids": "cell_claims.claim_id"}}
        description = (
            "Analyst overrides of which claims feed a technology's (or product's) cell property in "
            "technology pack sizing; without a row every claim of the property feeds it."
        )


class TechnologyPackRatios(CuratedRows):
    family: Series[str] = field("Technology family (curated.technologies.family)", str_matches=SLUG)
    metric: Series[str] = catalogue_field("metric", description="Ratio: " + ", ".join(PACK_RATIOS), isin=PACK_RATIOS)
    scenario_id: Series[str] = catalogue_field(
        "scenario_id", description="Table 10 scenario (curated.battery_scenarios) whose ratio is the default"
    )
    value: Series[float] = field(
        "Ratio replacing the scenario's; empty to take the scenario's Table 10 value", unit="ratio", nullable=True, gt=0, bounds=(0, 100)
    )
    low: Series[float] = field("Lower end of the ratio's uniform range; empty (with high) for a fixed ratio", unit="ratio", nullable=True, gt=0, bounds=(0, 100))
    high: Series[float] = field("Upper end of the ratio's uniform range", unit="ratio", nullable=True, gt=0, bounds=(0, 100))
    provenance: Series[str] = field("Where the ratio and its range come from")
    note: Series[str] = catalogue_field("note")

    unique_key = key_rule("family", "metric", name="one row per family and ratio")

    @pa.dataframe_check(name="low and high given together, low <= high")
    def range_given(cls, df: pd.DataFrame) -> pd.Series:
        both = df["low"].notna() & df["high"].notna()
        return (both & (df["low"] <= df["high"])) | (df["low"].isna() & df["high"].isna())

    class Config:
        metadata = {"foreign_keys": {"family": "technologies.family", "scenario_id": "battery_scenarios.scenario_id"}}
        description = (
            "Cell-to-pack ratios (gravimetric, volumetric) and pack cost factor per technology family: the "
            "Table 10 scenario they default to, an optional replacement value and a uniform uncertainty range."
        )


class ClaimUncertainty(CuratedRows):
    qualifier: Series[str] = catalogue_field("qualifier", description="Qualifier of a printed number: " + ", ".join(QUALIFIERS), origin=SOURCE)
    low_factor: Series[float] = field("Lower end of the uniform range as a multiple of the claim's best value", unit="ratio", gt=0, bounds=(0, 10))
    high_factor: Series[float] = field("Upper end as a multiple of the claim's best value", unit="ratio", gt=0, bounds=(0, 10))
    provenance: Series[str] = field("Who chose the factors")
    note: Series[str] = catalogue_field("note", description="What the rule means, in our own words")

    unique_key = key_rule("qualifier", name="one row per qualifier")

    @pa.dataframe_check(name="low_factor <= 1 <= high_factor")
    def brackets_best(cls, df: pd.DataFrame) -> pd.Series:
        return (df["low_factor"] <= 1) & (df["high_factor"] >= 1)

    class Config:
        description = (
            "The rule turning a claim into a uniform input distribution, by qualifier: a printed range is "
            "uniform between its ends, any other claim between value_best x low_factor - precision and "
            "value_best x high_factor + precision."
        )


class PackLimits(CuratedRows):
    vehicle_id: Series[str] = catalogue_field(
        "vehicle_id", description="Vehicle (curated.vehicle_requirements); empty on a machine's row", nullable=True, str_matches=SLUG
    )
    machine_id: Series[str] = catalogue_field(
        "machine_id", description="Construction machine (curated.construction_machines); empty on a vehicle's row", nullable=True,
        str_matches=SLUG,
    )
    max_pack_mass: Series[float] = field("Heaviest battery pack the asset can carry", unit="kg", gt=0, bounds=(0, 100_000))
    max_pack_volume: Series[float] = field("Largest battery pack volume the asset can hold", unit="L", gt=0, bounds=(0, 100_000))
    required_stage: Series[str] = field(
        "Readiness a technology or product must reach by a scenario year for the asset's pack to count as buildable "
        "that year (sources/technology_readiness/): " + ", ".join(READINESS_STAGES), isin=READINESS_STAGES,
    )
    basis: Series[str] = field("report (the report states the limit) or assumption (the data team's)", isin=LIMIT_BASES)
    provenance: Series[str] = field("Where the limit comes from")
    section: Series[str] = catalogue_field("section", description="Locator: report sections the limit draws on, ';'-separated")
    source_table: Series[str] = catalogue_field(
        "source_table", description="Locator: report tables the limit draws on, ';'-separated"
    )
    note: Series[str] = catalogue_field("note")

    unique_key = key_rule("vehicle_id", "machine_id", name="one row per vehicle or machine")

    @pa.dataframe_check(name="exactly one of vehicle_id and machine_id")
    def one_asset(cls, df: pd.DataFrame) -> pd.Series:
        return df["vehicle_id"].notna() ^ df["machine_id"].notna()

    class Config:
        description = (
            "Largest battery pack (mass and volume) each vehicle and construction machine can carry, for the "
            "feasibility of technology packs; basis says whether the report states it or it is an assumption."
        )
