"""Read one dataset folder of sources/ (dataset.yaml + every *.csv) into a DataFrame of text.

Everything that can be wrong with a file before its values are judged is caught here, with
an error naming file, line, column and rule: missing folder or metadata, a file that is too
big, not UTF-8, empty, with a missing or unexpected column, or a row with the wrong number of
fields (a truncated line). Values stay text; typing and rules are the pandera model's job.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

# A curated table is a few hundred rows; anything this large is a mistake (a dump pasted into
# sources/), refused before it is read into memory.
MAX_SOURCE_BYTES = 5 * 1024 * 1024
DATASET_METADATA_KEYS = ("title", "description", "grain", "origin")
# Optional dataset.yaml key `defaults:` (column -> value): used where a CSV lacks the column or
# leaves the cell empty, so `document_id: burke_zhao_2025` is written once per dataset.
DEFAULTS_KEY = "defaults"


@dataclass
class SourceProblem:
    file: str
    line: int | None
    column: str | None
    rule: str
    detail: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.rule}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class SourceError(Exception):
    """A source dataset that cannot be published. Carries every problem found."""

    dataset: str
    problems: list[SourceProblem] = field(default_factory=list)

    def __str__(self) -> str:
        shown = self.problems[:25]
        more = len(self.problems) - len(shown)
        lines = [f"dataset '{self.dataset}' failed validation ({len(self.problems)} problem(s)):"]
        lines += [f"  - {p}" for p in shown]
        if more:
            lines.append(f"  ... and {more} more")
        return "\n".join(lines)


@dataclass(frozen=True)
class Dataset:
    name: str
    metadata: dict
    frame: pd.DataFrame  # text columns + source_file, source_line
    files: tuple[str, ...]


def _relative(path: Path, root: Path) -> str:
    try:
        return str(Path("sources") / path.relative_to(root))
    except ValueError:
        return str(path)


def dataset_files(folder: Path) -> list[Path]:
    """The naming rule of a dataset: every .csv directly in its folder, in name order."""
    return sorted(p for p in folder.glob("*.csv") if p.is_file() and not p.name.startswith("."))


def read_metadata(folder: Path, root: Path) -> dict:
    meta_path = folder / "dataset.yaml"
    rel = _relative(meta_path, root)
    if not meta_path.is_file():
        raise SourceError(folder.name, [SourceProblem(rel, None, None, "dataset.yaml is missing")])
    try:
        meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SourceError(folder.name, [SourceProblem(rel, None, None, "dataset.yaml is not valid YAML", str(exc))]) from exc
    missing = [k for k in DATASET_METADATA_KEYS if not str(meta.get(k, "")).strip()]
    if missing:
        raise SourceError(
            folder.name, [SourceProblem(rel, None, k, "dataset metadata key is required") for k in missing]
        )
    return meta


def _read_csv_text(
    path: Path, rel: str, expected: list[str], optional: frozenset[str] = frozenset()
) -> tuple[list[dict], list[SourceProblem]]:
    problems: list[SourceProblem] = []
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        return [], [SourceProblem(rel, None, None, f"file larger than {MAX_SOURCE_BYTES // 1024 // 1024} MB", f"{size} bytes")]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return [], [SourceProblem(rel, line, None, "file is not UTF-8", f"byte 0x{raw[exc.start]:02x} at offset {exc.start}")]
    if not text.strip():
        return [], [SourceProblem(rel, None, None, "file is empty (a header row is required)")]

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        return [], [SourceProblem(rel, 1, None, "header is not valid CSV", str(exc))]
    missing = [c for c in expected if c not in header and c not in optional]
    extra = [c for c in header if c not in expected]
    problems += [SourceProblem(rel, 1, c, "required column is missing") for c in missing]
    problems += [SourceProblem(rel, 1, c, "column is not in the dataset's schema") for c in extra]
    dupes = {c for c in header if header.count(c) > 1}
    problems += [SourceProblem(rel, 1, c, "column appears twice in the header") for c in sorted(dupes)]
    if problems:
        return [], problems

    rows: list[dict] = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(v.strip() for v in record):
                continue  # blank line
            if len(record) != len(header):
                problems.append(
                    SourceProblem(rel, line, None, "row has the wrong number of fields", f"expected {len(header)}, got {len(record)}")
                )
                continue
            row = dict(zip(header, record))
            row["source_file"] = rel
            row["source_line"] = line
            rows.append(row)
    except csv.Error as exc:
        problems.append(SourceProblem(rel, reader.line_num, None, "row is not valid CSV", str(exc)))
    if not rows and not problems:
        problems.append(SourceProblem(rel, None, None, "file has a header but no rows"))
    return rows, problems


def dataset_defaults(meta: dict, rel: str, dataset: str, expected: list[str]) -> dict[str, str]:
    """The `defaults:` mapping of dataset.yaml (column -> value), checked against the columns."""
    defaults = meta.get(DEFAULTS_KEY) or {}
    if not isinstance(defaults, dict):
        raise SourceError(dataset, [SourceProblem(rel, None, DEFAULTS_KEY, "defaults must map column names to values")])
    unknown = [c for c in defaults if c not in expected]
    if unknown:
        raise SourceError(
            dataset, [SourceProblem(rel, None, str(c), "defaults names a column that is not in the dataset's schema") for c in unknown]
        )
    return {str(c): str(v) for c, v in defaults.items() if v is not None and str(v).strip()}


def read_dataset(
    folder: Path, root: Path, expected_columns: list[str], optional_columns: list[str] | tuple[str, ...] = ()
) -> Dataset:
    """Read and concatenate every CSV of a dataset folder as text (empty fields become NA).

    A CSV may leave out a column that dataset.yaml `defaults:` sets, or one of
    `optional_columns`; a default fills the column's empty cells, and the row records it."""
    name = folder.name
    if not folder.is_dir():
        raise SourceError(name, [SourceProblem(_relative(folder, root), None, None, "dataset folder is missing")])
    meta = read_metadata(folder, root)
    defaults = dataset_defaults(meta, _relative(folder / "dataset.yaml", root), name, expected_columns)
    optional = frozenset(defaults) | frozenset(optional_columns)
    files = dataset_files(folder)
    if not files:
        raise SourceError(name, [SourceProblem(_relative(folder, root), None, None, "dataset folder has no .csv file")])

    rows: list[dict] = []
    problems: list[SourceProblem] = []
    for path in files:
        file_rows, file_problems = _read_csv_text(path, _relative(path, root), expected_columns, optional)
        rows += file_rows
        problems += file_problems
    if problems:
        raise SourceError(name, problems)

    frame = pd.DataFrame(rows, columns=[*expected_columns, "source_file", "source_line"])
    text_cols = expected_columns
    stripped = frame[text_cols].fillna("").apply(lambda s: s.str.strip())  # a column a file leaves out is empty
    # NaN rather than pd.NA: pandera's coercion of text to float or int accepts NaN, not NA
    frame[text_cols] = stripped.where(stripped != "", np.nan)
    for column, value in defaults.items():
        frame[column] = frame[column].fillna(value)
    frame["source_line"] = frame["source_line"].astype(int)
    return Dataset(name, meta, frame.reset_index(drop=True), tuple(_relative(p, root) for p in files))
