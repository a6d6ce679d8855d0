"""Parse a number as printed in the report (">400", "9±2", "Up to 4", "200-700") into
value / value_min / value_max / qualifier, keeping the printed text untouched beside it.

Vectorised: the qualifier patterns are tried in order by one regex alternation applied once to
the distinct texts of a column (never a loop over rows). Rows that contain digits but match no
pattern come back with `parsed` False so the caller can report file, row and column.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipelines.schemas.memo import same_inputs_once

QUALIFIERS = (
    "exact",
    "approx",
    "gt",
    "ge",
    "lt",
    "le",
    "up_to",
    "range",
    "plus_minus",
    "not_numeric",
)

_NUM = r"[-−+]?\d[\d,]*(?:\.\d+)?|[-−+]?\.\d+"  # a sign as printed ("+45 °C")
_SEP = r"\s*(?:-|–|—|to|and)\s*"
_APPROX = r"~|≈|approximately|approx\.?|about|around|nearly|roughly|almost|some"

# (qualifier, regex). Order matters: the first pattern that matches a row wins.
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("plus_minus", rf"^(?P<a>{_NUM})\s*±\s*(?P<b>{_NUM})$"),
    ("range", rf"^(?:(?:{_APPROX})\s*)?(?:between\s+)?(?P<a>{_NUM}){_SEP}(?P<b>{_NUM})$"),
    ("ge", rf"^(?:≥|>=|at least|no less than)\s*(?P<a>{_NUM})$"),
    ("ge", rf"^(?P<a>{_NUM})\s*\+$"),
    ("ge", rf"^(?:as little as|as low as|as few as)\s*(?P<a>{_NUM})$"),
    ("gt", rf"^(?:>|over|more than|above|greater than|exceeding|exceed(?:s|ed)?|in excess of)\s*(?P<a>{_NUM})$"),
    ("le", rf"^(?:≤|<=|at most|no more than|never exceeded|within)\s*(?P<a>{_NUM})$"),
    ("le", rf"^(?P<a>{_NUM})\s+or (?:less|fewer|below)$"),
    ("le", rf"^by\s+(?P<a>{_NUM})$"),  # "by 2028": at the latest 2028, an upper bound
    ("ge", rf"^(?P<a>{_NUM})\s+or (?:more|greater|above|higher)$"),
    ("lt", rf"^(?:<|less than|below|under|before)\s*(?P<a>{_NUM})$"),
    ("up_to", rf"^(?:up to|as much as|as high as|as many as)\s*(?P<a>{_NUM})$"),
    ("approx", rf"^(?:{_APPROX})\s*(?P<a>{_NUM})$"),
    ("exact", rf"^(?P<a>{_NUM})$"),
)
# Numbers printed as words ("within six", "approximately ten") read as their digits; the
# printed text keeps the word.
NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)
_DECADE = re.compile(r"^(?:the\s+)?(?P<d>\d{3})0s$", re.IGNORECASE)

# Symbols printed around a number that carry no meaning for its value.
_STRIP = re.compile(r"[$€£]|(?<=\d)\s*(?:%|°C|°)(?=\s|$|\s*(?:[-–+]|to\b))", re.IGNORECASE)


# A comma inside a number is a thousands separator only before groups of exactly three digits
# ("2,675", "1,800.5"); "1,8" could be a decimal comma and is refused, never read as 18.
_THOUSANDS = re.compile(r"^[-−+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[-−+]?\.\d+$")


def _ambiguous_comma(numbers: pd.Series) -> pd.Series:
    return numbers.notna() & numbers.str.contains(",", regex=False) & ~numbers.fillna("").str.match(_THOUSANDS)


def _to_float(s: pd.Series) -> pd.Series:
    cleaned = s.str.replace(",", "", regex=False).str.replace("−", "-", regex=False)
    return pd.to_numeric(cleaned, errors="coerce")


def _alternation(start: int) -> re.Pattern:
    """One regex trying the patterns from `start` on, in order (groups a<i>, b<i> of pattern i):
    a regex alternation takes its first alternative that matches, as the pattern loop would."""
    return re.compile(
        "|".join(
            "(?:" + pattern.replace("(?P<a>", f"(?P<a{i}>").replace("(?P<b>", f"(?P<b{i}>") + ")"
            for i, (_, pattern) in enumerate(_PATTERNS)
            if i >= start
        ),
        re.IGNORECASE,
    )


_ALTERNATIONS = tuple(_alternation(start) for start in range(len(_PATTERNS)))
_KINDS = np.array([qualifier for qualifier, _ in _PATTERNS] + [None], dtype=object)  # index -1: none


def _first_match(norm: pd.Series, start: int) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """For each text, the first pattern (from `start` on) it matches (-1: none), and that
    pattern's number texts a and b (b: the second number of a range or a ± b)."""
    found = norm.str.extract(_ALTERNATIONS[start])
    tried = range(start, len(_PATTERNS))
    a_all = found[[f"a{i}" for i in tried]].to_numpy(dtype=object)
    b_all = found.reindex(columns=[f"b{i}" for i in tried]).to_numpy(dtype=object)  # NaN: no b group
    matched = pd.notna(a_all)
    first = matched.argmax(axis=1)
    kind = np.where(matched.any(axis=1), first + start, -1)
    # only the matching pattern's groups are filled: its number a, and b where it has one
    rows = np.arange(len(found))
    return (
        kind,
        pd.Series(a_all[rows, first], index=norm.index, dtype=object),
        pd.Series(b_all[rows, first], index=norm.index, dtype=object),
    )


