"""Second check of the transcription against the documents themselves.

1. Every number a curated row of the report holds is printed in the place the row cites in the
   report (../shared/report/): its table, or else its section (subsections included).
2. For the report's numeric tables, every printed cell is held, exactly as printed: nothing
   missing, nothing altered.
3. A row of any other document is checked against its `quote` (the phrase of the page holding
   the number): the printed text must be inside it.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import pandas as pd
import pytest

from pipelines.ingest.curate import read_raw
from pipelines.schemas.base import column_docs
from pipelines.schemas.published_values import quote_holds
from pipelines.schemas.registry import CURATED
from tests.helpers import REAL_SOURCES, REPORT, REPORT_DOCUMENT

pytestmark = pytest.mark.skipif(not REPORT.exists(), reason=f"report not found at {REPORT}")

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S")
CAPTION = re.compile(r"^Table (ES-\d+|\d+)\.")
BODY_START = 150  # lines before this are the front matter and table of contents


def report_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a dataset takes from the report (a dataset without document_id is the report's)."""
    return frame if "document_id" not in frame.columns else frame[frame["document_id"] == REPORT_DOCUMENT]


def numbers(text: str) -> list[str]:
    return [n.replace(",", "").rstrip(".") for n in NUMBER.findall(text or "")]


@lru_cache
def report_lines() -> list[str]:
    return REPORT.read_text(encoding="utf-8").splitlines()


@lru_cache
def table_blocks() -> dict[str, list[list[str]]]:
    """Table caption -> its tab-separated rows (both parts of a table printed in two)."""
    blocks: dict[str, list[list[str]]] = {}
    current = None
    for line in report_lines()[BODY_START:]:
        caption = CAPTION.match(line)
        if caption:
            current = f"Table {caption.group(1)}"
            blocks.setdefault(current, [])
            continue
        if current and "\t" in line:
            blocks[current].append(line.split("\t"))
        elif current and line.strip() and "\t" not in line and blocks[current]:
            if not line.startswith(("*", "Parameter")):
                current = None
    return blocks


@lru_cache
def table_text(table: str) -> str:
    """A table as printed: its caption, its rows and its footnotes (lines starting with *)."""
    chunks, current = [], None
    for line in report_lines()[BODY_START:]:
        caption = CAPTION.match(line)
        if caption:
            current = f"Table {caption.group(1)}"
        elif current and "\t" not in line and line.strip() and not line.startswith(("*", "Parameter")):
            current = None
        if current == table:
            chunks.append(line)
    return "\n".join(chunks)


@lru_cache
def section_text(section: str) -> str:
    lines = report_lines()
    if section == "Abstract":
        return next(m.group(1) for m in map(re.compile(r"Abstract <p>(.*)</p>").search, lines) if m)
    if section == "ES":
        start = next(i for i, l in enumerate(lines) if l.strip() == "EXECUTIVE SUMMARY")
        end = next(i for i, l in enumerate(lines) if l.strip() == "1. INTRODUCTION")
        return "\n".join(lines[start:end])
    depth = section.count(".") + 1
    chunks, inside = [], False
    for line in lines[BODY_START:]:
        heading = HEADING.match(line)
        if heading and len(line) < 120:
            number = heading.group(1)
            if number == section or number.startswith(section + "."):
                inside = True
            elif inside and number.count(".") + 1 <= depth:
                inside = False
        if inside:
            chunks.append(line)
    return "\n".join(chunks)


def _long_tables() -> list[str]:
    return [n for n in CURATED if {"published_text", "section"} <= {d.name for d in column_docs(CURATED[n])}]


@pytest.mark.parametrize("name", _long_tables())
def test_every_number_is_printed_where_the_row_says(name):
    frame = read_raw(name, REAL_SOURCES).frame
    frame = report_rows(frame)  # other documents: their quote (below)
    missing = []
    for row in frame.itertuples(index=False):
        held = numbers(row.published_text)
        if not held:
            continue
        if isinstance(row.source_table, str) and row.source_table in table_blocks():
            place = table_text(row.source_table)
        else:
            place = section_text(str(row.section))
        printed = set(numbers(place))
        absent = [n for n in held if n not in printed]
        if absent:
            missing.append(f"{row.source_file}:{row.source_line} {row.published_text!r} not in {row.source_table or 'section ' + str(row.section)}")
    assert not missing, "\n".join(missing)


