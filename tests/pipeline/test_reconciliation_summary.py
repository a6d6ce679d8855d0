"""The build summary and the named reconciliation queries count calibrated numbers apart from
reproduced ones, and show a percent deviation only where it means something."""
from __future__ import annotations

import re

import duckdb

from pipelines.cli import summary_extras
from pipelines.query import QUERIES_DIR


def test_build_summary_counts_calibrated_apart(built_warehouse):
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        text = summary_extras(con)
        counts = con.execute(
            "SELECT source_table, count(*), count(*) FILTER (WHERE status = 'reproduced'), "
            "count(*) FILTER (WHERE status = 'calibrated') FROM quality.reconciliation GROUP BY source_table"
        ).fetchall()
    assert any(calibrated for *_, calibrated in counts)
    for table, published, reproduced, calibrated in counts:
        line = next(line for line in text.splitlines() if line.strip().startswith(table + " "))
        match = re.search(r"(\d+) of\s+(\d+) reproduced within tolerance, (\d+) calibrated", line)
        assert match, line
        assert tuple(map(int, match.groups())) == (reproduced, published, calibrated), line
    assert "Section 5.1" in {t for t, *_ in counts}


def test_named_queries_count_calibrated_and_give_a_reason_instead_of_a_percent(built_warehouse):
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        summary = con.execute((QUERIES_DIR / "reconciliation_summary.sql").read_text(encoding="utf-8")).df()
        deviations = con.execute((QUERIES_DIR / "reconciliation_deviations.sql").read_text(encoding="utf-8")).df()
        stored = con.execute("SELECT source_table, count(*) FILTER (WHERE status = 'calibrated') AS n FROM quality.reconciliation GROUP BY 1").df()
    assert "calibrated" in summary.columns
    assert summary.set_index("source_table")["calibrated"].to_dict() == stored.set_index("source_table")["n"].to_dict()
    no_percent = deviations["deviation_pct"].isna()
    assert no_percent.any() and deviations.loc[no_percent, "deviation_note"].notna().all()
    assert summary["worst_deviation_pct"].abs().max() < 10_000
