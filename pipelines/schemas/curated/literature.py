"""Section 3 and 4.2 overview tables: Tables 3, 4, 5 and 8."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import DERIVED, CuratedRows, PublishedNumber, catalogue_field, field, key_rule, recomputed_beside

CHEMISTRIES = ["sodium_ion", "lithium_ion"]


class TechnologyOverview(CuratedRows):
    """Table 3: advantages, challenges, uses and electrodes of five technologies."""

    technology_id: Series[str] = catalogue_field("technology_id", unique=True)
    technology: Series[str] = field("Technology as printed")
    advantages: Series[str] = field("Advantages as printed in the table")
    challenges: Series[str] = field("Challenges as printed in the table")
    application_scenarios: Series[str] = field("Typical applications as printed in the table")
    electrode: Series[str] = field("Electrode materials as printed in the table")
    document_id: Series[str] = catalogue_field("document_id")
    section: Series[str] = catalogue_field("section")
    source_table: Series[str] = catalogue_field("source_table", nullable=False)
    reference_ids: Series[str] = catalogue_field("reference_ids")

    class Config:
        description = "Table 3: qualitative overview of advanced battery technologies."


class SodiumVsLithium(PublishedNumber):
    """Table 4: sodium-ion vs lithium-ion, one row per criterion and chemistry."""

    criterion: Series[str] = field("Comparison criterion (slug of the table row)")
    chemistry: Series[str] = field("sodium_ion or lithium_ion", isin=CHEMISTRIES)
    technology_id: Series[str] = catalogue_field("technology_id")
    conditions: Series[str] = field("Condition printed with the value", nullable=True)
    published_note: Series[str] = field(
        "The table's Notes cell for the criterion, as printed (one cell shared by both chemistries)"
    )

    unique_key = key_rule("criterion", "chemistry", "metric", name="one row per criterion, chemistry and metric")

    class Config:
        description = "Table 4: sodium-ion versus lithium-ion cells, criterion by criterion."


class Safety(CuratedRows):
    """Table 5: safety envelope of nine technologies, ranges parsed beside the printed text."""

    technology_id: Series[str] = catalogue_field("technology_id", unique=True)
    technology: Series[str] = field("Technology as printed")
    temperature_stability_range: Series[str] = field("Stable operating temperature range as printed")
    temperature_stability_min: Series[float] = field(
        "Lower end of the stability range", unit="°C", origin=DERIVED, nullable=True, ge=-273.15
    )
    temperature_stability_max: Series[float] = field(
        "Upper end of the stability range", unit="°C", origin=DERIVED, nullable=True, le=3000
    )
    thermal_runaway_trigger: Series[str] = field("Temperature that triggers thermal runaway as printed")
    thermal_runaway_min: Series[float] = field(
        "Lower end of the runaway trigger", unit="°C", origin=DERIVED, nullable=True, ge=-273.15
    )
    thermal_runaway_max: Series[float] = field(
        "Upper end of the runaway trigger (null for an open range such as '300°C +')",
        unit="°C",
        origin=DERIVED,
        nullable=True,
        le=3000,
    )
    safety_challenges: Series[str] = field("Safety challenges as printed")
    mitigation_strategies: Series[str] = field("Mitigation strategies as printed")
    document_id: Series[str] = catalogue_field("document_id")
    section: Series[str] = catalogue_field("section")
    source_table: Series[str] = catalogue_field("source_table", nullable=False)
    reference_ids: Series[str] = catalogue_field("reference_ids")
    note: Series[str] = catalogue_field("note")

    @pa.dataframe_check(name="stability min <= max and runaway min <= max")
    def ordered_ranges(cls, df: pd.DataFrame) -> pd.Series:
        a = df["temperature_stability_min"].isna() | df["temperature_stability_max"].isna()
        a |= df["temperature_stability_min"] <= df["temperature_stability_max"]
        b = df["thermal_runaway_min"].isna() | df["thermal_runaway_max"].isna()
        return a & (b | (df["thermal_runaway_min"] <= df["thermal_runaway_max"]))

    @pa.dataframe_check(name="runaway trigger above the stable operating range", raise_warning=True)
    def runaway_above_operation(cls, df: pd.DataFrame) -> pd.Series:
        return recomputed_beside(
            df["thermal_runaway_min"].isna() | (df["thermal_runaway_min"] > df["temperature_stability_max"]),
            None,
            "thermal_runaway_min is not above temperature_stability_max (the runaway trigger lies inside the stable range)",
        )

    class Config:
        description = "Table 5: safety challenges, mitigations and temperature limits per technology."


class SsbCostProjections(PublishedNumber):
    """Table 8: solid-state battery cost projections from the literature."""

    row_id: Series[str] = field("Row of Table 8 (t8_r1 .. t8_r7)", str_matches=r"^t8_r\d+$")
    technology: Series[str] = field("Technology and basis as printed")
    technology_id: Series[str] = catalogue_field("technology_id")

    unique_key = key_rule("row_id", "metric", name="one row per table row and metric")

    class Config:
        description = "Table 8: raw-material, cell and pack cost projections for solid-state batteries."
