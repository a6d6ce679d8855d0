"""What a run rebuilt, for the publish step's record of what the published file was built from
(meta.source_versions, meta.build_code; publish/atomic.py publish): plain functions of the run's
selected assets, the asset graph and the run config."""
from __future__ import annotations

from collections.abc import Iterable

from dagster import AssetKey, AssetSelection


def rebuilt_datasets(selected: set[AssetKey], table_keys: Iterable[AssetKey], graph) -> set[str] | None:
    """The dataset folders a run of `selected` rebuilt with everything computed from them (None:
    every table). A folder counts only when its whole downstream closure in `graph` is selected
    (a sensor's run, `battery build` of a closure); a UI run of a curated table without its
    downstream tables leaves the folder's published version, so the next build rebuilds them."""
    tables = set(table_keys)
    if tables <= selected:
        return None
    return {
        key.path[-1]
        for key in selected
        if key.path[0] == "curated" and (AssetSelection.assets(key).downstream().resolve(graph) & tables) <= selected
    }


def table_settings(run_config: dict | None) -> dict:
    """Run config given to the table steps (the Monte Carlo sample count or seed), as opposed to
    the choices of sources/: tables built with it are not the ones a plain build makes. The
    exports' own setting (published_files: csv) changes no table."""
    ops = (run_config or {}).get("ops", {})
    return {
        name: values
        for name, values in ops.items()
        if name != "published_files" and any(v is not None for v in ((values or {}).get("config") or {}).values())
    }
