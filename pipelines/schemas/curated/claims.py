"""Numeric claims about cells and technologies (Sections 2 and 3, Tables 1 and 2)."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import SLUG, PublishedNumber, catalogue_field, derived_agrees, field
from pipelines.schemas.published_values import quote_holds
from pipelines.schemas.vocabulary import PULSE_EFFICIENCY

# Evidence kinds whose figure comes from a party other than the claim's organisation.
THIRD_PARTY_EVIDENCE = ["independent_test", "third_party_figure"]
STATUSES = ["commercial", "early_production", "under_development", "laboratory", "literature"]


# Printed values carry 2-4 significant digits; 1.5 % on top of the target's own printed rounding
# separates rounding from disagreement.
CLAIM_TOLERANCE = 0.015


def _energy_rules(df: pd.DataFrame, target: str, formula) -> pd.Series:
    # Only numbers printed as values take part: a bound ("up to 500") states no value.
    stated = df.assign(value=df["value"].where(df["qualifier"].isin(["exact", "plus_minus", "approx"])))
    return derived_agrees(stated, ["entity"], target, formula, rel_tol=CLAIM_TOLERANCE)


class CellClaims(PublishedNumber):
    """One row per numeric claim about a cell or technology."""

    claim_id: Series[str] = catalogue_field("claim_id", unique=True, str_matches=SLUG)
    entity: Series[str] = field("Cell, product or technology the number is about")
    product_id: Series[str] = catalogue_field("product_id")
    developer: Series[str] = field("Company or laboratory behind the entity as printed ('various' for literature)")
    organisation_id: Series[str] = catalogue_field("organisation_id")
    technology: Series[str] = field(
        "Chemistry / architecture label as printed (empty where the source prints none, as a press release may)",
        nullable=True,
    )
    technology_id: Series[str] = catalogue_field("technology_id")
    status: Series[str] = field(
        "Maturity as the source states it: " + ", ".join(STATUSES) + " (empty where the source does not say)",
        isin=STATUSES,
        nullable=True,
    )
    conditions: Series[str] = field("Test or rating condition the source gives with the value, as printed", nullable=True)
    quote: Series[str] = catalogue_field("quote")
    basis: Series[str] = catalogue_field("basis")
    sample_stage: Series[str] = catalogue_field("sample_stage")
    declared_or_measured: Series[str] = catalogue_field("declared_or_measured")
    c_rate_text: Series[str] = catalogue_field("c_rate_text")
    c_rate: Series[float] = catalogue_field("c_rate")
    test_temperature: Series[float] = catalogue_field("test_temperature")
    reference_scope: Series[str] = catalogue_field("reference_scope")
    attributed_to: Series[str] = field(
        "Organisation that measured or states the figure when it is not organisation_id (curated.organisations): "
        "the tester of an independent_test, the source of a third_party_figure; empty for the organisation's own figure",
        nullable=True,
    )

    @pa.dataframe_check(name="evidence_follows_its_definition")
    def evidence_follows_its_definition(cls, df: pd.DataFrame) -> pd.Series:
        """A company_claim is the organisation's own figure; an independent_test or a
        third_party_figure names the other party (attributed_to) that tested or states it."""
        other = df["attributed_to"].notna() & df["attributed_to"].ne(df["organisation_id"])
        own = df["evidence"].eq("company_claim")
        third = df["evidence"].isin(THIRD_PARTY_EVIDENCE)
        return ~(own & other) & (~third | other)

    @pa.dataframe_check(name="quote_holds_the_printed_text")
    def quote_holds_the_printed_text(cls, df: pd.DataFrame) -> pd.Series:
        return quote_holds(df["quote"], df["published_text"])

    @pa.dataframe_check(name="reference_scope_given_with_reference_ids")
    def reference_scope_given_with_reference_ids(cls, df: pd.DataFrame) -> pd.Series:
        return df["reference_ids"].isna() | df["reference_scope"].notna()

    @pa.dataframe_check(name="energy ≈ capacity × nominal voltage (same entity)", raise_warning=True)
    def energy_from_capacity(cls, df: pd.DataFrame) -> pd.Series:
        return _energy_rules(df, "energy", lambda w: w["capacity"] * w["nominal_voltage"])

    @pa.dataframe_check(name="Wh/kg ≈ energy / mass (same entity)", raise_warning=True)
    def gravimetric_from_parts(cls, df: pd.DataFrame) -> pd.Series:
        return _energy_rules(df, "gravimetric_energy_density", lambda w: w["energy"] / w["mass"] * 1000)

    @pa.dataframe_check(name="Wh/kg ≈ capacity × nominal voltage / mass (same entity)", raise_warning=True)
    def gravimetric_from_capacity(cls, df: pd.DataFrame) -> pd.Series:
        return _energy_rules(
            df, "gravimetric_energy_density", lambda w: w["capacity"] * w["nominal_voltage"] / w["mass"] * 1000
        )

    @pa.dataframe_check(name="Wh/L ≈ energy / volume (same entity)", raise_warning=True)
    def volumetric_from_parts(cls, df: pd.DataFrame) -> pd.Series:
        return _energy_rules(df, "volumetric_energy_density", lambda w: w["energy"] / w["volume"] * 1000)

    @pa.dataframe_check(name="mass density ≈ mass / volume (same entity)", raise_warning=True)
    def density_from_parts(cls, df: pd.DataFrame) -> pd.Series:
        return _energy_rules(df, "mass_density", lambda w: w["mass"] / w["volume"])

    @pa.dataframe_check(name="pulse power (95%) ≈ 4·EF(1-EF) × matched-impedance power (same entity)", raise_warning=True)
    def pulse_from_matched_impedance(cls, df: pd.DataFrame) -> pd.Series:
        # EF(1-EF)V²/R over V²/4R is 4·EF(1-EF) (0.19 at EF = 0.95), whatever the cell's V and R.
        ratio = 4 * PULSE_EFFICIENCY * (1 - PULSE_EFFICIENCY)
        return _energy_rules(df, "pulse_power_95", lambda w: ratio * w["matched_impedance_power"])

    class Config:
        metadata = {"foreign_keys": {"attributed_to": "organisations.organisation_id"}}
        description = (
            "Numeric claims about battery cells and technologies from the report's company data "
            "(Section 2, Tables 1-2) and literature survey (Section 3), each with its printed text, "
            "parsed value in the metric's canonical unit, test conditions and provenance."
        )
