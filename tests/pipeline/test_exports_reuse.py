"""The exports rewrite only the tables that changed: a file written by the same code from a table
with the same digest is taken as it is (a hard link into the new folder), every other is written."""
from __future__ import annotations

import duckdb

from pipelines.publish import exports
from pipelines.publish.exports import export_tables, exports_match

VALUE = "SELECT value FROM {} WHERE vehicle_id = 'transit_bus' AND metric = 'energy_consumption'"


def _inodes(folder) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in folder.iterdir()}


def test_an_export_writes_again_only_the_tables_that_changed_and_everything_for_other_code(published, monkeypatch):
    target = published.table_exports_dir
    export_tables(published.published_db, target)
    first = _inodes(target / "parquet")
    with duckdb.connect(str(published.published_db)) as con:
        con.execute(f"UPDATE curated.vehicle_requirements SET value = 2.5 WHERE {VALUE.split('WHERE ')[1]}")
        tables = con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0]

    export_tables(published.published_db, target)
    second = _inodes(target / "parquet")
    assert len(second) == len(first) == tables
    assert {name for name in second if second[name] != first[name]} == {"curated.vehicle_requirements.parquet"}
    parquet = target / "parquet" / "curated.vehicle_requirements.parquet"
    assert duckdb.execute(VALUE.format(f"'{parquet}'")).fetchone()[0] == 2.5
    assert exports_match(published.published_db, target)

    monkeypatch.setattr(exports, "code_digest", lambda: "other code")
    export_tables(published.published_db, target, ("parquet", "csv"))
    third = _inodes(target / "parquet")
    assert not {name for name in third if third[name] == second[name]}  # every file written again
    assert len(list((target / "csv").iterdir())) == tables
