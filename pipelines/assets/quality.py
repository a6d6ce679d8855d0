"""Quality layer: every computed table reconciled against the table the report published."""
from __future__ import annotations

import numpy as np
import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue, Output, asset

from pipelines.assets.computed import upstream
from pipelines.assets.model import cell_design_inputs
from pipelines.assets.table_metadata import KINDS, OWNERS, definition_metadata, markdown_table
from pipelines.compute.cell_resistance import INDEPENDENT_INPUT_UNITS, independent_resistance_and_power
from pipelines.compute.reconciliation import (
    calibrations,
    cell_comparisons,
    pack_comparisons,
    reconcile,
    section51_comparisons,
    summarise,
)
from pipelines.schemas.base import warning_checks
from pipelines.schemas.computed.quality import Reconciliation, SourceFindings
from pipelines.schemas.curated.settings import settings_from
from pipelines.schemas.registry import CURATED
from pipelines.schemas.validate import evaluate_warnings, validate

KEY = AssetKey(["quality", "reconciliation"])


def independent_cell_results(
    cell_performance: pd.DataFrame, cell_design_parameters: pd.DataFrame, cell_model_assumptions: pd.DataFrame
) -> pd.DataFrame:
    """Resistance and pulse power per cell from eq 12-21 without the inputs fitted to Table 7."""
    cells, inputs = cell_design_inputs(cell_design_parameters, cell_model_assumptions)
    extra = cell_model_assumptions[cell_model_assumptions["parameter"].isin(INDEPENDENT_INPUT_UNITS)]
    extra = extra.pivot_table(index="cell_id", columns="parameter", values="value", aggfunc="first").reindex(cells)
    inputs = {**inputs, **{name: extra[name].to_numpy(float) if name in extra else np.full(len(cells), np.nan) for name in INDEPENDENT_INPUT_UNITS}}
    outputs = cell_performance.set_index("cell_id").reindex(cells)
    result = independent_resistance_and_power(inputs, {c: outputs[c].to_numpy(float) for c in outputs.columns})
    return pd.DataFrame({"cell_id": cells, "internal_resistance": result["internal_resistance"], "pulse_power_95": result["pulse_power_95"]})


def build_reconciliation(
    cell_performance: pd.DataFrame,
    cell_design_parameters: pd.DataFrame,
    published_cell_results: pd.DataFrame,
    vehicle_packs: pd.DataFrame,
    published_pack_results: pd.DataFrame,
    application_claims: pd.DataFrame,
    vehicle_requirements: pd.DataFrame,
    battery_scenarios: pd.DataFrame,
    reconciliation_notes: pd.DataFrame,
    analysis_settings: pd.DataFrame,
    cell_model_assumptions: pd.DataFrame,
    vehicle_peak_power: pd.DataFrame,
) -> pd.DataFrame:
    # Agreement asked of each computation (never tighter than the printed precision).
    tolerance = settings_from(analysis_settings)
    notes = reconciliation_notes[["source_table", "row_key", "column_name", "note", "not_comparable"]]
    cell_published, cell_computed = cell_comparisons(
        cell_performance,
        cell_design_parameters,
        published_cell_results,
        independent_cell_results(cell_performance, cell_design_parameters, cell_model_assumptions),
    )
    cells = reconcile(
        cell_published,
        cell_computed,
        tolerance["cell_model_tolerance"],
        notes,
        calibrations(cell_model_assumptions, "cell_id", cell_published),
    )
    pack_published, pack_computed = pack_comparisons(
        vehicle_packs, published_pack_results, application_claims, vehicle_requirements, battery_scenarios
    )
    packs = reconcile(
        pack_published,
        pack_computed,
        tolerance["pack_tolerance"],
        notes,
        calibrations(vehicle_peak_power.assign(parameter="peak_power_kw"), "vehicle_id", pack_published),
    )
    section51 = reconcile(
        *section51_comparisons(vehicle_packs, application_claims, battery_scenarios),
        tolerance["pack_tolerance"],
        notes,
    )
    return pd.concat([cells, packs, section51], ignore_index=True)


