"""quality.reconciliation: every recomputable published number, computed vs published."""
from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from pipelines.schemas.base import DERIVED, ComputedTable, catalogue_field, field
from pipelines.schemas.vocabulary import STATUSES


class Reconciliation(ComputedTable):
    source_table: Series[str] = catalogue_field("source_table", description="Report table the published number is printed in", origin=DERIVED, nullable=False)
    row_key: Series[str] = field(
        "Row of that table: cell_id, or vehicle_id/scenario_id, or the claim_id of a text claim", origin=DERIVED
    )
    column_name: Series[str] = field("Column of that table as a metric slug", origin=DERIVED)
    published_text: Series[str] = catalogue_field("published_text", description="The number as printed", origin=DERIVED)
    published_value: Series[float] = field("The printed number, parsed, in `unit`", origin=DERIVED, nullable=True)
    computed_value: Series[float] = field(
        "The pipeline's recomputation, in `unit`: an independent computation where one exists (it uses no input "
        "fitted to this number), else the model's value",
        origin=DERIVED,
        nullable=True,
    )
    calibrated_value: Series[float] = field(
        "Where an input was fitted to this published number: the value of the calibrated model, in `unit` "
        "(equal to computed_value unless an independent computation replaced it)",
        origin=DERIVED,
        nullable=True,
    )
    calibrated_parameter: Series[str] = field(
        "The curated input(s) fitted to this published number (calibrated_against in sources/cell_model_assumptions "
        "or sources/vehicle_peak_power); null where nothing was fitted to it",
        origin=DERIVED,
        nullable=True,
    )
    unit: Series[str] = catalogue_field("unit", description="Unit of published_value and computed_value")
    precision: Series[float] = catalogue_field("precision", description="Half a unit of the last printed digit of the published value, in `unit`")
    abs_deviation: Series[float] = field(
        "computed - published, in `unit` (null for a printed range or bound, or a computation in another unit)",
        origin=DERIVED,
        nullable=True,
    )
    rel_deviation: Series[float] = field(
        "(computed - published) / |published|; null where a percent is not meaningful (see deviation_note)",
        unit="ratio",
        origin=DERIVED,
        nullable=True,
        bounds=(-float("inf"), float("inf")),
    )
    deviation_note: Series[str] = field(
        "Why rel_deviation is null: published as text or as a range or bound, not computed, units differ, "
        "published value 0, or a curated doubt about the printed unit; null where the percent is meaningful",
        origin=DERIVED,
        nullable=True,
    )
    tolerance: Series[float] = field(
        "Relative tolerance: the layer's tolerance, or the printed precision where that is coarser "
        "(null where the published value is 0: then half a unit of its last printed digit applies)",
        unit="ratio",
        origin=DERIVED,
        ge=0,
        nullable=True,
    )
    status: Series[str] = field(
        "reproduced (within tolerance, nothing fitted to it), calibrated (within tolerance because an input was "
        "fitted to this number: calibrated_parameter), deviates, not_computed, or not_comparable (published as "
        "text, or computed in another unit)",
        origin=DERIVED,
        isin=list(STATUSES),
    )
    note: Series[str] = field(
        "Why the report's number cannot be reproduced, from sources/reconciliation_notes/", origin=DERIVED, nullable=True
    )

    class Config:
        unique = ["source_table", "row_key", "column_name"]
        description = (
            "Reconciliation of every published number the pipeline recomputes (Tables 6, 7, ES-1, 11 "
            "and the Section 5.1 and 5.2 claims): published, computed, deviation, tolerance and status; "
            "numbers an input was fitted to are `calibrated`, not `reproduced`."
        )
        metadata = {
            "grain": "one row per published number that a computation reproduces (or tries to)",
            "provenance": "pipelines/compute/reconciliation.py over the model and sizing layers",
        }


class SourceFindings(ComputedTable):
    table_name: Series[str] = field("Curated table the rule ran on", origin=DERIVED)
    rule: Series[str] = field("Warning-level consistency rule of the table's pandera model", origin=DERIVED)
    row_label: Series[str] = field("Identifying columns of the flagged row", origin=DERIVED)
    metric: Series[str] = field("Metric of the flagged row, where the table has one", origin=DERIVED, nullable=True)
    published_text: Series[str] = catalogue_field("published_text", description="The flagged value as printed", origin=DERIVED, nullable=True)
    value: Series[float] = catalogue_field("value", description="The flagged value, parsed, in `unit`")
    recomputed_value: Series[float] = field(
        "What the rule recomputes for the flagged value, in `unit`: from the same row's other printed parts "
        "(energy = capacity x voltage, ...), or the value another table prints for the same number; null for a rule "
        "that recomputes nothing (a range printed high to low)",
        origin=DERIVED,
        nullable=True,
        bounds=(-float("inf"), float("inf")),
    )
    relative_deviation: Series[float] = field(
        "(value - recomputed_value) / |recomputed_value|: how far the printed value is from the recomputed one "
        "(0.05 = printed 5 % above); null where nothing is recomputed",
        unit="ratio",
        origin=DERIVED,
        nullable=True,
        bounds=(-float("inf"), float("inf")),
    )
    explanation: Series[str] = field("How the rule judged the value: what it recomputes and the tolerance it allows", origin=DERIVED)
    unit: Series[str] = catalogue_field("unit", description="Canonical unit of value")
    source_file: Series[str] = catalogue_field("source_file", nullable=True)
    source_line: Series[pd.Int64Dtype] = catalogue_field("source_line", nullable=True)

    class Config:
        unique = ["table_name", "rule", "row_label"]
        description = (
            "Inconsistencies the report itself contains, as found by the warning-level consistency rules "
            "(values stay as published; this table records what each rule flagged)."
        )
        metadata = {
            "grain": "one row per rule and flagged source row",
            "provenance": "the raise_warning checks of the curated pandera models, re-run on the curated tables",
        }
