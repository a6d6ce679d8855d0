"""Factory for a computed table asset: inputs loaded from the staging warehouse, a pure
compute function, the output validated by its pandera model before it is stored."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from dagster import AssetIn, AssetKey, AssetsDefinition, Output, asset

from pipelines.assets.table_metadata import KINDS, OWNERS, check_results, check_specs, definition_metadata, schema_failure
from pipelines.ingest.read_source import SourceError
from pipelines.schemas.registry import all_tables
from pipelines.schemas.validate import validate


def upstream(schema: str, name: str) -> AssetIn:
    return AssetIn(key=AssetKey([schema, name]))


def computed_table_asset(
    table: str,
    ins: dict[str, AssetIn],
    compute: Callable[..., pd.DataFrame],
    extra_metadata: Callable[[pd.DataFrame], dict] | None = None,
) -> AssetsDefinition:
    """`table` is "<schema>.<name>"; its model comes from the registry. `extra_metadata`
    adds table-specific numbers to the materialization (e.g. how many scenarios were sized)."""
    model = all_tables()[table]
    schema, name = table.split(".")
    key = AssetKey([schema, name])

    @asset(
        key=key,
        ins=ins,
        group_name=schema,
        description=model.to_schema().description,
        kinds=KINDS | {"numpy"},
        owners=OWNERS,
        metadata=definition_metadata(table, model),
        check_specs=check_specs(key, model),
    )
    def _asset(context, **inputs: pd.DataFrame):
        try:
            frame = validate(compute(**inputs), model, table, inputs=inputs)
        except SourceError as error:
            yield schema_failure(key, error)
            raise
        extra = extra_metadata(frame) if extra_metadata else {}
        yield Output(frame, metadata={"dagster/row_count": len(frame), **extra})
        yield from check_results(key, frame, model)

    return _asset
