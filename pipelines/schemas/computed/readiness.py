"""analysis.subject_readiness and sizing.technology_feasibility / technology_machine_feasibility:
readiness of every technology and product, and technology packs per scenario year with their
availability (pipelines/compute/readiness.py)."""
from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from pipelines.schemas.base import DERIVED, SLUG, ComputedTable, catalogue_field, field, key_rule
from pipelines.schemas.computed.technology_packs import SUBJECT_TYPES
from pipelines.schemas.vocabulary import READINESS_STAGES, UNSIZED_REASONS, YEAR_QUALIFIERS

STAGES = ["unknown", *READINESS_STAGES]
AVAILABILITY = ["reached", "expected", "not_yet", "unknown"]


def d(description: str, unit: str | None = None, **checks):
    """A computed column."""
    return field(description, unit=unit, origin=DERIVED, **checks)


class TechnologyReadinessNow(ComputedTable):
    subject_type: Series[str] = d("technology (curated.technologies) or product (curated.products)", isin=SUBJECT_TYPES)
    subject_id: Series[str] = d("technology_id or product_id", str_matches=SLUG)
    technology_id: Series[str] = catalogue_field("technology_id", description="Technology of the subject (curated.technologies)", origin=DERIVED)
    product_id: Series[str] = catalogue_field("product_id", description="Product, for a product subject (curated.products)", origin=DERIVED)
    stage: Series[str] = d(
        "Highest readiness stage a document states as reached (a fact, not a forecast); 'unknown' where none does: "
        + ", ".join(STAGES), isin=STAGES,
    )
    stage_year: Series[pd.Int64Dtype] = d("Year of that stage (see stage_year_qualifier); null when unknown", nullable=True)
    stage_year_qualifier: Series[str] = d("reached (in that year) or by (no later than that year)", nullable=True, isin=YEAR_QUALIFIERS)
    next_stage: Series[str] = d("Highest stage forecast above the current one; null when none is forecast", nullable=True, isin=READINESS_STAGES)
    next_stage_year: Series[pd.Int64Dtype] = d("Year the next stage is expected", nullable=True)
    next_stage_year_qualifier: Series[str] = d("expected (that year) or by (no later than that year)", nullable=True, isin=YEAR_QUALIFIERS)
    evidence: Series[str] = catalogue_field("evidence", description="Evidence kind behind the current stage (curated.evidence_kinds)", origin=DERIVED, nullable=True)
    document_id: Series[str] = catalogue_field("document_id", description="Document stating the current stage (curated.documents)", origin=DERIVED, nullable=True)
    section: Series[str] = catalogue_field("section", description="Locator: section of that document", origin=DERIVED, nullable=True)
    quote: Series[str] = catalogue_field("quote", description="The document's words for the current stage", origin=DERIVED)
    next_stage_quote: Series[str] = d("The document's words for the next stage", nullable=True)
    claim_ids: Series[str] = d("Claims (curated.cell_claims) about the same cells, ';'-separated", nullable=True)
    readiness_documents: Series[int] = d("Documents with a readiness row for the subject", ge=0)
    known: Series[bool] = d("True when a document states any stage for the subject (a fact or a forecast)")

    unique_key = key_rule("subject_type", "subject_id", name="one row per technology or product")

    class Config:
        description = (
            "Readiness of every technology and product: the highest stage a document states as reached, the next "
            "stage forecast and when, with the quote; 'unknown' where no document says (curated.technology_readiness)."
        )
        metadata = {
            "grain": "one row per technology of curated.technologies and product of curated.products",
            "provenance": "pipelines/compute/readiness.py current_readiness over curated.technology_readiness and curated.documents",
            "foreign_keys": {"technology_id": "technologies.technology_id", "product_id": "products.product_id"},
        }


