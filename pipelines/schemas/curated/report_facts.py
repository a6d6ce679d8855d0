"""Numbers of the report's prose that are not cell or application claims: market and
supply-chain statistics, the Section 4.3 test programme and project facts, and facts about
companies, history, formats and table scopes."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.base import SLUG, PublishedNumber, catalogue_field, field, recomputed_beside
from pipelines.schemas.published_values import quote_holds

MARKET_TOPICS = ["market", "supply_chain", "cost", "policy"]
PROGRAMME_KINDS = ["planned_test", "project"]
DOCUMENT_TOPICS = [
    "company", "history", "outlook", "classification", "cell_format", "research_programme", "test_practice", "table_scope"
]


class MarketStatistics(PublishedNumber):
    """One row per market, supply-chain, cost or policy number printed in the report's prose."""

    statistic_id: Series[str] = field("Stable identifier of the statistic", unique=True, str_matches=SLUG)
    topic: Series[str] = field("Kind of statistic: " + ", ".join(MARKET_TOPICS), isin=MARKET_TOPICS)
    subject: Series[str] = field("What the number measures, in our words (market, material, product)")
    technology: Series[str] = field("Battery technology the statistic is about, as the report names it", nullable=True)
    region: Series[str] = field("Country or region the statistic is about, where the report says", nullable=True)
    conditions: Series[str] = field("Date, basis or scenario the report gives with the value", nullable=True)
    quote: Series[str] = catalogue_field("quote")

    @pa.dataframe_check(name="quote_holds_the_printed_text")
    def quote_holds_the_printed_text(cls, df: pd.DataFrame) -> pd.Series:
        return quote_holds(df["quote"], df["published_text"])

    class Config:
        description = (
            "Market, supply-chain, cost and policy statistics from the report's prose and from price surveys (raw-material "
            "supply, price movements, production targets, regulation dates), each with its printed "
            "text, parsed value and provenance."
        )


class ProjectTestPlan(PublishedNumber):
    """One row per number of the Section 4.3 test plan and of the project it belonged to."""

    item_id: Series[str] = field("Stable identifier of the test or project fact", unique=True, str_matches=SLUG)
    kind: Series[str] = field("planned_test (a test of the plan) or project (a fact of the project)", isin=PROGRAMME_KINDS)
    test: Series[str] = field("Test or project item, in our words")
    conditions: Series[str] = field("Test condition or context the report gives with the value", nullable=True)

    class Config:
        description = (
            "Section 4.3: the cell tests planned for the advanced lithium batteries (charging, "
            "constant-current, constant-power and pulse tests) and the project facts that kept them "
            "from being run, each number with its printed text and provenance."
        )


class DocumentFacts(PublishedNumber):
    """One row per company fact, historical date, cell format, research programme size, test
    practice or table scope the report prints."""

    fact_id: Series[str] = field("Stable identifier of the fact", unique=True, str_matches=SLUG)
    topic: Series[str] = field("Kind of fact: " + ", ".join(DOCUMENT_TOPICS), isin=DOCUMENT_TOPICS)
    subject: Series[str] = field("Company, product, event or table the fact is about")
    technology: Series[str] = field("Battery technology the fact is about, as the report names it", nullable=True)
    conditions: Series[str] = field("Context the report gives with the value", nullable=True)

    @pa.dataframe_check(name="row label year within the caption's period (same table)", raise_warning=True)
    def row_year_within_caption_period(cls, df: pd.DataFrame) -> pd.Series:
        period = df[df["metric"] == "scenario_period"].drop_duplicates("source_table").set_index("source_table")
        lo = df["source_table"].map(period["value_min"])
        hi = df["source_table"].map(period["value_max"])
        inside = (df["value"] >= lo) & (df["value"] <= hi)
        return recomputed_beside(
            df["metric"].ne("scenario_year") | lo.isna() | inside,
            None,
            "the year printed as a row label lies outside the period the same table's caption states",
        )

    class Config:
        description = (
            "Company facts (founding year, years of development), dates of the technology's history, "
            "cell formats, research programme sizes, test practice and the period a table's caption "
            "states, as printed in the report."
        )
