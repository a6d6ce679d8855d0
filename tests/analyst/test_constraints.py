"""Keys, NOT NULL and foreign keys in the published DuckDB file are the ones the pandera models
declare (a database tool's ER view sees the same relations the validation checks)."""
from __future__ import annotations

import duckdb
import pytest

from pipelines.publish.duckdb_tables import read_table, write_table
from pipelines.schemas.base import column_docs, foreign_key_constraints, table_key, unique_columns
from pipelines.schemas.registry import all_tables

TABLES = all_tables()


@pytest.fixture(scope="module")
def constraints(built_warehouse):
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        rows = con.execute(
            "SELECT schema_name || '.' || table_name, constraint_type, constraint_column_names, referenced_table, "
            "referenced_column_names FROM duckdb_constraints() WHERE database_name = current_database()"
        ).fetchall()
    found: dict[str, dict[str, set]] = {t: {"PRIMARY KEY": set(), "UNIQUE": set(), "NOT NULL": set(), "FOREIGN KEY": set()} for t in TABLES}
    for table, kind, columns, ref_table, ref_columns in rows:
        if table not in found or kind not in found[table]:
            continue
        if kind == "FOREIGN KEY":
            found[table][kind].add((tuple(columns), ref_table, tuple(ref_columns)))
        else:
            found[table][kind].add(tuple(columns))
    return found


@pytest.mark.parametrize("table", list(TABLES))
def test_declared_constraints_match_the_model(table, constraints):
    model = TABLES[table]
    got = constraints[table]
    docs = column_docs(model)
    key = table_key(model)
    nullable_key = any(d.nullable for d in docs if d.name in key)
    expected_pk = {key} if key and not nullable_key else set()
    expected_unique = ({key} if key and nullable_key else set()) | {(c,) for c in unique_columns(model)}
    assert got["PRIMARY KEY"] == expected_pk
    assert got["UNIQUE"] == expected_unique
    # A PRIMARY KEY implies NOT NULL; DuckDB lists it as a NOT NULL constraint too.
    assert got["NOT NULL"] == {(d.name,) for d in docs if not d.nullable}
    expected_fk = {
        ((fk.column,), fk.parent_table.split(".")[1], (fk.parent_column,))
        for fk in foreign_key_constraints(model, TABLES)
        if fk.declared
    }
    assert got["FOREIGN KEY"] == expected_fk


def test_every_table_but_the_settings_row_has_a_key():
    keyless = {t for t, m in TABLES.items() if not table_key(m)}
    assert keyless <= {"curated.design_sweep_settings"}, keyless


def test_every_checked_reference_is_declared_or_explained():
    for table, model in TABLES.items():
        for fk in foreign_key_constraints(model, TABLES):
            assert fk.declared or fk.reason, (table, fk)
            if fk.column == "reference_ids":
                assert not fk.declared and "';'-separated" in fk.reason
    declared = {(t, fk.column) for t, m in TABLES.items() for fk in foreign_key_constraints(m, TABLES) if fk.declared}
    assert ("curated.cell_design_parameters", "cell_id") in declared


def test_a_parent_can_be_rewritten_under_its_children(built_warehouse):
    """A sensor run rewrites a parent (modelled_cells) while its children exist: the children
    are dropped first and rewritten after it, as the asset graph orders them."""
    def declared_parents(table: str) -> list[str]:
        return [fk.parent_table for fk in foreign_key_constraints(TABLES[table], TABLES) if fk.declared]

    children = [t for t in TABLES if declared_parents(t)]
    # Every table a child references, transitively, parents before their children.
    order: list[str] = []

    def visit(table: str) -> None:
        for parent in declared_parents(table):
            visit(parent)
        if table not in order:
            order.append(table)

    for child in children:
        visit(child)
    parents = [t for t in order if t not in children]
    children = [t for t in order if t in children]
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as src:
        frames = {t: read_table(src, *t.split(".")) for t in parents + children}
    with duckdb.connect() as con:
        for _ in range(2):
            for table in parents + children:
                write_table(con, *table.split("."), frames[table])
        for table in parents + children:
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == len(frames[table])
        broken = frames[children[0]].copy()
        fk = next(fk for fk in foreign_key_constraints(TABLES[children[0]], TABLES) if fk.declared)
        broken.loc[broken.index[0], fk.column] = "no_such_parent"
        with pytest.raises(duckdb.ConstraintException):
            write_table(con, *children[0].split("."), broken)


def test_a_refresh_of_a_parent_dataset_keeps_children_and_constraints(published):
    """The sensor's run for one parent dataset (modelled_cells) re-materializes its closure,
    children included, and publishes them with their foreign keys."""
    from tests.helpers import build_dataset

    def snapshot():
        with duckdb.connect(str(published.published_db), read_only=True) as con:
            counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
            fks = con.execute(
                "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY' ORDER BY ALL"
            ).fetchall()
        return counts, fks

    before = snapshot()
    assert build_dataset("modelled_cells").success
    assert snapshot() == before
