"""From a folder in sources/ to a validated curated table (no Dagster needed: tests and the
CLI call this directly).

    read_dataset  ->  dataset-specific preparation  ->  parse printed numbers  ->  pandera
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from pipelines.ingest.measurements import add_parsed_values
from pipelines.ingest.published_values import parse_published
from pipelines.ingest.read_source import Dataset, SourceError, SourceProblem, read_dataset, tree_problems
from pipelines.schemas.base import column_docs, foreign_keys, source_columns
from pipelines.schemas.registry import CURATED
from pipelines.schemas.validate import validate


def _table6(frame: pd.DataFrame) -> pd.DataFrame:
    # Table 6 names its metric column `parameter`; the shared number columns call it `metric`.
    return frame.assign(metric=frame["parameter"])


def _safety(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for text_col, stem in (
        ("temperature_stability_range", "temperature_stability"),
        ("thermal_runaway_trigger", "thermal_runaway"),
    ):
        # "20°C to 100°C (with optimized designs)": the remark in brackets is not part of the range.
        bare = out[text_col].str.replace(r"\(.*\)", "", regex=True).str.strip()
        parsed = parse_published(bare)
        out[f"{stem}_min"] = parsed["value_min"]
        out[f"{stem}_max"] = parsed["value_max"]
    return out


def _fleets(frame: pd.DataFrame) -> pd.DataFrame:
    # Each file of sources/fleets/ is one fleet, named after the file.
    return frame.assign(fleet_id=frame["source_file"].map(lambda f: Path(f).stem))


PREPARE: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "cell_design_parameters": _table6,
    "safety": _safety,
    "fleets": _fleets,
}


# The dataset every build and every refresh of the vocabularies starts from also checks the top
# of the sources tree (a folder without a model, a stray file, a link): nothing is ignored.
TREE_CHECKED_BY = "units"


def check_tree(sources_root: Path) -> None:
    problems = tree_problems(sources_root, set(CURATED))
    if problems:
        raise SourceError("sources", problems)


def has_published_numbers(name: str) -> bool:
    names = {d.name for d in column_docs(CURATED[name])}
    return {"published_text", "metric", "value"} <= names


def read_raw(name: str, sources_root: Path) -> Dataset:
    return read_dataset(sources_root / name, sources_root, source_columns(CURATED[name]))


_BOOLEAN_TEXT = {"true": True, "false": False}


def typed_text(frame: pd.DataFrame, model: type[pa.DataFrameModel], dataset: str) -> pd.DataFrame:
    """Read bool columns as true/false text: pandera's coercion would turn any non-empty text
    (even "false") into True. Anything but true or false (any case) is a blocking problem."""
    out = frame.copy()
    problems: list[SourceProblem] = []
    for name, column in model.to_schema().columns.items():
        if name not in out.columns or out[name].dtype != object:
            continue
        if str(column.dtype) == "bool":
            text = out[name].astype("string").str.strip().str.lower()
            mapped = text.map(_BOOLEAN_TEXT)
            bad = (text.notna() & mapped.isna()) | (text.isna() & (not column.nullable))
            for file, line, value in out.loc[bad, ["source_file", "source_line", name]].itertuples(index=False):
                problems.append(SourceProblem(file, int(line), name, "not a boolean (write true or false)", f"got {value!r}"))
            out[name] = mapped.astype(object).where(mapped.notna(), pd.NA)
    if problems:
        raise SourceError(dataset, problems)
    return out


def parent_tables(name: str) -> list[str]:
    """Curated tables this dataset's foreign keys point at."""
    return sorted({table for table, _ in foreign_keys(CURATED[name]).values()})


def check_foreign_keys(frame: pd.DataFrame, name: str, parents: Mapping[str, pd.DataFrame]) -> None:
    """Every key a row names must exist in its parent table (e.g. each cited reference id in
    curated.references). A ';'-separated column holds several keys."""
    problems: list[SourceProblem] = []
    for column, (table, parent_column) in foreign_keys(CURATED[name]).items():
        keys = frame[column].dropna().astype(str).str.split(";").explode().str.strip()
        known = set(parents[table][parent_column].astype(str))
        unknown = keys[~keys.isin(known)]
        rows = frame.loc[unknown.index, ["source_file", "source_line"]].assign(key=unknown)
        problems += [
            SourceProblem(f, int(line), column, f"key not in curated.{table}.{parent_column}", f"got '{key}'")
            for f, line, key in rows.itertuples(index=False, name=None)
        ]
    if problems:
        raise SourceError(name, problems)


def curate(
    name: str,
    sources_root: Path,
    metrics: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
    parents: Mapping[str, pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, Dataset]:
    """Read, prepare, parse and validate one dataset. Raises SourceError on any blocking problem.

    `parents` (the curated tables of parent_tables(name)) enables the foreign-key check; the
    pipeline always passes them, a caller exploring one file alone may leave them out."""
    if name == TREE_CHECKED_BY:
        check_tree(sources_root)
    dataset = read_raw(name, sources_root)
    frame = PREPARE.get(name, lambda f: f)(dataset.frame)
    if has_published_numbers(name):
        if metrics is None or units is None:
            raise ValueError(f"dataset '{name}' holds printed numbers: pass the metric and unit vocabularies")
        frame = add_parsed_values(frame, metrics, units, name)
    frame = validate(typed_text(frame, CURATED[name], name), CURATED[name], name)
    if parents is not None:
        check_foreign_keys(frame, name, parents)
    return frame, dataset
