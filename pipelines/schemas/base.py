"""Building blocks shared by every table's pandera model.

A table's schema lives once, in its pandera model: column names, types, units (in Field
metadata), descriptions, and checks. Blocking checks are ordinary pandera checks; consistency
rules that the report itself may break are declared with `raise_warning=True` and surface as
warning-level Dagster asset checks (never as silent fixes). Everything else (the source-file
header the reader expects, Dagster column metadata, DuckDB comments, the data dictionary) is
derived from the models through the helpers at the bottom of this module.
"""
from __future__ import annotations

import copy
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipelines.schemas.fields import DERIVED, FIELDS, SLUG, SOURCE, catalogue_field, field  # noqa: F401 (SLUG, field re-exported)


def calibrated_against_field() -> Any:
    """A curated input's fit target(s): the published numbers it was back-solved from, which
    reconciliation must then count as calibrated rather than reproduced."""
    return field(
        "Published number(s) this value was fitted to, as '<source table>:<column slug>' (';'-separated); "
        "reconciliation marks those numbers `calibrated`, not `reproduced`. Empty where nothing was fitted",
        nullable=True,
        str_matches=r"^Table [A-Za-z0-9.-]+:[a-z0-9_]+(;Table [A-Za-z0-9.-]+:[a-z0-9_]+)*$",
    )


# Plausible physical bounds per canonical unit: outside them a value is a transcription or
# unit error, never a claim. A unit not listed only has to be non-negative.
PHYSICAL_BOUNDS: dict[str, tuple[float, float]] = {
    "Wh/kg": (0.0, 15_000.0),  # above lithium-air's theoretical specific energy
    "Wh/L": (0.0, 20_000.0),
    "W/kg": (0.0, 100_000.0),
    "W/L": (0.0, 200_000.0),
    "°C": (-273.15, 3_000.0),
    "%": (-100.0, 10_000.0),  # expansions and gains exceed 100 %
    "V": (-10.0, 10.0),
    "cycles": (0.0, 1_000_000.0),
    "USD/kWh": (0.0, 10_000.0),
    "Ah": (0.0, 10_000.0),
    "g": (0.0, 1_000_000.0),
    "kg": (0.0, 1_000_000.0),
    "mOhm": (0.0, 100_000.0),
    "C": (0.0, 1_000.0),
    "years": (0.0, 1_000.0),
    "year": (1800.0, 2200.0),
    "g/cm3": (0.0, 25.0),
}


def physical_range(unit: str | None, declared: tuple[float, float] | None = None) -> tuple[float, float] | None:
    """The range a number column must lie in: its declared bounds, else the bounds of its unit,
    else (for any other unit) non-negative. A column without a unit is only required finite."""
    if declared is not None:
        return (float(declared[0]), float(declared[1]))
    if unit is None:
        return None
    return PHYSICAL_BOUNDS.get(unit, (0.0, np.inf))


def within_physical_bounds(values: pd.Series, units: pd.Series) -> pd.Series:
    """Row-wise True where a value is plausible for its canonical unit (NaN passes)."""
    lo = units.map({u: b[0] for u, b in PHYSICAL_BOUNDS.items()}).astype(float).fillna(0.0)  # unlisted: >= 0
    hi = units.map({u: b[1] for u, b in PHYSICAL_BOUNDS.items()}).astype(float).fillna(np.inf)
    v = values.astype(float)
    return v.isna() | ((v >= lo) & (v <= hi))


def positive_numbers(df: pd.DataFrame, metrics: dict[str, tuple[float, bool]]) -> pd.Series:
    """Row-wise rule for the printed numbers a computation reads (metric -> (upper bound in the
    metric's unit, whether 0 is possible)): such a row prints a number (not 'N/a'), and every
    bound it gives is finite, > 0 (>= 0 where 0 is possible) and at most the upper bound."""
    rows = df["metric"].isin(list(metrics))
    zero_ok = df["metric"].map({m: z for m, (_, z) in metrics.items()}).fillna(False).astype(bool)
    high = df["metric"].map({m: h for m, (h, _) in metrics.items()}).astype(float).fillna(np.inf)
    bounds = df[["value", "value_min", "value_max"]].astype(float)
    given = bounds.notna().any(axis=1)
    positive = bounds.gt(0) | bounds.ge(0).mul(zero_ok, axis=0)
    ok = bounds.isna() | (positive & np.isfinite(bounds) & bounds.le(high, axis=0))
    return ~rows | (given & ok.all(axis=1))


