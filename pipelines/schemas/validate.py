"""Run a table's pandera model: blocking rules raise one error naming file, row, column and
rule for every failure; warning-level rules are evaluated separately and returned with the
rows they flag, so a published inconsistency is reported and never silently fixed."""
from __future__ import annotations

import copy
import functools
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.engines.pandas_engine import NpString

from pipelines.errors import SourceError, SourceProblem
from pipelines.schemas.base import EXPLANATION, RECOMPUTED, blocking_schema, column_order, warning_checks
from pipelines.schemas.validate_arrow import passes_by_extremes

# Columns that identify a row to a human, shown in warning metadata when present.
_ROW_LABEL_COLUMNS = (
    "claim_id", "cell_id", "parameter", "vehicle_id", "scenario_id", "machine_id", "row_id", "fact_id", "statistic_id", "item_id",
    "technology_id", "criterion", "chemistry", "entity", "metric", "published_text", "value",
    "unit", "source_table", "source_file", "source_line",
)


# Columns that identify a row of a computed table (and the curated rows it was computed from).
_KEY_COLUMNS = (
    "cell_id", "vehicle_id", "scenario_id", "machine_id", "fleet_id", "design_id", "input", "direction",
    "output", "metric", "source_table", "row_key", "column_name",
)


def _row_key(df: pd.DataFrame, index) -> str:
    row = df.loc[index]
    return ", ".join(f"{c}='{row[c]}'" for c in _KEY_COLUMNS if c in df.columns and pd.notna(row[c]))


def _where(df: pd.DataFrame, index, dataset: str = "(computed table)") -> tuple[str, int | None]:
    if index is None or pd.isna(index) or index not in df.index:
        return (dataset, None)
    row = df.loc[index]
    if "source_file" in df.columns and pd.notna(row.get("source_file")):
        return (str(row["source_file"]), int(row["source_line"]))
    key = _row_key(df, index)
    return (f"{dataset}, row {int(index) + 1}" + (f" ({key})" if key else ""), None)


def _row_summary(df: pd.DataFrame, index) -> str:
    if index is None or pd.isna(index) or index not in df.index:
        return ""
    row = df.loc[index]
    shown = [
        c
        for c in ("metric", "published_text", "published_unit", "value", "value_min", "value_max", "low", "mode", "high")
        if c in df.columns
    ]
    return ", ".join(
        f"{c}={row[c]:g}" if isinstance(row[c], float) else f"{c}='{row[c]}'" for c in shown if pd.notna(row[c])
    )


def _judged_column(rule: str, columns) -> str | None:
    named = [c for c in columns if rule.startswith(c)]
    return max(named, key=len) if named else None


def _problems_from(errors: pa.errors.SchemaErrors, df: pd.DataFrame, dataset: str) -> list[SourceProblem]:
    cases = errors.failure_cases.copy()
    problems: list[SourceProblem] = []
    seen: set[tuple] = set()
    for case in cases.itertuples(index=False):
        index = case.index
        file, line = _where(df, index, dataset)
        column = None if case.column in (None, "") or pd.isna(case.column) else str(case.column)
        rule = str(case.check)
        detail = "" if pd.isna(case.failure_case) else f"got {case.failure_case!r}"
        if case.schema_context == "DataFrameSchema" and not rule.startswith(("column_in", "multiple_fields")):
            # a dataframe-level rule judges a row; it names its column by starting with it
            # ("value_min_not_above_value_max", "low <= mode <= high")
            column = _judged_column(str(case.check), df.columns)
            detail = _row_summary(df, index)
        key = (file, line, column, rule)
        if key in seen:
            continue
        seen.add(key)
        problems.append(SourceProblem(file, line, column, f"rule '{rule}'", detail))
    return problems


MAX_TRACED_ROWS = 10


