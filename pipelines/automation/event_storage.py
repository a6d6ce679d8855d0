"""Dagster's SQLite event log (the same files: $DAGSTER_HOME/history/runs/<run_id>.db and
index.db), written without a disk flush per event.

Dagster's SqliteEventLogStorage opens a new engine and connection for every event and closes it
after one insert: each event costs a WAL commit with a flush to disk and, on close, a checkpoint
(two more flushes) and the removal of the WAL file. A build stores about 900 events; on a busy
disk that was 6-10 s of a 60-step run of no-op assets, against 1.3 s in memory
(benchmarks/dagster_step_overhead.py). This subclass keeps one connection per database file for
the life of the process and runs SQLite with `synchronous=NORMAL`, which in WAL mode (Dagster
creates its files in WAL mode) flushes at checkpoints only: the database never corrupts, a
power cut may lose the last events, which the run monitor then reports as a dead run.

A Dagster webserver follows a running run by watching its <run_id>.db file for modifications
(SqliteEventLogStorageWatchdog). Writes now land in the WAL file, so each write touches the
run's .db file (its mtime): the watcher sees every event as before.

A new run's file is a copy of an empty one (`RUN_TEMPLATE`, made once per Dagster version in the
runs folder, by Dagster's own initialisation): creating the tables, checking and stamping the
alembic revision took about 60 ms of every run, two runs per `battery build`.

Configured in dagster.yaml (event_log_storage); every process reading the instance (build,
webserver, daemon, run workers) uses it.
"""
from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import tempfile
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from dagster import Field, StringSource
from dagster import __version__ as DAGSTER_VERSION
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

# Run databases whose connection stays open (plus the index); a webserver reading many runs
# closes the least recently used ones beyond this.
OPEN_RUN_DATABASES = 8

