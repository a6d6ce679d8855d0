"""Readiness of each technology and product (sources/technology_readiness/): the stage it has
reached or is expected to reach, when, and where the document says so."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import SLUG, CuratedRows, catalogue_field, field, key_rule
from pipelines.schemas.vocabulary import READINESS_STAGES, YEAR_QUALIFIERS


class TechnologyReadiness(CuratedRows):
    subject_type: Series[str] = field("technology (curated.technologies) or product (curated.products)", isin=["technology", "product"])
    subject_id: Series[str] = field("technology_id or product_id the row is about", str_matches=SLUG)
    stage: Series[str] = field("Readiness stage, least to most ready: " + ", ".join(READINESS_STAGES), isin=READINESS_STAGES)
    year: Series[pd.Int64Dtype] = field(
        "Year the stage was reached or is expected; empty when the document gives none (then it counts from the "
        "document's publication year, for a stage reached)", nullable=True, ge=1900, le=2100,
    )
    year_qualifier: Series[str] = field(
        "How year reads: reached (it happened that year), expected (forecast for that year), by (no later than "
        "that year: a fact when the year is not after the document's, else a forecast)", isin=YEAR_QUALIFIERS,
    )
    document_id: Series[str] = catalogue_field("document_id")
    section: Series[str] = catalogue_field("section")
    quote: Series[str] = catalogue_field(
        "quote", description="The words of the document that state the stage (verbatim, may be shortened with ...)", nullable=False
    )
    evidence: Series[str] = catalogue_field("evidence", description="Kind of evidence behind the stage (curated.evidence_kinds)")
    claim_ids: Series[str] = field("Claims (curated.cell_claims) about the same cells, ';'-separated; empty if none", nullable=True)
    note: Series[str] = catalogue_field("note")

    # Two documents may each state the same stage (each row keeps its own quote and year).
    unique_key = key_rule("subject_type", "subject_id", "stage", "document_id", name="one row per subject, stage and document")

    @pa.dataframe_check(name="a forecast (expected) names its year")
    def forecast_has_year(cls, df: pd.DataFrame) -> pd.Series:
        return df["year_qualifier"].ne("expected") | df["year"].notna()

    class Config:
        metadata = {"foreign_keys": {"claim_ids": "cell_claims.claim_id"}}
        description = (
            "Readiness of technologies and products as their documents state it: stage (theoretical, lab cell, "
            "prototype, pilot / samples, early production, commercial), the year it was reached or is expected, "
            "the evidence and the quote. A subject without a row has unknown readiness."
        )
