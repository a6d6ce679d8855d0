"""validate's fast path (pipelines/schemas/validate.py typed_if_valid): a frame passing every
blocking rule comes back exactly as pandera's own validation returns it; a frame breaking any
rule falls through to pandera, so the error names file, row, column and rule as it always has."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pipelines.schemas.validate as validation
from pipelines.errors import SourceError
from pipelines.ingest.curate import curate_tables
from pipelines.schemas.base import column_order
from pipelines.schemas.registry import CURATED
from pipelines.schemas.validate import checked_schema, typed_if_valid, validate
from pipelines.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def curated():
    return curate_tables(sorted(CURATED), PROJECT_ROOT / "sources")


def pandera_result(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    model = CURATED[name]
    ordered = frame[[c for c in column_order(model) if c in frame.columns]]
    return checked_schema(model).validate(ordered, lazy=True)


@pytest.mark.parametrize("name", sorted(CURATED))
def test_a_valid_table_comes_back_as_pandera_returns_it(name, curated):
    frame = curated[name]
    as_text = frame.astype({c: object for c in frame.columns if frame[c].dtype != object})  # as read: every column converted
    for given in (frame, as_text):
        ordered = given[[c for c in column_order(CURATED[name]) if c in given.columns]]
        fast = typed_if_valid(ordered, checked_schema(CURATED[name]))
        assert fast is not None, f"{name}: a published table fails the fast path"
        pd.testing.assert_frame_equal(fast, pandera_result(given, name), check_exact=True)


def _message(frame: pd.DataFrame, name: str) -> str:
    with pytest.raises(SourceError) as info:
        validate(frame, CURATED[name], name)
    return str(info.value)


BREAKS = {
    "a null where none may be": lambda f: f.assign(metric=[None, *f["metric"].iloc[1:]]),
    "a value outside the vocabulary": lambda f: f.assign(distribution=["gaussian", *f["distribution"].iloc[1:]]),
    "a number that is not finite": lambda f: f.assign(low=[np.inf, *f["low"].iloc[1:]]),
    "a row breaking a table rule": lambda f: f.assign(low=[f["high"].iloc[0] + 1, *f["low"].iloc[1:]]),
    "a repeated key": lambda f: pd.concat([f, f.iloc[:1]], ignore_index=True),
    "text where a number belongs": lambda f: f.astype({"low": object}).assign(low=["many", *f["low"].iloc[1:]]),
    "a missing column": lambda f: f.drop(columns="unit"),
}


@pytest.mark.parametrize("how", sorted(BREAKS))
def test_a_broken_rule_is_reported_by_pandera_as_before(how, curated, monkeypatch):
    name = "scenario_uncertainty"
    broken = BREAKS[how](curated[name])
    ordered = broken[[c for c in column_order(CURATED[name]) if c in broken.columns]]
    assert typed_if_valid(ordered, checked_schema(CURATED[name])) is None
    message = _message(broken, name)
    assert "rule '" in message
    monkeypatch.setattr(validation, "typed_if_valid", lambda ordered, schema: None)  # pandera alone, as before the fast path
    assert _message(broken, name) == message


def test_bounds_are_decided_by_the_extremes_only_when_every_value_is_a_number():
    import pandera.pandas as pa

    from pipelines.schemas.validate_arrow import passes_by_extremes

    rules = [pa.Check.ge(0), pa.Check.in_range(0, 10), pa.Check.lt(11)]
    assert passes_by_extremes(np.array([0.0, 3.0, 10.0]), rules)
    assert not passes_by_extremes(np.array([0.0, -1.0, 3.0]), rules)  # below 0
    assert not passes_by_extremes(np.array([0.0, 10.5]), rules)  # above 10
    assert not passes_by_extremes(np.array([0.0, np.nan]), rules)  # NaN: judged value by value (pandera)
    assert not passes_by_extremes(np.array([1, 2]), [pa.Check.isin([1, 2])])  # not a bound
    assert passes_by_extremes(np.array([2, 5]), [pa.Check.gt(1)])  # integers too