# The empty run database new runs' files are copied from: not named *.db, which Dagster reads as a
# run's file (get_all_run_ids, wipe); one per Dagster version, whose migrations it was stamped with.
RUN_TEMPLATE = f".run-template-dagster-{DAGSTER_VERSION}.sqlite"


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one open connection per database file and synchronous=NORMAL.

    Without a configured base_dir its files are where Dagster's default storage keeps them, in
    the instance's own folder (<instance root>/history/runs, which is not always $DAGSTER_HOME:
    DagsterInstance.from_config(folder)): it opens them when the instance registers itself."""

    def __init__(self, base_dir: str | None = None, inst_data=None):
        self._engines: OrderedDict[tuple[int, str], Engine] = OrderedDict()
        self._present: set[tuple[str, str]] = set()  # (table, column or "") known to exist
        self._inst_data = inst_data
        self._base_dir = None
        if base_dir is not None:
            super().__init__(base_dir, inst_data=inst_data)

    def register_instance(self, instance) -> None:
        if self._base_dir is None:
            super().__init__(os.path.join(instance.root_directory, "history", "runs"), inst_data=self._inst_data)
        super().register_instance(instance)
        self._remove_stale_scratch()

    def _remove_stale_scratch(self) -> None:
        """A process killed while copying a new run's file or making the template leaves its
        scratch file (never a run's: not *.db); removed once it is an hour old."""
        cutoff = time.time() - 3600
        for scratch in glob.glob(os.path.join(self._base_dir, ".new-*.sqlite*")):
            with suppress(OSError):
                if os.stat(scratch).st_mtime < cutoff:
                    os.unlink(scratch)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        key = (os.getpid(), shard)  # a forked child opens its own connections
        engine = self._engines.get(key)
        if engine is not None:
            self._engines.move_to_end(key)
            return engine
        if shard != INDEX_SHARD_NAME and shard not in self._initialized_dbs and self._created_from_template(shard):
            self._initialized_dbs.add(shard)
        engine = _engine_for(self.conn_string_for_shard(shard))
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[key] = engine
        runs = [k for k in self._engines if k[0] == key[0] and k[1] != INDEX_SHARD_NAME]
        for old in runs[: max(0, len(runs) - OPEN_RUN_DATABASES)]:
            self._engines.pop(old).dispose()
        return engine

    def _created_from_template(self, shard: str) -> bool:
        """Whether the run's file was missing and is now a copy of the template (made here if
        missing); False leaves it to Dagster's own initialisation (a file already there, another
        process creating it at the same moment, a template that cannot be written)."""
        path = self.path_for_shard(shard)
        if os.path.exists(path):
            return False
        template = os.path.join(self._base_dir, RUN_TEMPLATE)
        try:
            if not os.path.exists(template):
                self._make_template(template)
            fd, copy = tempfile.mkstemp(dir=self._base_dir, prefix=".new-run-", suffix=".sqlite")
            os.close(fd)
            try:
                shutil.copyfile(template, copy)
                shutil.copymode(template, copy)  # the mode SQLite gave the template (the umask's), not mkstemp's 0600
                os.link(copy, path)  # never over a file another process created meanwhile
            finally:
                os.unlink(copy)
        except (OSError, sqlite3.Error, SQLAlchemyError):  # Dagster's own initialisation then says what is wrong
            return False
        return True

    def _make_template(self, template: str) -> None:
        fd, scratch = tempfile.mkstemp(dir=self._base_dir, prefix=".new-template-", suffix=".sqlite")
        os.close(fd)
        os.unlink(scratch)  # an empty file is not a database: SQLite creates it
        try:
            engine = _engine_for(f"sqlite:///{scratch}")
            try:
                self._initdb(engine)  # Dagster's own: tables, WAL mode, alembic stamp
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                engine.dispose()  # the last connection's close folds the WAL into the file
            os.replace(scratch, template)
            for other in glob.glob(os.path.join(self._base_dir, ".run-template-dagster-*.sqlite")):
                if other != template:  # another Dagster version's
                    with suppress(FileNotFoundError):
                        os.unlink(other)
        finally:
            for leftover in (scratch, f"{scratch}-wal", f"{scratch}-shm"):
                with suppress(FileNotFoundError):
                    os.unlink(leftover)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            with engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                changes = raw.total_changes
                with conn.begin():
                    yield conn
                wrote = raw.total_changes != changes
            if wrote and shard != INDEX_SHARD_NAME:
                with suppress(FileNotFoundError):  # wakes the webserver's watcher of this run (module doc)
                    os.utime(self.path_for_shard(shard))

    # Dagster asks before most event writes whether a table or column added by a later migration
    # exists (asset_check_executions, asset_key.last_materialization_timestamp, ...), each time
    # with a new engine and connection to the index: about 0.4 s of a build. Schema only grows
    # (migrations add, nothing drops but a wipe), so a yes is remembered; a no is asked again.
    def has_table(self, table_name: str) -> bool:
        if (table_name, "") in self._present:
            return True
        present = super().has_table(table_name)
        if present:
            self._present.add((table_name, ""))
        return present

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        if ("asset_keys", column_name) in self._present:
            return True
        present = super()._has_asset_key_col_on_connection(conn, column_name)
        if present:
            self._present.add(("asset_keys", column_name))
        return present

    def _close_all(self) -> None:
        """Close this process's connections; those inherited through a fork are dropped unclosed
        (they belong to the parent)."""
        with self._db_lock:
            while self._engines:
                (pid, _), engine = self._engines.popitem()
                if pid == os.getpid():
                    engine.dispose()

    def wipe(self) -> None:
        self._close_all()  # wipe deletes the run files: no connection may keep writing to them
        self._present.clear()
        super().wipe()

    def dispose(self) -> None:
        self._close_all()
        super().dispose()


def _engine_for(conn_string: str) -> Engine:
    engine = create_engine(conn_string, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
    event.listen(engine, "connect", _synchronous_normal)
    return engine


def _synchronous_normal(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
