"""Recovery keeps history (issue 24): a process holding the published file open for writing is
not damage; real damage restores the newest intact release file, keeps the release history and
numbering, reuses no release id, deletes no release file and keeps one damaged copy; a release
whose file a killed build never wrote gets it from the next build."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines import cli
from pipelines.publish import atomic
from pipelines.publish.duckdb_tables import close_shared
from pipelines.publish.releases import releases_dir
from pipelines.settings import Paths
from tests.helpers import build_dataset, failure_message, rewrite_csv

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])  # read-write, as an analyst who forgot read_only=True
print("holding", flush=True)
time.sleep(600)
"""


def _hold_read_write(db: Path) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    return holder


def _releases(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT release_id, release_number, previous_release_id FROM meta.releases ORDER BY release_number").fetchall()


def _files(paths: Paths) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(releases_dir(paths).glob("*"))}


def _with_history(paths: Paths, earlier: int = 2) -> list[str]:
    """Give the published file `earlier` releases before its own (numbered 1..), and write the
    release file of its newest release, as a warehouse with some history has. Returns the ids."""
    with duckdb.connect(str(paths.published_db)) as con:
        (newest,) = con.execute("SELECT release_id FROM meta.releases").fetchone()
        ids = [f"v2026.01.{day:02d}.1" for day in range(1, earlier + 1)]
        con.execute("UPDATE meta.releases SET release_number = ?, previous_release_id = ?", [earlier + 1, ids[-1]])
        for number, rid in enumerate(ids, start=1):
            con.execute(
                "INSERT INTO meta.releases SELECT ?, ?, published_at - to_days(?), ?, git_commit, sources_hash, trigger, "
                "trigger_name, run_id, tables, rows, changed_rows FROM meta.releases WHERE release_id = ?",
                [rid, number, 100 - number, ids[number - 2] if number > 1 else None, newest],
            )
    folder = releases_dir(paths)
    folder.mkdir(exist_ok=True)
    for rid in ids:  # older release files: kept as they are, whatever they hold
        shutil.copyfile(paths.published_db, folder / f"{rid}.duckdb")
    shutil.copyfile(paths.published_db, folder / f"{newest}.duckdb")
    return [*ids, newest]


def _edit_range(sources: Path) -> None:
    def edit(rows):
        header = rows[0]
        for row in rows[1:]:
            if row[header.index("vehicle_id")] == "transit_bus" and row[header.index("metric")] == "range":
                row[header.index("published_text")] = str(int(row[header.index("published_text")]) + 10)
        return rows

    rewrite_csv(sources / "vehicle_requirements" / "table9.csv", edit)


def test_a_read_write_connection_held_during_a_build_is_not_damage(published, monkeypatch, capsys):
    """Before: the damage check saw the lock error, renamed the healthy file aside and rebuilt
    from scratch (meta.releases 15 -> 1, release files 7 -> 1)."""
    ids = _with_history(published)
    files, before = _files(published), published.published_db.read_bytes()
    monkeypatch.setenv("BATTERY_LOCK_TIMEOUT_SECONDS", "1")
    holder = _hold_read_write(published.published_db)
    try:
        started = time.monotonic()
        assert cli.main(["build"]) == 3
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert f"pid {holder.pid}" in err and "read_only=True" in err and "not damaged" in err
    assert waited < 30
    assert not list(published.warehouse_dir.glob("*damaged*"))
    assert published.published_db.read_bytes() == before and _files(published) == files
    assert [r[0] for r in _releases(published.published_db)] == ids


