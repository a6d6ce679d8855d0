"""Read one dataset folder of sources/ (dataset.yaml + every *.csv) into a DataFrame of text.

Everything that can be wrong with a file before its values are judged is caught here, with
an error naming file, line, column and rule: missing folder or metadata, a file that is too
big, not UTF-8, empty, with a NUL byte, with a missing or unexpected column, or a row with the
wrong number of fields (a truncated line). Values stay text; typing and rules are the pandera
model's job.

The sources tree is the only input, and nothing in it is ignored silently: a symbolic link
(or anything resolving outside sources/) is refused without being read, and a folder or file
the pipeline would not read (a folder without a pandera model, `table.CSV`, `notes.txt`) is an
error saying what to do. Hidden entries (a leading dot) are left aside.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from pipelines.errors import SourceError, SourceProblem

# A curated table is a few hundred rows; anything this large is a mistake (a dump pasted into
# sources/), refused before it is read into memory.
MAX_SOURCE_BYTES = 5 * 1024 * 1024

# The keys a dataset.yaml may hold (the one place they are listed): key -> (required, type).
DATASET_KEYS: dict[str, tuple[bool, type]] = {
    "title": (True, str),
    "description": (True, str),
    "grain": (True, str),
    "origin": (True, str),
    "defaults": (False, dict),  # per-dataset default column values (column -> value)
    "documents": (False, dict),  # CSV file name -> document_id of its rows (no dataset-wide default)
}
DATASET_METADATA_KEYS = tuple(k for k, (required, _) in DATASET_KEYS.items() if required)
METADATA_FILE = "dataset.yaml"
# Files allowed at the top of sources/ beside the dataset folders.
ROOT_FILES = ("README.md",)
# Optional dataset.yaml key `defaults:` (column -> value): used where a CSV lacks the column or
# leaves the cell empty (`evidence: model_projection`). Never the document: a row's document is
# stated per row (a document_id cell) or per file (`documents:`, file name -> document_id), so a
# new file with no document stated is a blocking error, never silently credited to the report.
DEFAULTS_KEY = "defaults"
DOCUMENTS_KEY = "documents"
DOCUMENT_COLUMN = "document_id"
_NO_DOCUMENT_DEFAULT = (
    "a document is stated per file or per row, never as a dataset-wide default",
    "replace `defaults: document_id: ...` with `documents:` mapping each CSV file name to its document_id "
    "(or fill the document_id cell of every row)",
)
_NO_DOCUMENT = (
    "no document stated for this row",
    "fill its document_id cell, or map its file in the dataset's dataset.yaml: `documents: {{{file}: <document_id>}}` "
    "(sources/documents/documents.csv lists the document ids)",
)


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
    """The naming rule of a dataset: every .csv directly in its folder, in name order (never a
    symbolic link: folder_problems reports those)."""
    return sorted(
        p for p in folder.glob("*.csv") if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
    )


def visible_entries(folder: Path) -> list[Path]:
    """Every entry of a folder but the hidden ones, in name order."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _outside(path: Path, root: Path) -> bool:
    """A symbolic link, or a path that resolves outside the sources tree."""
    return path.is_symlink() or not path.resolve().is_relative_to(root.resolve())


_LINK_RULE = "is a symbolic link or resolves outside sources/ (not read: copy the file itself into sources/)"


def folder_problems(folder: Path, root: Path) -> list[SourceProblem]:
    """Entries of a dataset folder the pipeline would not read, or must not follow."""
    if _outside(folder, root):
        return [SourceProblem(_relative(folder, root), None, None, _LINK_RULE)]
    problems = []
    for entry in visible_entries(folder):
        rel = _relative(entry, root)
        if _outside(entry, root):
            problems.append(SourceProblem(rel, None, None, _LINK_RULE))
        elif entry.is_file() and (entry.name == METADATA_FILE or entry.suffix == ".csv"):
            continue
        else:
            problems.append(
                SourceProblem(
                    rel,
                    None,
                    None,
                    "unknown entry in a dataset folder: only dataset.yaml and lower-case .csv files are read",
                    "rename it to <name>.csv if it holds rows of this dataset, otherwise move it out of sources/",
                )
            )
    return problems


def tree_problems(root: Path, datasets: set[str] | list[str]) -> list[SourceProblem]:
    """Top-level entries of sources/ that no dataset reads: a folder without a pandera model,
    an unexpected file, or a link."""
    problems = []
    for entry in visible_entries(root):
        rel = _relative(entry, root)
        if entry.is_symlink():
            problems.append(SourceProblem(rel, None, None, _LINK_RULE))
        elif entry.is_dir() and entry.name not in datasets:
            problems.append(
                SourceProblem(
                    rel,
                    None,
                    None,
                    "folder has no pandera model, so nothing would read it",
                    "add its model to pipelines/schemas/registry.py (CURATED), rename it to an existing dataset, "
                    "or move it out of sources/",
                )
            )
        elif entry.is_file() and entry.name not in ROOT_FILES:
            problems.append(
                SourceProblem(
                    rel, None, None, "unknown file at the top of sources/", "a dataset's files live in sources/<dataset>/"
                )
            )
    return problems