class CuratedRows(pa.DataFrameModel):
    """Base of every curated table: each row keeps the file and line it was read from, and
    no column outside the model is accepted.

    Foreign keys (Config.metadata["foreign_keys"]: column -> "table.column" of another curated
    table) are checked by the ingest against the parent table; a ';'-separated column is a list
    of keys. Declarations merge down the class hierarchy and apply where the column exists; a
    model that is itself the parent of a key declares it None (technologies.technology_id).
    Where both the row and its parent carry document_id, the key is looked up within the row's
    document: (document_id, reference_id) for reference_ids.
    """

    source_file: Series[str] = catalogue_field("source_file")
    source_line: Series[int] = catalogue_field("source_line")

    class Config:
        strict = True
        coerce = True
        metadata = {
            "foreign_keys": {
                "reference_ids": "references.reference_id",
                "document_id": "documents.document_id",
                "technology_id": "technologies.technology_id",
                "organisation_id": "organisations.organisation_id",
                "product_id": "products.product_id",
                "evidence": "evidence_kinds.evidence",
            }
        }


class ComputedTable(pa.DataFrameModel):
    """Base of every computed table: strict columns, coerced types."""

    class Config:
        strict = True
        coerce = True


class PublishedNumber(CuratedRows):
    """One number as printed in the report, parsed, converted, and traced to its origin.

    Check names here equal their method names: pandera names inherited checks after the
    method, so a readable name given only to the decorator would be lost in subclasses.
    """

    metric: Series[str] = catalogue_field("metric")
    published_label: Series[str] = catalogue_field("published_label")
    published_text: Series[str] = catalogue_field("published_text")
    published_unit: Series[str] = catalogue_field("published_unit")
    value: Series[float] = catalogue_field("value")
    value_min: Series[float] = catalogue_field("value_min")
    value_max: Series[float] = catalogue_field("value_max")
    qualifier: Series[str] = catalogue_field("qualifier")
    unit: Series[str] = catalogue_field("unit")
    precision: Series[float] = catalogue_field("precision")
    value_best: Series[float] = catalogue_field("value_best")
    value_basis: Series[str] = catalogue_field("value_basis")
    document_id: Series[str] = catalogue_field("document_id")
    section: Series[str] = catalogue_field("section")
    source_table: Series[str] = catalogue_field("source_table")
    reference_ids: Series[str] = catalogue_field("reference_ids")
    evidence: Series[str] = catalogue_field("evidence")
    claim_date: Series[pa.DateTime] = catalogue_field("claim_date")
    claim_date_basis: Series[str] = catalogue_field("claim_date_basis")
    note: Series[str] = catalogue_field("note")

    @pa.check("claim_date", name="claim_date_not_in_the_future")
    def claim_date_not_in_the_future(cls, s: pd.Series) -> pd.Series:
        return s.isna() | (s <= pd.Timestamp.now())

    @pa.dataframe_check(name="value_min_not_above_value_max")
    def value_min_not_above_value_max(cls, df: pd.DataFrame) -> pd.Series:
        return df["value_min"].isna() | df["value_max"].isna() | (df["value_min"] <= df["value_max"])

    @pa.dataframe_check(name="value_within_physical_bounds_of_unit")
    def value_within_physical_bounds_of_unit(cls, df: pd.DataFrame) -> pd.Series:
        ok = within_physical_bounds(df["value"], df["unit"])
        ok &= within_physical_bounds(df["value_min"], df["unit"])
        return ok & within_physical_bounds(df["value_max"], df["unit"])

    @pa.dataframe_check(name="reference_ids_are_integers")
    def reference_ids_are_integers(cls, df: pd.DataFrame) -> pd.Series:
        return df["reference_ids"].isna() | df["reference_ids"].astype(str).str.fullmatch(r"\d+(;\d+)*")

    @pa.dataframe_check(name="by_year_keeps_its_upper_bound")
    def by_year_keeps_its_upper_bound(cls, df: pd.DataFrame) -> pd.Series:
        """A number printed as 'by 2028' (the label says so) is at the latest 2028: published_text
        keeps the 'by', so the qualifier is an upper bound, never exact."""
        by_year = df["published_label"].astype("string").str.extract(r"\bby (\d{4})\b(?! or\b)", expand=False)
        stated = by_year.notna() & by_year.eq(df["published_text"].astype("string").str.strip()).fillna(False)
        return ~stated | df["qualifier"].ne("exact")

    @pa.dataframe_check(name="range_printed_high_to_low", raise_warning=True)
    def range_printed_high_to_low(cls, df: pd.DataFrame) -> pd.Series:
        from pipelines.schemas.published_values import parse_published

        return recomputed_beside(
            ~parse_published(df["published_text"])["range_descending"],
            None,
            "the range is printed high to low (its bounds are stored low to high in value_min and value_max)",
        )


