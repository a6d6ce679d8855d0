"""Source layer: each dataset folder of sources/ is an observable source asset whose data
version is the hash of its files. A changed or added file gives a new data version; an
untouched folder keeps its version, so nothing downstream is asked to run."""
from __future__ import annotations

import hashlib
from pathlib import Path

from dagster import AssetKey, DataVersion, ObserveResult, observable_source_asset

from pipelines.assets.table_metadata import OWNERS
from pipelines.ingest.read_source import dataset_files
from pipelines.schemas.registry import CURATED
from pipelines.settings import current_paths


def source_key(name: str) -> AssetKey:
    return AssetKey(["sources", name])


def dataset_fingerprint(folder: Path) -> str:
    """Content hash of a dataset folder: its metadata and every file that matches its naming rule."""
    digest = hashlib.sha256()
    files = [folder / "dataset.yaml", *dataset_files(folder)] if folder.is_dir() else []
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16] if files else "missing"


def fingerprints(sources_root: Path) -> dict[str, str]:
    return {name: dataset_fingerprint(sources_root / name) for name in CURATED}


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
        folder = current_paths().sources / name
        files = [p.name for p in dataset_files(folder)] if folder.is_dir() else []
        return ObserveResult(
            data_version=DataVersion(dataset_fingerprint(folder)),
            metadata={"files": ", ".join(files), "file_count": len(files)},
        )

    return _observe


source_assets = [_source_asset(name) for name in CURATED]
