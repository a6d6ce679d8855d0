"""Processes opening a new DAGSTER_HOME at the same moment (two `battery build`s on a fresh
clone, a build while `make ui` starts) leave one working instance (automation/instance.py)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

from dagster import DagsterInstance

from pipelines.settings import PROJECT_ROOT

OPEN = "from pipelines.automation.instance import open_instance; open_instance().get_runs(limit=1)"


def test_processes_opening_a_new_instance_at_once_leave_it_working(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    # four at once: without the lock, 5 trials out of 5 broke the new instance (2026-12-06)
    opening = [subprocess.Popen([sys.executable, "-c", OPEN], env=env, cwd=PROJECT_ROOT, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in opening]
    assert [p.returncode for p in opening] == [0, 0, 0, 0], [e[-1500:] for e in errors]
    versions = {}
    for db in sorted(home.rglob("*.db")):
        with sqlite3.connect(db) as con:
            if con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0]:
                versions[str(db.relative_to(home))] = con.execute("SELECT count(*) FROM alembic_version").fetchone()[0]
    assert versions and set(versions.values()) == {1}, versions  # one schema version row per database
    with DagsterInstance.from_config(str(home)) as instance:  # and it opens afterwards
        assert instance.get_runs() == []
