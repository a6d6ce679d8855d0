"""`battery build` rebuilds what changed: nothing when sources/ and the code are what the published
warehouse was built from, the closure of the changed dataset folders after an edit (the same tables
as a full build would publish), and every table when the code differs or with --full."""
from __future__ import annotations

from datetime import datetime, timezone

import duckdb
from dagster import DagsterEventType, DagsterInstance, RunsFilter

from pipelines import cli
from pipelines.assets.warehouse import PUBLISHED_KEY
from pipelines.automation.refresh import build_plan, downstream_closure
from pipelines.definitions import defs
from pipelines.provenance import code_digest
from pipelines.publish.duckdb_tables import connect, table_digests
from pipelines.publish.meta_tables import read_build_code
from pipelines.schemas.registry import all_tables
from tests.helpers import build_dataset, rewrite_csv, set_cell

TABLE_KEYS = {tuple(name.split(".")) for name in all_tables()}


def _materialized_since(since: datetime) -> set[tuple[str, ...]]:
    """The table assets materialized by the runs created after `since` (the instance is the session's)."""
    instance = DagsterInstance.get()
    keys = set()
    for run in instance.get_runs(filters=RunsFilter(created_after=since)):
        for record in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
            keys.add(tuple(record.dagster_event.asset_key.path))
    return keys


def _table_digests(db) -> dict[str, str]:
    with connect(db, read_only=True) as con:
        digests = table_digests(con)
    return {name: digest for name, digest in digests.items() if name in all_tables()}


def _edit_consumption(paths, value: str) -> None:
    rewrite_csv(paths.sources / "vehicle_requirements" / "table9.csv", lambda rows: set_cell(rows, 2, "published_text", value))


def test_a_build_with_nothing_changed_rebuilds_no_table_and_leaves_the_warehouse_as_it_is(published, capsys):
    before = published.published_db.stat()
    since = datetime.now(timezone.utc)
    assert cli.main(["build"]) == 0
    out = capsys.readouterr().out
    assert "Up to date:" in out and "no table was rebuilt" in out and "--full" in out
    assert "the latest release; this build published nothing" in out
    after = published.published_db.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not _materialized_since(since) & TABLE_KEYS
    assert not published.staging_db.exists()  # no run started a staging copy


def test_an_edit_rebuilds_its_closure_and_other_code_rebuilds_every_table_to_the_same_rows(published, capsys):
    _edit_consumption(published, "1.9")
    since = datetime.now(timezone.utc)
    assert cli.main(["build"]) == 0
    out = capsys.readouterr().out
    closure = {tuple(k.path) for k in downstream_closure(defs.resolve_asset_graph(), ["vehicle_requirements"])}
    assert _materialized_since(since) & TABLE_KEYS == closure & TABLE_KEYS
    assert 0 < len(closure & TABLE_KEYS) < len(TABLE_KEYS)
    assert f"rebuilding {len(closure & TABLE_KEYS)} tables: those of the changed dataset folders vehicle_requirements and" in out
    assert "(of the tables rebuilt)" in out
    incremental = _table_digests(published.published_db)
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        assert con.execute(
            "SELECT value FROM curated.vehicle_requirements WHERE vehicle_id = 'transit_bus' AND metric = 'energy_consumption'"
        ).fetchone()[0] == 1.9
        assert read_build_code(con) == code_digest()  # a closure's run keeps the code row it found

    # a warehouse last built whole by other code: `battery build` rebuilds every table
    with duckdb.connect(str(published.published_db)) as con:
        con.execute("UPDATE meta.build_code SET code_digest = ?", ["0" * 64])
    plan = build_plan(published.published_db, published.sources, code_digest())
    assert plan.everything and "the code differs" in plan.everything and plan.changed == []
    since = datetime.now(timezone.utc)
    assert cli.main(["build"]) == 0
    out = capsys.readouterr().out
    assert "rebuilding every table: the code differs from the code that built the published warehouse (000000000000)" in out
    assert TABLE_KEYS | {tuple(PUBLISHED_KEY.path)} <= _materialized_since(since)
    # every table rebuilt from the same sources: not one row differs from the closure's build
    assert _table_digests(published.published_db) == incremental
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        assert read_build_code(con) == code_digest()
    after = build_plan(published.published_db, published.sources, code_digest())
    assert (after.changed, after.everything) == ([], None)


def test_without_a_readable_record_every_table_is_rebuilt(published, tmp_path):
    assert build_plan(tmp_path / "none.duckdb", published.sources, code_digest()).everything == "there is no published warehouse yet"
    with duckdb.connect(str(published.published_db)) as con:
        con.execute("DROP TABLE meta.build_code")
    plan = build_plan(published.published_db, published.sources, code_digest())
    assert plan.everything and "does not record the code" in plan.everything


