"""The design sweep streams: drawn in chunks with the same designs as one draw, validated
batch by batch against its pandera model, and written by the IO manager's Arrow path."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pandera.pandas as pa_schema
import pyarrow as pa
import pytest
from pandera.typing import Series

from pipelines.compute.cell_model import DESIGN_INPUTS, plan_designs, sample_designs
from pipelines.errors import SourceError
from pipelines.ingest.curate import curate
from pipelines.publish.duckdb_tables import BatchStream, write_table
from pipelines.publish.validated_chunks import ValidatedChunks
from pipelines.schemas.base import DERIVED, ComputedTable, field
from pipelines.schemas.registry import all_tables
from pipelines.schemas.validate import validate
from pipelines.schemas.validate_arrow import validate_batch
from pipelines.tables.model import compute_design_sweep, design_sweep_chunks
from tests.helpers import build_dataset

SOURCES = Path(__file__).resolve().parents[2] / "sources"
INPUTS = ("cell_design_parameters", "cell_model_assumptions", "design_sweep", "design_sweep_settings", "analysis_settings")
TABLE = "model.design_sweep"


@pytest.fixture(scope="module")
def sweep_inputs() -> dict[str, pd.DataFrame]:
    units, _ = curate("units", SOURCES)
    metrics, _ = curate("metrics", SOURCES)
    return {name: curate(name, SOURCES, metrics, units)[0] for name in INPUTS}


def with_designs(inputs: dict, n: int) -> dict:
    return {**inputs, "design_sweep_settings": inputs["design_sweep_settings"].assign(n_designs=n)}


def test_chunk_size_does_not_change_the_sweep(sweep_inputs):
    inputs = with_designs(sweep_inputs, 5_003)
    small = pa.Table.from_batches(list(design_sweep_chunks(**inputs, chunk_rows=1_000)))
    odd = pa.Table.from_batches(list(design_sweep_chunks(**inputs, chunk_rows=333)))
    whole = pa.Table.from_pandas(compute_design_sweep(**inputs), preserve_index=False)
    assert small.num_rows == odd.num_rows == whole.num_rows == 5_003
    assert small.equals(odd) and small.equals(whole)
    assert small["design_id"].to_pylist() == list(range(5_003))


def unchunked_reference(ranges: pd.DataFrame, n: int, seed: int) -> dict[str, np.ndarray]:
    """The draw the sweep has always made, written out: one default_rng(seed), every uniform
    input's n draws in file order, then every choice input's n draws (labelled choices with the
    same labels once, jointly)."""
    rng = np.random.default_rng(seed)
    out, groups = {}, {}
    uniform = ranges[ranges["distribution"] == "uniform"]
    for p, lo, hi in zip(uniform["parameter"], uniform["low"], uniform["high"]):
        out[p] = rng.uniform(float(lo), float(hi), n)
    choices = ranges[ranges["distribution"] == "choice"]
    for p, text in zip(choices["parameter"], choices["choices"]):
        items = [s.split("=") for s in text.split(";")]
        if len(items[0]) == 1:
            out[p] = np.array([float(v[0]) for v in items])[rng.integers(0, len(items), n)]
        else:
            groups.setdefault(tuple(v[0] for v in items), []).append((p, np.array([float(v[1]) for v in items])))
    for labels, members in groups.items():
        idx = rng.integers(0, len(labels), n)
        for p, values in members:
            out[p] = values[idx]
    return out


def test_chunks_draw_what_one_unchunked_draw_draws(sweep_inputs):
    ranges = sweep_inputs["design_sweep"]
    extra = pd.DataFrame({"parameter": ["cu_density"], "distribution": ["choice"], "choices": ["a=8.9;b=9.0;c=9.1"]})
    ranges = pd.concat([ranges, extra.reindex(columns=ranges.columns)], ignore_index=True)  # two choice streams
    base = {k: 1.0 for k in DESIGN_INPUTS}
    n, seed = 20_011, 7
    expected = unchunked_reference(ranges, n, seed)
    plan = plan_designs(ranges, n, seed, base)
    for chunk_size in (4_096, 20_011, 999):
        parts = [designs for _, designs in plan.chunks(chunk_size)]
        for name, values in expected.items():
            np.testing.assert_array_equal(np.concatenate([p[name] for p in parts]), values, err_msg=f"{name}, chunks of {chunk_size}")
    grid = plan_designs(ranges, 3_000, seed, base, method="grid")
    whole = sample_designs(ranges, 3_000, seed, base, method="grid")
    for name, values in whole.items():
        np.testing.assert_array_equal(np.concatenate([d[name] for _, d in grid.chunks(701)]), values)


def design_sweep_stream(inputs: dict, chunk_rows: int) -> tuple[ValidatedChunks, BatchStream]:
    chunks = ValidatedChunks(design_sweep_chunks(**inputs, chunk_rows=chunk_rows), all_tables()[TABLE], TABLE)
    return chunks, chunks.stream()


def test_io_manager_arrow_path_writes_rows_and_comments(tmp_path, sweep_inputs):
    con = duckdb.connect(str(tmp_path / "staging.duckdb"))
    chunks, stream = design_sweep_stream(with_designs(sweep_inputs, 2_500), 1_000)
    assert write_table(con, "model", "design_sweep", stream) == 2_500 == chunks.rows
    frame = compute_design_sweep(**with_designs(sweep_inputs, 2_500))
    stored = con.execute("SELECT * FROM model.design_sweep ORDER BY design_id").df()
    pd.testing.assert_frame_equal(stored, frame, check_dtype=True)
    comments = dict(con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'design_sweep'").fetchall())
    assert comments["volumetric_energy_density"].endswith("[Wh/L]") and all(comments.values())
    # an Arrow table goes the same way
    assert write_table(con, "model", "design_sweep", pa.Table.from_pandas(frame.head(10), preserve_index=False)) == 10


def test_a_batch_failing_mid_stream_raises_its_own_error_and_leaves_the_table(tmp_path, sweep_inputs):
    con = duckdb.connect(str(tmp_path / "staging.duckdb"))
    write_table(con, "model", "design_sweep", compute_design_sweep(**with_designs(sweep_inputs, 10)))

    def spoiled():
        for i, batch in enumerate(design_sweep_chunks(**with_designs(sweep_inputs, 3_000), chunk_rows=1_000)):
            if i == 2:  # a non-nullable key goes missing in the third batch
                ids = pa.array(batch["design_id"].to_pylist()[:-1] + [None], type=pa.int64())
                batch = batch.set_column(0, "design_id", ids)
            yield batch

    chunks = ValidatedChunks(spoiled(), all_tables()[TABLE], TABLE)
    with pytest.raises(SourceError) as error:
        write_table(con, "model", "design_sweep", chunks.stream())
    assert "line 3000" in str(error.value) and "design_id" in str(error.value)
    assert con.execute("SELECT count(*) FROM model.design_sweep").fetchone()[0] == 10  # rolled back


def test_a_duplicate_key_across_batches_fails_the_write_and_leaves_the_table(tmp_path, sweep_inputs):
    """A streamed table gets its primary key once its rows are in; a key repeated in two batches
    (each valid on its own) fails the write, which is rolled back."""
    con = duckdb.connect(str(tmp_path / "staging.duckdb"))
    write_table(con, "model", "design_sweep", compute_design_sweep(**with_designs(sweep_inputs, 10)))

    def repeated():
        for i, batch in enumerate(design_sweep_chunks(**with_designs(sweep_inputs, 3_000), chunk_rows=1_000)):
            yield batch.set_column(0, "design_id", pa.array(range(1_000))) if i == 2 else batch

    with pytest.raises(duckdb.Error, match="duplicate key"):
        write_table(con, "model", "design_sweep", ValidatedChunks(repeated(), all_tables()[TABLE], TABLE).stream())
    assert con.execute("SELECT count(*) FROM model.design_sweep").fetchone()[0] == 10
    chunks, stream = design_sweep_stream(with_designs(sweep_inputs, 3_000), 1_000)
    assert write_table(con, "model", "design_sweep", stream) == 3_000
    keys = con.execute(
        "SELECT constraint_type, constraint_column_names FROM duckdb_constraints() "
        "WHERE table_name = 'design_sweep' AND constraint_type = 'PRIMARY KEY'"
    ).fetchall()
    assert keys == [("PRIMARY KEY", ["design_id"])]
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO model.design_sweep SELECT * FROM model.design_sweep LIMIT 1")


class Bounded(ComputedTable):
    x: Series[float] = field("Bounded number", origin=DERIVED, ge=0, le=10)
    n: Series[int] = field("Bounded count", origin=DERIVED, gt=0, lt=100)


def test_bounds_judged_by_min_and_max_name_the_rows_that_fail():
    """Columns whose rules are all bounds are passed on their minimum and maximum; one that
    fails there is judged row by row, so the error names every failing row and rule."""
    good = pa.RecordBatch.from_pydict({"x": [0.0, 10.0, 5.0], "n": [1, 99, 50]})
    assert validate_batch(good, Bounded, "probe").equals(good)
    bad = pa.RecordBatch.from_pydict({"x": [0.0, 11.0, float("inf"), -1.0, float("nan")], "n": [1, 100, 50, 0, 2]})
    with pytest.raises(SourceError) as error:
        validate_batch(bad, Bounded, "probe", first_row=10)
    by_row = failing(error.value)
    assert {(line, column) for line, column, _ in by_row} == {(12, "x"), (13, "x"), (14, "x"), (15, "x"), (12, "n"), (14, "n")}
    assert any(rule.startswith("finite") for line, _, rule in by_row if line == 13)


class Probe(ComputedTable):
    key: Series[str] = field("Key", origin=DERIVED, isin=["a", "b"])
    low: Series[float] = field("Bounded", origin=DERIVED, ge=0, le=10, nullable=True)
    odd: Series[int] = field("Custom column rule", origin=DERIVED)

    @pa_schema.check("odd", name="odd_is_odd")
    def odd_is_odd(cls, s: pd.Series) -> pd.Series:
        return s % 2 == 1

    @pa_schema.dataframe_check(name="low_below_odd")
    def low_below_odd(cls, df: pd.DataFrame) -> pd.Series:
        return df["low"].isna() | (df["low"] < df["odd"])


def failing(error: SourceError) -> set[tuple[int | None, str | None, str]]:
    return {(p.line, p.column, p.rule.split("(")[0].strip("'").removeprefix("rule '")) for p in error.problems}


def test_arrow_validation_applies_the_models_rules_as_pandera_does():
    frame = pd.DataFrame(
        {"key": ["a", "c", "b", "a"], "low": [1.0, np.nan, 12.0, -1.0], "odd": [3, 5, 4, 1]}
    )
    with pytest.raises(SourceError) as pandas_error:
        validate(frame, Probe, "probe")
    with pytest.raises(SourceError) as arrow_error:
        validate_batch(pa.RecordBatch.from_pandas(frame, preserve_index=False), Probe, "probe")
    by_pandera = {(line, column, rule) for line, column, rule in failing(pandas_error.value) if column != "low_below_odd"}
    by_arrow = failing(arrow_error.value)
    assert {(2, "key"), (3, "low"), (4, "low")} <= {(line, column) for line, column, _ in by_arrow}
    # pandera's path names computed rows by their key rather than a line: compare the columns it flags
    assert {column for _, column, _ in by_pandera} >= {column for _, column, _ in by_arrow}
    # the custom column and dataframe rules run once the built-in ones pass
    ok_types = frame.assign(key="a", low=[1.0, np.nan, 2.0, 5.0])
    with pytest.raises(SourceError) as custom:
        validate_batch(pa.RecordBatch.from_pandas(ok_types, preserve_index=False), Probe, "probe", first_row=100)
    rules = {(p.line, p.rule) for p in custom.value.problems}
    assert (103, "rule 'odd_is_odd'") in rules and (104, "rule 'low_below_odd'") in rules


def test_building_the_code_location_does_not_import_matplotlib():
    code = "import sys, pipelines.definitions, pipelines.cli; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_streamed_asset_reports_its_rows_and_schema_check(published, sweep_inputs):
    result = build_dataset("design_sweep_settings", raise_on_error=True)
    assert result.success
    n = int(sweep_inputs["design_sweep_settings"].loc[0, "n_designs"])
    materialization = next(
        e.step_materialization_data.materialization for e in result.get_asset_materialization_events()
        if e.asset_key.path == ["model", "design_sweep"]
    )
    assert materialization.metadata["dagster/row_count"].value == n
    schema_check = next(e for e in result.get_asset_check_evaluations() if e.asset_key.path == ["model", "design_sweep"] and e.check_name == "schema")
    assert schema_check.passed and schema_check.metadata["rows"].value == n
