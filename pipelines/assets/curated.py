"""Curated layer: one asset per dataset folder of sources/, read, parsed and validated by
pipelines/ingest/curate.py, stored as curated.<dataset>."""
from __future__ import annotations

import pandas as pd
from dagster import AssetIn, AssetKey, AssetsDefinition, Output, asset

from pipelines.assets.source_files import source_key
from pipelines.assets.table_metadata import KINDS, OWNERS, check_results, check_specs, definition_metadata, schema_failure
from pipelines.errors import SourceError
from pipelines.ingest.curate import curate, has_published_numbers, parent_tables
from pipelines.schemas.registry import CURATED
from pipelines.settings import current_paths

VOCABULARIES = ("units", "metrics")


def curated_key(name: str) -> AssetKey:
    return AssetKey(["curated", name])


def _curated_asset(name: str) -> AssetsDefinition:
    model = CURATED[name]
    key = curated_key(name)
    needs_vocabularies = has_published_numbers(name)
    ins = {v: AssetIn(key=curated_key(v)) for v in VOCABULARIES} if needs_vocabularies else {}
    ins.update({parent: AssetIn(key=curated_key(parent)) for parent in parent_tables(name)})

    @asset(
        key=key,
        ins=ins,
        deps=[source_key(name)],
        group_name="curated",
        description=model.to_schema().description,
        kinds=KINDS,
        owners=OWNERS,
        metadata=definition_metadata(f"curated.{name}", model),
        check_specs=check_specs(key, model),
    )
    def _asset(context, **upstream: pd.DataFrame):
        try:
            frame, dataset = curate(
                name,
                current_paths().sources,
                upstream.get("metrics"),
                upstream.get("units"),
                parents={table: upstream[table] for table in parent_tables(name)},
            )
        except SourceError as error:
            yield schema_failure(key, error)
            raise
        yield Output(
            frame,
            metadata={
                "dagster/row_count": len(frame),
                "source_files": ", ".join(dataset.files),
                "dataset_title": dataset.metadata.get("title", ""),
                "grain": dataset.metadata.get("grain", ""),
            },
        )
        yield from check_results(key, frame, model)

    return _asset


curated_assets = [_curated_asset(name) for name in CURATED]
