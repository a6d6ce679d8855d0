"""What every table asset shows in the Dagster UI, generated from its pandera model: column
schema with units and descriptions, table name, and one asset check per rule.

Each table asset declares a blocking `schema` check (its pandera model's blocking rules: the
asset raises before it is stored when one fails, so downstream assets never see bad data) and
one warning-level check per consistency rule of the model, reported with its failing rows.
"""
from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pandera.pandas as pa
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    CodeReferencesMetadataValue,
    LocalFileCodeReference,
    MetadataValue,
    TableColumn,
    TableSchema,
)

from pipelines.publish.duckdb_tables import column_comment
from pipelines.schemas.base import column_docs, warning_checks
from pipelines.schemas.registry import model_source_line
from pipelines.schemas.validate import WarningResult, check_slug, evaluate_warnings

OWNERS = ["team:battery-data"]
KINDS = {"pandas", "duckdb"}
SCHEMA_CHECK = "schema"
MAX_ROWS_IN_METADATA = 50


def asset_key(name: str) -> AssetKey:
    """The asset key of "<schema>.<table>" (or "sources.<dataset>", "warehouse.<name>"): the one
    place asset keys are built."""
    return AssetKey(name.split("."))


def column_schema(model: type[pa.DataFrameModel]) -> TableSchema:
    return TableSchema(
        columns=[
            TableColumn(
                name=d.name,
                type=d.dtype,
                description=column_comment(d.description, d.unit),
                constraints=None,
            )
            for d in column_docs(model)
        ]
    )


def model_code_reference(model: type[pa.DataFrameModel]) -> LocalFileCodeReference:
    """Where the table's schema is defined: the UI links each asset to its pandera model (a model
    built by wide_model() points at the assignment that builds it)."""
    path, line = model_source_line(model)
    return LocalFileCodeReference(file_path=path, line_number=line, label="pandera model")


def definition_metadata(table: str, model: type[pa.DataFrameModel]) -> dict:
    return {
        "dagster/column_schema": column_schema(model),
        "dagster/table_name": table,
        "pandera_model": f"{model.__module__}.{model.__name__}",
        "dagster/code_references": CodeReferencesMetadataValue(code_references=[model_code_reference(model)]),
    }


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


def markdown_table(rows: pd.DataFrame) -> str:
    shown = rows.head(MAX_ROWS_IN_METADATA).astype(str)
    header = "| " + " | ".join(shown.columns) + " |\n|" + "---|" * len(shown.columns) + "\n"
    body = "\n".join("| " + " | ".join(r) + " |" for r in shown.itertuples(index=False, name=None))
    return header + body


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


def reported_checks(key: AssetKey, rows: int, warnings: list[tuple[WarningResult, int]]) -> Iterator[AssetCheckResult]:
    """The passed blocking check and each warning-level rule with how many rows it flags (and
    the first of them), for a table of `rows` rows that passed the blocking rules."""
    yield AssetCheckResult(asset_key=key, check_name=SCHEMA_CHECK, passed=True, metadata={"rows": rows})
    for result, failing in warnings:
        metadata = {"rule": result.check_name, "failing_rows": failing}
        if not result.passed:
            metadata["rows_flagged"] = MetadataValue.md(markdown_table(result.failing_rows))
        yield AssetCheckResult(
            asset_key=key,
            check_name=result.slug,
            passed=result.passed,
            severity=AssetCheckSeverity.WARN,
            metadata=metadata,
            description=result.description,
        )