# --------------------------------------------------------------------------- introspection


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    dtype: str
    unit: str | None
    description: str
    nullable: bool
    origin: str


TRAILING_COLUMNS = ("note", "source_file", "source_line")


def column_order(model: type[pa.DataFrameModel]) -> list[str]:
    """The model's own (identifying) columns first, the columns it inherits from its parent
    model next, provenance last (pandera itself lists inherited columns first)."""
    names = list(model.to_schema().columns)
    parent = model.__mro__[1]
    inherits = issubclass(parent, pa.DataFrameModel) and parent is not pa.DataFrameModel
    shared = set(parent.to_schema().columns) if inherits else set()
    own = [n for n in names if n not in shared and n not in TRAILING_COLUMNS]
    block = [n for n in names if n in shared and n not in TRAILING_COLUMNS]
    return own + block + [n for n in TRAILING_COLUMNS if n in names]


def column_docs(model: type[pa.DataFrameModel]) -> list[ColumnDoc]:
    schema = model.to_schema()
    docs = []
    for name in column_order(model):
        col = schema.columns[name]
        meta = col.metadata or {}
        docs.append(
            ColumnDoc(
                name=name,
                dtype=str(col.dtype),
                unit=meta.get("unit"),
                description=col.description or "",
                nullable=bool(col.nullable),
                origin=meta.get("origin", SOURCE),
            )
        )
    return docs


def foreign_keys(model: type[pa.DataFrameModel]) -> dict[str, tuple[str, str]]:
    """column -> (parent table, parent column), merged over the model's class hierarchy."""
    declared: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        config = cls.__dict__.get("Config")
        declared.update(((getattr(config, "metadata", None) or {}).get("foreign_keys", {})))
    columns = set(model.to_schema().columns)
    return {c: tuple(target.split(".", 1)) for c, target in declared.items() if c in columns and target}


def source_columns(model: type[pa.DataFrameModel]) -> list[str]:
    """The header a curator's CSV must have, in schema order."""
    return [d.name for d in column_docs(model) if d.origin == SOURCE]


# Source columns a CSV may leave out entirely (then empty on every row of that file): the
# pipeline fills them (claim_date from the document's date).
OPTIONAL_SOURCE_COLUMNS = ("claim_date", "quote", "c_rate_text", "test_temperature", "reference_scope", "attributed_to")


def optional_source_columns(model: type[pa.DataFrameModel]) -> list[str]:
    return [c for c in source_columns(model) if c in OPTIONAL_SOURCE_COLUMNS]


def warning_checks(model: type[pa.DataFrameModel]) -> list[pa.Check]:
    return [c for c in model.to_schema().checks if c.raise_warning]


FINITE_RULE = "finite number (not NaN or inf)"


def _finite(series: pd.Series) -> pd.Series:
    return pd.Series(np.isfinite(series.to_numpy(dtype=float)), index=series.index)


def number_rules(column: pa.Column) -> list[pa.Check]:
    """Blocking rules every float column gets from its metadata, so a new column has them by
    default: a finite value (a null is judged by `nullable` alone), and the column's physical
    range (`physical_range` of its declared bounds or unit)."""
    if not str(column.dtype).startswith("float"):
        return []
    rules = [pa.Check(_finite, name=FINITE_RULE, error=FINITE_RULE)]
    meta = column.metadata or {}
    span = physical_range(meta.get("unit"), meta.get("bounds"))
    if span is not None and span != (-np.inf, np.inf):
        lo, hi = span
        where = f" of {meta['unit']}" if meta.get("unit") and "bounds" not in meta else ""
        name = f"physical range{where}: {lo:g} <= value <= {hi:g}"
        rules.append(pa.Check.in_range(lo, hi, name=name, error=name))
    return rules


