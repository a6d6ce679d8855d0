"""The report's reference list: the ids every reference_ids column points to."""
from __future__ import annotations

from pandera.typing import Series

from pipelines.schemas.base import CuratedRows, field


class References(CuratedRows):
    reference_id: Series[int] = field("Number of the reference in the report's list", unique=True, ge=1)
    authors: Series[str] = field("Authors or organisation as printed", nullable=True)
    year: Series[str] = field("Year as printed (kept as text: the list holds misprints)", nullable=True)
    title: Series[str] = field("Title of the work or page", nullable=True)
    venue: Series[str] = field("Journal, publisher or website", nullable=True)
    url: Series[str] = field("First link or DOI printed with the entry", nullable=True)
    accessed: Series[str] = field("Access date printed for web sources", nullable=True)
    published_text: Series[str] = field("The whole entry as printed (whitespace normalised)")
    note: Series[str] = field("Curator's note, in our own words", nullable=True)

    class Config:
        description = "The report's numbered reference list, parsed into bibliographic fields."
