"""The report's reference list: the ids every reference_ids column points to."""
from __future__ import annotations

from pandera.typing import Series

from pipelines.schemas.base import CuratedRows, catalogue_field, field


class References(CuratedRows):
    document_id: Series[str] = catalogue_field("document_id", description="Document whose reference list holds the entry")
    reference_id: Series[int] = catalogue_field("reference_id")
    authors: Series[str] = field("Authors or organisation as printed", nullable=True)
    year: Series[str] = field("Year as printed (kept as text: the list holds misprints)", nullable=True)
    title: Series[str] = field("Title of the work or page", nullable=True)
    venue: Series[str] = field("Journal, publisher or website", nullable=True)
    url: Series[str] = field("First link or DOI printed with the entry", nullable=True)
    accessed: Series[str] = field("Access date printed for web sources", nullable=True)
    published_text: Series[str] = catalogue_field("published_text", description="The whole entry as printed (whitespace normalised)")
    note: Series[str] = catalogue_field("note")

    class Config:
        description = "Each document's numbered reference list, parsed into bibliographic fields."
        unique = ["document_id", "reference_id"]
        metadata = {"grain": "one row per document and reference number"}