# libyaml's parser where PyYAML was built with it (a tenth of the pure-Python parser's time);
# both build values with the same safe constructor.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


MAX_METADATA_BYTES = 64 * 1024  # a dataset.yaml is a few lines; checked before it is read


class AliasRefused(yaml.YAMLError):
    """An alias (*name) in dataset.yaml: refused before any value is built, so an alias bomb
    ("billion laughs") costs a scan of its few hundred bytes, not gigabytes."""

    def __init__(self, line: int):
        super().__init__()
        self.line = line


def _load_yaml(text: str):
    """yaml.safe_load(text), parsed by libyaml when available; a text libyaml refuses is parsed
    again by the pure-Python parser, so an error names the same line and problem as always.
    Aliases are refused first (AliasRefused): the event stream is scanned, nothing expanded."""
    for loader in dict.fromkeys((_FAST_LOADER, yaml.SafeLoader)):
        try:
            for event in yaml.parse(text, Loader=loader):
                if isinstance(event, yaml.AliasEvent):
                    raise AliasRefused(event.start_mark.line + 1)
            return yaml.load(text, Loader=loader)
        except AliasRefused:
            raise
        except yaml.YAMLError:
            if loader is yaml.SafeLoader:
                raise


def read_metadata(folder: Path, root: Path) -> dict:
    meta_path = folder / METADATA_FILE
    rel = _relative(meta_path, root)

    def fail(rule: str, detail: str = "", column: str | None = None, line: int | None = None):
        return SourceError(folder.name, [SourceProblem(rel, line, column, rule, detail)])

    if meta_path.is_symlink() or (meta_path.exists() and _outside(meta_path, root)):
        raise fail(_LINK_RULE)
    if not meta_path.is_file():
        raise fail("dataset.yaml is missing")
    size = meta_path.stat().st_size
    if size > MAX_METADATA_BYTES:
        raise fail(f"dataset.yaml larger than {MAX_METADATA_BYTES // 1024} KB (not read)", f"{size} bytes")
    raw = meta_path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail("dataset.yaml is not UTF-8", f"byte 0x{raw[exc.start]:02x} at offset {exc.start}", line=raw[: exc.start].count(b"\n") + 1) from None
    try:
        meta = _load_yaml(text)
    except AliasRefused as exc:
        raise fail("dataset.yaml uses a YAML alias (*name), which is refused", "write the value out in full", line=exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise fail("dataset.yaml is not valid YAML", str(problem), line=line) from None
    if not isinstance(meta, dict):
        kind = "empty" if meta is None else f"a {type(meta).__name__}"
        raise fail("dataset.yaml must be a mapping of keys (" + ", ".join(DATASET_KEYS) + ")", f"it is {kind}")
    problems = []
    for key in meta:
        if key not in DATASET_KEYS:
            problems.append(
                SourceProblem(rel, None, str(key), "unknown dataset.yaml key", "allowed: " + ", ".join(DATASET_KEYS))
            )
    for key, (required, kind) in DATASET_KEYS.items():
        value = meta.get(key)
        if required and not str(value if value is not None else "").strip():
            problems.append(SourceProblem(rel, None, key, "dataset metadata key is required"))
        elif value is not None and not isinstance(value, kind):
            wanted = "a mapping (column: value)" if kind is dict else "text"
            problems.append(SourceProblem(rel, None, key, f"dataset metadata key must be {wanted}", f"got a {type(value).__name__}"))
    if problems:
        raise SourceError(folder.name, problems)
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
    if any("\x00" in h for h in header):
        problems.append(SourceProblem(rel, 1, None, "NUL byte in the header (binary or corrupted content)"))
    dupes = {c for c in header if header.count(c) > 1}
    problems += [SourceProblem(rel, 1, c, "column appears twice in the header") for c in sorted(dupes)]
    if problems:
        return [], problems

    rows: list[dict] = []
    has_nul = "\x00" in text  # then each row is searched for it
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
            nul = [c for c, v in row.items() if "\x00" in v] if has_nul else []
            if nul:
                problems += [SourceProblem(rel, line, c, "NUL byte in a field (binary or corrupted content)") for c in nul]
                continue
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
    if DOCUMENT_COLUMN in defaults:
        raise SourceError(dataset, [SourceProblem(rel, None, DOCUMENT_COLUMN, *_NO_DOCUMENT_DEFAULT)])
    unknown = [c for c in defaults if c not in expected]
    if unknown:
        raise SourceError(
            dataset, [SourceProblem(rel, None, str(c), "defaults names a column that is not in the dataset's schema") for c in unknown]
        )
    return {str(c): str(v) for c, v in defaults.items() if v is not None and str(v).strip()}


def file_documents(meta: dict, rel: str, dataset: str, files: list[Path], expected: list[str]) -> dict[str, str]:
    """The `documents:` mapping of dataset.yaml (CSV file name -> document_id), checked: the
    dataset has a document_id column and every file it names exists in the folder."""
    mapping = meta.get(DOCUMENTS_KEY) or {}
    if not mapping:
        return {}
    if DOCUMENT_COLUMN not in expected:
        raise SourceError(dataset, [SourceProblem(rel, None, DOCUMENTS_KEY, "the dataset has no document_id column")])
    names = {p.name for p in files}
    problems = [
        SourceProblem(rel, None, DOCUMENTS_KEY, f"names a file that is not in the folder: {name!r}", "files: " + ", ".join(sorted(names)))
        for name in mapping
        if str(name) not in names
    ]
    problems += [
        SourceProblem(rel, None, DOCUMENTS_KEY, f"file {name!r} maps to no document_id")
        for name, document in mapping.items()
        if document is None or not str(document).strip()
    ]
    if problems:
        raise SourceError(dataset, problems)
    return {str(name): str(document).strip() for name, document in mapping.items()}


def undocumented_rows(frame: pd.DataFrame) -> list[SourceProblem]:
    """Rows whose document is stated neither in the row nor for its file: blocking."""
    missing = frame.loc[frame[DOCUMENT_COLUMN].isna(), ["source_file", "source_line"]]
    return [
        SourceProblem(file, int(line), DOCUMENT_COLUMN, _NO_DOCUMENT[0], _NO_DOCUMENT[1].format(file=Path(file).name))
        for file, line in missing.itertuples(index=False, name=None)
    ]


def _stripped(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells without surrounding whitespace, an empty one as NaN (rather than pd.NA:
    pandera's coercion of text to float or int accepts NaN, not NA). Each distinct cell of the
    whole frame is stripped once: most columns repeat a few values (units, ids, sections)."""
    values = cells.to_numpy(dtype=object)
    codes, distinct = pd.factorize(values.ravel())  # a missing cell (a column a file leaves out): code -1
    text = pd.Series(distinct, dtype=object).str.strip()
    cleaned = np.append(text.where(text != "", np.nan).to_numpy(dtype=object), np.nan)
    return pd.DataFrame(cleaned[codes].reshape(values.shape), index=cells.index, columns=cells.columns)


def read_dataset(
    folder: Path, root: Path, expected_columns: list[str], optional_columns: list[str] | tuple[str, ...] = ()
) -> Dataset:
    """Read and concatenate every CSV of a dataset folder as text (empty fields become NA).

    A CSV may leave out a column that dataset.yaml `defaults:` sets, or one of
    `optional_columns`; a default fills the column's empty cells, and the row records it."""
    name = folder.name
    states_documents = DOCUMENT_COLUMN in expected_columns and name != "documents"  # documents defines the key
    if not folder.is_dir() and not folder.is_symlink():
        raise SourceError(name, [SourceProblem(_relative(folder, root), None, None, "dataset folder is missing")])
    unread = folder_problems(folder, root)
    if unread:
        raise SourceError(name, unread)
    meta = read_metadata(folder, root)
    defaults = dataset_defaults(meta, _relative(folder / "dataset.yaml", root), name, expected_columns)
    files = dataset_files(folder)
    if not files:
        raise SourceError(name, [SourceProblem(_relative(folder, root), None, None, "dataset folder has no .csv file")])
    documents = file_documents(meta, _relative(folder / "dataset.yaml", root), name, files, expected_columns)
    optional = frozenset(defaults) | frozenset(optional_columns) | ({DOCUMENT_COLUMN} if states_documents else set())

    rows: list[dict] = []
    problems: list[SourceProblem] = []
    for path in files:
        file_rows, file_problems = _read_csv_text(path, _relative(path, root), expected_columns, optional)
        rows += file_rows
        problems += file_problems
    if problems:
        raise SourceError(name, problems)

    frame = pd.DataFrame(rows, columns=[*expected_columns, "source_file", "source_line"])
    frame[expected_columns] = _stripped(frame[expected_columns])  # a column a file leaves out is empty
    for column, value in defaults.items():
        frame[column] = frame[column].fillna(value)
    if states_documents:
        by_file = frame["source_file"].map({_relative(p, root): documents[p.name] for p in files if p.name in documents})
        frame[DOCUMENT_COLUMN] = frame[DOCUMENT_COLUMN].fillna(by_file)
        problems = undocumented_rows(frame)
        if problems:
            raise SourceError(name, problems)
    frame["source_line"] = frame["source_line"].astype(int)
    return Dataset(name, meta, frame.reset_index(drop=True), tuple(_relative(p, root) for p in files))
