"""Releases and the change feed (issue 17): every publish that changes data is a release with
its row-level changes in meta.changes; earlier releases stay queryable; retention prunes."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.publish.releases import UnknownRelease, keep_release, record_release, release_path, releases_dir
from pipelines.schemas.base import table_key
from pipelines.schemas.registry import all_tables
from pipelines.settings import Paths
from tests.helpers import build_dataset, rewrite_csv

T9 = Path("vehicle_requirements") / "table9.csv"


def _edit_range(sources: Path, vehicle: str = "transit_bus", add: int = 10) -> None:
    """Add `add` miles to one printed range of Table 9."""

    def edit(rows):
        header = rows[0]
        for row in rows[1:]:
            if row[header.index("vehicle_id")] == vehicle and row[header.index("metric")] == "range":
                row[header.index("published_text")] = str(int(row[header.index("published_text")]) + add)
        return rows

    rewrite_csv(sources / T9, edit)


def _frames(path: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t}").df() for t in all_tables()}


def _key_text(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    return pd.Series(["; ".join(f"{k}={v}" for k, v in zip(key, row)) for row in frame[key].itertuples(index=False)],
                     index=frame.index)


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    both_missing = a.isna().to_numpy() & b.isna().to_numpy()
    # a missing value (NaN, None or pd.NA of a nullable integer column) compares as None: equal only to None
    a_obj, b_obj = a.astype(object).where(a.notna(), None), b.astype(object).where(b.notna(), None)
    return both_missing | (a_obj.to_numpy() == b_obj.to_numpy()).astype(bool)


def expected_changes(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> set[tuple]:
    """The two builds' tables compared directly in pandas, by each model's key."""
    expected = set()
    for table, new in after.items():
        old, key = before[table], list(table_key(all_tables()[table]))
        if not key:  # only a single-row table may go without a key: its one row is matched to the other
            assert len(old) <= 1 and len(new) <= 1, f"{table} declares no key"
            old, new = old.assign(_row=1), new.assign(_row=1)
        merged = old.merge(new, on=key or ["_row"], how="outer", suffixes=("_old", "_new"), indicator=True)
        merged["_key"] = _key_text(merged, key) if key else "(single row)"
        expected |= {(table, "added", k, None) for k in merged.loc[merged["_merge"] == "right_only", "_key"]}
        expected |= {(table, "removed", k, None) for k in merged.loc[merged["_merge"] == "left_only", "_key"]}
        both = merged[merged["_merge"] == "both"]
        for column in (c for c in new.columns if c not in key and c != "_row"):
            moved = both[~_same(both[f"{column}_old"], both[f"{column}_new"])]
            expected |= {(table, "changed", k, column) for k in moved["_key"]}
    return expected


def _releases(path: Path) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT * FROM meta.releases ORDER BY release_number").df()


def test_an_edit_records_exactly_the_rows_it_moved_and_the_old_release_answers(published, built_warehouse, capsys):
    before_file = published.warehouse_dir / "before.duckdb"
    shutil.copyfile(published.published_db, before_file)
    first = _releases(published.published_db)

    _edit_range(published.sources)
    assert build_dataset("vehicle_requirements", raise_on_error=True).success

    releases = _releases(published.published_db)
    assert len(releases) == len(first) + 1
    latest = releases.iloc[-1]
    assert latest["previous_release_id"] == first.iloc[-1]["release_id"]
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        recorded = con.execute(
            "SELECT table_name, change, row_key, column_name FROM meta.changes WHERE release_id = ?", [latest["release_id"]]
        ).fetchall()
        summary = dict(con.execute(
            "SELECT table_name, added + removed + changed FROM meta.release_tables WHERE release_id = ?",
            [latest["release_id"]],
        ).fetchall())
    expected = expected_changes(_frames(before_file), _frames(published.published_db))
    assert set(recorded) == expected
    assert len(recorded) == len(expected)  # no duplicates either
    tables = {t for t, *_ in expected}
    assert "curated.vehicle_requirements" in tables and "sizing.vehicle_packs" in tables  # curated and computed
    assert latest["changed_rows"] == sum(summary.values())
    assert latest["sources_hash"] != first.iloc[-1]["sources_hash"]

    # The earlier release's file opens read-only and answers with the earlier value.
    shutil.copytree(releases_dir(built_warehouse), releases_dir(published), dirs_exist_ok=True)
    earlier = release_path(first.iloc[-1]["release_id"], published)
    sql = "SELECT value FROM {}.curated.vehicle_requirements WHERE vehicle_id = 'transit_bus' AND metric = 'range'"
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        con.execute(f"ATTACH '{earlier}' AS earlier (READ_ONLY)")
        now, then = con.execute(sql.format("battery")).fetchone()[0], con.execute(sql.format("earlier")).fetchone()[0]
    assert now == then + 10

    # ...and `battery query --release ID` opens it.
    from pipelines.cli import main

    assert main(["query", "--release", first.iloc[-1]["release_id"], "--csv", sql.format("curated").replace("curated.curated", "curated")]) == 0
    assert capsys.readouterr().out.split() == ["value", str(then)]
    with pytest.raises(UnknownRelease):
        release_path("v1999.01.01.1", published)


def test_a_rebuild_without_change_creates_no_release(published):
    first = _releases(published.published_db)
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        changes = con.execute("SELECT count(*) FROM meta.changes").fetchone()[0]
    assert build_dataset("vehicle_requirements", raise_on_error=True).success
    assert _releases(published.published_db).equals(first)
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.changes").fetchone()[0] == changes
    # no new release, so no new release file; the fixture's release had none, and gets it (issue 24)
    assert [p.stem for p in releases_dir(published).glob("*.duckdb")] == [first.iloc[-1]["release_id"]]


def test_a_failed_build_leaves_releases_untouched(published):
    _edit_range(published.sources)
    assert build_dataset("vehicle_requirements", raise_on_error=True).success
    files = sorted(releases_dir(published).iterdir())
    first = _releases(published.published_db)

    rewrite_csv(published.sources / T9, lambda rows: rows + [rows[1]])  # duplicate key: a blocking rule
    assert not build_dataset("vehicle_requirements").success
    assert sorted(releases_dir(published).iterdir()) == files
    assert _releases(published.published_db).equals(first)


# --------------------------------------------------------------------------- the diff and retention on small files


def _publish(paths: Paths, staging: Path, frames: dict[str, pd.DataFrame], unchanged: set[str] = frozenset()):
    """A miniature publish: staging starts from the published file, gets the tables, is
    recorded, then replaces the published file (as publish/atomic.py does). `unchanged`: tables
    the run did not write (staging's copies of the published ones)."""
    if paths.published_db.exists():
        shutil.copyfile(paths.published_db, staging)
    with duckdb.connect(str(staging)) as con:
        for table, frame in frames.items():
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.split('.')[0]}")
            con.register("_f", frame)
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _f")
            con.unregister("_f")
        release = record_release(con, previous=paths.published_db, paths=paths, tags={"dagster/sensor_name": "s"}, unchanged=unchanged)
    shutil.copyfile(staging, paths.published_db)
    return keep_release(paths, release)