# table -> (dataset, how many leading label columns each printed row has)
NUMERIC_TABLES = {
    "Table 6": ("cell_design_parameters", 1),
    "Table 7": ("published_cell_results", 1),
    "Table ES-1": ("published_cell_results", 1),
    "Table 8": ("ssb_cost_projections", 1),
    "Table 10": ("battery_scenarios", 1),
    "Table 11": ("published_pack_results", 1),
    "Table 12": ("construction_machines", 1),
    "Table ES-2": ("construction_machines", 1),
}


HEADER_LABELS = {"Parameter", "Battery Type", "Truck battery requirements", "SSB Technology", "Construction machine type"}


def _printed_cells(table: str, skip: int) -> Counter:
    cells = Counter()
    for row in table_blocks()[table]:
        if row[0].strip() in HEADER_LABELS:
            continue
        values = [c.strip() for c in row[skip:]]
        if not any(NUMBER.search(v) for v in values):
            continue  # a header row or a group label
        if table == "Table 8":
            values = values[:3]  # the last column is the source reference
        cells.update(v for v in values if v)
    return cells


@pytest.mark.parametrize("table", sorted(NUMERIC_TABLES))
def test_numeric_table_is_transcribed_cell_for_cell(table):
    dataset, skip = NUMERIC_TABLES[table]
    frame = read_raw(dataset, REAL_SOURCES).frame
    frame = report_rows(frame)
    held = Counter(frame.loc[frame["source_table"] == table, "published_text"].str.strip())
    printed = _printed_cells(table, skip)
    # nothing missing or altered (a derived scenario may reuse a Table 10 cell, so the held
    # multiset may exceed the printed one; every held number is printed, see the test above)
    assert not printed - held, f"printed but not held (or held altered): {dict(printed - held)}"
    assert sum(held.values()) >= sum(printed.values())


def test_table9_numbers_are_transcribed_cell_for_cell():
    frame = read_raw("vehicle_requirements", REAL_SOURCES).frame
    frame = report_rows(frame)
    printed = Counter(c.strip() for row in table_blocks()["Table 9"] for c in row[2:] if NUMBER.fullmatch(c.strip()))
    held = Counter(frame["published_text"].str.strip())
    assert held == printed


@pytest.mark.parametrize("name", _long_tables())
def test_rows_of_other_documents_hold_their_number_in_a_quote(name):
    """Every row of a document other than the report carries a quote containing its printed
    text, whatever the document (how many there are is the data's business)."""
    frame = read_raw(name, REAL_SOURCES).frame
    others = frame.drop(report_rows(frame).index)
    if others.empty:
        return
    assert "quote" in others.columns, f"{name} holds rows of other documents but has no quote column"
    bad = others[others["quote"].isna() | ~quote_holds(others["quote"], others["published_text"])]
    assert bad.empty, "\n".join(f"{f}:{line} {t!r} not in its quote" for f, line, t in bad[["source_file", "source_line", "published_text"]].itertuples(index=False))


def test_quote_rule_fails_on_a_quote_without_the_number():
    frame = pd.DataFrame({"quote": ["an energy density of 301 Wh/kg", "about 1,000 cycles", None], "published_text": ["310", "1000", "5"]})
    assert quote_holds(frame["quote"], frame["published_text"]).tolist() == [False, True, True]


def test_every_reference_of_the_list_is_held_once():
    refs = read_raw("references", REAL_SOURCES).frame
    refs = report_rows(refs)
    ids = pd.to_numeric(refs["reference_id"])
    printed = [int(m) for m in re.findall(r"^- \[(\d+)\]\.", "\n".join(report_lines()), flags=re.M)]
    assert sorted(ids) == sorted(printed)
    assert ids.is_unique


def _table_row(table: str, label: str) -> list[str]:
    return next([c.strip() for c in row[1:]] for row in table_blocks()[table] if row[0].strip() == label)


def test_table_text_cells_are_held_as_printed():
    # Text cells are data labels: held exactly as printed, not paraphrased.
    claims = read_raw("cell_claims", REAL_SOURCES).frame
    claims = report_rows(claims)
    t2 = claims[(claims["source_table"] == "Table 2") & (claims["published_label"] == "Safety test")]
    assert Counter(t2["published_text"]) == Counter(_table_row("Table 2", "Safety test"))

    t1 = claims[(claims["source_table"] == "Table 1") & (claims["published_label"] == "Cell format")]
    assert list(t1["published_text"]) == _table_row("Table 1", "Cell format")

    table4 = read_raw("sodium_vs_lithium", REAL_SOURCES).frame
    table4 = report_rows(table4)
    printed = {row[0].strip(): row[3].strip() for row in table_blocks()["Table 4"] if row[0].strip() != "Criteria"}
    assert set(table4["published_label"]) == set(printed)
    assert (table4["published_note"] == table4["published_label"].map(printed)).all()
