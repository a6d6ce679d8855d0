"""A warning-level finding can be judged without a click: the printed value, what the rule
recomputes for it, the relative deviation and how it was judged, as a table in the check's
metadata and as columns of quality.source_findings (and the report_inconsistencies query)."""
from __future__ import annotations

import math

import duckdb
import pandas as pd
from dagster import AssetKey, TableMetadataValue

from pipelines.assets.table_metadata import reported_checks
from pipelines.schemas.curated.applications import VehicleRequirements
from pipelines.schemas.validate import evaluate_warnings
from pipelines.settings import PROJECT_ROOT

FINDING = ["value", "recomputed_value", "relative_deviation", "explanation"]


def _table9(energy_needed: float) -> pd.DataFrame:
    return pd.DataFrame({
        "vehicle_id": ["bus"] * 3 + ["truck"] * 3,
        "metric": ["energy_consumption", "range", "energy_needed"] * 2,
        "value": [2.0, 150.0, energy_needed, 1.5, 100.0, 150.0],
        "precision": [0.05, 0.5, 0.5, 0.05, 0.5, 0.5],
        "published_text": ["2.0", "150", f"{energy_needed:g}", "1.5", "100", "150"],
    })


def _energy_rule(frame: pd.DataFrame):
    (result,) = [r for r in evaluate_warnings(frame, VehicleRequirements) if r.check_name.startswith("energy needed")]
    return result


def test_a_flagged_row_carries_the_recomputed_value_and_its_deviation():
    frame = _table9(energy_needed=360.0)  # 2.0 kWh/mile x 150 miles = 300 kWh
    result = _energy_rule(frame)
    assert not result.passed
    (row,) = result.failing_rows[FINDING].itertuples(index=False)
    recomputed = frame["value"][0] * frame["value"][1]
    assert row.recomputed_value == recomputed
    assert math.isclose(row.relative_deviation, (360.0 - recomputed) / recomputed)
    assert "energy_needed" in row.explanation and "3%" in row.explanation


def test_the_check_metadata_is_a_table_not_markdown():
    result = _energy_rule(_table9(energy_needed=360.0))
    checks = list(reported_checks(AssetKey(["curated", "vehicle_requirements"]), 6, [(result, len(result.failing_rows))]))
    flagged = checks[1].metadata["rows_flagged"]
    assert isinstance(flagged, TableMetadataValue)
    assert set(FINDING) <= {c.name for c in flagged.schema.columns}
    (record,) = flagged.records
    assert record.data["recomputed_value"] == 300.0 and record.data["vehicle_id"] == "bus"


def test_source_findings_and_the_named_query_show_the_same_columns(built_warehouse):
    query = (PROJECT_ROOT / "warehouse" / "queries" / "report_inconsistencies.sql").read_text(encoding="utf-8")
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        columns = [d[0] for d in con.execute(query).description]
        wrong = con.execute(
            "SELECT count(*) FROM quality.source_findings WHERE recomputed_value IS NOT NULL AND recomputed_value <> 0 "
            "AND abs(relative_deviation - (value - recomputed_value) / abs(recomputed_value)) > 1e-9"
        ).fetchone()[0]
        unexplained = con.execute("SELECT count(*) FROM quality.source_findings WHERE explanation IS NULL").fetchone()[0]
    assert set(FINDING) <= set(columns)
    assert wrong == 0 and unexplained == 0
