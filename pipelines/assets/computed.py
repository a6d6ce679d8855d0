"""The one factory for table assets: `table_asset(fn)` declares the asset that stores the table
`fn` builds (pipelines/tables/, `@table("schema.name")`), with its pandera-generated metadata
and checks. The inputs are inferred from `fn`'s signature through the table registry: a
parameter named like a table is that table (`analysis_settings: AnalysisSettings` is
curated.analysis_settings, read into the typed settings by `@table`); parameters with defaults
take their value from the asset's run config when a `config` class is given (the Monte Carlo
sample size and seed). A new module adds a table with one function and one line:

    @table("sizing.technology_packs")
    def technology_packs(vehicle_requirements, technologies): ...

    technology_packs_asset = table_asset(technology_packs)
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetIn,
    AssetKey,
    AssetsDefinition,
    Config,
    Output,
    asset,
)

from pipelines.assets.table_metadata import (
    KINDS,
    MAX_ROWS_IN_METADATA,
    OWNERS,
    asset_key,
    check_results,
    check_specs,
    definition_metadata,
    lineage_metadata,
    reported_checks,
    schema_failure,
)
from pipelines.errors import SourceError
from pipelines.publish.duckdb_tables import BatchStream
from pipelines.schemas.base import warning_checks
from pipelines.schemas.registry import all_tables
from pipelines.schemas.validate import WarningResult, evaluate_warnings

if TYPE_CHECKING:  # pyarrow is imported when a streamed table runs, not with the code location
    import pyarrow as pa


def upstream(schema: str, name: str) -> AssetIn:
    return AssetIn(key=asset_key(f"{schema}.{name}"))


@dataclass(frozen=True)
class TableCheck:
    """A warning-level check beyond the model's rules: `evaluate(frame)` -> (passed, metadata)."""

    name: str
    description: str
    evaluate: Callable[[pd.DataFrame], tuple[bool, dict]]


def table_asset(
    fn: Callable,
    *,
    ins: dict[str, AssetIn] | None = None,
    metadata: Callable[[pd.DataFrame], dict] | None = None,
    checks: Sequence[TableCheck] = (),
    config: type[Config] | None = None,
    deps: Sequence[AssetKey] = (),
    kinds: set[str] | None = None,
) -> AssetsDefinition:
    """The asset storing table `fn.table`. `ins` replaces the inference (parameters not named
    after tables); `metadata(frame)` adds numbers to the materialization (or the function
    returns (frame, metadata)); `checks` adds warning-level checks beyond the model's rules."""
    table = fn.table
    model = all_tables()[table]
    key = asset_key(table)
    if ins is None:
        ins = {param: AssetIn(key=asset_key(read)) for param, read in fn.inputs.items()}
    streamed = getattr(fn, "streamed", False)
    specs = check_specs(key, model) + [AssetCheckSpec(c.name, asset=key, blocking=False, description=c.description) for c in checks]

    def _asset(context, **frames):
        options = config_values(context, config)
        if streamed:
            yield from _streamed(key, model, table, fn(**frames, **options))
            return
        try:
            result = fn(**frames, **options)
        except SourceError as error:
            yield schema_failure(key, error)
            raise
        frame, extra = result if isinstance(result, tuple) else (result, metadata(result) if metadata else {})
        yield Output(frame, metadata={"dagster/row_count": len(frame), **options, **extra, **lineage_metadata(table)})
        yield from check_results(key, frame, model)
        for check in checks:
            passed, details = check.evaluate(frame)
            yield AssetCheckResult(asset_key=key, check_name=check.name, passed=passed, severity=AssetCheckSeverity.WARN, metadata=details)

    return asset(
        key=key,
        ins=ins,
        deps=list(deps),
        group_name=key.path[0],
        description=model.to_schema().description,
        kinds=kinds or (KINDS | {"numpy"} if not streamed else {"numpy", "arrow", "duckdb"}),
        owners=OWNERS,
        metadata=definition_metadata(table, model),
        check_specs=specs,
        config_schema=config.to_config_schema() if config is not None else None,
    )(_asset)


def config_values(context, config: type[Config] | None) -> dict:
    """The run config of an asset declared with `config` (its defaults when none is given)."""
    if config is None:
        return {}
    return config(**(context.op_execution_context.op_config or {})).model_dump()


def _streamed(key: AssetKey, model, table: str, batches: Iterable[pa.RecordBatch]):
    chunks = ValidatedChunks(batches, model, table)
    try:
        stream = chunks.stream()
    except SourceError as error:
        yield schema_failure(key, error)
        raise
    yield Output(stream, metadata=lineage_metadata(table))  # the IO manager writes it (and reports the rows) before this resumes
    yield from reported_checks(key, chunks.rows, chunks.warnings)


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
