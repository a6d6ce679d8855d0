"""Provenance precision: each rule holds over the whole table and fails on a deliberately wrong
row. Rules that read the report's text skip where the report is not at hand."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from pipelines.ingest.curate import curate_tables, read_raw
from pipelines.schemas.published_values import NUMBER_WORDS, parse_published
from pipelines.tables.check import check_sources
from tests.helpers import REAL_SOURCES, REPORT, REPORT_DOCUMENT

needs_report = pytest.mark.skipif(not REPORT.exists(), reason=f"report not found at {REPORT}")


def _claims() -> pd.DataFrame:
    return read_raw("cell_claims", REAL_SOURCES).frame


def _edit(sources, dataset: str, key: str, changes: dict) -> None:
    """Change cells of the row whose first column is `key` in whichever file of the dataset holds it."""
    for path in sorted((sources / dataset).glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        hit = frame.iloc[:, 0] == key
        if hit.any():
            for column, value in changes.items():
                if column not in frame.columns:
                    frame[column] = ""
                frame.loc[hit, column] = value
            frame.to_csv(path, index=False, lineterminator="\n")
            return
    raise AssertionError(f"{key} not found in {dataset}")


def _problems(sources, dataset: str) -> str:
    problems, _ = check_sources(sources, [dataset])
    return "\n".join(map(str, problems))


# --------------------------------------------------------------------------- evidence kinds
def test_evidence_follows_its_definition_on_the_whole_table():
    claims = curate_tables(["cell_claims"], REAL_SOURCES)["cell_claims"]
    other = claims["attributed_to"].notna() & claims["attributed_to"].ne(claims["organisation_id"])
    assert not (claims["evidence"].eq("company_claim") & other).any()
    assert other[claims["evidence"].isin(["independent_test", "third_party_figure"])].all()


@pytest.mark.parametrize(
    ("claim_id", "changes"),
    [
        ("qs_vw_capacity_retention", {"evidence": "company_claim"}),  # Volkswagen's test is not QuantumScape's claim
        ("qs_tesla_model3_energy_density_vol", {"attributed_to": ""}),  # a third party's figure names the party
    ],
)
def test_evidence_rule_fails_on_a_wrong_row(sources_copy, claim_id, changes):
    _edit(sources_copy, "cell_claims", claim_id, changes)
    assert "evidence_follows_its_definition" in _problems(sources_copy, "cell_claims")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\\$", "$").replace("–", "-").replace("—", "-")).strip().lower()


def _sentence_of(text: str, number: str) -> list[str]:
    """The report's sentences holding `number` (split within each paragraph line at a full stop
    before a capital or a reference bracket), compared squashed (one space, ASCII dashes, lower case)."""
    needle = _squash(number)
    return [
        sentence
        for paragraph in text.splitlines()
        if needle in _squash(paragraph)
        for sentence in map(_squash, re.split(r"(?<=[.!?])\s+(?=[A-Z\[])", paragraph))
        if needle in sentence
    ]


def calculated_but_not_the_documents(claims: pd.DataFrame, report: str) -> list[str]:
    """Report claims whose every sentence holding the number says the report calculated it, yet
    whose evidence is not the document's own calculation."""
    wrong = []
    for row in claims[claims["document_id"] == REPORT_DOCUMENT].itertuples(index=False):
        sentences = _sentence_of(report, f"{row.published_text} {row.published_unit}") if isinstance(row.published_unit, str) else []
        if sentences and all(re.search(r"\b(is|are|was|were) calculated\b", s) for s in sentences):
            if row.evidence not in ("document_calculation", "model_projection"):
                wrong.append(row.claim_id)
    return wrong


@needs_report
def test_figures_the_report_calculated_are_the_reports():
    report = REPORT.read_text(encoding="utf-8")
    claims = _claims()
    assert calculated_but_not_the_documents(claims, report) == []
    wrong = claims.copy()
    wrong.loc[wrong["claim_id"] == "amp_pulse_power_95", "evidence"] = "company_claim"
    assert calculated_but_not_the_documents(wrong, report) == ["amp_pulse_power_95"]


def projected_but_measured(claims: pd.DataFrame) -> list[str]:
    """Claims whose curator's note calls the figure projected, yet filed as a measurement."""
    says = claims["note"].fillna("").str.contains(r"\bprojected\b", case=False)
    measured = claims["evidence"].isin(["peer_reviewed_measurement", "independent_test"])
    return claims.loc[says & measured, "claim_id"].tolist()


