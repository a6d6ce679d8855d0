"""Data versions of the dataset folders of sources/: the content hash of each folder (its metadata
and every file matching its naming rule, plus a stamp of every other visible entry, which the build
refuses), and for TREE_CHECKED_BY the listing of the top of sources/. The source assets observe
them, the sources_changed sensor compares them, and each run records them in staging
(meta.source_versions) so the published file says what it was built from. Here, in the ingest
layer, so both the assets and the publish step's IO manager can compute them."""
from __future__ import annotations

import hashlib
from pathlib import Path

from pipelines.ingest.curate import TREE_CHECKED_BY
from pipelines.ingest.read_source import MAX_SOURCE_BYTES, METADATA_FILE, ROOT_FILES, dataset_files, visible_entries
from pipelines.schemas.registry import CURATED


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
    """The top-level entries of sources/ that are neither dataset folders nor allowed files (a
    README.md that is not a regular file included)."""
    digest = hashlib.sha256()
    for path in visible_entries(sources_root) if sources_root.is_dir() else []:
        allowed = path.name in CURATED or (path.name in ROOT_FILES and path.is_file())
        if not allowed or path.is_symlink():
            digest.update(_entry_stamp(path))
    return digest.hexdigest()[:16]


def source_fingerprint(sources_root: Path, name: str) -> str:
    """The data version of sources/<name>: its folder's hash, and for TREE_CHECKED_BY the top of the tree."""
    own = dataset_fingerprint(sources_root / name)
    return own + "+" + tree_fingerprint(sources_root) if name == TREE_CHECKED_BY else own


def fingerprints(sources_root: Path) -> dict[str, str]:
    return {name: source_fingerprint(sources_root, name) for name in CURATED}
