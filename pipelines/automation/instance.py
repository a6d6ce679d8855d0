"""Opening the Dagster instance of $DAGSTER_HOME without racing another process that opens it.

Dagster creates an instance's SQLite storage (history/runs.db, schedules/schedules.db, the event
log's index) the first time the instance is opened, with no lock between processes: two processes
opening an empty DAGSTER_HOME at once both write the schema's version row, and from then on every
open fails with alembic's "Version table 'alembic_version' has more than one head present". On
2026-12-06 four processes opening a fresh folder at once broke it in 5 trials out of 5; two
`battery build`s started together on a fresh clone (tests/reliability, two builds at once) left
it broken for every later build. Every process of this project that opens the instance first
(`battery build`, `battery ui` before it starts the webserver and the daemon) opens it here,
one at a time; once the storage exists an open is a read and the lock is held for milliseconds.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from dagster import DagsterInstance

LOCK_NAME = ".instance-open.lock"


def open_instance() -> DagsterInstance:
    """The instance of $DAGSTER_HOME, opened (and created if new) while holding an exclusive
    lock on a file beside it; an ephemeral instance when DAGSTER_HOME is not set."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return DagsterInstance.ephemeral()
    folder = Path(home)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        return DagsterInstance.get()