# a table's texts are parsed when it is read, by its warning rules, and by quality.source_findings
@same_inputs_once(entries=32)
def parse_published(text: pd.Series) -> pd.DataFrame:
    """Parse printed values. Returns columns value, value_min, value_max, qualifier, parsed,
    ambiguous_comma, range_descending.

    `parsed` is False for a text that holds digits yet matches no known form, or whose comma
    is not a thousands separator (`ambiguous_comma`, "1,8"): the caller turns those into a
    blocking error naming the row.

    Each distinct text is parsed once, by one regex alternation over the patterns in order; a
    text whose first matching pattern has an ambiguous comma is tried again with the patterns
    after that one (as a loop over the patterns would).
    """
    raw = text.fillna("").astype(str)
    codes, distinct = pd.factorize(raw)
    texts = pd.Series(distinct, dtype=object)
    norm = texts.str.strip().str.replace(r"\s+", " ", regex=True).str.replace(_STRIP, "", regex=True)
    # A decade ("the 1970s") is the range of its years.
    norm = norm.str.strip().str.replace(_DECADE, r"\g<d>0-\g<d>9", regex=True)
    # A number written as a word is read as its digits where the text then is a printed number
    # ("within six" -> within 6); other text with such a word ("one of three") stays text.
    worded = norm.str.replace(_WORD, lambda m: str(NUMBER_WORDS[m.group(1).lower()]), regex=True)
    norm = worded.where(worded.ne(norm) & worded.str.match(_ALTERNATIONS[0]), norm)

    n = len(norm)
    kind = np.full(n, -1)
    a_text = pd.Series(np.nan, index=norm.index, dtype=object)
    b_text = pd.Series(np.nan, index=norm.index, dtype=object)
    ambiguous = np.zeros(n, dtype=bool)
    start = np.zeros(n, dtype=int)
    todo = np.ones(n, dtype=bool)
    while todo.any():
        for first in np.unique(start[todo]):
            rows = np.flatnonzero(todo & (start == first))
            found, a, b = _first_match(norm.iloc[rows], int(first))
            comma = (_ambiguous_comma(a) | _ambiguous_comma(b)).to_numpy()
            hit = (found >= 0) & ~comma
            kind[rows[hit]] = found[hit]
            a_text.iloc[rows[hit]] = a.to_numpy()[hit]
            b_text.iloc[rows[hit]] = b.to_numpy()[hit]
            ambiguous[rows[comma]] = True
            start[rows[comma]] = found[comma] + 1
            todo[rows] = comma & (found + 1 < len(_PATTERNS))

    qualifier = _KINDS[kind]
    a = _to_float(a_text).to_numpy(dtype=float)
    b = _to_float(b_text).to_numpy(dtype=float)
    is_ = {q: qualifier == q for q in QUALIFIERS}
    nan = np.full(n, np.nan)
    point = (kind >= 0) & ~is_["range"]
    lower = is_["exact"] | is_["gt"] | is_["ge"]
    upper = is_["exact"] | is_["lt"] | is_["le"] | is_["up_to"]
    value = np.where(point, a, nan)
    value_min = np.where(lower, a, np.where(is_["range"], np.fmin(a, b), np.where(is_["plus_minus"], a - b, nan)))
    value_max = np.where(upper, a, np.where(is_["range"], np.fmax(a, b), np.where(is_["plus_minus"], a + b, nan)))

    pending = kind < 0
    has_digit = norm.str.contains(r"\d", regex=True).to_numpy(dtype=bool)
    qualifier = np.where(pending & ~has_digit, "not_numeric", qualifier)
    qualifier[pending & has_digit] = pd.NA
    per_text = pd.DataFrame(
        {
            "value": value,
            "value_min": value_min,
            "value_max": value_max,
            "qualifier": pd.Series(qualifier, dtype=object),
            "parsed": ~(pending & has_digit),
            "ambiguous_comma": ambiguous & pending,
            # a range printed high-to-low ("75-65"): kept, but worth a warning
            "range_descending": is_["range"] & (a > b),
        }
    )
    return per_text.take(codes).set_axis(raw.index)


