"""The one factory for table assets: `table_asset(fn)` declares the asset storing the table `fn`
builds (pipelines/tables/, `@table("schema.name")`), with its pandera-generated metadata and
checks, its inputs inferred from `fn`'s signature (a parameter named like a table is that table;
parameters with defaults come from the run config of a `config` class: the Monte Carlo sample
count and seed). A new table is one function and `table_asset(fn)` in its layer's list;
`table_step` (pipelines/definitions.py) runs every table in one Dagster step, a multi-asset
that can be subset: one asset per table in the UI, lineage and checks, without Dagster's
per-step cost (about 25 ms and a dozen events) per table.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetIn,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Config,
    MaterializeResult,
    multi_asset,
)

from pipelines.assets.table_metadata import (
    KINDS,
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
from pipelines.publish.validated_chunks import ValidatedChunks
from pipelines.schemas.registry import all_tables
from pipelines.tables.runner import parents_first, run_tables


def upstream(schema: str, name: str) -> AssetIn:
    return AssetIn(key=asset_key(f"{schema}.{name}"))


@dataclass(frozen=True)
class TableCheck:
    """A warning-level check beyond the model's rules: `evaluate(frame)` -> (passed, metadata)."""

    name: str
    description: str
    evaluate: Callable[[pd.DataFrame], tuple[bool, dict]]


@dataclass(frozen=True)
class TableDef:
    """One table asset (what `table_asset` declares): run by a `table_step`."""

    fn: Callable
    key: AssetKey
    model: type
    reads: dict[str, AssetKey]  # parameter -> the table it is given
    deps: tuple[AssetKey, ...]
    metadata: Callable[[pd.DataFrame], dict] | None
    checks: tuple[TableCheck, ...]
    config: type[Config] | None
    kinds: frozenset[str]

    keys = property(lambda self: (self.key,))
    dependency_keys = property(lambda self: {*self.reads.values(), *self.deps})

    def spec(self) -> AssetSpec:
        return AssetSpec(
            key=self.key,
            deps=sorted(self.dependency_keys, key=AssetKey.to_user_string),
            group_name=self.key.path[0],
            description=self.model.to_schema().description,
            kinds=set(self.kinds),
            owners=OWNERS,
            metadata=definition_metadata(self.fn.table, self.model),
        ).with_io_manager_key("io_manager")

    def check_specs(self) -> list[AssetCheckSpec]:
        extra = [AssetCheckSpec(c.name, asset=self.key, blocking=False, description=c.description) for c in self.checks]
        return check_specs(self.key, self.model) + extra

    def materialize(self, frames: dict[str, pd.DataFrame], options: dict, store: Callable[[AssetKey, object], dict]):
        """Stores its table (`store(key, frame or stream)`: staging, returning the metadata of the
        write) and yields its materialization and check results; a blocking failure is reported on
        its schema check, then raised. The step stores the table itself rather than through the
        IO manager: the same materialization, without a handled-output event per table."""
        streamed = getattr(self.fn, "streamed", False)
        try:
            result = self.fn(**frames, **options)
            chunks = ValidatedChunks(result, self.model, self.fn.table) if streamed else None
            stream = chunks.stream() if streamed else None  # checks the first batch now, the others as they are written
        except SourceError as error:
            yield schema_failure(self.key, error)
            raise
        if streamed:
            stored = store(self.key, stream)
            yield MaterializeResult(asset_key=self.key, metadata={**lineage_metadata(self.fn.table), **stored})
            yield from reported_checks(self.key, chunks.rows, chunks.warnings)
            return
        frame, extra = result if isinstance(result, tuple) else (result, self.metadata(result) if self.metadata else {})
        stored = store(self.key, frame)
        yield MaterializeResult(asset_key=self.key, metadata={
            "dagster/row_count": len(frame), **options, **extra, **lineage_metadata(self.fn.table), **stored,
        })
        yield from check_results(self.key, frame, self.model)
        for check in self.checks:
            passed, details = check.evaluate(frame)
            yield AssetCheckResult(asset_key=self.key, check_name=check.name, passed=passed, severity=AssetCheckSeverity.WARN, metadata=details)


def table_asset(
    fn: Callable,
    *,
    ins: dict[str, AssetIn] | None = None,
    metadata: Callable[[pd.DataFrame], dict] | None = None,
    checks: Sequence[TableCheck] = (),
    config: type[Config] | None = None,
    deps: Sequence[AssetKey] = (),
    kinds: set[str] | None = None,
) -> TableDef:
    """The asset storing table `fn.table`. `ins` replaces the inference (parameters not named
    after tables); `metadata(frame)` adds numbers to the materialization (or the function
    returns (frame, metadata)); `checks` adds warning-level checks beyond the model's rules."""
    reads = {p: a.key for p, a in ins.items()} if ins is not None else {p: asset_key(t) for p, t in fn.inputs.items()}
    streamed = getattr(fn, "streamed", False)
    return TableDef(fn, asset_key(fn.table), all_tables()[fn.table], reads, tuple(deps), metadata, tuple(checks), config,
                    frozenset(kinds or (KINDS | {"numpy"} if not streamed else {"numpy", "arrow", "duckdb"})))


def table_step(name: str, items: Sequence[TableDef | AssetsDefinition]) -> list[AssetsDefinition]:
    """One step (a multi-asset, can_subset) materializing the TableDefs of `items` parents first
    (AssetsDefinitions pass through); a run selecting some (the sensor's closure) reads the
    others from staging. A failing table and its readers are not stored, the others are
    (pipelines/tables/runner.py); the step then fails, so nothing is published."""
    tables = {t.key: t for t in items if isinstance(t, TableDef)}
    passed_through = [t for t in items if not isinstance(t, TableDef)]
    configs = {t.config for t in tables.values() if t.config is not None}
    if len(configs) > 1:
        raise ValueError(f"step {name}: its tables declare different config classes {configs}")
    config = next(iter(configs), None)
    order = parents_first({key: t.dependency_keys for key, t in tables.items()})

    @multi_asset(
        name=name,
        specs=[t.spec() for t in tables.values()],
        check_specs=[c for t in tables.values() for c in t.check_specs()],
        can_subset=True,
        # the Config class's fields (a multi-asset takes its config schema as a dict)
        config_schema=dict(config.to_config_schema().as_field().config_type.fields) if config is not None else None,
    )
    def _step(context):
        from pipelines.publish.io_manager import load_staged_table, store_staged_table

        options = config_values(context, config)

        def compute(key: AssetKey):
            table = tables[key]
            frames = {param: load_staged_table(read) for param, read in table.reads.items()}
            return table.materialize(frames, options if table.config is not None else {}, store_staged_table)

        def skipped(key: AssetKey, broken: list[AssetKey]) -> None:
            context.log.warning(f"{key.to_user_string()} not computed: it reads {', '.join(k.to_user_string() for k in broken)}, which failed")

        selected = [key for key in order if key in context.selected_asset_keys]
        reads = {key: tables[key].dependency_keys for key in selected}
        yield from run_tables(selected, reads, compute, skipped, name=lambda k: k.to_user_string().replace("/", "."))

    return [_step, *passed_through] if tables else passed_through


def config_values(context, config: type[Config] | None) -> dict:
    """The run config of an asset declared with `config` (its defaults when none is given)."""
    if config is None:
        return {}
    values = config(**(context.op_execution_context.op_config or {})).model_dump()
    return {k: v for k, v in values.items() if v is not None}  # unset: the function's own choice (sources/)
