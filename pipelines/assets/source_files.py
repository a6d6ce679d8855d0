"""Source layer: each dataset folder of sources/ is an observable source asset whose data
version is the hash of its files. A changed or added file gives a new data version; an
untouched folder keeps its version, so nothing downstream is asked to run.

Entries the pipeline refuses (a `.CSV`, a stray file, a link) count in the version too, so
adding one triggers a run that fails with the reason; the listing of the top of sources/ (a
folder without a model) counts in the version of the dataset that checks it (TREE_CHECKED_BY)."""
from __future__ import annotations

from dagster import AssetKey, AssetSpec, DataVersion, ObserveResult, multi_observable_source_asset

from pipelines.assets.table_metadata import OWNERS, asset_key
from pipelines.ingest.fingerprints import dataset_fingerprint, fingerprints, source_fingerprint, tree_fingerprint  # noqa: F401 (re-exported)
from pipelines.ingest.read_source import dataset_files
from pipelines.schemas.registry import CURATED
from pipelines.settings import current_paths


def source_key(name: str) -> AssetKey:
    return asset_key(f"sources.{name}")


SOURCE_KINDS = {"csv", "yaml"}


def _source_asset(name: str):
    # A multi-observable source asset of one spec: observable_source_asset() takes no owners or
    # kinds (it accepts and drops them), an AssetSpec keeps both.
    spec = AssetSpec(
        key=source_key(name),
        group_name="sources",
        description=f"Files of sources/{name}/ (dataset.yaml and every *.csv); data version = content hash.",
        owners=OWNERS,
        kinds=SOURCE_KINDS,
        metadata={"folder": f"sources/{name}"},
    )

    @multi_observable_source_asset(specs=[spec], name=f"observe_sources_{name}")
    def _observe():
        root = current_paths().sources
        folder = root / name
        files = [p.name for p in dataset_files(folder)] if folder.is_dir() else []
        yield ObserveResult(
            asset_key=spec.key,
            data_version=DataVersion(source_fingerprint(root, name)),
            metadata={"files": ", ".join(files), "file_count": len(files)},
        )

    return _observe


source_assets = [_source_asset(name) for name in CURATED]
