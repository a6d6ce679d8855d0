"""Computed tables of the technology database: the claim -> reference bridge, conflicting claim
pairs (quality.claim_conflicts) and the per-technology comparison (analysis.technology_comparison)."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import DERIVED, ComputedTable, catalogue_field, field
from pipelines.schemas.vocabulary import CONFLICT_SIDE, HEADLINES, READINESS_STAGES, TYPICAL_RULE


class ClaimReferences(ComputedTable):
    claim_id: Series[str] = catalogue_field("claim_id", origin=DERIVED)
    document_id: Series[str] = catalogue_field("document_id", origin=DERIVED)
    reference_id: Series[int] = catalogue_field("reference_id", origin=DERIVED)

    class Config:
        unique = ["claim_id", "document_id", "reference_id"]
        description = (
            "Bridge from claims to the references they cite: join curated.references on "
            "(document_id, reference_id), no string splitting needed."
        )
        metadata = {
            "grain": "one row per claim and cited reference",
            "provenance": "curated.cell_claims.reference_ids, one row per id",
            "foreign_keys": {"claim_id": "cell_claims.claim_id", "document_id": "documents.document_id"},
            "composite_foreign_keys": [(("document_id", "reference_id"), "references", ("document_id", "reference_id"))],
        }


_SIDE_TEXT = {
    "claim_id": ("Claim (curated.cell_claims)", str),
    "document_id": ("Document of the claim", str),
    "document_date": ("Publication date of the claim's document (first day of its publication_date)", pd.Timestamp),
    "conditions": ("Test or rating conditions printed with the claim", str),
    "sample_stage": ("Sample stage of the claim", str),
    "declared_or_measured": ("Whether the claim is declared, measured, a target or an estimate", str),
    "section": ("Section of the claim", str),
    "source_table": ("Table of the claim, if any", str),
    "published_text": ("The number as printed", str),
    "qualifier": ("How the printed text qualifies the number", str),
    "value_best": ("Best value of the claim, in `unit`", float),
    "interval_min": ("Lower end of what the claim allows (value less half its last printed digit; null if open)", float),
    "interval_max": ("Upper end of what the claim allows (value plus half its last printed digit; null if open)", float),
    "evidence": ("Evidence kind of the claim", str),
    "claim_date": ("Date the claim refers to", pd.Timestamp),
    "source_file": ("File under sources/ holding the claim", str),
    "source_line": ("Line of source_file holding the claim", int),
}
_NULLABLE_SIDE = {"source_table", "value_best", "interval_min", "interval_max", "conditions"}


def _model(name: str, annotations: dict, namespace: dict, config: dict) -> type[pa.DataFrameModel]:
    """A computed-table model whose columns are generated (pairs of sides, one block per headline)."""
    body = {**namespace, "__annotations__": annotations, "__module__": __name__, "Config": type("Config", (), config)}
    return type(name, (ComputedTable,), body)


def _conflicts_model() -> type[pa.DataFrameModel]:
    annotations: dict[str, object] = {
        "technology_id": Series[str],
        "product_id": Series[str],
        "metric": Series[str],
        "unit": Series[str],
        "basis": Series[str],
        "c_rate": Series[float],
        "test_temperature": Series[float],
    }
    namespace: dict[str, object] = {
        "technology_id": catalogue_field("technology_id", origin=DERIVED),
        "product_id": catalogue_field("product_id", origin=DERIVED),
        "metric": field("Metric both claims state", origin=DERIVED),
        "unit": field("Canonical unit of both claims", origin=DERIVED),
        "basis": catalogue_field("basis", description="Level both claims are stated at (the same by the like-with-like rule)", origin=DERIVED),
        "c_rate": catalogue_field("c_rate", description="Test C-rate of both claims (null: neither gives one)"),
        "test_temperature": catalogue_field(
            "test_temperature", description="Test temperature of both claims (null: neither gives one)", origin=DERIVED
        ),
    }
    for side, which in (("a", "first"), ("b", "second")):
        for column in CONFLICT_SIDE:
            text, kind = _SIDE_TEXT[column]
            name = f"{column}_{side}"
            annotations[name] = Series[kind]
            namespace[name] = field(f"{text} ({which} claim of the pair)", origin=DERIVED, nullable=column in _NULLABLE_SIDE)
    annotations["across_documents"] = Series[bool]
    namespace["across_documents"] = field("True where the two claims come from different documents", origin=DERIVED)
    annotations["why_they_may_differ"] = Series[str]
    namespace["why_they_may_differ"] = field(
        "Why the two may differ: newer document, different claim dates, sample stage, declared vs measured, evidence "
        "or printed conditions (';'-separated)",
        origin=DERIVED,
    )
    annotations["gap"] = Series[float]
    namespace["gap"] = field("Distance between the two intervals, in `unit`", origin=DERIVED, gt=0)
    return _model(
        "ClaimConflicts",
        annotations,
        namespace,
        {
            "unique": ["claim_id_a", "claim_id_b"],
            "description": (
                "Conflicting claims, like with like: the same product (or technology) and metric at the same "
                "basis and test conditions (pipelines/compute/technology_db.comparable_conditions: unspecified "
                "meets only unspecified; an organisation's cell, module, pack or system figure that names no "
                "product meets nothing), from different documents or sections, whose printed values cannot both "
                "hold (intervals that do not overlap); each pair names both documents, their dates and why the "
                "two may differ. Both claims stay as published."
            ),
            "metadata": {
                "grain": "one row per conflicting pair of claims",
                "provenance": "pipelines/compute/technology_db.claim_conflicts over curated.cell_claims and curated.documents",
                "foreign_keys": {"claim_id_a": "cell_claims.claim_id", "claim_id_b": "cell_claims.claim_id"},
            },
        },
    )


ClaimConflicts = _conflicts_model()


def _comparison_model() -> type[pa.DataFrameModel]:
    annotations: dict[str, object] = {
        "technology_id": Series[str],
        "label": Series[str],
        "family": Series[str],
        "maturity": Series[str],
        "maturity_year": Series[pd.Int64Dtype],
        "maturity_year_qualifier": Series[str],
        "next_stage": Series[str],
        "next_stage_year": Series[pd.Int64Dtype],
        "claims": Series[int],
        "documents": Series[int],
        "products": Series[int],
    }
    stages = ["unknown", *READINESS_STAGES]
    namespace: dict[str, object] = {
        "technology_id": catalogue_field("technology_id", origin=DERIVED, unique=True),
        "label": field("Readable name of the technology", origin=DERIVED),
        "family": field("Technology family", origin=DERIVED),
        "maturity": field(
            "Readiness: the highest stage a document states as reached (analysis.subject_readiness): " + ", ".join(stages),
            origin=DERIVED, isin=stages,
        ),
        "maturity_year": field("Year of that stage (see maturity_year_qualifier)", origin=DERIVED, nullable=True),
        "maturity_year_qualifier": field("reached (in that year) or by (no later than)", origin=DERIVED, nullable=True),
        "next_stage": field("Highest stage forecast above the current one", origin=DERIVED, nullable=True),
        "next_stage_year": field("Year the next stage is expected", origin=DERIVED, nullable=True),
        "claims": field("Claims about the technology (curated.cell_claims)", origin=DERIVED, ge=0),
        "documents": field("Documents those claims come from", origin=DERIVED, ge=0),
        "products": field("Named products among those claims", origin=DERIVED, ge=0),
    }
    for headline, (unit, text) in HEADLINES.items():
        columns = {
            "highest": (float, f"Highest {text} any claim prints (a range's upper end, a bound as printed); null: no claim", unit),
            "highest_text": (str, f"{headline}_highest as printed (published_text)", None),
            "highest_claim_id": (str, f"Claim printing {headline}_highest (the first by claim_id)", None),
            "highest_documents": (int, f"Documents with a claim printing {headline}_highest", None),
            "lowest": (float, f"Lowest {text} any claim prints (a range's lower end, a bound as printed); null: no claim", unit),
            "lowest_text": (str, f"{headline}_lowest as printed (published_text)", None),
            "lowest_claim_id": (str, f"Claim printing {headline}_lowest (the first by claim_id)", None),
            "lowest_documents": (int, f"Documents with a claim printing {headline}_lowest", None),
            "typical": (float, f"Typical {text}: {TYPICAL_RULE}", unit),
            "latest": (float, f"{text.capitalize()} of the most recent claim_date across documents (the median of value_best when several claims share it)", unit),
            "latest_date": (pd.Timestamp, f"claim_date of {headline}_latest", None),
            "latest_claim_ids": (str, f"Claims behind {headline}_latest, ';'-separated", None),
            "latest_documents": (int, f"Documents behind {headline}_latest", None),
            "claims": (int, f"Claims of {text}", None),
            "documents": (int, f"Documents behind those {text} claims", None),
        }
        for suffix, (kind, description, column_unit) in columns.items():
            name = f"{headline}_{suffix}"
            annotations[name] = Series[kind]
            counted = suffix.endswith(("claims", "documents"))
            namespace[name] = field(description, unit=column_unit, origin=DERIVED, nullable=not counted, **({"ge": 0} if counted else {}))
    return _model(
        "TechnologyComparison",
        annotations,
        namespace,
        {
            "description": (
                "One row per technology, with or without claims: its readiness (maturity), and for gravimetric and "
                "volumetric energy density, cycle life and cost the highest and lowest printed value, the typical value "
                "(median of the claims) and the latest by claim date across documents, with the claims and documents "
                "behind each figure. No figure is called best."
            ),
            "metadata": {
                "grain": "one row per technology of curated.technologies",
                "provenance": "pipelines/compute/technology_db.technology_comparison over curated.cell_claims and "
                "analysis.subject_readiness; headline metrics from curated.comparison_metrics",
                "foreign_keys": {"technology_id": "technologies.technology_id"},
            },
        },
    )


TechnologyComparison = _comparison_model()
