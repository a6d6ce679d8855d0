"""Coverage of the transcription: every number the report prints is held, or excluded on review.

The sweep reads the report text (../shared/report/, beside the project; CI has it): the
abstract, the Executive Summary to the reference list, and the Data Summary after it. A number
is a run of digits ("2,675", "5.80"), or a number word before a unit or count noun ("six
months", "three categories"). Out of the sweep, by rule: the rest of the front matter
(documentation page fields, contents, lists of tables and figures, acronyms: the report's
bibliographic record), the reference list, section numbering in headings, citation markers
([12], [72]-[74]), cross-references ("Table 3", "Figure 6c", "Sections 2 and 3"), list
enumerators ("(1)") and item numbers ("Cell #1"), display equations ($$ ... (12)$$, implemented
by the cell model), and digits that are part of a name (NMC811, LiCoO_2, NCM 523, COVID-19).

Every other number is attributed to its table (cells, caption and footnotes) or else to its
section, and must be either
  - held: printed in an "as printed" column (published_text, conditions, printed labels and
    text cells: every column whose model description says the value is as printed) of a
    curated row that cites that table, or a section containing it. Holding is per place and
    number: one row holding "1000" in Section 2.5 holds every "1000" printed there; or
  - excluded: listed in tests/sources/coverage_exclusions.csv (place, number as printed, a
    snippet of its context, a specific reason). Every entry must match a number that is not
    held; a stale or needless entry fails the test.

Summary per section: `python -m tests.sources.test_coverage`, or `pytest -rP` on this file.
"""
from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

from pipelines.ingest.curate import read_raw
from pipelines.schemas.base import column_docs
from pipelines.schemas.registry import CURATED
from tests.helpers import REAL_SOURCES, REPORT

pytestmark = pytest.mark.skipif(not REPORT.exists(), reason=f"report not found at {REPORT}")

EXCLUSIONS = Path(__file__).with_name("coverage_exclusions.csv")

HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S")
CAPTION = re.compile(r"^(Table (?:ES-\d+|\d+))\.?\s")
ABSTRACT = re.compile(r"Abstract <p>(.*)</p>")
# A number as printed: thousands separators, decimals; a sign or range dash is not part of it.
NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])")

# A number written as a word counts where it counts something: before a unit or a count noun
# ("six months", "three categories", "ten times"), not in "one of the", "one promising approach".
WORDS = {w: i for i, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)}
WORDS.update(twenty=20, thirty=30, forty=40, fifty=50, hundred=100)
_WORD = "|".join(WORDS)
WORD_NUMBER = re.compile(
    rf"(?i)\b({_WORD})\b(?=[- ](?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|times|cycles?"
    r"|layers?|categories)\b)"
)
WORD_ALONE = re.compile(rf"(?i)(?:[a-z]+ )?({_WORD})(?: or less)?")  # a printed value: "six", "within six"

# Text that is not a number of the report's content (see the module docstring), blanked before
# the sweep. Each pattern is replaced by spaces of its own length so positions keep.
NOT_CONTENT = (
    re.compile(r"\[\d+\](?:\s*[-–,]\s*\[\d+\])*"),  # citation markers
    re.compile(r"\b(?:Tables?|Figures?|Sections?|[Ee]q(?:uation)?s?\.?)\s+(?:ES-)?\d+(?:\.\d+)*[a-z]?"
               r"(?:\s*(?:,|and|or|-|–)\s*\d+(?:\.\d+)*)*"),  # cross-references
    re.compile(r"^\s*\(\d\)|(?<=[\s:;,])\(\d\)(?=\s)"),  # list enumerators
    re.compile(r"#\d+"),  # item numbering ("Sodium-ion Cell #1")
    re.compile(r"(?i)\b(?:NMC|NCM|NCA) ?\d{3}\b"),  # cathode compositions (NCM 523, NMC811)
    re.compile(r"_(?!\{\d+%\})[\w{}]*\d[\w{}]*|(?<!_)[A-Za-z}{\\^][\w{}\\^]*\d[\w{}]*"),  # digits in a name or formula
    re.compile(r"(?i)COVID-19"),
)


@dataclass(frozen=True)
class Printed:
    place: str  # "Table 2", or the section ("ES", "2.3", "3.1.1.2")
    section: str  # the section the line is in (the table's section for a table)
    line: int  # 1-based line of the report
    text: str  # the number as printed ("2,675")
    context: str  # the surrounding text

    @property
    def number(self) -> str:
        return normalise(self.text)


