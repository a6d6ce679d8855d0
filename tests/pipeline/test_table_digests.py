"""What a file written from the warehouse is keyed on (publish/duckdb_tables.py table_digests):
a table's comment, its columns with their comments, its rows and their order; views are not tables."""
from __future__ import annotations

import duckdb

from pipelines.publish.duckdb_tables import table_digests


def _digests(db, *statements) -> dict[str, str]:
    with duckdb.connect(str(db)) as con:
        for statement in statements:
            con.execute(statement)
    with duckdb.connect(str(db), read_only=True) as con:
        return table_digests(con)


def test_a_digest_moves_with_rows_order_and_comments_and_only_its_table(tmp_path):
    db = tmp_path / "w.duckdb"
    base = _digests(db, "CREATE TABLE t AS SELECT range AS i, range * 2.5 AS x FROM range(5)", "CREATE TABLE u AS SELECT 1 AS k",
                    "CREATE VIEW v AS SELECT * FROM t")
    assert set(base) == {"main.t", "main.u"}  # the view is not a table
    assert _digests(db) == base  # read again: the same
    changes = {
        "a value": "UPDATE t SET x = 99 WHERE i = 3",
        "the order": "CREATE OR REPLACE TABLE t AS SELECT * FROM t ORDER BY i DESC",  # the same rows
        "a column comment": "COMMENT ON COLUMN t.x IS 'in kWh'",
        "the table comment": "COMMENT ON TABLE t IS 'the t table'",
    }
    seen = {base["main.t"]}
    for what, statement in changes.items():
        now = _digests(db, statement)
        assert now["main.t"] not in seen, f"{what} did not change the digest"
        assert now["main.u"] == base["main.u"], f"{what} of t changed u's digest"
        seen.add(now["main.t"])
