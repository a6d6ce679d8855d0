"""The instance's event log (pipelines/automation/event_storage.py): the project's dagster.yaml
selects it, it writes Dagster's usual SQLite files without a flush per event, and a second
process's watcher (what the webserver does for a running run) still sees every event."""
from __future__ import annotations

import sqlite3
import threading
import time
import uuid

from dagster import DagsterInstance
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from pipelines.automation.event_storage import RUN_TEMPLATE, PooledSqliteEventLogStorage


def _entry(run_id: str, message: str) -> EventLogEntry:
    return EventLogEntry(
        error_info=None, level="INFO", user_message=message, run_id=run_id, timestamp=time.time(),
        step_key=None, job_name=None, dagster_event=None,
    )


def test_the_project_instance_uses_it():
    """conftest points DAGSTER_HOME at a copy of the project's dagster.yaml."""
    instance = DagsterInstance.get()
    try:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
    finally:
        instance.dispose()


def test_an_instance_of_another_folder_keeps_its_events_in_that_folder(tmp_path):
    """DagsterInstance.from_config(folder) while DAGSTER_HOME names another folder (the tests'
    daemon runs do this): the event log is the folder's own, as with Dagster's default storage."""
    import shutil

    from pipelines.settings import PROJECT_ROOT

    shutil.copy(PROJECT_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    instance = DagsterInstance.from_config(str(tmp_path))
    try:
        run_id = str(uuid.uuid4())
        instance.event_log_storage.store_event(_entry(run_id, "here"))
        assert (tmp_path / "history" / "runs" / f"{run_id}.db").exists()
    finally:
        instance.dispose()


def test_events_are_stored_unflushed_and_a_watcher_elsewhere_sees_each_one(tmp_path):
    writer = PooledSqliteEventLogStorage(str(tmp_path))
    reader = PooledSqliteEventLogStorage(str(tmp_path))  # as the webserver's own instance
    run_id = str(uuid.uuid4())
    seen: list[str] = []
    arrived = threading.Event()

    def callback(entry, cursor):
        seen.append(entry.user_message)
        if len(seen) == 3:
            arrived.set()

    try:
        writer.store_event(_entry(run_id, "first"))  # creates the run's file
        reader.watch(run_id, None, callback)
        for message in ("second", "third"):
            time.sleep(0.2)
            writer.store_event(_entry(run_id, message))
        assert arrived.wait(10), f"the watcher saw only {seen}"
        assert seen == ["first", "second", "third"]
        with writer.run_connection(run_id) as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL: no flush per commit
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert [r.event_log_entry.user_message for r in reader.get_records_for_run(run_id).records] == seen
    finally:
        reader.end_watch(run_id, callback)
        reader.dispose()
        writer.dispose()


def _database(path) -> tuple:
    con = sqlite3.connect(path)
    try:
        return (sorted(con.execute("SELECT type, name, sql FROM sqlite_master").fetchall()),
                con.execute("SELECT version_num FROM alembic_version").fetchall(),
                con.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        con.close()


def test_a_new_runs_file_is_a_copy_of_the_template_and_is_the_database_dagster_makes(tmp_path):
    """New runs' files are copied from one empty database made by Dagster's own initialisation:
    the same tables, indexes, alembic revision and WAL mode as a file Dagster's storage creates;
    the template is not taken for a run, and its run's events are stored and read back."""
    ours = PooledSqliteEventLogStorage(str(tmp_path / "ours"))
    dagsters = SqliteEventLogStorage(str(tmp_path / "dagster"))
    run_ids = [str(uuid.uuid4()) for _ in range(3)]
    try:
        for run_id in run_ids:
            ours.store_event(_entry(run_id, f"event of {run_id}"))
        dagsters.store_event(_entry(run_ids[0], "reference"))
        template = tmp_path / "ours" / RUN_TEMPLATE
        assert template.exists()
        reference = _database(tmp_path / "dagster" / f"{run_ids[0]}.db")
        assert reference[2] == "wal" and reference[1]
        assert _database(template) == reference
        mode = (tmp_path / "dagster" / f"{run_ids[0]}.db").stat().st_mode
        for run_id in run_ids:
            assert _database(tmp_path / "ours" / f"{run_id}.db") == reference
            assert (tmp_path / "ours" / f"{run_id}.db").stat().st_mode == mode  # readable as Dagster's are
            assert [r.event_log_entry.user_message for r in ours.get_records_for_run(run_id).records] == [f"event of {run_id}"]
        assert sorted(ours.get_all_run_ids()) == sorted(run_ids)
        assert sorted(p.name for p in (tmp_path / "ours").iterdir() if p.name.startswith(".")) == [RUN_TEMPLATE]  # no scratch left
        ours.wipe()
        assert ours.get_all_run_ids() == []
    finally:
        ours.dispose()
        dagsters.dispose()


def test_a_runs_file_already_there_is_not_replaced_by_the_template(tmp_path):
    """Another process (a run worker, the webserver) may have created the run's file first: it is
    opened as it is, its events kept."""
    first = PooledSqliteEventLogStorage(str(tmp_path))
    second = PooledSqliteEventLogStorage(str(tmp_path))
    run_id = str(uuid.uuid4())
    try:
        first.store_event(_entry(run_id, "first"))
        second.store_event(_entry(run_id, "second"))
        assert [r.event_log_entry.user_message for r in first.get_records_for_run(run_id).records] == ["first", "second"]
    finally:
        first.dispose()
        second.dispose()


def test_what_a_killed_process_left_and_another_versions_template_are_removed(tmp_path):
    """A process killed while copying a run's file leaves a scratch file: the next instance
    removes it once it is an hour old (a younger one may be another process's copy in progress).
    Making the template removes the templates of other Dagster versions."""
    import os
    import shutil

    from pipelines.settings import PROJECT_ROOT

    runs = tmp_path / "history" / "runs"
    runs.mkdir(parents=True)
    stale, fresh = runs / ".new-run-killed.sqlite", runs / ".new-run-in-progress.sqlite"
    old_template = runs / ".run-template-dagster-0.0.1.sqlite"
    for path in (stale, fresh, old_template):
        path.write_bytes(b"left behind")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    shutil.copy(PROJECT_ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    instance = DagsterInstance.from_config(str(tmp_path))
    try:
        assert not stale.exists() and fresh.exists()
        instance.event_log_storage.store_event(_entry(str(uuid.uuid4()), "a new run"))  # makes the template
        assert (runs / RUN_TEMPLATE).exists() and not old_template.exists()
    finally:
        instance.dispose()