def input_rows(
    errors: pa.errors.SchemaErrors, df: pd.DataFrame, inputs: Mapping[str, pd.DataFrame]
) -> list[SourceProblem]:
    """The curated rows a failing computed row was computed from: for each failing row, the rows
    of every input table (that keeps source_file/source_line) sharing its key values (cell_id,
    vehicle_id, scenario_id, ...), one problem per input file with their lines."""
    failing = pd.Index(errors.failure_cases["index"].dropna().unique())
    failing = failing[failing.isin(df.index)][:MAX_TRACED_ROWS]
    problems: list[SourceProblem] = []
    for index in failing:  # a handful of failing rows, not the table
        row = df.loc[index]
        key = _row_key(df, index)
        for frame in inputs.values():
            if not isinstance(frame, pd.DataFrame) or "source_file" not in frame.columns:
                continue
            shared = [c for c in _KEY_COLUMNS if c in frame.columns and c in df.columns and pd.notna(row[c])]
            if not shared:
                continue
            mask = frame[shared].astype(str).eq(row[shared].astype(str).to_numpy()).all(axis=1)
            for file, lines in frame.loc[mask].groupby("source_file", sort=True)["source_line"]:
                listed = ", ".join(str(int(n)) for n in sorted(lines))
                problems.append(SourceProblem(str(file), None, None, f"input row(s) of the failing row {key}", f"lines {listed}"))
    return problems


def _all_text(column: pd.Series) -> bool:
    """An object column holding only text and nulls (one pass in C)."""
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty")


class _Text(NpString):
    """pandera's `str` column type, with a whole-column test first: a column that already holds
    only text and nulls is left as it is, and passes the type check (pandera converts and tests
    each value in Python, and formats an empty failure table, on every call). Any other column
    goes through pandera's own conversion and check, so a failure reads exactly as before."""

    def coerce(self, data_container):
        if isinstance(data_container, pd.Series) and _all_text(data_container):
            return data_container
        return super().coerce(data_container)

    def check(self, pandera_dtype, data_container=None):
        if isinstance(data_container, pd.Series) and _all_text(data_container):
            return True
        return super().check(pandera_dtype, data_container)


def _row_rules(checks: list[pa.Check], schema: pa.DataFrameSchema) -> list[pa.Check]:
    """The table-level `checks`, without pandera's pass for a row whose every column is null
    when the table has a column that may not be null: such a row fails that column's own rule
    anyway, and pandera finds those rows with an isna over the whole table for every check
    (a third of the validation time of a table of text)."""
    if all(column.nullable for column in schema.columns.values()):
        return checks
    rules = []
    for check in checks:
        rule = copy.copy(check)
        rule.ignore_na = False
        rules.append(rule)
    return rules


