"""Factory for a computed table asset: inputs loaded from the staging warehouse, a pure
compute function, the output validated by its pandera model before it is stored."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import pandas as pd
from dagster import AssetIn, AssetKey, AssetsDefinition, Output, asset

from pipelines.assets.table_metadata import (
    KINDS,
    MAX_ROWS_IN_METADATA,
    OWNERS,
    check_results,
    check_specs,
    definition_metadata,
    reported_checks,
    schema_failure,
)
from pipelines.errors import SourceError
from pipelines.publish.duckdb_tables import BatchStream
from pipelines.schemas.base import warning_checks
from pipelines.schemas.registry import all_tables
from pipelines.schemas.validate import WarningResult, evaluate_warnings, validate

if TYPE_CHECKING:  # pyarrow is imported when a streamed table runs, not with the code location
    import pyarrow as pa


def upstream(schema: str, name: str) -> AssetIn:
    return AssetIn(key=AssetKey([schema, name]))


def _table_asset_spec(table: str, ins: dict[str, AssetIn], kinds: set[str]) -> tuple[type, AssetKey, dict]:
    """The table's model, asset key and the @asset arguments every table asset shares."""
    model = all_tables()[table]
    schema, name = table.split(".")
    key = AssetKey([schema, name])
    spec = dict(
        key=key,
        ins=ins,
        group_name=schema,
        description=model.to_schema().description,
        kinds=kinds,
        owners=OWNERS,
        metadata=definition_metadata(table, model),
        check_specs=check_specs(key, model),
    )
    return model, key, spec


def computed_table_asset(
    table: str,
    ins: dict[str, AssetIn],
    compute: Callable[..., pd.DataFrame],
    extra_metadata: Callable[[pd.DataFrame], dict] | None = None,
) -> AssetsDefinition:
    """`table` is "<schema>.<name>"; its model comes from the registry. `extra_metadata`
    adds table-specific numbers to the materialization (e.g. how many scenarios were sized)."""
    model, key, spec = _table_asset_spec(table, ins, KINDS | {"numpy"})

    @asset(**spec)
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


class ValidatedChunks:
    """A table produced as consecutive Arrow record batches, each checked against the table's
    pandera model as it is produced (schemas/validate_arrow.py: blocking rules raise SourceError
    naming the row; warning-level rules are tallied over all batches)."""

    def __init__(self, batches: Iterable[pa.RecordBatch], model, table: str) -> None:
        self._batches = iter(batches)
        self._model, self._table = model, table
        self.rows = 0
        self._flagged: dict[str, tuple[WarningResult, int]] = {}

    def _checked(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        from pipelines.schemas.validate_arrow import validate_batch

        checked = validate_batch(batch, self._model, self._table, first_row=self.rows)
        if warning_checks(self._model):
            frame = checked.to_pandas().set_axis(pd.RangeIndex(self.rows, self.rows + checked.num_rows))
            for result in evaluate_warnings(frame, self._model):
                kept, count = self._flagged.get(result.check_name, (None, 0))
                rows = result.failing_rows if kept is None else pd.concat([kept.failing_rows, result.failing_rows])
                merged = WarningResult(
                    check_name=result.check_name,
                    description=result.description,
                    passed=result.passed and (kept is None or kept.passed),
                    failing_rows=rows.head(MAX_ROWS_IN_METADATA),
                )
                self._flagged[result.check_name] = (merged, count + len(result.failing_rows))
        self.rows += checked.num_rows
        return checked

    def stream(self) -> BatchStream:
        """Checks the first batch now (so a failure there is reported by the asset's schema
        check), the others as the writer pulls them."""
        first = self._checked(next(self._batches))

        def batches() -> Iterator[pa.RecordBatch]:
            yield first
            for batch in self._batches:
                yield self._checked(batch)

        return BatchStream(first.schema, batches())

    @property
    def warnings(self) -> list[tuple[WarningResult, int]]:
        return list(self._flagged.values())


def streamed_table_asset(
    table: str,
    ins: dict[str, AssetIn],
    compute_chunks: Callable[..., Iterable[pa.RecordBatch]],
) -> AssetsDefinition:
    """As `computed_table_asset`, for a table too large to hold in memory: `compute_chunks`
    yields it as consecutive Arrow record batches, each validated as it is produced and
    streamed to the IO manager, which DuckDB reads without a pandas round trip."""
    model, key, spec = _table_asset_spec(table, ins, {"numpy", "arrow", "duckdb"})

    @asset(**spec)
    def _asset(context, **inputs: pd.DataFrame):
        chunks = ValidatedChunks(compute_chunks(**inputs), model, table)
        try:
            stream = chunks.stream()
        except SourceError as error:
            yield schema_failure(key, error)
            raise
        yield Output(stream)  # the IO manager writes it (and reports the rows) before this resumes
        yield from reported_checks(key, chunks.rows, chunks.warnings)

    return _asset