def test_projections_are_not_measurements():
    claims = _claims()
    assert projected_but_measured(claims) == []
    wrong = claims.copy()
    wrong.loc[wrong["claim_id"] == "anl_mass", "evidence"] = "peer_reviewed_measurement"
    assert projected_but_measured(wrong) == ["anl_mass"]


# --------------------------------------------------------------------------- reference scope
def sentence_scope_not_in_sentence(claims: pd.DataFrame, report: str) -> list[str]:
    """Claims whose reference_scope says 'sentence' although no sentence of the report holds
    both the number and one of its reference markers."""
    wrong = []
    rows = claims[(claims["document_id"] == REPORT_DOCUMENT) & (claims["reference_scope"] == "sentence")]
    for row in rows.itertuples(index=False):
        markers = [f"[{i}]" for i in str(row.reference_ids).split(";")]
        if not any(any(m in s for m in markers) for s in _sentence_of(report, str(row.published_text))):
            wrong.append(row.claim_id)
    return wrong


@needs_report
def test_reference_scope_sentence_means_the_claims_sentence():
    report = REPORT.read_text(encoding="utf-8")
    claims = _claims()
    assert claims.loc[claims["reference_ids"].notna(), "reference_scope"].notna().all()
    assert sentence_scope_not_in_sentence(claims, report) == []
    wrong = claims.copy()
    broader = wrong.index[(wrong["reference_scope"] == "section") & (wrong["document_id"] == REPORT_DOCUMENT)]
    wrong.loc[broader, "reference_scope"] = "sentence"
    assert sentence_scope_not_in_sentence(wrong, report)  # at least one section-level citation is caught


def test_reference_scope_is_required_with_references(sources_copy):
    _edit(sources_copy, "cell_claims", "amp_capacity_range", {"reference_scope": ""})
    assert "reference_scope_given_with_reference_ids" in _problems(sources_copy, "cell_claims")


# --------------------------------------------------------------------------- numbers as words
WORD_NUMBER = re.compile(r"^(?:[a-z ]+ )?(" + "|".join(NUMBER_WORDS) + r")$", re.IGNORECASE)


def words_without_value(frame: pd.DataFrame) -> list[str]:
    worded = frame["published_text"].fillna("").str.strip().str.match(WORD_NUMBER)
    parsed = parse_published(frame["published_text"])
    return frame.loc[worded & parsed["value"].isna() & parsed["value_max"].isna(), "published_text"].tolist()


def test_numbers_printed_as_words_get_values():
    tables = curate_tables(["cell_claims", "document_facts", "application_claims"], REAL_SOURCES)
    for frame in tables.values():
        assert words_without_value(frame) == []
        assert frame.loc[frame["published_text"].str.strip().str.match(WORD_NUMBER), "value_best"].notna().all()
    assert words_without_value(pd.DataFrame({"published_text": ["within sixish"]})) == []  # not a number word
    assert parse_published(pd.Series(["approximately ten", "within six", "one of three"]))["value"].tolist()[:2] == [10.0, 6.0]


# --------------------------------------------------------------------------- "by <year>"
def test_by_year_keeps_its_upper_bound(sources_copy):
    tables = curate_tables(["market_statistics", "cell_claims"], REAL_SOURCES)
    for frame in tables.values():
        by = frame["published_text"].fillna("").str.match(r"^by \d{4}$")
        assert by.any() or frame is tables["cell_claims"]
        assert (frame.loc[by, "qualifier"] == "le").all() and frame.loc[by, "value_max"].notna().all()
    _edit(sources_copy, "market_statistics", "s6_ssb_commercial_production_target", {"published_text": "2030"})
    assert "by_year_keeps_its_upper_bound" in _problems(sources_copy, "market_statistics")


# --------------------------------------------------------------------------- scenario years
def scenario_rows_not_dated_to_their_year(scenarios: pd.DataFrame, documents: pd.DataFrame) -> list[str]:
    """A scenario row about a year no later than its document's date carries that year as its
    claim date (Table 10 'Current (2024)' is dated 2024, not the report's 2025-03)."""
    published = scenarios["document_id"].map(documents.set_index("document_id")["publication_start"])
    past = scenarios["year"].astype(int) <= published.dt.year
    wrong = past & scenarios["claim_date"].dt.year.ne(scenarios["year"].astype(int))
    return sorted(set(scenarios.loc[wrong, "scenario_id"]))