def _small_warehouse(tmp_path: Path) -> tuple[Paths, Path]:
    """Paths of an empty warehouse (no sources) and the staging file of _publish."""
    (tmp_path / "sources").mkdir()
    paths = Paths(sources=tmp_path / "sources", warehouse_dir=tmp_path / "warehouse")
    paths.warehouse_dir.mkdir()
    return paths, tmp_path / "staging.duckdb"


def _small_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two vehicles' packs (keyed) and a one-row settings table (keyless)."""
    return (
        pd.DataFrame({"vehicle_id": ["bus", "truck"], "scenario_id": ["a", "a"], "pack_mass_kg": [1000.0, 2000.0]}),
        pd.DataFrame({"n_designs": [10], "seed": [1]}),
    )


def test_retention_removes_the_oldest_and_keyless_single_row_tables_diff_by_column(tmp_path, monkeypatch):
    monkeypatch.setenv("BATTERY_RELEASES_KEEP", "2")
    paths, staging = _small_warehouse(tmp_path)
    vehicles, settings = _small_tables()
    outcomes = []
    for seed in range(1, 5):
        settings["seed"] = seed
        outcomes.append(_publish(paths, staging, {"sizing.vehicle_packs": vehicles, "curated.design_sweep_settings": settings}))
    ids = [o["release_id"] for o in outcomes]
    assert len(set(ids)) == 4 and all(o["release_created"] for o in outcomes)
    assert sorted(p.stem for p in releases_dir(paths).glob("*.duckdb")) == sorted(ids[-2:])
    assert outcomes[-1]["releases_kept"] == 2
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        assert [r[0] for r in con.execute("SELECT release_id FROM meta.releases ORDER BY release_number").fetchall()] == ids
        assert {r[0] for r in con.execute("SELECT DISTINCT release_id FROM meta.changes").fetchall()} == set(ids[-2:])
        assert con.execute(
            "SELECT change, row_key, column_name, old_value, new_value, delta FROM meta.changes WHERE release_id = ?",
            [ids[-1]],
        ).fetchall() == [("changed", "(single row)", "seed", "3", "4", 1.0)]
        assert con.execute("SELECT DISTINCT trigger, trigger_name FROM meta.releases").fetchall() == [("sensor", "s")]

    # A row that moves, one that goes and one that arrives, by the table's key.
    moved = pd.DataFrame({"vehicle_id": ["bus", "tractor"], "scenario_id": ["a", "a"], "pack_mass_kg": [1012.0, 3000.0]})
    outcome = _publish(paths, staging, {"sizing.vehicle_packs": moved, "curated.design_sweep_settings": settings})
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        rows = con.execute(
            "SELECT change, row_key, column_name, delta FROM meta.changes WHERE release_id = ? ORDER BY ALL",
            [outcome["release_id"]],
        ).fetchall()
    assert rows == [
        ("added", "vehicle_id=tractor; scenario_id=a", None, None),
        ("changed", "vehicle_id=bus; scenario_id=a", "pack_mass_kg", pytest.approx(12.0)),
        ("removed", "vehicle_id=truck; scenario_id=a", None, None),
    ]


