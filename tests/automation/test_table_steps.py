"""Fewer steps, same assets (issue 26): every table is its own asset with its own checks, but the
tables run in one Dagster step (a multi-asset that can be subset), and a one-file change still
materializes only the closure of the changed dataset."""
from __future__ import annotations

from dagster import AssetKey, AssetSelection, DagsterInstance

from pipelines.assets.table_metadata import SCHEMA_CHECK, asset_key
from pipelines.definitions import defs, table_keys
from pipelines.schemas.registry import all_tables
from tests.helpers import changed_datasets_job, rewrite_csv, set_cell


def test_one_asset_per_table_each_with_its_checks_in_few_steps():
    graph = defs.resolve_asset_graph()
    tables = {asset_key(t) for t in all_tables()}
    assert tables <= set(graph.materializable_asset_keys)
    assert set(table_keys) == tables
    checks = {(k.asset_key, k.name) for k in graph.asset_check_keys}
    missing = [t.to_user_string() for t in tables if (t, SCHEMA_CHECK) not in checks]
    assert not missing, f"tables without their blocking schema check: {missing}"
    job = defs.resolve_job_def("build_warehouse")
    steps = {node.name for node in job.graph.node_defs}
    # the tables' assets are materialized by far fewer steps than there are tables
    assert len(steps) < len(tables) / 4, steps
    spec = graph.get(next(iter(tables)))
    assert spec.assets_def.can_subset


def test_a_one_file_change_materializes_only_its_closure(published):
    table9 = published.sources / "vehicle_requirements" / "table9.csv"
    rewrite_csv(table9, lambda rows: set_cell(rows, 2, "published_text", str(int(float(rows[1][rows[0].index("published_text")])) + 1)))
    graph = defs.resolve_asset_graph()
    closure = AssetSelection.assets(asset_key("curated.vehicle_requirements")).downstream().resolve(graph)
    result = changed_datasets_job("vehicle_requirements").execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=True)
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == closure  # all of the closure, publish and charts included ...
    assert asset_key("warehouse.battery_duckdb") in materialized
    unrelated = {asset_key(t) for t in all_tables()} - closure
    assert unrelated and not (materialized & unrelated)  # ... and nothing else
    checked = {e.asset_key for e in result.get_asset_check_evaluations()}
    assert checked <= closure and AssetKey(["curated", "vehicle_requirements"]) in checked
