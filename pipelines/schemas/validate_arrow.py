"""A table's pandera model applied to Arrow record batches, for tables streamed in slices
(model.design_sweep): the same blocking rules as `validate`, read from the model, evaluated
with Arrow compute kernels instead of a pandas copy of every slice.

What the model declares is what is checked (nothing is restated here): its columns (strict),
their types (coerced where Arrow casts safely), nullability (NaN counts as null, as in pandas),
and its checks. Pandera's built-in checks (ge, gt, le, lt, in_range, eq, ne, isin, notin,
str_matches, str_length) and the generated finite-number rule run as Arrow kernels; any other check (a custom column or
dataframe-level rule, unique keys) runs as pandera itself runs it, on a pandas view of the
slice. Rules judge a row at a time, so checking every slice checks the table; `unique` keys
are judged within a slice.

A numeric column without missing values whose rules are all bounds (ge, gt, le, lt, in_range,
eq, finite) is first judged by its minimum and maximum: one pass over the data that decides
every such rule at once (all(a >= v) is min(a) >= v when no value is NaN). Only a column that
fails there is evaluated row by row, so the error still names the failing rows.
"""
from __future__ import annotations

import functools
import math
import re
import warnings

import numpy as np
import pandas as pd
import pandera.pandas as pa_schema
import pyarrow as pa
import pyarrow.compute as pc
from pandera.api.function_dispatch import Dispatcher

from pipelines.errors import SourceError, SourceProblem
from pipelines.schemas.base import FINITE_RULE, blocking_schema, column_order

