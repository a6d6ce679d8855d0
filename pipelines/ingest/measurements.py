"""Turn the printed-number columns of a source frame into parsed, canonical-unit values.

The metric vocabulary fixes each metric's canonical unit; the unit vocabulary says how each
printed unit spelling converts to it. A printed unit that is unknown, or that does not convert
to the metric's unit, is a blocking problem naming file, line and column.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.errors import SourceError, SourceProblem
from pipelines.schemas.published_values import C_RATE_FORMS, best_values, parse_published, printed_precision

# What a printed number may look like (the forms parse_published accepts), for the error message.
ACCEPTED_NUMBERS = (
    "accepted: 532, ~3, approximately 3, >400, ≥350, over 400, at least 6, <300, up to 4, within 15, "
    "200-700, 100 to 160, between 800 and 1,000, 9±2, 2,675, the 1970s, or text without digits (N/a, -)"
)

# Metrics whose unit is one of these may be printed without a unit.
UNITLESS = {"ratio", "text", "cycles", "year", "count"}  # a count or a calendar year needs no printed unit


def did_you_mean(values: pd.Series, known: pd.Series) -> pd.Series:
    """For each value, a known spelling it is probably a variant of ("Wh/Kg" -> "Wh/kg"): the
    same text in another case or spacing, else the closest by difflib; empty when none is close.
    Each distinct value is looked up once."""
    import difflib

    vocabulary = [str(k) for k in known.dropna().unique()]
    folded = {k.casefold().replace(" ", ""): k for k in vocabulary}
    hints = {}
    for value in values.dropna().unique():
        text = str(value)
        match = folded.get(text.casefold().replace(" ", "")) or next(
            iter(difflib.get_close_matches(text, vocabulary, n=1, cutoff=0.75)), None
        )
        hints[value] = f"; did you mean {match!r}?" if match else ""
    return values.map(hints).fillna("")


def _problems(frame: pd.DataFrame, mask: pd.Series, column: str, rule: str, detail) -> list[SourceProblem]:
    """One problem per row of `mask`; `detail` (a Series, or a function making it, called only
    when a row fails) says what each row holds."""
    if not mask.any():
        return []
    detail = detail() if callable(detail) else detail
    rows = frame.loc[mask, ["source_file", "source_line"]].assign(detail=detail[mask])
    return [
        SourceProblem(f, int(line), column, rule, str(d))
        for f, line, d in rows.itertuples(index=False, name=None)
    ]


def add_parsed_values(
    frame: pd.DataFrame, metrics: pd.DataFrame, units: pd.DataFrame, dataset: str
) -> pd.DataFrame:
    """Add value, value_min, value_max, qualifier, unit, value_best, value_basis; raise
    SourceError on any bad row."""
    parsed = parse_published(frame["published_text"])
    metric_unit = frame["metric"].map(metrics.set_index("metric")["unit"])
    by_spelling = units.set_index("published_unit")
    printed = frame["published_unit"]
    canonical = printed.map(by_spelling["canonical_unit"])
    factor = printed.map(by_spelling["factor"]).astype(float)

    unknown_metric = metric_unit.isna() & frame["metric"].notna()
    unknown_unit = printed.notna() & canonical.isna()
    mismatch = printed.notna() & canonical.notna() & metric_unit.notna() & (canonical != metric_unit)
    unit_required = (
        printed.isna()
        & metric_unit.notna()
        & ~metric_unit.isin(UNITLESS)
        & parsed["qualifier"].ne("not_numeric")
    )

    problems: list[SourceProblem] = []
    comma = parsed["ambiguous_comma"]
    problems += _problems(
        frame,
        comma,
        "published_text",
        "decimal comma is ambiguous (write 1.8 for a decimal; a thousands separator is followed by 3 digits, 1,800)",
        frame["published_text"],
    )
    def hint() -> pd.Series:
        c_rate = frame["published_text"].astype("string").str.fullmatch(r"\s*(?:C\s*/\s*[\d.]+|[\d.]*\s*C)\s*").fillna(False)
        text = frame["published_text"].astype(str) + "; " + ACCEPTED_NUMBERS
        return text.where(~c_rate.astype(bool), text + f"; a C-rate ({C_RATE_FORMS}) goes in the c_rate_text column")

    problems += _problems(frame, ~parsed["parsed"] & ~comma, "published_text", "not a recognised printed number", hint)
    problems += _problems(
        frame, unknown_metric, "metric", "metric is not in the vocabulary (add it to sources/metrics/ if it is new)",
        lambda: frame["metric"].astype(str) + did_you_mean(frame["metric"].where(unknown_metric), metrics["metric"]),
    )
    problems += _problems(
        frame, unknown_unit, "published_unit", "unit is not in the vocabulary (add its spelling to sources/units/ if it is new)",
        lambda: printed.astype(str) + did_you_mean(printed.where(unknown_unit), units["published_unit"]),
    )
    problems += _problems(
        frame,
        mismatch,
        "published_unit",
        "unit does not convert to the metric's unit",
        lambda: printed + " -> " + canonical.astype(str) + ", but " + frame["metric"] + " is in " + metric_unit.astype(str),
    )
    problems += _problems(
        frame, unit_required, "published_unit", "unit is required for this metric",
        lambda: frame["metric"] + " is in " + metric_unit.astype(str),
    )
    if problems:
        raise SourceError(dataset, problems)

    scale = factor.fillna(1.0).to_numpy()
    out = frame.copy()
    for col in ("value", "value_min", "value_max"):
        printed = parsed[col].to_numpy(dtype=float)
        # divide by 1000 rather than multiply by 0.001: 4480 mAh is exactly 4.48 Ah, not 4.4799999
        out[col] = np.where(scale < 1, printed / np.reciprocal(scale), printed * scale)
    out["qualifier"] = parsed["qualifier"]
    out["unit"] = metric_unit
    out[["value_best", "value_basis"]] = best_values(out["qualifier"], out["value"], out["value_min"], out["value_max"])
    representative = out["value"].fillna(out["value_min"]).fillna(out["value_max"])
    out["precision"] = printed_precision(frame["published_text"], representative, parsed["value"])
    return out