# qualifier -> value_basis (pipelines/schemas/fields.py VALUE_BASES describes each basis).
_BASIS = {
    "exact": "point",
    "approx": "approximate_point",
    "plus_minus": "central_value",
    "range": "midpoint_of_range",
    "gt": "lower_bound",
    "ge": "lower_bound",
    "lt": "upper_bound",
    "le": "upper_bound",
    "up_to": "upper_bound",
    "not_numeric": "not_numeric",
}


def best_values(qualifier: pd.Series, value: pd.Series, value_min: pd.Series, value_max: pd.Series) -> pd.DataFrame:
    """The one rule for a single best value of a printed number (value_best, value_basis).

    A point (exact, ~, a ± b) is itself; a range gives its midpoint; >, ≥ give the lower bound,
    <, ≤, 'up to' the upper bound (both already stored in `value`); no number gives null.
    Works on converted values, so value_best is in the same unit as value."""
    basis = qualifier.map(_BASIS)
    midpoint = (value_min.astype(float) + value_max.astype(float)) / 2
    best = np.where(qualifier.eq("range").to_numpy(dtype=bool), midpoint, value.astype(float))
    return pd.DataFrame({"value_best": best, "value_basis": basis}, index=qualifier.index)


def printed_half_unit(text: pd.Series) -> pd.Series:
    """Half a unit of the last printed digit of the first number ("0.005" -> 0.0005, "532" -> 0.5).

    Consistency rules use it so a value printed with few digits is not flagged for rounding.
    Each distinct text is read once.
    """
    codes, distinct = pd.factorize(text.fillna("").astype(str))
    first = pd.Series(distinct, dtype=object).str.extract(rf"({_NUM})")[0].fillna("")
    decimals = first.str.extract(r"\.(\d+)$")[0].str.len().astype(float).fillna(0.0).to_numpy()
    return pd.Series(0.5 * np.power(10.0, -decimals[codes]), index=text.index)


def printed_precision(text: pd.Series, stored_value: pd.Series, printed_value: pd.Series | None = None) -> pd.Series:
    """printed_half_unit expressed in the unit the value is stored in: "4480" mAh stored as
    4.48 Ah has a precision of 0.0005 Ah, not 0.5. `printed_value`: parse_published(text)["value"]
    where the caller has it already."""
    raw = parse_published(text)["value"] if printed_value is None else printed_value
    usable = raw.notna() & raw.ne(0) & stored_value.notna()
    scale = (stored_value.astype(float) / raw).where(usable, 1.0).abs()
    return printed_half_unit(text) * scale


# --------------------------------------------------------------------------- C-rates and quotes
# A C-rate as printed: "C/5" (one fifth of the capacity per hour), "0.1C", "1C", "2 C", "C".
_C_RATE = re.compile(r"^\s*(?:C\s*/\s*(?P<div>\d+(?:\.\d+)?)|(?P<mult>\d*\.?\d+)?\s*C)\s*$", re.IGNORECASE)
C_RATE_FORMS = "C/5, C/10, 0.1C, 1C, 2C (a fraction of C or a multiple of C)"


def parse_c_rate(text: pd.Series) -> pd.DataFrame:
    """'C/5' -> 0.2, '0.1C' -> 0.1, '1C' -> 1. Returns c_rate and parsed (False for a text that
    is not a C-rate; an empty cell is parsed, with a null c_rate)."""
    found = text.astype("string").str.extract(_C_RATE)
    divisor = pd.to_numeric(found["div"], errors="coerce")
    multiple = pd.to_numeric(found["mult"], errors="coerce")
    matched = found["div"].notna() | text.astype("string").str.fullmatch(_C_RATE).fillna(False).astype(bool)
    rate = (1.0 / divisor).where(divisor.notna(), multiple.fillna(1.0).where(matched))
    return pd.DataFrame({"c_rate": rate.astype(float), "parsed": text.isna() | matched}, index=text.index)


def _squashed(text: pd.Series) -> pd.Series:
    """Text compared for containment: whitespace runs as one space, typographic dashes and
    quotes as ASCII, case folded."""
    table = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2019": "'", "\u2018": "'", "\u00a0": " "})
    return text.astype("string").str.translate(table).str.replace(r"\s+", " ", regex=True).str.strip().str.casefold()


def quote_holds(quote: pd.Series, published_text: pd.Series) -> pd.Series:
    """True where there is no quote, or the quote contains the printed text (as typed, or with
    the thousands separators the page prints or omits)."""
    q = _squashed(quote)
    t = _squashed(published_text).fillna("")
    given = q.notna().to_numpy(dtype=bool)
    haystack = q.fillna("").to_numpy(dtype=str)
    as_typed = np.char.find(haystack, t.to_numpy(dtype=str)) >= 0
    bare = np.char.find(np.char.replace(haystack, ",", ""), t.str.replace(",", "", regex=False).to_numpy(dtype=str)) >= 0
    return pd.Series(~given | as_typed | bare, index=quote.index)
