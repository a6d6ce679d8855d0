"""The one place that says where the project uses Dagster's private modules (dagster._...) and
why: none of these has a public equivalent in the Dagster version the project pins
(requirements.lock). Private modules may move in any Dagster release, so this test imports each
name and fails with the name, the module of pipelines/ that needs it and the Dagster version when
one has moved; and it fails when a module of pipelines/ imports dagster._... without being listed
here (add it, with its reason)."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import dagster
import pytest

import pipelines

PACKAGE = Path(pipelines.__file__).parent

# (private module, name) -> (module of pipelines/ that imports it, why no public API does)
PRIVATE_USES: dict[tuple[str, str], tuple[str, str]] = {
    ("dagster._core.definitions.data_version", "DATA_VERSION_TAG"): (
        "automation/refresh.py",
        "the tag an AssetObservation carries its data version in: the sensor reports each changed dataset's new "
        "version in the same evaluation that requests the run (dagster exports no constant for it)",
    ),
    ("dagster._core.launcher", "CheckRunHealthResult"): (
        "automation/run_health.py",
        "what a run launcher's check_run_worker_health returns: the run monitoring daemon asks the launcher whether "
        "a STARTED run's process is alive, and only a launcher subclass can answer",
    ),
    ("dagster._core.launcher", "WorkerStatus"): (
        "automation/run_health.py",
        "the status CheckRunHealthResult carries (RUNNING, FAILED, NOT_FOUND)",
    ),
    ("dagster._core.storage.event_log.sqlite.sqlite_event_log", "INDEX_SHARD_NAME"): (
        "automation/event_storage.py",
        "PooledSqliteEventLogStorage subclasses Dagster's SQLite event log to keep one connection per file; it "
        "needs the shard names and busy timeout the base class uses",
    ),
    ("dagster._core.storage.event_log.sqlite.sqlite_event_log", "SQLITE_BUSY_TIMEOUT_SECONDS"): (
        "automation/event_storage.py",
        "the busy timeout of Dagster's own SQLite connections, kept for the pooled ones",
    ),
    ("dagster._core.storage.event_log.sqlite.sqlite_event_log", "SqliteEventLogStorage"): (
        "automation/event_storage.py",
        "the base class of the pooled event log storage (dagster.yaml event_log_storage)",
    ),
    ("dagster._utils.schedules", "is_valid_cron_string"): (
        "settings.py",
        "BATTERY_REFRESH_CRON is checked at start with the parser the schedule itself uses, so a cron Dagster "
        "would refuse is named before any step runs",
    ),
    ("dagster._utils.schedules", "cron_string_iterator"): (
        "assets/warehouse.py",
        "the ticks of daily_refresh's cron in its timezone, to set the warehouse's freshness window to one schedule "
        "period (the same iterator Dagster's scheduler uses)",
    ),
}


@pytest.mark.parametrize(("module", "name"), sorted(PRIVATE_USES))
def test_each_private_name_the_project_uses_still_exists(module, name):
    user, why = PRIVATE_USES[(module, name)]
    try:
        found = hasattr(importlib.import_module(module), name)
    except ImportError:
        found = False
    assert found, (
        f"Dagster {dagster.__version__} has no {module}.{name} any more: pipelines/{user} imports it ({why}). "
        "Find where this Dagster version moved it, or pin the Dagster version of requirements.lock."
    )


def _private_imports() -> set[tuple[str, str, str]]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dagster._"):
                found |= {(node.module, alias.name, path.relative_to(PACKAGE).as_posix()) for alias in node.names}
            elif isinstance(node, ast.Import):
                found |= {(a.name, "", path.relative_to(PACKAGE).as_posix()) for a in node.names if a.name.startswith("dagster._")}
    return found


def test_every_private_import_of_pipelines_is_listed_with_its_reason():
    listed = {(module, name, user) for (module, name), (user, _) in PRIVATE_USES.items()}
    unlisted = sorted(_private_imports() - listed)
    assert unlisted == [], f"imports of Dagster's private modules not listed in {Path(__file__).name}: {unlisted}"
    stale = sorted(listed - _private_imports())
    assert stale == [], f"listed in {Path(__file__).name} but no longer imported: {stale}"
