"""Parse a number as printed in the report (">400", "9±2", "Up to 4", "200-700") into
value / value_min / value_max / qualifier, keeping the printed text untouched beside it.

Vectorised: each qualifier pattern is applied once to the whole column (a loop over the dozen
patterns, never over rows). Rows that contain digits but match no pattern are returned in
`unparsed` so the caller can report file, row and column.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

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

_NUM = r"[-−]?\d[\d,]*(?:\.\d+)?|[-−]?\.\d+"
_SEP = r"\s*(?:-|–|—|to|and)\s*"
_APPROX = r"~|≈|approximately|approx\.?|about|around|nearly|roughly|almost|some"

# (qualifier, regex). Order matters: the first pattern that matches a row wins.
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("plus_minus", rf"^(?P<a>{_NUM})\s*±\s*(?P<b>{_NUM})$"),
    ("range", rf"^(?:(?:{_APPROX})\s*)?(?:between\s+)?(?P<a>{_NUM}){_SEP}(?P<b>{_NUM})$"),
    ("ge", rf"^(?:≥|>=|at least|no less than)\s*(?P<a>{_NUM})$"),
    ("ge", rf"^(?P<a>{_NUM})\s*\+$"),
    ("ge", rf"^(?:as little as|as low as|as few as)\s*(?P<a>{_NUM})$"),
    ("gt", rf"^(?:>|over|more than|above|greater than|exceeding|exceeds?|in excess of)\s*(?P<a>{_NUM})$"),
    ("le", rf"^(?:≤|<=|at most|no more than|within)\s*(?P<a>{_NUM})$"),
    ("le", rf"^(?P<a>{_NUM})\s+or (?:less|fewer|below)$"),
    ("ge", rf"^(?P<a>{_NUM})\s+or (?:more|greater|above|higher)$"),
    ("lt", rf"^(?:<|less than|below|under|before)\s*(?P<a>{_NUM})$"),
    ("up_to", rf"^(?:up to|as much as|as high as|as many as)\s*(?P<a>{_NUM})$"),
    ("approx", rf"^(?:{_APPROX})\s*(?P<a>{_NUM})$"),
    ("exact", rf"^(?P<a>{_NUM})$"),
)
_COMPILED = tuple((q, re.compile(p, re.IGNORECASE)) for q, p in _PATTERNS)
_DECADE = re.compile(r"^(?:the\s+)?(?P<d>\d{3})0s$", re.IGNORECASE)
_RANGE = next(pattern for qualifier, pattern in _COMPILED if qualifier == "range")

# Symbols printed around a number that carry no meaning for its value.
_STRIP = re.compile(r"[$€£]|(?<=\d)\s*(?:%|°C|°)(?=\s|$|\s*(?:[-–+]|to\b))", re.IGNORECASE)


# A comma inside a number is a thousands separator only before groups of exactly three digits
# ("2,675", "1,800.5"); "1,8" could be a decimal comma and is refused, never read as 18.
_THOUSANDS = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^[-−]?\.\d+$")


def _ambiguous_comma(numbers: pd.Series) -> pd.Series:
    return numbers.notna() & numbers.str.contains(",", regex=False) & ~numbers.fillna("").str.match(_THOUSANDS)


def _to_float(s: pd.Series) -> pd.Series:
    cleaned = s.str.replace(",", "", regex=False).str.replace("−", "-", regex=False)
    return pd.to_numeric(cleaned, errors="coerce")


def parse_published(text: pd.Series) -> pd.DataFrame:
    """Parse printed values. Returns columns value, value_min, value_max, qualifier, parsed,
    ambiguous_comma, range_descending.

    `parsed` is False for a text that holds digits yet matches no known form, or whose comma
    is not a thousands separator (`ambiguous_comma`, "1,8"): the caller turns those into a
    blocking error naming the row.
    """
    raw = text.fillna("").astype(str)
    norm = raw.str.strip().str.replace(r"\s+", " ", regex=True).str.replace(_STRIP, "", regex=True)
    # A decade ("the 1970s") is the range of its years.
    norm = norm.str.strip().str.replace(_DECADE, r"\g<d>0-\g<d>9", regex=True)

    out = pd.DataFrame(
        {
            "value": np.nan,
            "value_min": np.nan,
            "value_max": np.nan,
            "qualifier": pd.Series(pd.NA, index=raw.index, dtype="object"),
        },
        index=raw.index,
    )
    pending = pd.Series(True, index=raw.index)
    ambiguous = pd.Series(False, index=raw.index)
    for qualifier, pattern in _COMPILED:
        if not pending.any():
            break
        found = norm[pending].str.extract(pattern)
        comma = _ambiguous_comma(found["a"]) | (_ambiguous_comma(found["b"]) if "b" in found else False)
        ambiguous.loc[comma[comma].index] = True
        hit = found["a"].notna() & ~comma
        if not hit.any():
            continue
        idx = found.index[hit]
        a = _to_float(found.loc[idx, "a"])
        b = _to_float(found.loc[idx, "b"]) if "b" in found else None
        out.loc[idx, "qualifier"] = qualifier
        if qualifier == "exact":
            out.loc[idx, ["value", "value_min", "value_max"]] = np.c_[a, a, a]
        elif qualifier == "range":
            out.loc[idx, "value_min"] = np.fmin(a, b)
            out.loc[idx, "value_max"] = np.fmax(a, b)
        elif qualifier == "plus_minus":
            out.loc[idx, ["value", "value_min", "value_max"]] = np.c_[a, a - b, a + b]
        elif qualifier in ("gt", "ge"):
            out.loc[idx, ["value", "value_min"]] = np.c_[a, a]
        elif qualifier in ("lt", "le", "up_to"):
            out.loc[idx, ["value", "value_max"]] = np.c_[a, a]
        else:  # approx: a point with no stated bounds
            out.loc[idx, "value"] = a
        pending.loc[idx] = False

    has_digit = norm.str.contains(r"\d", regex=True)
    out.loc[pending & ~has_digit, "qualifier"] = "not_numeric"
    out["parsed"] = ~(pending & has_digit)
    out["ambiguous_comma"] = ambiguous & pending
    out["range_descending"] = _range_descending(norm, out["qualifier"])
    return out


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


def _range_descending(norm: pd.Series, qualifier: pd.Series) -> pd.Series:
    """True where a range is printed high-to-low ("75-65"): kept, but worth a warning."""
    is_range = qualifier.eq("range").fillna(False).astype(bool)
    result = pd.Series(False, index=norm.index)
    if is_range.any():
        found = norm[is_range].str.extract(_RANGE)
        result.loc[found.index] = _to_float(found["a"]) > _to_float(found["b"])
    return result


def printed_half_unit(text: pd.Series) -> pd.Series:
    """Half a unit of the last printed digit of the first number ("0.005" -> 0.0005, "532" -> 0.5).

    Consistency rules use it so a value printed with few digits is not flagged for rounding.
    """
    first = text.fillna("").astype(str).str.extract(rf"({_NUM})")[0].fillna("")
    decimals = first.str.extract(r"\.(\d+)$")[0].str.len().astype(float).fillna(0.0)
    return 0.5 * np.power(10.0, -decimals)


def printed_precision(text: pd.Series, stored_value: pd.Series) -> pd.Series:
    """printed_half_unit expressed in the unit the value is stored in: "4480" mAh stored as
    4.48 Ah has a precision of 0.0005 Ah, not 0.5."""
    raw = parse_published(text)["value"]
    usable = raw.notna() & raw.ne(0) & stored_value.notna()
    scale = (stored_value.astype(float) / raw).where(usable, 1.0).abs()
    return printed_half_unit(text) * scale