def normalise(text: str) -> str:
    """'2,675' -> '2675', '5.80' -> '5.80' (printed precision kept), '1.' -> '1', 'six' -> '6'."""
    word = WORDS.get(text.lower())
    return str(word) if word else text.replace(",", "").rstrip(".")


def numbers_in(text: str) -> list[str]:
    """Numbers a curated cell holds: digits, and number words (a row holds 'six' for 'within six
    minutes'; elsewhere a word counts only before a unit, as in the sweep)."""
    text = text or ""
    found = [normalise(m.group()) for m in NUMBER.finditer(_blank(text))]
    words = WORD_ALONE.fullmatch(text.strip()) or None
    found += [normalise(words.group(1))] if words else [normalise(m.group(1)) for m in WORD_NUMBER.finditer(text)]
    return found


def _blank(text: str) -> str:
    for pattern in NOT_CONTENT:
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return text


@lru_cache
def report_lines() -> tuple[str, ...]:
    return tuple(REPORT.read_text(encoding="utf-8").splitlines())


def _places() -> list[tuple[int, str, str]]:
    """(line index, place, section) for every report line inside the sweep."""
    lines = report_lines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "EXECUTIVE SUMMARY")
    references = next(i for i, line in enumerate(lines) if line.strip() == "REFERENCES")
    data_summary = next(i for i, line in enumerate(lines) if line.strip() == "DATA SUMMARY")
    abstract = next(i for i, line in enumerate(lines) if ABSTRACT.search(line))
    out, section, table = [(abstract, "Abstract", "Abstract")], "ES", None
    for i in [*range(start, references), *range(data_summary, len(lines))]:
        line = lines[i]
        heading = HEADING.match(line)
        if heading and len(line) < 120 and "\t" not in line:
            section, table = heading.group(1), None
            out.append((i, "heading", section))
            continue
        if line.strip() == "DATA SUMMARY":
            section, table = "Data Summary", None
        caption = CAPTION.match(line)
        if caption:
            table = caption.group(1)
        elif table and "\t" not in line and line.strip() and not line.startswith("*"):
            table = None
        out.append((i, table or section, section))
    return out


@lru_cache
def printed_numbers() -> tuple[Printed, ...]:
    lines = report_lines()
    found = []
    for i, place, section in _places():
        line = lines[i]
        if place == "heading":
            line = HEADING.sub(lambda m: " " * len(m.group(1)) + m.group()[len(m.group(1)):], line, count=1)
            place = section
        if place == "Abstract":  # the abstract field of the documentation page: its <p> text only
            inner = ABSTRACT.search(line)
            line = " " * inner.start(1) + inner.group(1) + " " * (len(line) - inner.end(1))
        if line.lstrip().startswith("$$"):
            continue  # a display equation: its constants are the formula's, its number is numbering
        blanked = _blank(line)
        for m in [*NUMBER.finditer(blanked), *WORD_NUMBER.finditer(blanked)]:
            lo, hi = max(0, m.start() - 50), min(len(line), m.end() + 50)
            found.append(Printed(place, section, i + 1, m.group(), line[lo:hi]))
    return tuple(found)


# ---------------------------------------------------------------- what the curated rows hold

PRINTED_COLUMN = re.compile(r"as printed|the report prints|printed with|report gives", re.IGNORECASE)


# Citation numbers are kept as printed too, but a citation is not a value the report states.
CITATION_COLUMNS = {"reference_ids"}


def printed_columns(model) -> list[str]:
    return [d.name for d in column_docs(model) if PRINTED_COLUMN.search(d.description) and d.name not in CITATION_COLUMNS]


