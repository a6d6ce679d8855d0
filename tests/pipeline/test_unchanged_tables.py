"""write_table with the catalog of staging (what every run's IO path passes): a table computed
exactly as staging already holds it (same DDL, comments, rows in the same order) is not written
again; any difference rewrites it, with its constraints and comments."""
from __future__ import annotations

import shutil

import duckdb
import pyarrow as pa
import pytest

from pipelines.publish.duckdb_tables import BatchStream, Catalog, _create_table_sql, comment_table, read_table, write_table
from pipelines.schemas.registry import all_tables

CHILD = "curated.cell_claims"  # references curated.documents, among others
PARENT = "curated.documents"


@pytest.fixture
def staging(built_warehouse, tmp_path):
    """A copy of a built warehouse (what a run's staging starts as), open for writing."""
    path = tmp_path / "staging.duckdb"
    shutil.copyfile(built_warehouse.published_db, path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


def _state(con, table: str) -> tuple:
    """The table as an analyst sees it: DDL, comments, rows in stored order."""
    schema, name = table.split(".")
    ddl = con.execute(
        "SELECT sql, comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?", [schema, name]
    ).fetchall()
    comments = con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, name],
    ).fetchall()
    return ddl, comments, con.execute(f"SELECT * FROM {table}").fetchall()


def test_ddl_is_written_as_duckdb_writes_it_back(staging):
    """The comparison rests on this: the CREATE TABLE write_table runs is, for every table of a
    build, the DDL DuckDB stores for it (a streamed table gets its key afterwards)."""
    stored = dict(staging.execute("SELECT schema_name || '.' || table_name, sql FROM duckdb_tables()").fetchall())
    for table in set(all_tables()) - {"model.design_sweep"}:
        types = staging.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()
        assert _create_table_sql(table, types) + ";" == stored[table], table


def test_every_table_of_a_build_written_again_unchanged_is_left_as_it_is(staging):
    catalog = Catalog.read(staging)
    frames = {t: read_table(staging, *t.split(".")) for t in all_tables()}
    before = {t: _state(staging, t) for t in frames}
    for table, frame in frames.items():
        assert write_table(staging, *table.split("."), frame, catalog=catalog) == len(frame)
    assert catalog.rewritten == set()
    assert {t: _state(staging, t) for t in frames} == before


def test_a_changed_value_or_row_order_rewrites_the_table(staging):
    catalog = Catalog.read(staging)
    frame = read_table(staging, *CHILD.split("."))
    changed = frame.copy()
    changed.loc[changed.index[0], "note"] = "a changed note"
    write_table(staging, *CHILD.split("."), changed, catalog=catalog)
    assert catalog.rewritten == {CHILD}
    assert staging.execute(f"SELECT note FROM {CHILD} WHERE claim_id = ?", [frame["claim_id"][0]]).fetchone()[0] == "a changed note"

    catalog = Catalog.read(staging)
    reversed_rows = changed.iloc[::-1].reset_index(drop=True)
    write_table(staging, *CHILD.split("."), reversed_rows, catalog=catalog)
    assert catalog.rewritten == {CHILD}  # same rows, another order: the order is what analysts get
    assert staging.execute(f"SELECT claim_id FROM {CHILD}").fetchall() == [(c,) for c in reversed_rows["claim_id"]]


def test_a_changed_comment_or_constraint_rewrites_the_table(staging):
    frame = read_table(staging, *CHILD.split("."))
    expected = _state(staging, CHILD)
    staging.execute(f"COMMENT ON COLUMN {CHILD}.note IS 'an outdated description'")
    catalog = Catalog.read(staging)
    write_table(staging, *CHILD.split("."), frame, catalog=catalog)
    assert catalog.rewritten == {CHILD} and _state(staging, CHILD) == expected

    # the same rows and comments, but held without the table's keys (as an older model had it)
    staging.execute(f"CREATE OR REPLACE TABLE {CHILD} AS SELECT * FROM {CHILD}")
    comment_table(staging, CHILD, all_tables()[CHILD], list(frame.columns))
    catalog = Catalog.read(staging)
    write_table(staging, *CHILD.split("."), frame, catalog=catalog)
    assert catalog.rewritten == {CHILD} and _state(staging, CHILD) == expected


def test_a_rewritten_parent_drops_its_children_which_are_then_written_again(staging):
    catalog = Catalog.read(staging)
    parent, child = (read_table(staging, *t.split(".")) for t in (PARENT, CHILD))
    expected = _state(staging, CHILD)
    changed = parent.copy()
    changed.loc[changed.index[0], "title"] = "A changed title"
    write_table(staging, *PARENT.split("."), changed, catalog=catalog)
    assert CHILD not in catalog.tables  # dropped with its parent
    write_table(staging, *CHILD.split("."), child, catalog=catalog)
    assert CHILD in catalog.rewritten and _state(staging, CHILD) == expected


def test_a_streamed_table_unchanged_is_rolled_back_and_a_changed_one_committed(staging):
    table = "model.design_sweep"
    arrow = staging.sql(f"SELECT * FROM {table}").to_arrow_table()
    before = _state(staging, table)

    def stream(data: pa.Table) -> BatchStream:
        return BatchStream(data.schema, iter(data.to_batches(max_chunksize=1_000)))

    catalog = Catalog.read(staging)
    assert write_table(staging, *table.split("."), stream(arrow), catalog=catalog) == arrow.num_rows
    assert catalog.rewritten == set() and _state(staging, table) == before

    fewer = arrow.slice(0, arrow.num_rows - 1)
    assert write_table(staging, *table.split("."), stream(fewer), catalog=catalog) == fewer.num_rows
    assert catalog.rewritten == {table}
    ddl, comments, rows = _state(staging, table)
    assert (ddl, comments) == before[:2] and rows == before[2][:-1]
