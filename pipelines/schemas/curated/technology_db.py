"""The keys of the technology database: documents, evidence kinds, technologies,
organisations and products. Every table with a published number names its document_id; every
table that describes a technology names its technology_id (fields in pipelines/schemas/fields.py).
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import DERIVED, SLUG, CuratedRows, catalogue_field, field, name_rule
from pipelines.schemas.vocabulary import DOCUMENT_KINDS, HEADLINES, WEB_DOCUMENT_KINDS

FAMILIES = [
    "li_ion_graphite",
    "li_ion_silicon",
    "lfp_lmfp",
    "lto",
    "li_metal",
    "solid_state",
    "li_s",
    "li_air",
    "na_ion",
    "mixed",
]
ORGANISATION_KINDS = ["company", "national_lab", "university", "research_centre", "agency"]
PARTIAL_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"


class Documents(CuratedRows):
    """One row per source document: the report is the first."""

    document_id: Series[str] = catalogue_field(
        "document_id", description="Stable identifier of the document", unique=True, str_matches=SLUG
    )
    title: Series[str] = field("Title as printed")
    authors: Series[str] = field("Authors as printed, ';'-separated", nullable=True)
    publisher: Series[str] = field("Publisher, company or organisation issuing the document", nullable=True)
    publication_date: Series[str] = field(
        "Publication date as precise as known: YYYY, YYYY-MM or YYYY-MM-DD", str_matches=PARTIAL_DATE
    )
    publication_start: Series[pa.DateTime] = field(
        "First day of publication_date (the default claim_date of the document's rows)", origin=DERIVED
    )
    date_inferred: Series[bool] = catalogue_field("date_inferred")
    kind: Series[str] = field("Kind of document: " + ", ".join(DOCUMENT_KINDS), isin=list(DOCUMENT_KINDS))
    report_number: Series[str] = field("Report or datasheet number as printed", nullable=True)
    doi: Series[str] = field("DOI as printed (without https://doi.org/)", nullable=True)
    url: Series[str] = field("Where the document can be read", nullable=True)
    accessed: Series[str] = field("Date the URL was read (YYYY-MM-DD)", nullable=True, str_matches=PARTIAL_DATE)
    licence: Series[str] = field("Licence or terms of use, in our words", nullable=True)
    note: Series[str] = catalogue_field("note")

    @pa.dataframe_check(name="web_document_has_url_and_accessed_date")
    def web_document_has_url_and_accessed_date(cls, df: pd.DataFrame) -> pd.Series:
        # a document read on the web (vocabulary.WEB_DOCUMENT_KINDS) says where and when it was read
        return ~df["kind"].isin(WEB_DOCUMENT_KINDS) | (df["url"].notna() & df["accessed"].notna())

    @pa.check("publication_start", name="publication_date_not_in_the_future")
    def publication_date_not_in_the_future(cls, s: pd.Series) -> pd.Series:
        return s <= pd.Timestamp.now()

    class Config:
        description = "Source documents: every published number names one (document_id)."
        metadata = {"foreign_keys": {"document_id": None}}


class EvidenceKinds(CuratedRows):
    evidence: Series[str] = catalogue_field("evidence", description="Evidence kind slug", unique=True, str_matches=SLUG)
    label: Series[str] = field("Readable name")
    description: Series[str] = field("What counts as this kind of evidence, in our words")
    rank: Series[int] = field("Strength for comparisons, 1 = strongest (measured) .. higher = weaker", ge=1)

    class Config:
        description = "Evidence vocabulary: what kind of evidence stands behind a number."
        metadata = {"foreign_keys": {"evidence": None}}


class Technologies(CuratedRows):
    """Technology taxonomy: specific chemistries / architectures, each in one family."""

    technology_id: Series[str] = catalogue_field(
        "technology_id", description="Stable technology slug", unique=True, str_matches=SLUG
    )
    label: Series[str] = field("Readable name, in our words")
    family: Series[str] = field("Technology family: " + ", ".join(FAMILIES), isin=FAMILIES)
    family_name: Series[str] = field("Name of the family for charts and tables (ours, not printed)")
    anode: Series[str] = field("Anode material, where known", nullable=True)
    cathode: Series[str] = field("Cathode material, where known", nullable=True)
    electrolyte: Series[str] = field("Electrolyte type (liquid, polymer, ceramic, sulfide, ...), where known", nullable=True)
    cell_format: Series[str] = field("Cell format (cylindrical, pouch, prismatic), where one format defines it", nullable=True)
    description: Series[str] = field("One line in our own words")

    one_family_name = name_rule("family", "family_name")

    class Config:
        description = "Technology taxonomy: every table that describes a technology joins it on technology_id."
        metadata = {"foreign_keys": {"technology_id": None}}


class Organisations(CuratedRows):
    organisation_id: Series[str] = catalogue_field(
        "organisation_id", description="Stable organisation slug", unique=True, nullable=False, str_matches=SLUG
    )
    name: Series[str] = field("Name as printed")
    kind: Series[str] = field("Kind: " + ", ".join(ORGANISATION_KINDS), isin=ORGANISATION_KINDS)
    country: Series[str] = field("Country of the headquarters, where the source gives it", nullable=True)
    note: Series[str] = catalogue_field("note")

    class Config:
        description = "Companies, national laboratories, universities and agencies named by the sources."
        metadata = {"foreign_keys": {"organisation_id": None}}


class Products(CuratedRows):
    """Named cells, products and prototypes: claims about one product join on product_id."""

    product_id: Series[str] = catalogue_field(
        "product_id", description="Stable product slug", unique=True, nullable=False, str_matches=SLUG
    )
    name: Series[str] = field("Name as the source prints it")
    organisation_id: Series[str] = catalogue_field("organisation_id")
    technology_id: Series[str] = catalogue_field("technology_id")
    cell_format: Series[str] = field("Cell format where given (21700 cylindrical, pouch, ...)", nullable=True)
    note: Series[str] = catalogue_field("note")

    class Config:
        description = "Named cells, products and prototypes, each with its maker and technology."
        metadata = {"foreign_keys": {"product_id": None}}



class ComparisonMetrics(CuratedRows):
    headline: Series[str] = field("Headline column of analysis.technology_comparison", isin=list(HEADLINES))
    metric: Series[str] = catalogue_field("metric", description="Metric of curated.cell_claims that feeds the headline (curated.metrics)")
    better: Series[str] = field("Whether higher or lower is better for the headline's best value", isin=["higher", "lower"])
    note: Series[str] = catalogue_field("note")

    class Config:
        description = "Which claimed metrics feed each headline of analysis.technology_comparison."
        unique = ["headline", "metric"]
        metadata = {"foreign_keys": {"metric": "metrics.metric"}}
