"""Bad input of every class fails the build with a message naming file, row, column and rule,
and leaves the published warehouse byte-for-byte unchanged."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipelines.errors import SourceError
from pipelines.ingest.curate import curate
from tests.helpers import build_dataset as _build_dataset
from tests.helpers import failure_message as _failure_message
from tests.helpers import rewrite_csv as _rewrite
from tests.helpers import set_cell as _set


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


T9 = "vehicle_requirements/table9.csv"
ASSUMPTIONS = "cell_model_assumptions/assumptions.csv"  # line 2: lim_sse_licl, cell_capacity


def _missing_column(rows):
    i = rows[0].index("published_unit")
    return [r[:i] + r[i + 1 :] for r in rows]


def _extra_column(rows):
    return [rows[0] + ["comment"]] + [r + ["x"] for r in rows[1:]]


CASES = {
    # class: (file, edit or raw bytes, expected fragments of the message)
    "missing column": (T9, _missing_column, ["table9.csv", "line 1", "'published_unit'", "required column is missing"]),
    "extra column": (T9, _extra_column, ["table9.csv", "line 1", "'comment'", "not in the dataset's schema"]),
    "wrong type": (
        "battery_scenarios/table10.csv",
        lambda rows: _set(rows, 2, "year", "twenty-twenty-four"),
        ["table10.csv", "line 2", "'year'", "rule"],
    ),
    "unit not in vocabulary": (
        T9,
        lambda rows: _set(rows, 3, "published_unit", "furlongs"),
        ["table9.csv", "line 3", "'published_unit'", "not in the vocabulary"],
    ),
    "unit of the wrong dimension": (
        T9,
        lambda rows: _set(rows, 3, "published_unit", "kg"),
        ["table9.csv", "line 3", "'published_unit'", "does not convert to the metric's unit"],
    ),
    "physically impossible value": (
        "cell_claims/s2_1_commercial_21700.csv",
        lambda rows: _set(rows, 2, "published_text", "-71.7"),
        ["s2_1_commercial_21700.csv", "line 2", "value_within_physical_bounds_of_unit"],
    ),
    "unparseable number": (
        T9,
        lambda rows: _set(rows, 2, "published_text", "1.8 or so"),
        ["table9.csv", "line 2", "'published_text'", "not a recognised printed number"],
    ),
    "min above max": (
        "scenario_uncertainty/ranges.csv",
        lambda rows: _set(rows, 2, "low", "999"),
        ["ranges.csv", "line 2", "low", "high"],
    ),
    "two display names for one vehicle": (
        T9,
        lambda rows: _set(rows, 2, "display_name", "Town bus"),
        ["table9.csv", "line 2", "one display name per vehicle_id"],
    ),
    "unknown reference id": (
        T9,
        lambda rows: _set(rows, 2, "reference_ids", "248;999"),
        ["table9.csv", "line 2", "'reference_ids'", "key not in curated.references.reference_id", "'999'"],
    ),
    "unknown cell id": (
        "cell_design_parameters/table6.csv",
        lambda rows: _set(rows, 2, "cell_id", "lim_sse_typo"),
        ["table6.csv", "line 2", "'cell_id'", "key not in curated.modelled_cells.cell_id"],
    ),
    "duplicate key": (T9, lambda rows: rows + [rows[1]], ["table9.csv", "line 2", "one row per vehicle and metric"]),
    "empty file": (T9, b"", ["table9.csv", "file is empty"]),
    "not UTF-8": (T9, "vehicle_id,driving_cycle\nbus,café\n".encode("latin-1"), ["table9.csv", "line 2", "not UTF-8"]),
    "truncated row": (T9, lambda rows: rows[:-1] + [rows[-1][:4]], ["table9.csv", "line 19", "wrong number of fields"]),
    # physically impossible model inputs are blocked where they are typed (issue 10 item 3)
    "zero cell capacity": (
        ASSUMPTIONS,
        lambda rows: _set(rows, 2, "value", "0"),
        ["assumptions.csv", "line 2", "'value'", "physical domain"],
    ),
    "negative cell capacity": (
        ASSUMPTIONS,
        lambda rows: _set(rows, 2, "value", "-20"),
        ["assumptions.csv", "line 2", "'value'", "physical domain"],
    ),
    "infinite peak power": (
        "vehicle_peak_power/peak_power.csv",
        lambda rows: _set(rows, 2, "peak_power_kw", "inf"),
        ["peak_power.csv", "line 2", "'peak_power_kw'", "finite number"],
    ),
    "zero Table 6 density": (
        "cell_design_parameters/table6.csv",
        lambda rows: _set(rows, 20, "published_text", "0"),
        ["table6.csv", "line 20", "'value'", "physical domain"],
    ),
    "NaN energy consumption": (
        T9,
        lambda rows: _set(rows, 2, "published_text", "NaN"),
        ["table9.csv", "line 2", "'value'", "sizing input is a number > 0"],
    ),
    "ambiguous decimal comma": (
        T9,
        lambda rows: _set(rows, 2, "published_text", "1,8"),
        ["table9.csv", "line 2", "'published_text'", "decimal comma is ambiguous"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_clearly_and_keeps_the_warehouse(case, published):
    relative, edit, expected = CASES[case]
    path = published.sources / relative
    before = _digest(published.published_db)
    if isinstance(edit, bytes):
        path.write_bytes(edit)
    else:
        _rewrite(path, edit)

    message = _failure_message(_build_dataset(relative.split("/")[0]))
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from:\n{message}"
    assert _digest(published.published_db) == before


def test_oversized_file_is_refused_before_reading(published):
    huge = published.sources / "vehicle_requirements" / "huge.csv"
    with huge.open("wb") as handle:  # 100 MB, sparse: costs no disk and no time
        handle.truncate(100 * 1024 * 1024)
    before = _digest(published.published_db)
    message = _failure_message(_build_dataset("vehicle_requirements"))
    assert "huge.csv" in message and "file larger than" in message
    assert _digest(published.published_db) == before


def test_source_error_lists_every_problem(sources_copy):
    path = sources_copy / T9
    _rewrite(path, lambda rows: _set(_set(rows, 2, "published_unit", "furlongs"), 5, "published_unit", "parsecs"))
    units, _ = curate("units", sources_copy)
    metrics, _ = curate("metrics", sources_copy)
    with pytest.raises(SourceError) as info:
        curate("vehicle_requirements", sources_copy, metrics, units)
    lines = [str(p) for p in info.value.problems]
    assert any("line 2" in line and "furlongs" in line for line in lines)
    assert any("line 5" in line and "parsecs" in line for line in lines)


def test_failed_schema_check_is_reported_with_its_problems(published):
    path = published.sources / T9
    _rewrite(path, lambda rows: _set(rows, 3, "published_unit", "furlongs"))
    result = _build_dataset("vehicle_requirements")
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "schema"]
    assert not evaluation.passed
    assert "furlongs" in evaluation.metadata["details"].value


def test_an_unknown_key_is_named_on_every_row_that_holds_it(sources_copy):
    """Each distinct key cell is looked up once (check_foreign_keys); every row holding a bad
    one is still named, and a reference id is looked up within the row's own document."""
    with (sources_copy / "documents" / "documents.csv").open("a", encoding="utf-8") as handle:
        handle.write("other_report,Another report,,,2024,research_report,,,,,,,false\n")

    def edit(rows):
        rows = [row + [value] for row, value in zip(rows, ["document_id", *[""] * (len(rows) - 1)])]
        for line in (2, 5):  # the same cell on two rows: 248 exists, 999 does not
            rows = _set(rows, line, "reference_ids", "248;999")
        rows = _set(rows, 3, "reference_ids", "999")
        rows = _set(rows, 4, "document_id", "other_report")  # 248 is burke_zhao_2025's, not other_report's
        return _set(rows, 4, "reference_ids", "248")

    _rewrite(sources_copy / T9, edit)
    parents = {name: curate(name, sources_copy)[0] for name in ("documents", "evidence_kinds", "references")}
    units, _ = curate("units", sources_copy)
    metrics, _ = curate("metrics", sources_copy)
    with pytest.raises(SourceError) as info:
        curate("vehicle_requirements", sources_copy, metrics, units, parents=parents)
    named = sorted((p.line, p.column, p.detail) for p in info.value.problems)
    assert named == [(2, "reference_ids", "got '999'"), (3, "reference_ids", "got '999'"),
                     (4, "reference_ids", "got '248'"), (5, "reference_ids", "got '999'")]
    assert "of the row's document_id" in str(next(p for p in info.value.problems if p.line == 4))