def test_tables_a_run_did_not_write_are_counted_without_being_compared(tmp_path):
    paths, staging = _small_warehouse(tmp_path)
    vehicles, settings = _small_tables()
    _publish(paths, staging, {"sizing.vehicle_packs": vehicles, "curated.design_sweep_settings": settings})
    moved = vehicles.assign(pack_mass_kg=[1001.0, 2000.0])
    outcome = _publish(paths, staging, {"sizing.vehicle_packs": moved}, unchanged={"curated.design_sweep_settings"})
    assert outcome["release_created"] and outcome["changed_rows"] == 1
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        counts = dict(con.execute(
            "SELECT table_name, (row_count, added, removed, changed) FROM meta.release_tables WHERE release_id = ?",
            [outcome["release_id"]],
        ).fetchall())
    assert counts == {"sizing.vehicle_packs": (2, 0, 0, 1), "curated.design_sweep_settings": (1, 0, 0, 0)}
    # a run that wrote nothing: no release
    outcome = _publish(paths, staging, {}, unchanged={"sizing.vehicle_packs", "curated.design_sweep_settings"})
    assert not outcome["release_created"]


def test_a_column_added_or_dropped_is_a_release_with_its_values(tmp_path):
    """Same rows, other columns: a release, each value of the new column as a change from null and
    each value of the dropped one as a change to null (a key column stays the key)."""
    paths, staging = _small_warehouse(tmp_path)
    before, _ = _small_tables()
    _publish(paths, staging, {"sizing.vehicle_packs": before})
    after = before.drop(columns="pack_mass_kg").assign(pack_cost_usd=[5.0, None])
    outcome = _publish(paths, staging, {"sizing.vehicle_packs": after})
    assert outcome["release_created"]
    with duckdb.connect(str(paths.published_db), read_only=True) as con:
        rows = con.execute(
            "SELECT change, row_key, column_name, old_value, new_value FROM meta.changes WHERE release_id = ? ORDER BY ALL",
            [outcome["release_id"]],
        ).fetchall()
        counts = con.execute(
            "SELECT added, removed, changed FROM meta.release_tables WHERE release_id = ? AND table_name = 'sizing.vehicle_packs'",
            [outcome["release_id"]],
        ).fetchone()
    assert rows == [
        ("changed", "vehicle_id=bus; scenario_id=a", "pack_cost_usd", None, "5.0"),
        ("changed", "vehicle_id=bus; scenario_id=a", "pack_mass_kg", "1000.0", None),
        ("changed", "vehicle_id=truck; scenario_id=a", "pack_mass_kg", "2000.0", None),
    ]
    assert counts == (0, 0, 2)


def test_table_fingerprints_ignore_row_order_and_see_any_changed_value():
    """The fast path of the release diff: equal fingerprints only for the same rows (any order)."""
    from pipelines.publish.releases import _fingerprints

    con = duckdb.connect()
    con.execute("CREATE SCHEMA s")
    con.execute("CREATE TABLE s.a AS SELECT * FROM (VALUES (1, 'x', 2.5), (2, 'y', NULL), (3, 'z', 0.0)) t(k, v, f)")
    con.execute("CREATE TABLE s.b AS SELECT * FROM s.a ORDER BY k DESC")
    con.execute("CREATE TABLE s.c AS SELECT k, v, CASE WHEN k = 2 THEN 1e-12 ELSE f END AS f FROM s.a")
    con.execute("CREATE TABLE s.d AS SELECT * FROM s.a UNION ALL SELECT * FROM s.a WHERE k = 1")
    catalog = con.execute("SELECT current_database()").fetchone()[0]
    prints = _fingerprints(con, catalog, ["s.a", "s.b", "s.c", "s.d"])
    assert prints["s.a"] == prints["s.b"]
    assert prints["s.c"] != prints["s.a"] and prints["s.d"] != prints["s.a"]
    assert prints["s.a"][0] == 3 and prints["s.d"][0] == 4