@functools.cache
def checked_schema(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    """blocking_schema(model), built once per model, with str columns typed `_Text`."""
    schema = blocking_schema(model)
    for column in schema.columns.values():
        if type(column.dtype) is NpString:
            column.dtype = _Text()
    schema.checks = _row_rules(schema.checks, schema)
    return schema


@functools.cache
def _warning_rules(model: type[pa.DataFrameModel]) -> list[pa.Check]:
    return _row_rules(warning_checks(model), model.to_schema())


# Column types a frame may hold exactly as the model declares them.
_EXACT_TYPES = frozenset({"float64", "int64", "bool", "datetime64[ns]", "Int64"})


def _holds_type(column: pa.Column, series: pd.Series) -> bool:
    """The series holds the column's type: coercing it would change nothing."""
    if isinstance(column.dtype, _Text):
        return _all_text(series)
    return str(column.dtype) in _EXACT_TYPES and str(series.dtype) == str(column.dtype)


def typed_if_valid(ordered: pd.DataFrame, schema: pa.DataFrameSchema) -> pd.DataFrame | None:
    """`ordered` (every column of the model) with each column in its type, when it passes every
    blocking rule of `schema`: its columns, their types, nullability and uniqueness, each column
    check and each table check, the table's unique key. A column is converted by pandera's own
    coercion of its type (`try_coerce`, what pandera's validation calls), and the checks are
    pandera's own, called one by one with pandera's handling of nulls, without the machinery
    pandera runs around each to collect and format failures (most of its time on a small table).
    None as soon as anything fails or cannot be converted: `validate` then runs pandera's full
    validation, which names every failure as it always has."""
    if schema.index is not None or not schema.coerce or sorted(ordered.columns) != sorted(schema.columns):
        return None
    typed = {}
    for name, column in schema.columns.items():
        series = ordered[name]
        if column.regex or column.parsers:
            return None
        if not _holds_type(column, series):
            try:
                series = column.dtype.try_coerce(series)
            except Exception:  # noqa: BLE001 - pandera's validation below reports it
                return None
            if not _holds_type(column, series):
                return None
            typed[name] = series
        if not column.nullable and series.isna().any():
            return None
        if column.unique and series.duplicated().any():
            return None
        if column.checks and passes_by_extremes(series.to_numpy(), column.checks):
            continue  # bounds decided by the minimum and maximum (a number column without NaN)
        if not all(bool(check(series).check_passed) for check in column.checks):
            return None
    out = ordered.copy(deep=False) if typed else ordered
    for name, series in typed.items():
        out[name] = series
    if not all(bool(check(out).check_passed) for check in schema.checks):
        return None
    if schema.unique:
        keys = [schema.unique] if isinstance(schema.unique, str) else list(schema.unique)
        if out.duplicated(keys).any():
            return None
    return out


def validate(
    df: pd.DataFrame, model: type[pa.DataFrameModel], dataset: str, inputs: Mapping[str, pd.DataFrame] | None = None
) -> pd.DataFrame:
    """Coerce and check `df` against the model's blocking rules; raise SourceError on failure.

    A frame that passes every rule is returned typed by `typed_if_valid` (pandera's coercion and
    checks without its failure machinery); any other goes through pandera's own validation,
    whose coercion and failure report are unchanged. For a computed table, `inputs` (the curated tables it was computed
    from) lets the error also name the source rows behind each failing row (`input_rows`)."""
    schema = checked_schema(model)
    ordered = df[[c for c in column_order(model) if c in df.columns]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        typed = typed_if_valid(ordered, schema)
    if typed is not None:
        return typed
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return schema.validate(ordered, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems = _problems_from(errors, df, dataset)
        if inputs:
            problems += input_rows(errors, df, inputs)
        raise SourceError(dataset, problems) from None


@dataclass(frozen=True)
class WarningResult:
    check_name: str
    description: str
    passed: bool
    failing_rows: pd.DataFrame

    @property
    def slug(self) -> str:
        return check_slug(self.check_name)


def check_slug(name: str) -> str:
    """A Dagster-safe check name from a readable rule name."""
    ascii_name = (
        name.replace("≈", "approx").replace("≥", "ge").replace("≤", "le").replace("×", "x")
        .replace("÷", "div").replace("²", "2").replace("³", "3")
    )
    return re.sub(r"[^a-zA-Z0-9]+", "_", ascii_name).strip("_").lower()[:60]


def evaluate_warnings(df: pd.DataFrame, model: type[pa.DataFrameModel]) -> list[WarningResult]:
    results = []
    for check in _warning_rules(model):
        outcome = check(df)
        ok = outcome.check_output
        if isinstance(ok, pd.DataFrame):
            ok = ok.all(axis=1)
        attrs = getattr(outcome.check_output, "attrs", {})
        ok = ok.reindex(df.index, fill_value=True).astype(bool)
        columns = [c for c in _ROW_LABEL_COLUMNS if c in df.columns]
        passed = bool(ok.all())
        flagged = df.loc[~ok, columns] if not passed else df.iloc[:0][columns]
        results.append(
            WarningResult(
                check_name=check.name,
                description=check.description or check.name,
                passed=passed,
                failing_rows=with_recomputed(flagged, attrs.get(RECOMPUTED), attrs.get(EXPLANATION) or check.name),
            )
        )
    return results


FINDING_COLUMNS = ("value", "recomputed_value", "relative_deviation", "explanation")


def with_recomputed(rows: pd.DataFrame, recomputed: pd.Series | None, explanation: str) -> pd.DataFrame:
    """The flagged rows with what the rule recomputed for each (null where it recomputes
    nothing), the relative deviation of the printed value from it, and how it was judged (no
    rows: the same columns, nothing recomputed)."""
    if len(rows) == 0:
        return rows.assign(recomputed_value=np.empty(0), relative_deviation=np.empty(0), explanation=np.empty(0, dtype=object))
    value = rows["value"].astype(float) if "value" in rows.columns else pd.Series(float("nan"), index=rows.index)
    again = recomputed.reindex(rows.index).astype(float) if recomputed is not None else pd.Series(float("nan"), index=rows.index)
    deviation = (value - again) / again.abs()
    return rows.assign(
        recomputed_value=again,
        relative_deviation=deviation.where(again.ne(0) & again.notna() & value.notna()),
        explanation=explanation,
    )