class FeasibilityBase(ComputedTable):
    subject_type: Series[str] = d("technology or product (sizing.technology_cells)", isin=SUBJECT_TYPES)
    subject_id: Series[str] = d("technology_id or product_id whose claimed cells build the pack", str_matches=SLUG)
    technology_id: Series[str] = catalogue_field("technology_id", description="Technology of the subject (curated.technologies)", origin=DERIVED)
    product_id: Series[str] = catalogue_field("product_id", description="Product, for a product subject (curated.products)", origin=DERIVED)
    family: Series[str] = d("Technology family")
    year: Series[int] = catalogue_field("scenario_year", description="Scenario year (curated.battery_scenarios and curated.scenario_years)", origin=DERIVED)
    scenario_ids: Series[str] = d("Scenarios of that year, ';'-separated")
    feasible_probability: Series[float] = d(
        "Share of Monte Carlo samples whose pack is within both the mass and the volume limit (as in the packs table; "
        "says nothing about whether the cells can be bought)", bounds=(0.0, 1.0),
    )
    limit_basis: Series[str] = d("report or assumption: where the pack limits come from (curated.pack_limits)")
    required_stage: Series[str] = d("Readiness the asset requires (curated.pack_limits.required_stage)", isin=READINESS_STAGES)
    stage_by_year: Series[str] = d("Highest stage the subject has reached or is forecast to reach by the year; unknown without a row", isin=STAGES)
    available: Series[bool] = d("True when the subject reaches the required stage by the year (reached or forecast)")
    availability: Series[str] = d(
        "reached (a document states the required stage reached by the year), expected (only forecast by the year), "
        "not_yet (the subject's stage by the year is below the required one), unknown (no readiness row)", isin=AVAILABILITY,
    )
    buildable_probability: Series[float] = d(
        "feasible_probability where available, else 0: the pack fits and its cells can be had at the required stage", bounds=(0.0, 1.0)
    )


class TechnologyFeasibility(FeasibilityBase):
    vehicle_id: Series[str] = catalogue_field("vehicle_id", origin=DERIVED, str_matches=SLUG)

    unique_key = key_rule("vehicle_id", "subject_type", "subject_id", "year", name="one row per vehicle, subject and year")

    class Config:
        description = (
            "Every vehicle's technology pack per scenario year: whether it fits the pack limits (feasible_probability) "
            "and whether its technology or product is available at the required readiness stage by that year."
        )
        metadata = {
            "grain": "one row per vehicle, sized technology or product, and scenario year",
            "provenance": "pipelines/compute/readiness.py over sizing.technology_packs, curated.technology_readiness, curated.pack_limits",
        }


class TechnologyMachineFeasibility(FeasibilityBase):
    machine_id: Series[str] = catalogue_field("machine_id", origin=DERIVED, str_matches=SLUG)

    unique_key = key_rule("machine_id", "subject_type", "subject_id", "year", name="one row per machine, subject and year")

    class Config:
        description = (
            "Every construction machine's technology pack per scenario year: whether it fits the pack limits and whether "
            "its technology or product is available at the required readiness stage by that year."
        )
        metadata = {
            "grain": "one row per machine, sized technology or product, and scenario year",
            "provenance": "pipelines/compute/readiness.py over sizing.technology_machine_packs, curated.technology_readiness, curated.pack_limits",
        }


class UnsizedSubjects(ComputedTable):
    subject_type: Series[str] = d("technology (curated.technologies) or product (curated.products)", isin=SUBJECT_TYPES)
    subject_id: Series[str] = d("technology_id or product_id not sized", str_matches=SLUG)
    technology_id: Series[str] = catalogue_field("technology_id", description="Technology of the subject (curated.technologies)", origin=DERIVED)
    product_id: Series[str] = catalogue_field("product_id", description="Product, for a product subject (curated.products)", origin=DERIVED)
    family: Series[str] = d("Technology family")
    reason: Series[str] = d("Why it is not sized, the first that applies: " + ", ".join(UNSIZED_REASONS), isin=list(UNSIZED_REASONS))
    explanation: Series[str] = d("The reason in words")
    claims: Series[int] = d("Claims about the subject (curated.cell_claims), any metric", ge=0)

    unique_key = key_rule("subject_type", "subject_id", name="one row per technology or product not sized")

    class Config:
        description = (
            "Every technology and product the technology packs do not size, with the reason (no claim, only "
            "material-level figures, no cell Wh/kg or Wh/L claim); with the sized subjects of sizing.technology_packs "
            "they account for every row of curated.technologies and curated.products."
        )
        metadata = {
            "grain": "one row per technology or product not sized",
            "provenance": "pipelines/tables/readiness.py build_unsized_subjects over sizing.technology_cells and curated.cell_claims",
        }
