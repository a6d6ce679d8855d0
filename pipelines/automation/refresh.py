"""Keep the warehouse current without anyone choosing what to re-run.

- `sources_changed` (sensor): hashes every dataset folder of sources/. A folder whose hash
  differs from the last evaluation (an edited file, or a new CSV matching the folder's naming
  rule) is observed with its new data version, and one run materializes exactly the downstream
  closure of those datasets, publish step included. An unchanged tree requests nothing.
  Its first evaluation (no cursor yet) compares with what the published warehouse was built
  from (meta.source_versions), so `make ui` after `make build` requests nothing until a file
  changes; without a published warehouse every dataset counts as new.
- `daily_refresh` (schedule): rebuilds everything once a day, at off-hours by default
  (BATTERY_REFRESH_CRON, BATTERY_REFRESH_TIMEZONE). It also retries what a failed refresh
  left unpublished: the sensor's cursor moves on once a run is requested, and a curator's fix
  to the failing file is itself a new change that triggers a run.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from dagster import (
    AssetKey,
    AssetObservation,
    AssetSelection,
    DataVersion,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    JobDefinition,
    RunRequest,
    ScheduleDefinition,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)
from dagster._core.definitions.data_version import DATA_VERSION_TAG

from pipelines.assets.source_files import fingerprints, source_key
from pipelines.assets.table_metadata import asset_key
from pipelines.settings import DEFAULT_REFRESH_CRON, current_paths, refresh_cron, refresh_timezone, setting  # noqa: F401

# Hashing sources/ takes milliseconds: evaluate as often as the daemon's sensor loop (5 s), so a
# saved edit is noticed within seconds (benchmarks/edit_to_published.py).
SENSOR_INTERVAL_SECONDS = setting("BATTERY_SENSOR_INTERVAL_SECONDS")


def published_source_versions(db) -> dict[str, str]:
    """The data version of every dataset folder the published warehouse `db` was built from
    ({} when there is no readable published file, or it records none)."""
    import duckdb

    if not db.exists():
        return {}
    try:
        return published_build_inputs(db)[0]
    except duckdb.Error:
        return {}


def published_build_inputs(db: Path) -> tuple[dict[str, str], str | None]:
    """What the published warehouse `db` was built from: the data version of every dataset folder
    (meta.source_versions) and the digest of the code that built every table (meta.build_code).
    Raises duckdb.Error when the file cannot be read."""
    from pipelines.publish.duckdb_tables import connect
    from pipelines.publish.meta_tables import read_build_code, read_source_versions

    with connect(db, read_only=True) as con:
        return read_source_versions(con), read_build_code(con)


@dataclass(frozen=True)
class BuildPlan:
    """What `battery build` rebuilds. `everything`: why every table is rebuilt (None: only the
    tables downstream of `changed`, the dataset folders whose content differs from what the
    published warehouse was built from; nothing when none does)."""

    changed: list[str]
    everything: str | None


def build_plan(published_db: Path, sources_dir: Path, code: str) -> BuildPlan:
    """Compare sources/ and the running code (provenance.code_digest) with what the published
    warehouse was built from. Everything is rebuilt when there is no published warehouse, when it
    cannot be read or records no code, and when its code is not the running code; otherwise the
    closure of the changed dataset folders, as the sources_changed sensor does. A warehouse whose
    tables do not all come from one code with the default run settings (meta_tables.MIXED_CODE)
    is rebuilt whole whatever code runs."""
    import duckdb

    from pipelines.publish.meta_tables import MIXED_CODE

    current = fingerprints(sources_dir)
    if not published_db.exists():
        return BuildPlan(sorted(current), "there is no published warehouse yet")
    try:
        versions, built_by = published_build_inputs(published_db)
    except duckdb.Error as exc:
        return BuildPlan(sorted(current), f"the published warehouse could not be read ({type(exc).__name__})")
    changed = changed_datasets(versions, current)
    if built_by is None:
        return BuildPlan(changed, "the published warehouse does not record the code that built it (meta.build_code)")
    if built_by == MIXED_CODE:
        return BuildPlan(changed, "not every table of the published warehouse was built by one code with the default run settings")
    if built_by != code:
        return BuildPlan(changed, f"the code differs from the code that built the published warehouse ({built_by[:12]})")
    return BuildPlan(changed, None)


def source_observation(name: str, version: str, change: str) -> AssetObservation:
    """A dataset folder observed with its data version (the hash of its files)."""
    return AssetObservation(asset_key=source_key(name), tags={DATA_VERSION_TAG: DataVersion(version).value}, metadata={"change": change})


def observe_sources(instance, sources_dir) -> list[str]:
    """Record each dataset folder's data version before `battery build` materializes from it, as
    the sensor does before its own runs: each materialization then names the version it was built
    from, and the sensor's first evaluation under `make ui`, observing the same versions, leaves
    every asset Synced. Without it the build's materializations named no version and that first
    evaluation turned 43 assets Unsynced in the UI ("has a new dependency data version") with
    nothing changed. Records only the folders whose latest recorded version differs; returns them."""
    recorded = []
    for name, version in sorted(fingerprints(sources_dir).items()):
        latest = instance.get_latest_data_version_record(source_key(name), is_source=True)
        observed = latest.asset_observation if latest is not None else None
        if observed is None or observed.tags.get(DATA_VERSION_TAG) != DataVersion(version).value:
            instance.report_runless_asset_event(source_observation(name, version, "observed by battery build"))
            recorded.append(name)
    return recorded


def changed_datasets(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    return sorted(name for name, digest in current.items() if previous.get(name) != digest)


def downstream_closure(asset_graph, datasets: list[str]) -> list[AssetKey]:
    """The curated tables of the changed datasets and everything computed from them."""
    roots = [asset_key(f"curated.{name}") for name in datasets]
    selection = AssetSelection.assets(*roots).downstream()
    return sorted(selection.resolve(asset_graph), key=lambda k: k.to_user_string())


def sources_changed_sensor(job: JobDefinition) -> SensorDefinition:
    @sensor(
        name="sources_changed",
        job=job,
        minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
        default_status=DefaultSensorStatus.RUNNING,
        description="Materializes the downstream closure of every dataset folder in sources/ whose content changed.",
    )
    def _sensor(context: SensorEvaluationContext):
        paths = current_paths()
        current = fingerprints(paths.sources)
        previous = json.loads(context.cursor) if context.cursor else published_source_versions(paths.published_db)
        changed = changed_datasets(previous, current)
        first = not context.cursor
        if not changed and not first:
            return SkipReason("no dataset in sources/ changed since the last evaluation")
        # The first evaluation observes every dataset (the UI shows each source's data version
        # from the start), later ones the changed datasets.
        observations = [
            source_observation(name, current[name], "new" if name not in previous else "modified" if name in changed else "as published")
            for name in (sorted(current) if first else changed)
        ]
        if not changed:  # the first evaluation: start from the published build's versions
            return SensorResult(
                skip_reason=SkipReason("no dataset in sources/ changed since the published build"),
                asset_events=observations,
                cursor=json.dumps(current, sort_keys=True),
            )
        keys = downstream_closure(context.repository_def.asset_graph, changed)
        run = RunRequest(
            # One run per transition (previous -> current): reverting a file to an earlier
            # state is a new transition and runs again; re-evaluating the same one does not.
            run_key=hashlib.sha256(f"{context.cursor or ''}->{json.dumps(current, sort_keys=True)}".encode()).hexdigest()[:24],
            asset_selection=keys,
            tags={"battery/changed_datasets": ",".join(changed)},
        )
        return SensorResult(run_requests=[run], asset_events=observations, cursor=json.dumps(current, sort_keys=True))

    return _sensor


def daily_refresh_schedule(job: JobDefinition) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="daily_refresh",
        job=job,
        cron_schedule=refresh_cron(),
        execution_timezone=refresh_timezone(),
        default_status=DefaultScheduleStatus.RUNNING,
        description="Rebuilds and republishes the whole warehouse once a day.",
    )