ARROW_TYPES = {"str": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
MAX_ROWS_PER_RULE = 10  # rows named per failing rule (the error says how many fail)


def _range(a: pa.Array, lo, hi, include_min: bool = True, include_max: bool = True) -> pa.Array:
    low = pc.greater_equal(a, lo) if include_min else pc.greater(a, lo)
    high = pc.less_equal(a, hi) if include_max else pc.less(a, hi)
    return pc.and_(low, high)


def _str_length(a: pa.Array, s: dict) -> pa.Array:
    n = pc.utf8_length(a)
    if s.get("exact_value") is not None:
        return pc.equal(n, s["exact_value"])
    ok = pc.greater_equal(n, s["min_value"]) if s.get("min_value") is not None else pa.scalar(True)
    return pc.and_(ok, pc.less_equal(n, s["max_value"])) if s.get("max_value") is not None else ok


# pandera built-in check name -> the same rule as an Arrow kernel over (array, statistics)
BUILT_IN = {
    "greater_than_or_equal_to": lambda a, s: pc.greater_equal(a, s["min_value"]),
    "greater_than": lambda a, s: pc.greater(a, s["min_value"]),
    "less_than_or_equal_to": lambda a, s: pc.less_equal(a, s["max_value"]),
    "less_than": lambda a, s: pc.less(a, s["max_value"]),
    "equal_to": lambda a, s: pc.equal(a, s["value"]),
    "not_equal_to": lambda a, s: pc.not_equal(a, s["value"]),
    "in_range": lambda a, s: _range(a, s["min_value"], s["max_value"], s["include_min"], s["include_max"]),
    "isin": lambda a, s: pc.is_in(a, value_set=pa.array(list(s["allowed_values"]), type=a.type)),
    "notin": lambda a, s: pc.invert(pc.is_in(a, value_set=pa.array(list(s["forbidden_values"]), type=a.type))),
    # pandas str.match: anchored at the start only
    "str_matches": lambda a, s: pc.match_substring_regex(a, "^(?:" + str(getattr(s["pattern"], "pattern", s["pattern"])) + ")"),
    "str_length": _str_length,
    # the number rule every float column gets (schemas/base.py number_rules): NaN and inf fail
    FINITE_RULE: lambda a, s: pc.is_finite(a),
}


def _within(lo: float, hi: float, s: dict) -> bool:
    low = lo >= s["min_value"] if s["include_min"] else lo > s["min_value"]
    return low and (hi <= s["max_value"] if s["include_max"] else hi < s["max_value"])


# built-in check name -> whether every value passes, from the column's (minimum, maximum, statistics);
# exact for a column without null or NaN
BY_EXTREMES = {
    "greater_than_or_equal_to": lambda lo, hi, s: lo >= s["min_value"],
    "greater_than": lambda lo, hi, s: lo > s["min_value"],
    "less_than_or_equal_to": lambda lo, hi, s: hi <= s["max_value"],
    "less_than": lambda lo, hi, s: hi < s["max_value"],
    "in_range": lambda lo, hi, s: _within(lo, hi, s),
    "equal_to": lambda lo, hi, s: lo == hi == s["value"],
    FINITE_RULE: lambda lo, hi, s: math.isfinite(lo) and math.isfinite(hi),
}


def _passes_by_extremes(a: pa.Array, checks: list[pa_schema.Check]) -> bool:
    """True when `a` has no null or NaN and its minimum and maximum show that every one of
    `checks` passes on every row; False means: judge the rows one by one."""
    if a.null_count or not (pa.types.is_floating(a.type) or pa.types.is_integer(a.type)):
        return False
    return passes_by_extremes(a.to_numpy(zero_copy_only=True), checks)


def passes_by_extremes(values: np.ndarray, checks: list[pa_schema.Check]) -> bool:
    """True when the numbers `values` hold no NaN and their minimum and maximum show that every
    one of `checks` passes on every value; False means: judge the values one by one."""
    if values.dtype.kind not in "fi" or not all(_kernel_name(check) in BY_EXTREMES for check in checks):
        return False
    if len(values) == 0:
        return True
    lo, hi = values.min().item(), values.max().item()  # NaN if any value is NaN
    if lo != lo or hi != hi:
        return False
    return all(BY_EXTREMES[_kernel_name(check)](lo, hi, check.statistics) for check in checks)


@functools.cache
def _blocking(model: type[pa_schema.DataFrameModel]) -> tuple[pa_schema.DataFrameSchema, list[str], dict[str, pa.DataType | None]]:
    """The model's blocking schema, column order and Arrow type of each column, built once per
    model (not per batch)."""
    schema = blocking_schema(model)
    return schema, column_order(model), {name: ARROW_TYPES.get(str(column.dtype)) for name, column in schema.columns.items()}


def _all_distinct(batch_columns: list[pa.Array]) -> bool:
    """True when a single key column holds no repeated value (checked in Arrow, at once when the
    values increase strictly, as a sequence number does; the row-naming pandas rule runs only
    when this is False or the key spans several columns)."""
    if len(batch_columns) != 1:
        return False
    key = batch_columns[0]
    if pa.types.is_integer(key.type) and not key.null_count:
        values = key.to_numpy(zero_copy_only=True)
        if bool(np.all(values[1:] > values[:-1])):
            return True
    return pc.count_distinct(key, mode="all").as_py() == len(key)


def _kernel_name(check: pa_schema.Check) -> str:
    """The built-in a check was made from (Check.in_range(..., name="physical range ...") is
    still in_range), else its name."""
    return check._check_fn.__name__ if isinstance(check._check_fn, Dispatcher) else check.name


def _missing(a: pa.Array) -> pa.Array | None:
    """Null, or NaN for floats: what pandas (and so pandera) treats as missing; None when no
    value is (the usual case, so no mask is combined into every rule)."""
    missing = pc.is_null(a) if a.null_count else None
    if pa.types.is_floating(a.type):
        nan = pc.is_nan(a)
        if pc.any(nan).as_py():
            missing = nan if missing is None else pc.or_kleene(missing, nan)
    return missing


def _failing_rows(ok, first_row: int) -> list[int]:
    """Row numbers (1-based over the whole table) where `ok` is False."""
    if isinstance(ok, (pa.Array, pa.ChunkedArray)):
        if ok.null_count == 0 and pc.all(ok).as_py():  # one pass when every row passes
            return []
        bad = pc.indices_nonzero(pc.invert(pc.fill_null(ok, False))).to_numpy()
    else:  # a pandas boolean Series indexed by row
        bad = (~ok.fillna(False).astype(bool)).to_numpy().nonzero()[0]
    return [first_row + int(i) + 1 for i in bad]


def _report(problems: list[SourceProblem], rows: list[int], column: str | None, rule: str) -> None:
    for line in rows[:MAX_ROWS_PER_RULE]:
        problems.append(SourceProblem("(computed table)", line, column, f"rule '{rule}'"))
    if len(rows) > MAX_ROWS_PER_RULE:
        problems.append(SourceProblem("(computed table)", None, column, f"rule '{rule}'", f"{len(rows)} rows fail in all"))


def validate_batch(batch: pa.RecordBatch, model: type[pa_schema.DataFrameModel], dataset: str, first_row: int = 0) -> pa.RecordBatch:
    """The batch with its columns in the model's order and types; raises SourceError naming
    row (first_row + position + 1), column and rule for every blocking rule that fails."""
    schema, order, targets = _blocking(model)
    problems: list[SourceProblem] = []
    names = batch.schema.names
    for name in order:
        if name not in names:
            problems.append(SourceProblem("(computed table)", None, name, "rule 'column_in_dataframe'"))
    for name in names:
        if name not in schema.columns:
            problems.append(SourceProblem("(computed table)", None, name, "rule 'column_in_schema'"))
    if problems:
        raise SourceError(dataset, problems)

    arrays: list[pa.Array] = []
    pandas_view: pd.DataFrame | None = None
    index = pd.RangeIndex(first_row, first_row + batch.num_rows)

    def view() -> pd.DataFrame:
        nonlocal pandas_view
        if pandas_view is None:
            pandas_view = pa.RecordBatch.from_arrays(arrays, names=order).to_pandas().set_axis(index)
        return pandas_view

    later: list[tuple[str, pa_schema.Check]] = []
    for name in order:
        column = schema.columns[name]
        a = batch.column(name)
        target = targets[name]
        if target is not None and a.type != target:
            try:
                a = pc.cast(a, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
                problems.append(SourceProblem("(computed table)", None, name, f"rule 'dtype('{column.dtype}')'", str(error)))
                continue
        arrays.append(a)
        if _passes_by_extremes(a, column.checks):  # also: nothing missing
            continue
        missing = _missing(a)
        if not column.nullable and missing is not None:
            _report(problems, _failing_rows(pc.invert(missing), first_row), name, "not_nullable")
        for check in column.checks:
            kernel = BUILT_IN.get(_kernel_name(check))
            if kernel is None:
                later.append((name, check))
                continue
            try:
                ok = kernel(a, check.statistics)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, re.error):
                later.append((name, check))
                continue
            if check.ignore_na and missing is not None:
                ok = pc.or_(pc.fill_null(ok, True), missing)
            _report(problems, _failing_rows(ok, first_row), name, check.error or check.name)
    if problems:
        raise SourceError(dataset, problems)
    # rules Arrow cannot express: run as pandera runs them, on a pandas view of the checked batch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, check in later:
            ok = check(view()[name]).check_output
            _report(problems, _failing_rows(ok, first_row), name, check.error or check.name)
        for check in schema.checks:
            ok = check(view()).check_output
            if isinstance(ok, pd.DataFrame):
                ok = ok.all(axis=1)
            if isinstance(ok, bool):
                ok = pd.Series(ok, index=index)
            _report(problems, _failing_rows(ok, first_row), None, check.error or check.name)
        if schema.unique:
            keys = [schema.unique] if isinstance(schema.unique, str) else list(schema.unique)
            if not _all_distinct([arrays[order.index(k)] for k in keys]):
                _report(problems, _failing_rows(~view().duplicated(keys, keep=False), first_row), ", ".join(keys), "unique")
    if problems:
        raise SourceError(dataset, problems)
    return pa.RecordBatch.from_arrays(arrays, names=order)
