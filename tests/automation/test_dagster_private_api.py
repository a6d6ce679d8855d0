"""The project subclasses two of Dagster's private classes (pipelines/automation/event_storage.py,
run_health.py). Which private names the project imports, and why, is listed once in
tests/pipeline/test_private_dagster_api.py; this file checks what an import cannot: that each
method our subclasses override or call still exists on the private base with the parameters we
use, so a Dagster upgrade fails here, naming what moved, instead of an override silently no
longer being called."""
from __future__ import annotations

import importlib
import inspect

import pytest

# Methods our subclasses override or call on the private base: each must still exist there with
# these parameters, or the override is dead code and the storage behaves as Dagster's own.
OVERRIDDEN = [
    ("SqliteEventLogStorage", "_connect", ("self", "shard")),
    ("SqliteEventLogStorage", "_initdb", ("self", "engine")),
    ("SqliteEventLogStorage", "has_table", ("self", "table_name")),
    ("SqliteEventLogStorage", "_has_asset_key_col_on_connection", ("self", "conn", "column_name")),
    ("SqliteEventLogStorage", "conn_string_for_shard", ("self", "shard_name")),
    ("SqliteEventLogStorage", "path_for_shard", ("self", "run_id")),
    ("SqliteEventLogStorage", "register_instance", ("self", "instance")),
    ("SqliteEventLogStorage", "wipe", ("self",)),
    ("SqliteEventLogStorage", "get_all_run_ids", ("self",)),
    ("SqliteEventLogStorage", "dispose", ("self",)),
    ("DefaultRunLauncher", "supports_check_run_worker_health", None),
    ("DefaultRunLauncher", "check_run_worker_health", ("self", "run")),
]


def _get(module: str, name: str, user: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        pytest.fail(f"Dagster's private API moved: {module}.{name} is gone ({error}); {user} relies on it. "
                    "Update that module to the new location, or replace it with a public API.")


def _parameters(fn) -> tuple[str, ...]:
    return tuple(inspect.signature(inspect.unwrap(fn)).parameters)


@pytest.mark.parametrize(("base", "method", "params"), OVERRIDDEN, ids=[f"{b}.{m}" for b, m, _ in OVERRIDDEN])
def test_methods_our_subclasses_override_still_exist_on_the_base(base, method, params):
    module, user = {
        "SqliteEventLogStorage": ("dagster._core.storage.event_log.sqlite.sqlite_event_log", "pipelines/automation/event_storage.py"),
        "DefaultRunLauncher": ("dagster._core.launcher", "pipelines/automation/run_health.py"),
    }[base]
    cls = _get(module, base, user)
    if not hasattr(cls, method):
        pytest.fail(f"Dagster's private API moved: {base}.{method} no longer exists, so the override in {user} is never "
                    "called. Re-read Dagster's class and move the override, or drop it.")
    if params is not None:
        fn = inspect.unwrap(getattr(cls, method))
        got = _parameters(fn)
        required_extra = [p for name, p in inspect.signature(fn).parameters.items()
                          if name not in params and p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        assert got[: len(params)] == params and not required_extra, (
            f"Dagster's private API moved: {base}.{method} now takes {got}; {user} overrides or calls it as {params}"
        )


def test_our_subclasses_are_what_the_project_instance_uses():
    """The overrides only matter if dagster.yaml selects the subclasses."""
    from pipelines.automation.event_storage import PooledSqliteEventLogStorage
    from pipelines.automation.run_health import ProcessCheckingRunLauncher
    from pipelines.settings import PROJECT_ROOT

    config = (PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8")
    for cls in (PooledSqliteEventLogStorage, ProcessCheckingRunLauncher):
        assert cls.__name__ in config, f"dagster.yaml no longer selects {cls.__name__}"