@asset(
    key=KEY,
    ins={
        "cell_performance": upstream("model", "cell_performance"),
        "cell_design_parameters": upstream("curated", "cell_design_parameters"),
        "published_cell_results": upstream("curated", "published_cell_results"),
        "vehicle_packs": upstream("sizing", "vehicle_packs"),
        "published_pack_results": upstream("curated", "published_pack_results"),
        "application_claims": upstream("curated", "application_claims"),
        "vehicle_requirements": upstream("curated", "vehicle_requirements"),
        "battery_scenarios": upstream("curated", "battery_scenarios"),
        "reconciliation_notes": upstream("curated", "reconciliation_notes"),
        "analysis_settings": upstream("curated", "analysis_settings"),
        "cell_model_assumptions": upstream("curated", "cell_model_assumptions"),
        "vehicle_peak_power": upstream("curated", "vehicle_peak_power"),
    },
    group_name="quality",
    description=Reconciliation.to_schema().description,
    kinds=KINDS,
    owners=OWNERS,
    metadata=definition_metadata("quality.reconciliation", Reconciliation),
    check_specs=[
        AssetCheckSpec(
            "deviations_explained",
            asset=KEY,
            blocking=False,
            description="Every published number the computation does not reproduce has a curated explanation.",
        )
    ],
)
def reconciliation(context, **inputs: pd.DataFrame):
    frame = validate(build_reconciliation(**inputs), Reconciliation, "quality.reconciliation")
    per_table = summarise(frame)
    yield Output(
        frame,
        metadata={
            "dagster/row_count": len(frame),
            "reproduced": int((frame["status"] == "reproduced").sum()),
            "calibrated": int((frame["status"] == "calibrated").sum()),
            "deviates": int((frame["status"] == "deviates").sum()),
            "per_table": MetadataValue.md(markdown_table(per_table)),
        },
    )
    deviates = frame[frame["status"] == "deviates"]
    unexplained = deviates[deviates["note"].isna()]
    worst = deviates.reindex(deviates["rel_deviation"].abs().sort_values(ascending=False).index).head(15)
    yield AssetCheckResult(
        asset_key=KEY,
        check_name="deviations_explained",
        passed=unexplained.empty,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "published_numbers": len(frame),
            "reproduced": int((frame["status"] == "reproduced").sum()),
            "deviates": len(deviates),
            "unexplained": len(unexplained),
            "worst_rows": MetadataValue.md(
                markdown_table(
                    worst[["source_table", "row_key", "column_name", "published_text", "computed_value", "rel_deviation", "deviation_note"]]
                )
            ),
            "unexplained_rows": MetadataValue.md(markdown_table(unexplained[["source_table", "row_key", "column_name", "rel_deviation"]])),
        },
    )


# ------------------------------------------------------------------ findings of the consistency rules

FINDINGS_KEY = AssetKey(["quality", "source_findings"])
_LABEL_COLUMNS = ("claim_id", "cell_id", "parameter", "vehicle_id", "scenario_id", "machine_id", "row_id", "fact_id", "statistic_id", "item_id", "technology_id", "criterion", "chemistry")
_CHECKED = [name for name, model in CURATED.items() if warning_checks(model)]


def _labels(rows: pd.DataFrame, columns: list[str]) -> pd.Series:
    """'cell_id=x, parameter=y' for every row, built column by column (no row loop)."""
    parts = [(column + "=" + rows[column].astype(str)).where(rows[column].notna(), "") for column in columns]
    label = parts[0]
    for part in parts[1:]:
        label = label.str.cat(part, sep=", ")
    return label.str.replace(r"(, )+$|^(, )+", "", regex=True).str.replace(r"(, ){2,}", ", ", regex=True)


def source_findings_frame(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = []
    for name, frame in tables.items():
        for result in evaluate_warnings(frame, CURATED[name]):
            if result.passed:
                continue
            rows = frame.loc[result.failing_rows.index]
            labels = [c for c in _LABEL_COLUMNS if c in rows.columns]
            row_label = _labels(rows, labels)
            frames.append(
                pd.DataFrame(
                    {
                        "table_name": f"curated.{name}",
                        "rule": result.check_name,
                        "row_label": row_label,
                        **{c: rows[c] if c in rows.columns else None for c in ("metric", "published_text", "value", "unit", "source_file", "source_line")},
                    }
                )
            )
    columns = ["table_name", "rule", "row_label", "metric", "published_text", "value", "unit", "source_file", "source_line"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


@asset(
    key=FINDINGS_KEY,
    ins={name: upstream("curated", name) for name in _CHECKED},
    group_name="quality",
    description=SourceFindings.to_schema().description,
    kinds=KINDS,
    owners=OWNERS,
    metadata=definition_metadata("quality.source_findings", SourceFindings),
)
def source_findings(context, **tables: pd.DataFrame):
    frame = validate(source_findings_frame(tables), SourceFindings, "quality.source_findings")
    return Output(frame, metadata={"dagster/row_count": len(frame), "rules_with_findings": int(frame["rule"].nunique())})
