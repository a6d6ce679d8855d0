"""Source layer: each dataset folder of sources/ is an observable source asset whose data
version is the hash of its files. A changed or added file gives a new data version; an
untouched folder keeps its version, so nothing downstream is asked to run.

Entries the pipeline refuses (a `.CSV`, a stray file, a link) count in the version too, so
adding one triggers a run that fails with the reason; the listing of the top of sources/ (a
folder without a model) counts in the version of the dataset that checks it (TREE_CHECKED_BY)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from dagster import AssetKey, DataVersion, ObserveResult, observable_source_asset

from pipelines.assets.table_metadata import OWNERS, asset_key
from pipelines.ingest.curate import TREE_CHECKED_BY
from pipelines.ingest.read_source import MAX_SOURCE_BYTES, METADATA_FILE, ROOT_FILES, dataset_files, visible_entries
from pipelines.schemas.registry import CURATED
from pipelines.settings import current_paths


def source_key(name: str) -> AssetKey:
    return asset_key(f"sources.{name}")


def _entry_stamp(path: Path) -> bytes:
    """What identifies an entry the pipeline does not read: its name, kind, size and time (a
    link is never followed)."""
    info = path.lstat()
    return f"{path.name}\0{info.st_mode}\0{info.st_size}\0{info.st_mtime_ns}\0".encode()


def dataset_fingerprint(folder: Path) -> str:
    """Content hash of a dataset folder: its metadata and every file that matches its naming
    rule, plus a stamp of every other visible entry (which the build refuses)."""
    if not folder.is_dir() or folder.is_symlink():
        return "missing" if not folder.is_symlink() else hashlib.sha256(_entry_stamp(folder)).hexdigest()[:16]
    digest = hashlib.sha256()
    read = [p for p in [folder / METADATA_FILE, *dataset_files(folder)] if p.is_file() and not p.is_symlink()]
    for path in read:
        if path.stat().st_size > MAX_SOURCE_BYTES:  # refused by the build unread: its stamp, not its bytes
            digest.update(_entry_stamp(path))
            continue
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for path in visible_entries(folder):
        if path not in read:
            digest.update(_entry_stamp(path))
    return digest.hexdigest()[:16]


def tree_fingerprint(sources_root: Path) -> str:
    """The top-level entries of sources/ that are neither dataset folders nor allowed files."""
    digest = hashlib.sha256()
    for path in visible_entries(sources_root) if sources_root.is_dir() else []:
        if (path.name not in CURATED and path.name not in ROOT_FILES) or path.is_symlink():
            digest.update(_entry_stamp(path))
    return digest.hexdigest()[:16]


def source_fingerprint(sources_root: Path, name: str) -> str:
    """The data version of sources/<name>: its folder's hash, and for TREE_CHECKED_BY the top of the tree."""
    own = dataset_fingerprint(sources_root / name)
    return own + "+" + tree_fingerprint(sources_root) if name == TREE_CHECKED_BY else own


def fingerprints(sources_root: Path) -> dict[str, str]:
    return {name: source_fingerprint(sources_root, name) for name in CURATED}


def _source_asset(name: str):
    @observable_source_asset(
        key=source_key(name),
        group_name="sources",
        description=f"Files of sources/{name}/ (dataset.yaml and every *.csv); data version = content hash.",
        owners=OWNERS,
        kinds={"csv"},
        metadata={"folder": f"sources/{name}"},
    )
    def _observe() -> ObserveResult:
        root = current_paths().sources
        folder = root / name
        files = [p.name for p in dataset_files(folder)] if folder.is_dir() else []
        return ObserveResult(
            data_version=DataVersion(source_fingerprint(root, name)),
            metadata={"files": ", ".join(files), "file_count": len(files)},
        )

    return _observe


source_assets = [_source_asset(name) for name in CURATED]