def test_a_run_that_rebuilt_some_datasets_records_the_others_as_published(published):
    """A folder edited while a run of another folder's closure starts is recorded at the version
    its published tables were built from, so the next `battery build` rebuilds it."""
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        fleets_before = con.execute("SELECT data_version FROM meta.source_versions WHERE dataset = 'fleets'").fetchone()[0]
    _edit_consumption(published, "1.9")
    metadata = published.sources / "fleets" / "dataset.yaml"
    metadata.write_text(metadata.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")  # its bytes only
    assert build_dataset("vehicle_requirements").success  # fleets is not in this run
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        versions = dict(con.execute("SELECT dataset, data_version FROM meta.source_versions").fetchall())
    assert versions["fleets"] == fleets_before
    plan = build_plan(published.published_db, published.sources, code_digest())
    assert (plan.changed, plan.everything) == (["fleets"], None)


def test_a_closure_run_by_other_code_or_with_other_settings_leaves_no_code_record_a_build_trusts(published):
    """Code A built everything; a sensor's run of code B rebuilt one closure: the tables now come
    from two codes, so neither A nor B may find the warehouse up to date. The same for a run
    whose Monte Carlo settings differ from the defaults (run config, not sources/)."""
    from pipelines.publish.meta_tables import MIXED_CODE

    with duckdb.connect(str(published.published_db)) as con:
        con.execute("UPDATE meta.build_code SET code_digest = ?", ["a" * 64])  # code A; this process runs B
    _edit_consumption(published, "1.9")
    assert build_dataset("vehicle_requirements").success
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        assert read_build_code(con) == MIXED_CODE
    for code in ("a" * 64, code_digest()):
        assert "not every table of the published warehouse was built by one code" in (
            build_plan(published.published_db, published.sources, code).everything
        )

    from dagster import DagsterInstance

    from tests.helpers import changed_datasets_job

    with duckdb.connect(str(published.published_db)) as con:
        con.execute("UPDATE meta.build_code SET code_digest = ?", [code_digest()])  # this code built everything
    _edit_consumption(published, "2.0")
    assert changed_datasets_job("vehicle_requirements").execute_in_process(
        instance=DagsterInstance.ephemeral(), run_config={"ops": {"tables": {"config": {"n_samples": 64}}}}
    ).success
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        assert read_build_code(con) == MIXED_CODE


def test_a_ui_run_of_a_curated_table_without_its_downstream_tables_leaves_its_folder_changed(published):
    from dagster import DagsterInstance

    from pipelines.assets.warehouse import PUBLISHED_KEY as PUBLISHED

    _edit_consumption(published, "1.9")
    job = defs.resolve_job_def("build_warehouse")
    run = job.execute_in_process(
        instance=DagsterInstance.ephemeral(),
        asset_selection=[next(k for k in job.asset_layer.executable_asset_keys if k.path == ["curated", "vehicle_requirements"]), PUBLISHED],
    )
    assert run.success
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        assert con.execute(
            "SELECT value FROM curated.vehicle_requirements WHERE vehicle_id = 'transit_bus' AND metric = 'energy_consumption'"
        ).fetchone()[0] == 1.9  # published, with the tables computed from it not rebuilt
    plan = build_plan(published.published_db, published.sources, code_digest())
    assert (plan.changed, plan.everything) == (["vehicle_requirements"], None)  # so the next build rebuilds them


def test_a_build_that_finds_everything_up_to_date_still_tidies_what_a_killed_build_left(published, capsys):
    from pipelines.publish.releases import releases_dir

    with duckdb.connect(str(published.published_db), read_only=True) as con:
        [release] = con.execute("SELECT release_id FROM meta.releases ORDER BY release_number DESC LIMIT 1").fetchone()
    file = releases_dir(published) / f"{release}.duckdb"
    assert not file.exists()  # the published file alone was copied: as a build stopped before copying it
    leftover = published.warehouse_dir / ".battery.duckdb.12345.tmp"
    leftover.write_bytes(b"half a copy")
    assert cli.main(["build"]) == 0
    captured = capsys.readouterr()
    assert "Up to date:" in captured.out and f"release {release} had no release file" in captured.err
    assert file.is_file() and not leftover.exists()


def test_files_failing_after_an_up_to_date_build_do_not_claim_a_publish(published, monkeypatch, capsys):
    import pipelines.assets.warehouse as warehouse_assets

    def broken_export(*args, **kwargs):
        raise OSError("the exports are broken on purpose")

    monkeypatch.setattr(warehouse_assets, "export_tables", broken_export)
    before = published.published_db.stat()
    assert not published.table_exports_dir.exists()  # so the up-to-date build writes them
    assert cli.main(["build"]) == 1
    out, err = capsys.readouterr()
    assert "Up to date:" in out
    assert f"FILES FAILED: {published.published_db} is up to date and was left as it is" in err
    assert "WAS replaced" not in err and "the exports are broken on purpose" in err
    assert (published.published_db.stat().st_ino, published.published_db.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
