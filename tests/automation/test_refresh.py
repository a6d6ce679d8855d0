"""The real sensor and schedule logic against a temporary sources tree."""
from __future__ import annotations

import json

import duckdb
from dagster import AssetKey, DagsterInstance, SkipReason, build_schedule_context, build_sensor_context

from pipelines.definitions import defs
from tests.helpers import build_dataset

SENSOR = defs.resolve_sensor_def("sources_changed")


def _evaluate(instance, cursor=None):
    return SENSOR(build_sensor_context(instance=instance, definitions=defs, cursor=cursor))


def _requested(result) -> set[str]:
    (run,) = result.run_requests
    return {k.to_user_string() for k in run.asset_selection}


def _ancestors(key: AssetKey) -> set[str]:
    graph = defs.resolve_asset_graph()
    seen, todo = set(), [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent.to_user_string() not in seen:
                seen.add(parent.to_user_string())
                todo.append(parent)
    return seen


def test_first_evaluation_builds_everything_then_nothing(workspace):
    with DagsterInstance.ephemeral() as instance:
        first = _evaluate(instance)
        materializable = {k.to_user_string() for k in defs.resolve_asset_graph().materializable_asset_keys}
        assert _requested(first) == materializable
        second = _evaluate(instance, first.cursor)
        assert isinstance(second, SkipReason)


def test_editing_one_file_requests_only_its_downstream_closure(workspace):
    with DagsterInstance.ephemeral() as instance:
        cursor = _evaluate(instance).cursor
        table9 = workspace.sources / "vehicle_requirements" / "table9.csv"
        table9.write_text(table9.read_text(encoding="utf-8").replace(",1.8,", ",1.9,", 1), encoding="utf-8")

        result = _evaluate(instance, cursor)
        requested = _requested(result)
        assert "curated/vehicle_requirements" in requested
        assert "warehouse/battery_duckdb" in requested
        # every requested asset depends on the edited dataset, and nothing else is asked for
        for key in requested - {"curated/vehicle_requirements"}:
            assert "curated/vehicle_requirements" in _ancestors(AssetKey.from_user_string(key)), key
        # and what does not depend on it is left alone
        for unrelated in ("curated/references", "curated/cell_claims", "model/cell_performance"):
            assert unrelated not in requested
        (event,) = result.asset_events
        assert event.asset_key == AssetKey(["sources", "vehicle_requirements"])
        assert event.tags["dagster/data_version"]


def test_new_file_of_a_known_dataset_is_picked_up_and_ingested(published):
    with DagsterInstance.ephemeral() as instance:
        cursor = _evaluate(instance).cursor
        folder = published.sources / "cell_claims"
        lines = (folder / "s2_5_lithium_air.csv").read_text(encoding="utf-8").splitlines()
        new_row = lines[1].replace(lines[1].split(",")[0], "zz_new_lab_cell_energy", 1)
        (folder / "zz_new_lab_cell.csv").write_text(lines[0] + "\n" + new_row + "\n", encoding="utf-8")
        meta = folder / "dataset.yaml"  # a new file states its rows' document
        meta.write_text(meta.read_text(encoding="utf-8").replace("documents:\n", "documents:\n  zz_new_lab_cell.csv: burke_zhao_2025\n", 1), encoding="utf-8")

        requested = _requested(_evaluate(instance, cursor))
        assert "curated/cell_claims" in requested
        assert "curated/references" not in requested

    assert build_dataset("cell_claims", raise_on_error=True).success
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        files = con.execute(
            "SELECT source_file FROM curated.cell_claims WHERE claim_id = 'zz_new_lab_cell_energy'"
        ).fetchall()
    assert files == [("sources/cell_claims/zz_new_lab_cell.csv",)]


def test_daily_schedule_requests_a_full_build():
    schedule = defs.resolve_schedule_def("daily_refresh")
    assert schedule.cron_schedule == "30 2 * * *"
    with DagsterInstance.ephemeral() as instance:
        context = build_schedule_context(instance=instance, scheduled_execution_time=None)
        requests = schedule.evaluate_tick(context).run_requests
    assert len(requests) == 1
    assert requests[0].asset_selection is None  # the whole build_warehouse job
    assert schedule.job_name == "build_warehouse"


def test_reverting_a_file_is_a_new_change(workspace):
    with DagsterInstance.ephemeral() as instance:
        original_cursor = _evaluate(instance).cursor
        table9 = workspace.sources / "vehicle_requirements" / "table9.csv"
        original = table9.read_text(encoding="utf-8")
        table9.write_text(original.replace(",1.8,", ",1.9,", 1), encoding="utf-8")
        edited = _evaluate(instance, original_cursor)
        table9.write_text(original, encoding="utf-8")
        reverted = _evaluate(instance, edited.cursor)
        assert _requested(reverted) == _requested(edited)
        assert reverted.run_requests[0].run_key != edited.run_requests[0].run_key


def test_first_evaluation_after_a_build_requests_nothing(published):
    """The cursor starts from what the published warehouse was built from (meta.source_versions):
    a fresh daemon after `make build` asks for no run, and still sees the next edit."""
    with DagsterInstance.ephemeral() as instance:
        first = _evaluate(instance)
        assert first.run_requests == [] and first.skip_reason is not None
        assert first.cursor  # the published build's versions, so the next tick compares with them
        # every source is observed with its data version, so the UI shows them before any change
        observed = {e.asset_key.path[-1]: e.metadata["change"].value for e in first.asset_events}
        assert set(observed) == set(json.loads(first.cursor)) and set(observed.values()) == {"as published"}
        table9 = published.sources / "vehicle_requirements" / "table9.csv"
        table9.write_text(table9.read_text(encoding="utf-8").replace(",1.8,", ",1.9,", 1), encoding="utf-8")
        assert "curated/vehicle_requirements" in _requested(_evaluate(instance, first.cursor))


def test_a_dataset_changed_since_the_build_is_requested_on_the_first_evaluation(published):
    table9 = published.sources / "vehicle_requirements" / "table9.csv"
    table9.write_text(table9.read_text(encoding="utf-8").replace(",1.8,", ",1.9,", 1), encoding="utf-8")
    with DagsterInstance.ephemeral() as instance:
        result = _evaluate(instance)
    assert result.run_requests[0].tags["battery/changed_datasets"] == "vehicle_requirements"


def test_a_build_records_only_the_dataset_versions_that_changed(sources_copy):
    """`battery build` observes the dataset folders first (automation/refresh.py observe_sources),
    with the versions the sensor computes, and only the folders whose recorded version differs."""
    from pipelines.assets.source_files import fingerprints
    from pipelines.automation.refresh import observe_sources

    instance = DagsterInstance.ephemeral()
    datasets = sorted(fingerprints(sources_copy))
    assert observe_sources(instance, sources_copy) == datasets  # nothing recorded yet
    assert observe_sources(instance, sources_copy) == []  # the same versions: nothing again
    table9 = sources_copy / "vehicle_requirements" / "table9.csv"
    table9.write_text(table9.read_text(encoding="utf-8").replace(",1.8,", ",1.9,", 1), encoding="utf-8")
    assert observe_sources(instance, sources_copy) == ["vehicle_requirements"]
    recorded = instance.get_latest_data_version_record(AssetKey(["sources", "vehicle_requirements"]), is_source=True)
    assert recorded.asset_observation.tags["dagster/data_version"] == fingerprints(sources_copy)["vehicle_requirements"]
