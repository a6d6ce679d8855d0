"""Controlled vocabularies every published number is checked against."""
from __future__ import annotations

from pandera.typing import Series

from pipelines.schemas.base import CuratedRows, catalogue_field, field


class Units(CuratedRows):
    """Unit spellings as printed in the report and how each converts to a canonical unit."""

    published_unit: Series[str] = catalogue_field("published_unit", description="Unit exactly as printed in the report", nullable=False, unique=True)
    canonical_unit: Series[str] = field("Canonical unit values are stored in")
    factor: Series[float] = field("Multiply a printed value by this to get the canonical unit", gt=0)
    description: Series[str] = field("What the unit is, in our words")

    class Config:
        description = "Unit vocabulary: printed unit spellings and their conversion to canonical units."


class Metrics(CuratedRows):
    """Controlled metric vocabulary, snake_case, one canonical unit each."""

    metric: Series[str] = catalogue_field("metric", description="Metric name used in every long table", unique=True, str_matches=r"^[a-z][a-z0-9_]*$")
    unit: Series[str] = field("Canonical unit of the metric (a canonical_unit of curated.units, or ratio/text)")
    description: Series[str] = field("What the metric measures, in our words")

    class Config:
        description = "Metric vocabulary: every metric name with its canonical unit and meaning."
