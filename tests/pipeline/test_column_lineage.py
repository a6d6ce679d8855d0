"""Column lineage (pipelines/tables/lineage.py): every column of every computed table names the
columns it is computed from, every name exists, the Dagster assets carry it as
dagster/column_lineage, and the published meta.column_lineage can be walked in SQL (the
analyst's query in docs/analyst.md, "Where a column comes from", runs here)."""
from __future__ import annotations

import re

import duckdb
import pytest

import pipelines.tables.lineage as lineage
from pipelines.definitions import defs
from pipelines.schemas.base import column_docs
from pipelines.schemas.registry import COMPUTED
from pipelines.settings import PROJECT_ROOT

GUIDE = PROJECT_ROOT / "docs" / "analyst.md"


def test_every_computed_column_has_lineage_and_every_name_exists():
    assert lineage.lineage_problems() == []


def test_a_missing_or_unknown_column_is_reported(monkeypatch):
    declared = lineage._vehicle_packs()
    declared.pop("pack_mass")
    declared["pack_volume"] = lineage.computed("curated.vehicle_requirements.no_such_column")
    declared["not_a_column"] = lineage.copied("curated.vehicle_requirements")
    monkeypatch.setitem(lineage._DECLARED, "sizing.vehicle_packs", lambda: declared)
    lineage.table_lineage.cache_clear()
    try:
        problems = "\n".join(lineage.lineage_problems())
    finally:
        lineage.table_lineage.cache_clear()
    assert "sizing.vehicle_packs.pack_mass: no lineage declared" in problems
    assert "'curated.vehicle_requirements.no_such_column' does not exist" in problems
    assert "lineage declared for 'not_a_column'" in problems


def test_meta_tables_rows_satisfy_their_models():
    """The publish step writes these rows without a pandera pass (they come from code): checked here."""
    import pandas as pd

    from pipelines.ingest.fingerprints import fingerprints
    from pipelines.schemas.meta.lineage import ColumnLineage, SourceVersions
    from tests.helpers import REAL_SOURCES

    ColumnLineage.validate(pd.DataFrame(lineage.lineage_rows()))
    versions = fingerprints(REAL_SOURCES)
    SourceVersions.validate(pd.DataFrame({"dataset": list(versions), "data_version": list(versions.values())}))


def test_the_cell_model_lineage_is_read_from_its_equations():
    columns, inputs = lineage.model_dependencies("gravimetric_energy_density", ["cell_energy", "total_mass"])
    assert columns == ["cell_energy", "total_mass"] and inputs == []
    columns, inputs = lineage.model_dependencies("cell_energy", [])
    assert inputs == ["average_voltage", "cell_capacity"]


def test_every_computed_asset_emits_its_column_lineage():
    graph = defs.resolve_asset_graph()
    specs = {".".join(s.key.path): s for s in defs.resolve_all_asset_specs()}
    for table, model in COMPUTED.items():
        emitted = specs[table].metadata["dagster/column_lineage"].deps_by_column
        assert set(emitted) == {d.name for d in column_docs(model)}, table
        ancestors = graph.get(specs[table].key).parent_keys
        seen, todo = set(ancestors), list(ancestors)
        while todo:
            for parent in graph.get(todo.pop()).parent_keys - seen:
                seen.add(parent)
                todo.append(parent)
        for column, deps in emitted.items():
            for dep in deps:
                assert dep.asset_key in seen, (table, column, dep)
    # a column computed from its own table's columns shows the columns of other assets behind them
    pack_mass = {(d.asset_key.to_user_string(), d.column_name) for d in specs["sizing.vehicle_packs"].metadata[
        "dagster/column_lineage"].deps_by_column["pack_mass"]}
    assert ("curated/vehicle_requirements", "value") in pack_mass and ("curated/battery_scenarios", "value") in pack_mass


def _analyst_sql() -> list[str]:
    section = GUIDE.read_text(encoding="utf-8").split("\n## Where a column comes from\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def warehouse(built_warehouse):
    with duckdb.connect(str(built_warehouse.published_db), read_only=True) as con:
        yield con


def test_meta_column_lineage_covers_every_computed_column(warehouse):
    missing = warehouse.execute(
        "SELECT c.schema_name || '.' || c.table_name, c.column_name FROM duckdb_columns() c "
        "WHERE c.schema_name || '.' || c.table_name IN (SELECT unnest(?::VARCHAR[])) AND NOT EXISTS ("
        "  SELECT 1 FROM meta.column_lineage l WHERE l.table_name = c.schema_name || '.' || c.table_name "
        "  AND l.column_name = c.column_name)",
        [list(COMPUTED)],
    ).fetchall()
    assert missing == []
    unknown = warehouse.execute(
        "SELECT l.table_name, l.column_name, l.upstream_table, l.upstream_column FROM meta.column_lineage l "
        "WHERE l.upstream_table IS NOT NULL AND NOT EXISTS (SELECT 1 FROM duckdb_columns() c "
        "  WHERE c.schema_name || '.' || c.table_name = l.upstream_table AND c.column_name = l.upstream_column)"
    ).fetchall()
    assert unknown == []


def test_the_analysts_query_walks_pack_mass_to_curated_columns(warehouse):
    queries = _analyst_sql()
    assert queries, "docs/analyst.md ## Where a column comes from has no ```sql block"
    results = [warehouse.execute(q).fetchall() for q in queries]  # every example runs
    walk = next(r for q, r in zip(queries, results) if "pack_mass" in q)
    reached = {(row[0], row[1]) for row in walk}
    # the curated columns pack_mass comes from, as the lineage declares them
    expected = {(u.table, u.column) for u in lineage.upstream_of_other_tables("sizing.vehicle_packs", "pack_mass")}
    assert expected and reached == expected
    assert all(table.startswith("curated.") for table, _ in reached)
