"""Quality assets: every computed table reconciled against the table the report published, and
the findings of the curated tables' consistency rules, built by pipelines/tables/quality.py."""
from __future__ import annotations

import pandas as pd

from pipelines.assets.computed import TableCheck, table_asset
from pipelines.assets.table_metadata import KINDS, rows_table
from pipelines.compute.reconciliation import summarise
from pipelines.tables.quality import build_reconciliation, source_findings_frame


def _status_counts(frame: pd.DataFrame) -> dict:
    return {
        "reproduced": int((frame["status"] == "reproduced").sum()),
        "calibrated": int((frame["status"] == "calibrated").sum()),
        "deviates": int((frame["status"] == "deviates").sum()),
        "per_table": rows_table(summarise(frame)),
    }


def _deviations_explained(frame: pd.DataFrame) -> tuple[bool, dict]:
    deviates = frame[frame["status"] == "deviates"]
    unexplained = deviates[deviates["note"].isna()]
    worst = deviates.reindex(deviates["rel_deviation"].abs().sort_values(ascending=False).index).head(15)
    shown = ["source_table", "row_key", "column_name", "published_text", "published_value", "computed_value", "rel_deviation",
             "unit", "deviation_note", "note"]
    return unexplained.empty, {
        "published_numbers": len(frame),
        "reproduced": int((frame["status"] == "reproduced").sum()),
        "deviates": len(deviates),
        "unexplained": len(unexplained),
        "worst_rows": rows_table(worst[shown]),
        "unexplained_rows": rows_table(unexplained[shown]),
    }


reconciliation = table_asset(
    build_reconciliation,
    metadata=_status_counts,
    checks=[
        TableCheck(
            "deviations_explained",
            "Every published number the computation does not reproduce has a curated explanation.",
            _deviations_explained,
        )
    ],
    kinds=KINDS,
)
source_findings = table_asset(
    source_findings_frame,
    metadata=lambda frame: {"rules_with_findings": int(frame["rule"].nunique())},
    kinds=KINDS,
)
