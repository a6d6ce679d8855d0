"""Quality tables: every computed number reconciled against the one the report published
(quality.reconciliation) and the findings of the curated tables' consistency rules
(quality.source_findings)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.compute.cell_resistance import INDEPENDENT_INPUT_UNITS, independent_resistance_and_power
from pipelines.compute.reconciliation import (
    calibrations,
    cell_comparisons,
    pack_comparisons,
    reconcile,
    section51_comparisons,
)
from pipelines.schemas.base import warning_checks
from pipelines.schemas.curated.settings import AnalysisSettings
from pipelines.schemas.registry import CURATED
from pipelines.schemas.validate import evaluate_warnings
from pipelines.tables import table
from pipelines.tables.model import cell_design_inputs


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


@table("quality.reconciliation")
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
    analysis_settings: AnalysisSettings,
    cell_model_assumptions: pd.DataFrame,
    vehicle_peak_power: pd.DataFrame,
    claim_recomputations: pd.DataFrame,
) -> pd.DataFrame:
    # Agreement asked of each computation (never tighter than the printed precision).
    tolerance = analysis_settings
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
        tolerance.cell_model_tolerance,
        notes,
        calibrations(cell_model_assumptions, "cell_id", cell_published),
    )
    pack_published, pack_computed = pack_comparisons(
        vehicle_packs, published_pack_results, application_claims, vehicle_requirements, battery_scenarios, claim_recomputations
    )
    packs = reconcile(
        pack_published,
        pack_computed,
        tolerance.pack_tolerance,
        notes,
        calibrations(vehicle_peak_power.assign(parameter="peak_power_kw"), "vehicle_id", pack_published),
    )
    section51 = reconcile(
        *section51_comparisons(vehicle_packs, application_claims, battery_scenarios, claim_recomputations),
        tolerance.pack_tolerance,
        notes,
    )
    return pd.concat([cells, packs, section51], ignore_index=True)


# ------------------------------------------------------------------ findings of the consistency rules

_LABEL_COLUMNS = ("claim_id", "cell_id", "parameter", "vehicle_id", "scenario_id", "machine_id", "row_id", "fact_id", "statistic_id", "item_id", "technology_id", "criterion", "chemistry")
# The curated tables with warning-level rules: the inputs of quality.source_findings.
CHECKED = [name for name, model in CURATED.items() if warning_checks(model)]


def _labels(rows: pd.DataFrame, columns: list[str]) -> pd.Series:
    """'cell_id=x, parameter=y' for every row, built column by column (no row loop)."""
    parts = [(column + "=" + rows[column].astype(str)).where(rows[column].notna(), "") for column in columns]
    label = parts[0]
    for part in parts[1:]:
        label = label.str.cat(part, sep=", ")
    return label.str.replace(r"(, )+$|^(, )+", "", regex=True).str.replace(r"(, ){2,}", ", ", regex=True)


@table("quality.source_findings", reads=[f"curated.{name}" for name in CHECKED])
def source_findings_frame(**tables: pd.DataFrame) -> pd.DataFrame:
    """One row per row a warning-level rule flags, over the curated tables in CHECKED."""
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
                        **{c: result.failing_rows[c] for c in ("recomputed_value", "relative_deviation", "explanation")},
                    }
                )
            )
    columns = ["table_name", "rule", "row_label", "metric", "published_text", "value", "recomputed_value", "relative_deviation",
               "explanation", "unit", "source_file", "source_line"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