def test_a_writer_arriving_mid_build_fails_the_build_without_touching_history(published, monkeypatch, capsys):
    """The hold starts after the build's damage check, just before the publish compares with the
    published file: before, that comparison fell back to 'first release' and restarted the numbering."""
    ids = _with_history(published)
    files, before = _files(published), published.published_db.read_bytes()
    real_record = atomic.record_release
    holders = []

    def record_with_a_writer(*args, **kwargs):
        holders.append(_hold_read_write(published.published_db))
        return real_record(*args, **kwargs)

    monkeypatch.setattr(atomic, "record_release", record_with_a_writer)
    try:
        result = build_dataset("vehicle_requirements")  # the sensor's run: this closure, then the publish
    finally:
        for holder in holders:
            holder.kill()
            holder.wait()
    assert not result.success
    message = failure_message(result)
    assert "nothing was published" in message and f"open for writing by pid {holders[0].pid}" in message
    assert not list(published.warehouse_dir.glob("*damaged*"))
    assert published.published_db.read_bytes() == before and _files(published) == files
    assert [r[0] for r in _releases(published.published_db)] == ids


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_warehouse_is_restored_from_the_newest_release_and_its_history_continues(published, capsys, damage):
    """`battery build` for garbage; the sensor's run of one dataset's closure for a truncated file
    (restored, it holds every other table, so the closure alone can publish)."""
    ids = _with_history(published)
    files = _files(published)
    history = _releases(published.published_db)
    data = published.published_db.read_bytes()
    published.published_db.write_bytes(b"not a database " * 4096 if damage == "garbage" else data[: len(data) // 3])
    damaged = published.published_db.read_bytes()
    (published.warehouse_dir / "battery.duckdb.damaged").write_bytes(b"an older damaged copy")
    _edit_range(published.sources)  # this build makes a release

    if damage == "garbage":
        assert cli.main(["build"]) == 0
        err = capsys.readouterr().err
        assert f"Restored release {ids[-1]}" in err and str(published.warehouse_dir / "battery.duckdb.damaged") in err
    else:
        assert build_dataset("vehicle_requirements", raise_on_error=True).success
    [aside] = published.warehouse_dir.glob("*damaged*")  # one damaged copy: this one
    assert aside.read_bytes() == damaged
    after = _releases(published.published_db)
    assert after[: len(history)] == history  # meta.releases intact
    new_id, new_number, previous = after[-1]
    assert new_id not in ids and new_number == len(history) + 1 and previous == ids[-1]
    kept = _files(published)
    assert {name: kept[name] for name in files} == files  # no release file deleted or rewritten
    assert f"{new_id}.duckdb" in kept


def test_with_no_intact_release_the_rebuild_reuses_no_release_id_and_deletes_no_file(published, capsys):
    """Every release file is damaged too: the warehouse is rebuilt from sources, its new release
    takes an id no file has, and the damaged release file stays where it is."""
    with duckdb.connect(str(published.published_db), read_only=True) as con:
        (rid,) = con.execute("SELECT release_id FROM meta.releases").fetchone()
    folder = releases_dir(published)
    folder.mkdir()
    today = time.strftime("v%Y.%m.%d.1", time.gmtime())
    for name in {rid, today}:
        (folder / f"{name}.duckdb").write_bytes(b"garbage " * 1000)
    files = _files(published)
    published.published_db.write_bytes(b"garbage " * 1000)

    assert cli.main(["build"]) == 0
    err = capsys.readouterr().err
    assert "No intact release file" in err and "Damaged release files left in place" in err
    [(new_id, number, previous)] = _releases(published.published_db)
    assert f"{new_id}.duckdb" not in files and previous is None
    kept = _files(published)
    assert {name: kept[name] for name in files} == files


def test_a_release_whose_file_a_killed_build_never_wrote_gets_it_from_the_next_build(published, capsys):
    """SIGKILL between the swap and the release-file copy: meta.releases names a release with no
    file. The published file is that release, so the next run writes its file from it."""
    [(rid, _, _)] = _releases(published.published_db)
    assert not (releases_dir(published) / f"{rid}.duckdb").exists()  # the state the kill leaves
    notes = atomic.start_staging(published)  # what every run does first
    close_shared(published.staging_db)
    assert any(rid in note and "written from" in note for note in notes)
    assert cli.main(["query", "--release", rid, "--csv", "SELECT count(*) AS n FROM meta.releases"]) == 0
    assert capsys.readouterr().out.split() == ["n", "1"]


# --------------------------------------------------------------------------- exports move with the warehouse


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def with_exports(published, built_warehouse) -> Paths:
    shutil.copytree(built_warehouse.table_exports_dir, published.table_exports_dir)
    return published


def test_a_failed_build_changes_no_published_artefact(with_exports):
    """Warehouse, release files and exports are the ones of the last good publish, byte for byte."""
    atomic.start_staging(with_exports)  # the release of the published file gets its file (see above)
    close_shared(with_exports.staging_db)
    before = (with_exports.published_db.read_bytes(), _files(with_exports), _tree(with_exports.table_exports_dir))
    _edit_range(with_exports.sources)  # a real change...
    table9 = with_exports.sources / "vehicle_requirements" / "table9.csv"
    rewrite_csv(table9, lambda rows: rows + [rows[1]])  # ...and a blocking fault (duplicate key)
    assert not build_dataset("vehicle_requirements").success
    after = (with_exports.published_db.read_bytes(), _files(with_exports), _tree(with_exports.table_exports_dir))
    assert after == before


def test_exports_a_stopped_build_left_behind_are_rewritten_from_the_published_file(with_exports):
    """A build that published and then failed, or was killed, before its exports: the next run
    rewrites them from the published file before anything else."""
    from pipelines.publish.exports import exports_match

    assert exports_match(with_exports.published_db, with_exports.table_exports_dir)
    with duckdb.connect(str(with_exports.published_db)) as con:  # the new publish the exports missed
        con.execute("UPDATE curated.vehicle_requirements SET note = 'published after the exports' WHERE metric = 'range'")
    assert not exports_match(with_exports.published_db, with_exports.table_exports_dir)
    notes = atomic.start_staging(with_exports)
    close_shared(with_exports.staging_db)
    assert any("rewritten" in note for note in notes)
    assert exports_match(with_exports.published_db, with_exports.table_exports_dir)
    parquet = with_exports.table_exports_dir / "parquet" / "curated.vehicle_requirements.parquet"
    with duckdb.connect() as con:
        assert con.execute(f"SELECT count(*) FROM '{parquet}' WHERE note = 'published after the exports'").fetchone()[0] > 0


def test_the_damaged_copy_is_git_ignored(tmp_path):
    from pipelines.settings import PROJECT_ROOT

    for name in ("warehouse/battery.duckdb.damaged", "warehouse/battery.duckdb.damaged-20261206T120000"):
        done = subprocess.run(["git", "check-ignore", "--no-index", "-q", name], cwd=PROJECT_ROOT)
        assert done.returncode == 0, f"{name} is not git-ignored"
