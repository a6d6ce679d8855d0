"""The printed-number parser: every form the report uses, and refusal of what it is not."""
import math

import pandas as pd
import pytest

from pipelines.schemas.published_values import parse_published, printed_half_unit

NaN = math.nan


@pytest.mark.parametrize(
    "text, qualifier, value, lo, hi",
    [
        ("532", "exact", 532, 532, 532),
        ("2,675", "exact", 2675, 2675, 2675),
        ("-30", "exact", -30, -30, -30),
        ("~3", "approx", 3, NaN, NaN),
        ("approximately 11,680", "approx", 11680, NaN, NaN),
        (">400", "gt", 400, 400, NaN),
        ("over 1,000", "gt", 1000, 1000, NaN),
        ("≥350", "ge", 350, 350, NaN),
        ("300°C +", "ge", 300, 300, NaN),
        ("as little as 6", "ge", 6, 6, NaN),
        ("<300", "lt", 300, NaN, 300),
        ("within 15", "le", 15, NaN, 15),
        ("exceeded 500", "gt", 500, 500, NaN),
        ("never exceeded 60", "le", 60, NaN, 60),
        ("before 2030", "lt", 2030, NaN, 2030),
        ("nearly 30", "approx", 30, NaN, NaN),
        ("below 100", "lt", 100, NaN, 100),
        ("Up to 4", "up_to", 4, NaN, 4),
        ("up to 6,000", "up_to", 6000, NaN, 6000),
        ("200-700", "range", NaN, 200, 700),
        ("100 – 160", "range", NaN, 100, 160),
        ("250- 375", "range", NaN, 250, 375),
        ("-20 to 55", "range", NaN, -20, 55),
        ("between 200 and 700", "range", NaN, 200, 700),
        ("around 100–160", "range", NaN, 100, 160),
        ("$100–120", "range", NaN, 100, 120),
        ("20°C to 60°C", "range", NaN, 20, 60),
        ("75-65", "range", NaN, 65, 75),
        ("the 1970s", "range", NaN, 1970, 1979),
        ("2010s", "range", NaN, 2010, 2019),
        ("2025 and 2030", "range", NaN, 2025, 2030),
        ("9±2", "plus_minus", 9, 7, 11),
        ("130±2", "plus_minus", 130, 128, 132),
        ("N/a", "not_numeric", NaN, NaN, NaN),
        ("-", "not_numeric", NaN, NaN, NaN),
        ("Very High (abundant)", "not_numeric", NaN, NaN, NaN),
    ],
)
def test_printed_forms(text, qualifier, value, lo, hi):
    row = parse_published(pd.Series([text])).iloc[0]
    assert row["parsed"]
    assert row["qualifier"] == qualifier
    for got, expected in ((row["value"], value), (row["value_min"], lo), (row["value_max"], hi)):
        assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_descending_range_is_kept_and_flagged():
    parsed = parse_published(pd.Series(["75-65", "65-75"]))
    assert parsed["range_descending"].tolist() == [True, False]


@pytest.mark.parametrize("text", ["12x4", "5C (up to 7C pulse power)", "1.2.3"])
def test_unknown_forms_with_digits_are_refused(text):
    assert not parse_published(pd.Series([text])).iloc[0]["parsed"]


def test_half_unit_of_last_printed_digit():
    assert printed_half_unit(pd.Series(["0.005", "532", "1.73", "2,675"])).tolist() == [0.0005, 0.5, 0.005, 0.5]


def test_precision_is_expressed_in_the_stored_unit():
    from pipelines.schemas.published_values import printed_precision

    # "4480" mAh stored as 4.48 Ah: half a printed unit is 0.5 mAh = 0.0005 Ah
    text = pd.Series(["4480", "1.04", "532"])
    stored = pd.Series([4480 * 0.001, 1.04 * 1000, 532.0])
    assert printed_precision(text, stored).tolist() == pytest.approx([0.5 * 0.001, 0.005 * 1000, 0.5])


def test_a_column_parses_as_its_texts_one_by_one():
    # The parser works once per distinct text of a column: every row, repeated texts and the
    # index included, must read as the text would alone.
    texts = ["9±2", "75-65", "1,8", "1,8-2", "~1,800", "N/a", None, "≥350", "9±2", "200-700", "up to 6,000", "12x4", "75-65"]
    column = pd.Series(texts, index=[40 - 3 * i for i in range(len(texts))], dtype=object)
    together = parse_published(column)
    assert together.index.equals(column.index)
    for i, t in column.items():
        pd.testing.assert_frame_equal(together.loc[[i]], parse_published(pd.Series([t], index=[i], dtype=object)))
    assert together.loc[column.index[[2, 3]], "ambiguous_comma"].all() and not together["ambiguous_comma"].drop(column.index[[2, 3]]).any()