@lru_cache
def held() -> dict[str, dict[str, set[str]]]:
    """number -> {"tables": {...}, "sections": {...}} of the curated rows printing it."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"tables": set(), "sections": set()})
    for name, model in CURATED.items():
        names = {d.name for d in column_docs(model)}
        if "section" not in names:
            continue
        columns = printed_columns(model)
        frame = read_raw(name, REAL_SOURCES).frame
        for _, row in frame.iterrows():
            table = row.get("source_table")
            tables = set(str(table).split(";")) if isinstance(table, str) else set()
            sections = set(str(row["section"]).split(";"))
            for column in columns:
                for number in numbers_in(row.get(column) if isinstance(row.get(column), str) else ""):
                    out[number]["tables"] |= tables
                    out[number]["sections"] |= sections
    return out


def is_held(p: Printed) -> bool:
    where = held().get(p.number)
    if not where:
        return False
    if p.place.startswith("Table "):
        return p.place in where["tables"]
    return any(p.section == s or p.section.startswith(s + ".") for s in where["sections"])


# ---------------------------------------------------------------- reviewed exclusions


@dataclass(frozen=True)
class Exclusion:
    line: int  # line of the exclusions file
    place: str
    printed: str
    context: str
    reason: str

    def matches(self, p: Printed) -> bool:
        lines = report_lines()
        return p.place == self.place and p.text == self.printed and self.context in lines[p.line - 1]


@lru_cache
def exclusions() -> tuple[Exclusion, ...]:
    with EXCLUSIONS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple(
        Exclusion(i + 2, r["place"], r["printed"], r["context"], r["reason"].strip()) for i, r in enumerate(rows)
    )


def classify() -> dict[Printed, str]:
    status = {}
    for p in printed_numbers():
        if is_held(p):
            status[p] = "held"
        elif any(e.matches(p) for e in exclusions()):
            status[p] = "excluded"
        else:
            status[p] = "missing"
    return status


def summary(status: dict[Printed, str]) -> str:
    counts: dict[str, Counter] = defaultdict(Counter)
    for p, s in status.items():
        counts[p.place][s] += 1
    order = sorted(counts, key=_place_key)
    rows = [f"{'place':<14}{'held':>6}{'excluded':>10}{'missing':>9}{'total':>7}"]
    for place in order:
        c = counts[place]
        rows.append(f"{place:<14}{c['held']:>6}{c['excluded']:>10}{c['missing']:>9}{sum(c.values()):>7}")
    t = Counter(status.values())
    rows.append(f"{'all':<14}{t['held']:>6}{t['excluded']:>10}{t['missing']:>9}{sum(t.values()):>7}")
    return "\n".join(rows)


def _place_key(place: str) -> tuple:
    if place == "Abstract":
        return (-1,)
    if place == "ES":
        return (0,)
    if place.startswith("Table ES"):
        return (0, 0, place)
    if place.startswith("Table "):
        return (9, int(place.split()[1]))
    if place == "Data Summary":
        return (10,)
    return (1, *(int(x) for x in place.split(".")))


# ---------------------------------------------------------------- tests


def test_every_printed_number_is_held_or_excluded():
    status = classify()
    print("\n" + summary(status))
    missing = [p for p, s in status.items() if s == "missing"]
    detail = "\n".join(f"  line {p.line} [{p.place}] {p.text!r}: ...{p.context}..." for p in missing)
    assert not missing, f"{len(missing)} printed numbers neither held nor excluded:\n{detail}\n\n{summary(status)}"


def test_every_exclusion_is_reviewed_and_needed():
    problems = []
    for e in exclusions():
        if len(e.reason) < 12:
            problems.append(f"line {e.line}: reason too short to be a reviewed decision: {e.reason!r}")
        hits = [p for p in printed_numbers() if e.matches(p)]
        if not hits:
            problems.append(f"line {e.line}: matches no printed number ({e.place}, {e.printed!r}, {e.context!r})")
        elif all(is_held(p) for p in hits):
            problems.append(f"line {e.line}: {e.printed!r} in {e.place} is held by a curated row: drop the exclusion")
    keys = Counter((e.place, e.printed, e.context) for e in exclusions())
    problems += [f"duplicate exclusion {k}" for k, n in keys.items() if n > 1]
    assert not problems, "\n".join(problems)


def test_sweep_finds_the_numbers_it_should():
    # The rules that blank citations, cross-references and names must not eat real numbers:
    # every Table ES-2 cell is found where it is printed.
    es2 = Counter(p.text for p in printed_numbers() if p.place == "Table ES-2")
    frame = read_raw("construction_machines", REAL_SOURCES).frame
    cells = frame.loc[frame["source_table"] == "Table ES-2", "published_text"]
    expected = Counter(n for text in cells for n in NUMBER.findall(text))
    assert not expected - es2
    assert numbers_in("NMC811 and NCM 523 [12],[13] (Table 3) at 1,234 kg and -56°C") == ["1234", "56"]


if __name__ == "__main__":
    print(summary(classify()))
    print(f"exclusions: {len(exclusions())} ({EXCLUSIONS.relative_to(Path.cwd()) if EXCLUSIONS.is_relative_to(Path.cwd()) else EXCLUSIONS})")