def test_scenario_rows_carry_their_year():
    tables = curate_tables(["battery_scenarios", "published_pack_results", "documents"], REAL_SOURCES)
    scenarios, documents = tables["battery_scenarios"], tables["documents"]
    assert scenario_rows_not_dated_to_their_year(scenarios, documents) == []
    year_of = scenarios.drop_duplicates("scenario_id").set_index("scenario_id")["year"].astype(int)
    packs = tables["published_pack_results"]
    past = packs["scenario_id"].map(year_of) <= packs["claim_date"].dt.year.max()
    assert (packs.loc[past, "claim_date"].dt.year == packs.loc[past, "scenario_id"].map(year_of)).all()
    wrong = scenarios.copy()
    wrong.loc[wrong["scenario_id"] == "current_2024", "claim_date"] = pd.Timestamp("2025-03-01")
    assert scenario_rows_not_dated_to_their_year(wrong, documents) == ["current_2024"]




# --------------------------------------------------------------------------- documents and conditions
def test_a_web_document_says_where_and_when_it_was_read(sources_copy):
    documents = curate_tables(["documents"], REAL_SOURCES)["documents"]
    web = documents["kind"].isin(["press_release", "news_article", "survey", "blog_post", "website", "company_datasheet"])
    assert documents.loc[web, ["url", "accessed"]].notna().all().all()
    _edit(sources_copy, "documents", "quantumscape_qse5_b_sample_2024", {"accessed": ""})
    assert "web_document_has_url_and_accessed_date" in _problems(sources_copy, "documents")


def test_c_rate_is_parsed_and_a_bad_one_is_named(sources_copy):
    claims = curate_tables(["cell_claims"], REAL_SOURCES)["cell_claims"]
    rated = claims[claims["c_rate_text"].notna()]
    assert rated["c_rate"].gt(0).all()
    assert (rated.loc[rated["c_rate_text"].str.fullmatch(r"C/5"), "c_rate"] == 0.2).all()
    _edit(sources_copy, "cell_claims", "qs5b_energy", {"c_rate_text": "fast"})
    message = _problems(sources_copy, "cell_claims")
    assert "not a recognised C-rate (accepted: C/5" in message and "web_quantumscape_qse5_b_sample_2024.csv, line 2" in message


# --------------------------------------------------------------------------- one page, one document
def _pages_twice(documents: pd.DataFrame) -> list[str]:
    """URLs that more than one document row cites (one page is one document)."""
    urls = documents["url"].dropna()
    return sorted(urls[urls.duplicated()].unique())


def _claims_twice(frame: pd.DataFrame, key: str) -> list[str]:
    """Rows that repeat an earlier row's document, metric, printed text and quote (a claim kept twice)."""
    quoted = frame[frame["quote"].notna()]
    return quoted.loc[quoted.duplicated(["document_id", "metric", "published_text", "quote"]), key].tolist()


def test_one_document_per_page_and_each_claim_once():
    tables = curate_tables(["documents", "cell_claims", "market_statistics"], REAL_SOURCES)
    assert _pages_twice(tables["documents"]) == []
    assert _claims_twice(tables["cell_claims"], "claim_id") == []
    assert _claims_twice(tables["market_statistics"], "statistic_id") == []
    page = tables["documents"][tables["documents"]["url"].notna()].iloc[[0]].assign(document_id="copy_of_a_page")
    assert _pages_twice(pd.concat([tables["documents"], page])) == [page["url"].iloc[0]]
    claims = tables["cell_claims"]
    twice = claims[claims["quote"].notna()].iloc[[0]].assign(claim_id="the_same_claim_again")
    assert _claims_twice(pd.concat([claims, twice]), "claim_id") == ["the_same_claim_again"]


def _unexplained_dates(documents: pd.DataFrame) -> list[str]:
    """Documents whose date_inferred flag and note disagree (flagged without saying how, or a
    note saying the date is inferred on a row not flagged)."""
    says = documents["note"].fillna("").str.contains("date inferred", case=False)
    return documents.loc[documents["date_inferred"].astype(bool) != says, "document_id"].tolist()


def test_an_inferred_date_says_how_it_was_inferred():
    """A date read from a URL path or a crawler's date line, not printed on the page, is flagged,
    and the note says where it came from; a flagged date always has that note."""
    documents = curate_tables(["documents"], REAL_SOURCES)["documents"]
    assert _unexplained_dates(documents) == []
    printed = documents[~documents["date_inferred"].astype(bool)].iloc[[0]]
    wrong = pd.concat([documents, printed.assign(document_id="flagged_without_a_note", date_inferred=True)])
    assert _unexplained_dates(wrong) == ["flagged_without_a_note"]