def blocking_schema(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    """What must pass to publish: the model's checks without the warning-level ones, plus the
    number rules generated from every float column's metadata (`number_rules`)."""
    schema = copy.deepcopy(model.to_schema())
    schema.checks = [c for c in schema.checks if not c.raise_warning]
    for column in schema.columns.values():
        column.checks = [*column.checks, *number_rules(column)]
    return schema


# --------------------------------------------------------------------------- consistency rules


def unique_rows(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Row-wise: False on every row that shares its key with another row."""
    return ~df.duplicated(keys, keep=False)


def key_rule(*columns: str, name: str) -> Any:
    """The blocking "one row per key" check of a table, which also declares `columns` as the
    table's key (its DuckDB PRIMARY KEY, see table_key()). Use as `unique_key = key_rule(...)`."""

    def unique_key(cls, df: pd.DataFrame) -> pd.Series:
        return unique_rows(df, list(columns))

    rule = pa.dataframe_check(name=name)(unique_key)
    rule.__func__.table_key = tuple(columns)
    return rule


# --------------------------------------------------------------------------- declared constraints


def table_key(model: type[pa.DataFrameModel]) -> tuple[str, ...]:
    """The columns that identify a row: a key_rule() check, else Config.unique, else the first
    column declared unique=True; () when the model declares none."""
    for cls in model.__mro__:
        for attr in vars(cls).values():
            key = getattr(getattr(attr, "__func__", None), "table_key", None)
            if key:
                return key
    schema = model.to_schema()
    if schema.unique:
        return tuple(schema.unique)
    unique = [name for name in column_order(model) if schema.columns[name].unique]
    return tuple(unique[:1])


def unique_columns(model: type[pa.DataFrameModel]) -> list[str]:
    """Single columns declared unique=True other than the table key (DuckDB UNIQUE)."""
    schema, key = model.to_schema(), table_key(model)
    return [name for name in column_order(model) if schema.columns[name].unique and (name,) != key]


@dataclass(frozen=True)
class ForeignKey:
    column: str
    parent_table: str  # "curated.<name>"
    parent_column: str
    declared: bool  # a DuckDB FOREIGN KEY; otherwise checked by the ingest only
    reason: str = ""


def foreign_key_constraints(model: type[pa.DataFrameModel], tables: dict[str, type[pa.DataFrameModel]]) -> list[ForeignKey]:
    """Every reference the ingest checks (foreign_keys()), and whether DuckDB can declare it:
    only a single-valued column whose type matches a parent column that alone is the parent's
    key or unique, in the same schema. A ';'-separated list of keys, a column naming part of a
    longer parent key (e.g. vehicle_id of a one-row-per-vehicle-and-metric table), or a reference
    from another schema (DuckDB cannot declare it) stays an ingest check."""
    out = []
    schema = model.to_schema()
    own_schema = next((name.split(".")[0] for name, m in tables.items() if m is model), "curated")
    for column, (parent, parent_column) in foreign_keys(model).items():
        parent_table = f"curated.{parent}"
        parent_model = tables[parent_table]
        parent_schema = parent_model.to_schema()
        if own_schema != "curated":
            reason = f"DuckDB declares FOREIGN KEYs only within one schema (this table is in {own_schema}, its parent in curated)"
        elif "';'-separated" in (schema.columns[column].description or ""):
            reason = "';'-separated list of keys (a list cannot be a FOREIGN KEY)"
        elif str(schema.columns[column].dtype) != str(parent_schema.columns[parent_column].dtype):
            reason = f"type {schema.columns[column].dtype} differs from the parent's {parent_schema.columns[parent_column].dtype}"
        elif (parent_column,) != table_key(parent_model) and parent_column not in unique_columns(parent_model):
            reason = f"{parent_table}.{parent_column} is not unique there (key: {', '.join(table_key(parent_model))})"
        else:
            reason = ""
        out.append(ForeignKey(column, parent_table, parent_column, not reason, reason))
    return out


def one_name_per_key(df: pd.DataFrame, key: str, name: str = "display_name") -> pd.Series:
    """Row-wise: False on every row whose key carries more than one name across the table."""
    return df.groupby(key)[name].transform("nunique").le(1)


def name_rule(key: str, name: str = "display_name") -> Any:
    """The blocking "one display name per <key>" check of a long table whose rows repeat a key
    (one row per vehicle and metric, say). Use as `one_display_name = name_rule("vehicle_id")`."""

    def one_display_name(cls, df: pd.DataFrame) -> pd.Series:
        return one_name_per_key(df, key, name)

    return pa.dataframe_check(name=f"one display name per {key}")(one_display_name)


def derived_agrees(
    df: pd.DataFrame,
    keys: list[str],
    target: str,
    formula,
    rel_tol: float = 0.03,
    metric_col: str = "metric",
) -> pd.Series:
    """Row-wise check for long tables: where a quantity is stated together with its parts,
    recompute it from the parts (`formula(wide)` over a frame with one column per metric) and
    compare with the stated value. True everywhere except on the `target` rows that disagree
    by more than `rel_tol` plus half a unit of the last printed digit (printed rounding).
    Rows whose parts are not all stated, or are stated twice with different values, pass: a rule
    can only judge what is printed unambiguously.
    """
    numeric = df[df["value"].notna()]
    # A part stated twice with different values (nominal and cycle capacity, say) is ambiguous:
    # the rule does not pick one, it leaves that row unjudged.
    spread = numeric.groupby([*keys, metric_col], sort=False)["value"].agg(["min", "max"])
    single = spread["min"].where(spread["min"] == spread["max"])
    wide = single.unstack(metric_col)
    try:
        recomputed = formula(wide)
    except KeyError:  # a part is never stated in this table
        return pd.Series(True, index=df.index)
    rows = df[metric_col].eq(target) & df["value"].notna()
    if not rows.any():
        return pd.Series(True, index=df.index)
    key_index = pd.MultiIndex.from_frame(df.loc[rows, keys]) if len(keys) > 1 else pd.Index(df.loc[rows, keys[0]])
    expected = pd.Series(recomputed.reindex(key_index).to_numpy(dtype=float), index=df.index[rows])
    stated = df.loc[rows, "value"].astype(float)
    tolerance = rel_tol * stated.abs() + df.loc[rows, "precision"].fillna(0.0)
    ok = expected.isna() | ((expected - stated).abs() <= tolerance)
    result = pd.Series(True, index=df.index)
    result.loc[ok.index] = ok
    return recomputed_beside(
        result,
        expected.reindex(df.index),
        f"{target} recomputed from the same row's other printed parts; flagged beyond {rel_tol:.0%} plus half a unit "
        "of the last printed digit",
    )


RECOMPUTED, EXPLANATION = "recomputed", "explanation"


def recomputed_beside(result: pd.Series, recomputed: pd.Series | None, explanation: str) -> pd.Series:
    """A warning rule's row-wise outcome carrying what the rule recomputed for each row (in the
    row's unit; null where it recomputes nothing) and how, so its findings show the printed
    value beside the recomputed one (schemas/validate.py evaluate_warnings reads them)."""
    result.attrs[RECOMPUTED] = recomputed
    result.attrs[EXPLANATION] = explanation
    return result


def same_across_tables(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Row-wise check: a number printed in two tables (e.g. Table 7 and ES-1) has one value."""
    grouped = df.groupby(keys, dropna=False)["value"]
    low, high = grouped.transform("min"), grouped.transform("max")
    spread = high - low
    other = low.where(df["value"].astype(float).ne(low), high)  # the value the other table prints
    return recomputed_beside(
        spread.fillna(0).le(1e-9), other, "the same number as another table prints it (recomputed value = that table's value)"
    )


def wide_model(
    name: str,
    keys: dict[str, tuple[type, str]],
    quantities: dict[str, tuple[str, str]],
    description: str,
    grain: str,
    provenance: str,
    flags: dict[str, str] | None = None,
    unique: tuple[str, ...] = (),
    optional: dict[str, tuple[str, str]] | None = None,
) -> type[pa.DataFrameModel]:
    """A pandera model for a wide computed table whose value columns come from a catalogue
    (name -> (unit, description)), so the catalogue stays the single place they are defined.

    keys: column -> (python type, description); flags: boolean column -> description;
    unique: the columns identifying a row (the table key, default all of `keys`); optional:
    quantities like `quantities` that may be null (a computed quantity may not).
    """
    annotations: dict[str, object] = {}
    namespace: dict[str, object] = {}
    for column, (kind, text) in keys.items():
        annotations[column] = Series[kind]
        namespace[column] = catalogue_field(column, origin=DERIVED) if column in FIELDS else field(text, origin=DERIVED)
    for column, (unit, text) in quantities.items():
        annotations[column] = Series[float]
        namespace[column] = field(text, unit=unit, origin=DERIVED)
    for column, (unit, text) in (optional or {}).items():
        annotations[column] = Series[float]
        namespace[column] = field(text, unit=unit, origin=DERIVED, nullable=True)
    for column, text in (flags or {}).items():
        annotations[column] = Series[bool]
        namespace[column] = catalogue_field(column, origin=DERIVED) if column in FIELDS else field(text, origin=DERIVED)
    namespace["__annotations__"] = annotations
    namespace["__module__"] = sys._getframe(1).f_globals["__name__"]  # the catalogue's module, for code links
    config = {"description": description, "unique": list(unique or keys), "metadata": {"grain": grain, "provenance": provenance}}
    namespace["Config"] = type("Config", (), config)
    return type(name, (ComputedTable,), namespace)
