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

from pipelines.ingest.published_values import QUALIFIERS

SOURCE = "source"  # column typed by a curator in sources/
SLUG = r"^[a-z0-9_]+$"  # identifiers analysts join on (cell_id, vehicle_id, claim_id, ...)
DERIVED = "derived"  # column computed by the pipeline


def field(
    description: str,
    *,
    unit: str | None = None,
    origin: str = SOURCE,
    **checks: Any,
) -> Any:
    """A pandera Field that also records unit and origin (source file vs pipeline)."""
    checks.setdefault("nullable", False)
    return pa.Field(description=description, metadata={"unit": unit, "origin": origin}, **checks)


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


def within_physical_bounds(values: pd.Series, units: pd.Series) -> pd.Series:
    """Row-wise True where a value is plausible for its canonical unit (NaN passes)."""
    lo = units.map({u: b[0] for u, b in PHYSICAL_BOUNDS.items()}).astype(float).fillna(0.0)  # unlisted: >= 0
    hi = units.map({u: b[1] for u, b in PHYSICAL_BOUNDS.items()}).astype(float).fillna(np.inf)
    v = values.astype(float)
    return v.isna() | ((v >= lo) & (v <= hi))


class CuratedRows(pa.DataFrameModel):
    """Base of every curated table: each row keeps the file and line it was read from, and
    no column outside the model is accepted.

    Foreign keys (Config.metadata["foreign_keys"]: column -> "table.column" of another curated
    table) are checked by the ingest against the parent table; a ';'-separated column is a list
    of keys. Declarations merge down the class hierarchy and apply where the column exists.
    """

    source_file: Series[str] = field("File under sources/ the row was read from", origin=DERIVED)
    source_line: Series[int] = field("Line of source_file holding the row (header is line 1)", origin=DERIVED)

    class Config:
        strict = True
        coerce = True
        metadata = {"foreign_keys": {"reference_ids": "references.reference_id"}}


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

    metric: Series[str] = field("Quantity measured, from the controlled metric vocabulary (curated.metrics)")
    published_label: Series[str] = field(
        "Row or column label the report prints for this value, typos included", nullable=True
    )
    published_text: Series[str] = field(
        "The value exactly as printed, qualifier and range included, without unit"
    )
    published_unit: Series[str] = field("The unit exactly as printed", nullable=True)
    value: Series[float] = field(
        "Point value in the canonical `unit` (the bound for >, ≥, <, up to; null for a range)",
        origin=DERIVED,
        nullable=True,
    )
    value_min: Series[float] = field(
        "Lower bound in the canonical `unit` where the printed text gives one",
        origin=DERIVED,
        nullable=True,
    )
    value_max: Series[float] = field(
        "Upper bound in the canonical `unit` where the printed text gives one",
        origin=DERIVED,
        nullable=True,
    )
    qualifier: Series[str] = field(
        "How the printed text qualifies the number: " + ", ".join(QUALIFIERS),
        origin=DERIVED,
        isin=list(QUALIFIERS),
    )
    unit: Series[str] = field(
        "Canonical unit of value/value_min/value_max: the metric's unit (curated.metrics)",
        origin=DERIVED,
        nullable=True,
    )
    precision: Series[float] = field(
        "Half a unit of the last digit printed, in `unit`: how precisely the report states the value",
        origin=DERIVED,
        nullable=True,
        ge=0,
    )
    section: Series[str] = field("Report section the value comes from (ES = executive summary)")
    source_table: Series[str] = field("Report table the value is printed in, if any", nullable=True)
    reference_ids: Series[str] = field(
        "Reference numbers from the report's list (curated.references), ';'-separated", nullable=True
    )
    note: Series[str] = field("Curator's note, in our own words", nullable=True)

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

    @pa.dataframe_check(name="range_printed_high_to_low", raise_warning=True)
    def range_printed_high_to_low(cls, df: pd.DataFrame) -> pd.Series:
        from pipelines.ingest.published_values import parse_published

        return ~parse_published(df["published_text"])["range_descending"]


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
    return {c: tuple(target.split(".", 1)) for c, target in declared.items() if c in columns}


def source_columns(model: type[pa.DataFrameModel]) -> list[str]:
    """The header a curator's CSV must have, in schema order."""
    return [d.name for d in column_docs(model) if d.origin == SOURCE]


def warning_checks(model: type[pa.DataFrameModel]) -> list[pa.Check]:
    return [c for c in model.to_schema().checks if c.raise_warning]


def blocking_schema(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    """The model with its warning-level checks removed: what must pass to publish."""
    schema = copy.deepcopy(model.to_schema())
    schema.checks = [c for c in schema.checks if not c.raise_warning]
    return schema


# --------------------------------------------------------------------------- consistency rules


def unique_rows(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Row-wise: False on every row that shares its key with another row."""
    return ~df.duplicated(keys, keep=False)


def one_name_per_key(df: pd.DataFrame, key: str, name: str = "display_name") -> pd.Series:
    """Row-wise: False on every row whose key carries more than one name across the table."""
    return df.groupby(key)[name].transform("nunique").le(1)


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
    return result


def same_across_tables(df: pd.DataFrame, keys: list[str], table_col: str = "source_table") -> pd.Series:
    """Row-wise check: a number printed in two tables (e.g. Table 7 and ES-1) has one value."""
    grouped = df.groupby(keys, dropna=False)["value"]
    spread = grouped.transform("max") - grouped.transform("min")
    return spread.fillna(0).le(1e-9)


def wide_model(
    name: str,
    keys: dict[str, tuple[type, str]],
    quantities: dict[str, tuple[str, str]],
    description: str,
    grain: str,
    provenance: str,
    flags: dict[str, str] | None = None,
) -> type[pa.DataFrameModel]:
    """A pandera model for a wide computed table whose value columns come from a catalogue
    (name -> (unit, description)), so the catalogue stays the single place they are defined.

    keys: column -> (python type, description); flags: boolean column -> description.
    """
    annotations: dict[str, object] = {}
    namespace: dict[str, object] = {}
    for column, (kind, text) in keys.items():
        annotations[column] = Series[kind]
        namespace[column] = field(text, origin=DERIVED)
    for column, (unit, text) in quantities.items():
        annotations[column] = Series[float]
        namespace[column] = field(text, unit=unit, origin=DERIVED, nullable=True)
    for column, text in (flags or {}).items():
        annotations[column] = Series[bool]
        namespace[column] = field(text, origin=DERIVED)
    namespace["__annotations__"] = annotations
    namespace["__module__"] = sys._getframe(1).f_globals["__name__"]  # the catalogue's module, for code links
    namespace["Config"] = type("Config", (), {"description": description, "metadata": {"grain": grain, "provenance": provenance}})
    return type(name, (ComputedTable,), namespace)
