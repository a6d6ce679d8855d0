"""From a folder in sources/ to a validated curated table (no Dagster needed: tests and the
CLI call this directly).

    read_dataset  ->  dataset-specific preparation  ->  parse printed numbers  ->  pandera
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pipelines.errors import SourceError, SourceProblem
from pipelines.ingest.measurements import add_parsed_values
from pipelines.ingest.read_source import Dataset, read_dataset, tree_problems
from pipelines.schemas.base import column_docs, foreign_keys, optional_source_columns, source_columns
from pipelines.schemas.published_values import C_RATE_FORMS, parse_c_rate, parse_published
from pipelines.schemas.registry import CURATED
from pipelines.schemas.validate import validate
from pipelines.schemas.vocabulary import WEB_DOCUMENT_KINDS


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


_PARTIAL_DATE = r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$"


def partial_dates(text: pd.Series) -> pd.Series:
    """'2023', '2023-06' or '2023-06-15' -> the first day of that period (NaT where empty or
    not a date; the caller reports those)."""
    parts = text.astype("string").str.strip().str.extract(_PARTIAL_DATE)
    iso = parts[0] + "-" + parts[1].fillna("01") + "-" + parts[2].fillna("01")
    return pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")


def _bad_dates(frame: pd.DataFrame, text: pd.Series, parsed: pd.Series, column: str) -> list[SourceProblem]:
    bad = text.notna() & parsed.isna()
    rows = frame.loc[bad, ["source_file", "source_line"]].assign(text=text[bad])
    return [
        SourceProblem(f, int(line), column, "not a date (write YYYY, YYYY-MM or YYYY-MM-DD)", f"got {t!r}")
        for f, line, t in rows.itertuples(index=False, name=None)
    ]


def add_claim_dates(frame: pd.DataFrame, documents: pd.DataFrame | None, dataset: str) -> pd.DataFrame:
    """claim_date: the row's own date where given, else its document's publication date."""
    own = partial_dates(frame["claim_date"])
    problems = _bad_dates(frame, frame["claim_date"], own, "claim_date")
    if problems:
        raise SourceError(dataset, problems)
    document_date = (
        frame["document_id"].map(documents.set_index("document_id")["publication_start"])
        if documents is not None
        else pd.Series(pd.NaT, index=frame.index)
    )
    return frame.assign(
        claim_date=own.fillna(pd.to_datetime(document_date)),
        claim_date_basis=pd.Series("row", index=frame.index).where(own.notna(), "document"),
    )


def _documents(frame: pd.DataFrame) -> pd.DataFrame:
    start = partial_dates(frame["publication_date"])
    problems = _bad_dates(frame, frame["publication_date"], start, "publication_date")
    if problems:
        raise SourceError("documents", problems)
    return frame.assign(publication_start=start)


def _cell_claims(frame: pd.DataFrame) -> pd.DataFrame:
    """The test C-rate parsed from its printed text (C/5 -> 0.2)."""
    parsed = parse_c_rate(frame["c_rate_text"])
    bad = frame.loc[~parsed["parsed"], ["source_file", "source_line", "c_rate_text"]]
    if len(bad):
        raise SourceError(
            "cell_claims",
            [
                SourceProblem(f, int(line), "c_rate_text", f"not a recognised C-rate (accepted: {C_RATE_FORMS})", f"got {t!r}")
                for f, line, t in bad.itertuples(index=False, name=None)
            ],
        )
    return frame.assign(c_rate=parsed["c_rate"])


def _fleets(frame: pd.DataFrame) -> pd.DataFrame:
    # Each file of sources/fleets/ is one fleet, named after the file.
    return frame.assign(fleet_id=frame["source_file"].map(lambda f: Path(f).stem))


PREPARE: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "cell_design_parameters": _table6,
    "safety": _safety,
    "fleets": _fleets,
    "documents": _documents,
    "cell_claims": _cell_claims,
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
    model = CURATED[name]
    return read_dataset(sources_root / name, sources_root, source_columns(model), optional_source_columns(model))


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
    return sorted({table for table, _ in foreign_keys(CURATED[name]).values() if table != name})


def _unknown_keys(cells: pd.Series, rows: np.ndarray, known, documents: pd.Series | None) -> pd.Series:
    """The keys of cells[rows] (';'-separated) not in `known` (keys, or (document_id, key) pairs
    when `documents` gives each cell's document), indexed by row, in row order."""
    keys = cells[rows].str.split(";").explode().str.strip()
    if documents is None:
        return keys[~keys.isin(known)]
    return keys[~pd.MultiIndex.from_arrays([documents.loc[keys.index].to_numpy(), keys.to_numpy()]).isin(known)]


def check_foreign_keys(frame: pd.DataFrame, name: str, parents: Mapping[str, pd.DataFrame]) -> None:
    """Every key a row names must exist in its parent table (e.g. each cited reference id in
    curated.references). A ';'-separated column holds several keys. Where the row and its parent
    both carry document_id, a key is looked up within the row's document."""
    problems: list[SourceProblem] = []
    for column, (table, parent_column) in foreign_keys(CURATED[name]).items():
        if table == name:
            continue
        parent = parents[table]
        cells = frame[column].dropna().astype(str)
        rule = f"key not in curated.{table}.{parent_column}"
        scoped = column != "document_id" and "document_id" in frame.columns and "document_id" in parent.columns
        if scoped:  # the pair (document_id, key) must exist in the parent
            rule += " of the row's document_id"
            documents = frame.loc[cells.index, "document_id"].astype(str)
            known = pd.MultiIndex.from_arrays([parent["document_id"].astype(str), parent[parent_column].astype(str)])
            cell_keys = pd.MultiIndex.from_arrays([documents.to_numpy(), cells.to_numpy()])
        else:
            known = set(parent[parent_column].astype(str))
            cell_keys = pd.Index(cells.to_numpy())

        # A key column holds few distinct cells: each is split and looked up once, and only the
        # rows holding a cell with an unknown key are split again to name them.
        first = ~cell_keys.duplicated()
        bad = _unknown_keys(cells, first, known, documents if scoped else None)
        if bad.empty:
            continue
        failing = cell_keys.isin(cell_keys[cells.index.get_indexer(bad.index.unique())])
        unknown = _unknown_keys(cells, failing, known, documents if scoped else None)
        rows = frame.loc[unknown.index, ["source_file", "source_line"]].assign(key=unknown)
        problems += [
            SourceProblem(f, int(line), column, rule, f"got '{key}'")
            for f, line, key in rows.itertuples(index=False, name=None)
        ]
    if problems:
        raise SourceError(name, problems)


def check_web_quotes(frame: pd.DataFrame, name: str, documents: pd.DataFrame) -> None:
    """Every row from a web document (vocabulary.WEB_DOCUMENT_KINDS) carries a quote: the phrase of
    the page holding its number (the model checks the quote contains published_text)."""
    kind = frame["document_id"].map(documents.set_index("document_id")["kind"])
    missing = frame.loc[kind.isin(WEB_DOCUMENT_KINDS) & frame["quote"].isna(), ["source_file", "source_line", "document_id"]]
    if len(missing):
        raise SourceError(
            name,
            [
                SourceProblem(
                    f, int(line), "quote", "a claim from a web document needs a quote",
                    f"copy the shortest phrase of {doc}'s page that holds the printed number (at most about 25 words)",
                )
                for f, line, doc in missing.itertuples(index=False, name=None)
            ],
        )


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
    if "claim_date" in frame.columns:
        frame = add_claim_dates(frame, (parents or {}).get("documents"), name)
    frame = validate(typed_text(frame, CURATED[name], name), CURATED[name], name)
    if parents is not None:
        check_foreign_keys(frame, name, parents)
        if "quote" in frame.columns and "documents" in parents:
            check_web_quotes(frame, name, parents["documents"])
    return frame, dataset


def curate_tables(names, sources_root: Path) -> dict[str, pd.DataFrame]:
    """The named curated tables with their vocabularies and every parent their foreign keys
    need, each read, validated and key-checked as the pipeline does (for tests and benchmarks)."""
    tables: dict[str, pd.DataFrame] = {}

    def get(name: str) -> pd.DataFrame:
        if name not in tables:
            parents = {p: get(p) for p in parent_tables(name)}
            tables[name], _ = curate(name, sources_root, tables.get("metrics"), tables.get("units"), parents=parents)
        return tables[name]

    get("units"), get("metrics")
    return {name: get(name) for name in names}
