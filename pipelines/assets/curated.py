"""Curated layer: one asset per dataset folder of sources/, read, parsed and validated by
pipelines/ingest/curate.py, stored as curated.<dataset>."""
from __future__ import annotations

import pandas as pd
from dagster import AssetIn, AssetsDefinition

from pipelines.assets.computed import table_asset, upstream
from pipelines.assets.source_files import source_key
from pipelines.assets.table_metadata import KINDS
from pipelines.ingest.curate import curate, has_published_numbers, parent_tables
from pipelines.schemas.registry import CURATED
from pipelines.settings import current_paths

VOCABULARIES = ("units", "metrics")


def _curated_asset(name: str) -> AssetsDefinition:
    ins: dict[str, AssetIn] = {v: upstream("curated", v) for v in VOCABULARIES} if has_published_numbers(name) else {}
    ins.update({parent: upstream("curated", parent) for parent in parent_tables(name)})

    def read(**upstream_tables: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
        frame, dataset = curate(
            name,
            current_paths().sources,
            upstream_tables.get("metrics"),
            upstream_tables.get("units"),
            parents={table: upstream_tables[table] for table in parent_tables(name)},
        )
        return frame, {
            "source_files": ", ".join(dataset.files),
            "dataset_title": dataset.metadata.get("title", ""),
            "grain": dataset.metadata.get("grain", ""),
        }

    read.table = f"curated.{name}"
    return table_asset(read, ins=ins, deps=[source_key(name)], kinds=KINDS)


curated_assets = [_curated_asset(name) for name in CURATED]
