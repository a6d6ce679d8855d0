"""What every table asset shows in the Dagster UI, generated from its pandera model: column
schema with units and descriptions, table name, and one asset check per rule.

Each table asset declares a blocking `schema` check (its pandera model's blocking rules: the
asset raises before it is stored when one fails, so downstream assets never see bad data) and
one warning-level check per consistency rule of the model, reported with its failing rows.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import pandas as pd
import pandera.pandas as pa
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    AssetsDefinition,
    MetadataValue,
    with_source_code_references,
)

from pipelines.publish.asset_metadata import (  # noqa: F401 (re-exported: the asset modules import them from here)
    MAX_ROWS_IN_METADATA,
    asset_key,
    code_references,
    column_lineage,
    column_schema,
    function_code_reference,
    lineage_table,
    model_code_reference,
    rows_table,
)
from pipelines.schemas.base import warning_checks
from pipelines.schemas.validate import WarningResult, check_slug, evaluate_warnings

OWNERS = ["team:battery-data"]
KINDS = {"pandas", "duckdb"}
SCHEMA_CHECK = "schema"


def lineage_metadata(table: str) -> dict:
    """dagster/column_lineage for a materialization (the UI draws column lineage from the latest
    materialization's metadata); {} for a table without declared lineage."""
    lineage = column_lineage(table)
    return {"dagster/column_lineage": lineage} if lineage is not None else {}


def definition_metadata(table: str, model: type[pa.DataFrameModel]) -> dict:
    metadata = {
        "dagster/column_schema": column_schema(model, table),
        "dagster/table_name": table,
        "pandera_model": f"{model.__module__}.{model.__name__}",
        "dagster/code_references": code_references(table, model),
    }
    shown = lineage_table(table)
    if shown is not None:  # readable in the open-source UI, which does not draw dagster/column_lineage
        metadata["column_lineage"] = shown
    return {**metadata, **lineage_metadata(table)}


def with_code_references(assets: Sequence) -> list:
    """Dagster's with_source_code_references for the assets that do not name their code
    themselves (a table asset names its table function and model, not the shared factory)."""
    own = [a for a in assets if isinstance(a, AssetsDefinition) and all("dagster/code_references" in m for m in a.metadata_by_key.values())]
    return [a if any(a is o for o in own) else with_source_code_references([a])[0] for a in assets]


def check_specs(key: AssetKey, model: type[pa.DataFrameModel]) -> list[AssetCheckSpec]:
    specs = [
        AssetCheckSpec(
            SCHEMA_CHECK,
            asset=key,
            blocking=True,
            description=f"All blocking rules of {model.__name__} (types, units, ranges, keys) pass.",
        )
    ]
    specs += [
        AssetCheckSpec(
            check_slug(c.name),
            asset=key,
            blocking=False,
            description=f"Consistency rule (warning): {c.name}",
        )
        for c in warning_checks(model)
    ]
    return specs


def schema_failure(key: AssetKey, error: Exception) -> AssetCheckResult:
    """The blocking check, failed: reported with every problem before the step raises."""
    problems = [str(p) for p in getattr(error, "problems", [])] or [str(error)]
    listing = "\n".join(f"- {p}" for p in problems[:MAX_ROWS_IN_METADATA])
    return AssetCheckResult(
        asset_key=key,
        check_name=SCHEMA_CHECK,
        passed=False,
        severity=AssetCheckSeverity.ERROR,
        metadata={"problems": len(problems), "details": MetadataValue.md(listing)},
    )


def check_results(key: AssetKey, frame: pd.DataFrame, model: type[pa.DataFrameModel]) -> Iterator[AssetCheckResult]:
    """Results for a frame that already passed the blocking rules."""
    yield from reported_checks(key, len(frame), [(r, len(r.failing_rows)) for r in evaluate_warnings(frame, model)])


_FINDING_FIRST = ("published_text", "value", "recomputed_value", "relative_deviation", "unit", "explanation")


def findings_first(rows: pd.DataFrame) -> pd.DataFrame:
    """A warning rule's flagged rows, the printed and recomputed values and their deviation
    right after the row's identifying columns (metric, source file and line after them)."""
    trailing = ("metric", "source_table", "source_file", "source_line")
    ident = [c for c in rows.columns if c not in _FINDING_FIRST and c not in trailing]
    return rows[[*ident, *[c for c in _FINDING_FIRST if c in rows.columns], *[c for c in trailing if c in rows.columns]]]


def reported_checks(key: AssetKey, rows: int, warnings: list[tuple[WarningResult, int]]) -> Iterator[AssetCheckResult]:
    """The passed blocking check and each warning-level rule with how many rows it flags (and
    the first of them), for a table of `rows` rows that passed the blocking rules."""
    yield AssetCheckResult(asset_key=key, check_name=SCHEMA_CHECK, passed=True, metadata={"rows": rows})
    for result, failing in warnings:
        metadata = {"rule": result.check_name, "failing_rows": failing}
        if not result.passed:
            metadata["rows_flagged"] = rows_table(findings_first(result.failing_rows))
        yield AssetCheckResult(
            asset_key=key,
            check_name=result.slug,
            passed=result.passed,
            severity=AssetCheckSeverity.WARN,
            metadata=metadata,
            description=result.description,
        )
