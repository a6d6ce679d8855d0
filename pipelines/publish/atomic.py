"""Publish the staging database as the analysts' warehouse, all or nothing.

Each run starts from a copy of the published warehouse in warehouse/.build/staging.duckdb
(start_staging) and its assets write into it. Publishing checkpoints it and copies it next to
the published file: the file as it is when the tables rewritten this run left few free blocks
in it, else its content written into a fresh database (COPY FROM DATABASE: only live data, so
the published file does not grow with every refresh the way a file copy of a rewritten DuckDB
file does); then it checks the copy and renames it over warehouse/battery.duckdb. The rename is atomic: an
analyst's open read-only connection keeps reading the old file whole, a new connection sees
the new file whole, and a build killed at any point before the rename leaves the published
file exactly as it was.

Self-healing: every run first removes what a killed or failed run left (temporary copies,
a half-written seed). A published file that does not open as a complete database (zero bytes,
garbage, truncated) is renamed aside as the one damaged copy (battery.duckdb.damaged, replacing
an earlier one) and reported; the newest intact release file is copied in its place, so the
build continues the release history and numbering from it (from sources only when no release
file is intact), and that build deletes no release file. A file another process holds open
for writing is not damage: the build waits for it, then refuses, saying who holds it.
The release of the published file always has its release file: a build killed between the
swap and the copy leaves it to the next build, which writes it from the published file.
"""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

import duckdb

from pipelines.provenance import code_digest, git_commit
from pipelines.publish.duckdb_tables import close_shared, connect, per_table, quoted, shared_connection
from pipelines.publish.exports import refresh_stale_exports
from pipelines.publish.meta_tables import (
    MIXED_CODE,
    carry_source_versions,
    read_build_code,
    write_build_code,
    write_column_lineage,
)
from pipelines.publish.releases import keep_release, record_release, release_files, releases_dir, repair_release_files
from pipelines.query import lock_holder
from pipelines.schemas.registry import all_tables
from pipelines.settings import Paths, lock_timeout_seconds


class IncompleteWarehouse(RuntimeError):
    pass


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_TABLES = "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = current_database()"


def _tables_in(path: Path) -> set[str]:
    with connect(path, read_only=True) as con:
        return {r[0] for r in con.execute(_TABLES).fetchall()}


def _seed(paths: Paths) -> Path:
    return paths.staging_db.with_name(paths.staging_db.name + ".seed")


_HEADER_BYTES = 3 * 4096


class WarehouseHeld(RuntimeError):
    """Another process holds the published file open for writing: the file is not damaged, and
    the build neither sets it aside nor replaces it under that process."""


def damage_of(db: Path) -> str | None:
    """Why `db` is not a complete, readable database (None when it is). Raises WarehouseHeld
    when another process holds it open for writing: that is not damage."""
    if db.stat().st_size == 0:
        return "it is empty (0 bytes)"
    try:
        with connect(db, read_only=True) as con:
            # A DuckDB file is 3 header blocks then its blocks: one cut short has lost data (the
            # catalog may still open, row counts come from metadata, the data is gone).
            tables = con.execute(_TABLES).fetchall()
            size = db.stat().st_size
            needed = _bytes_needed(con, [name for (name,) in tables], size)
            if size < needed:
                return f"it is truncated ({size} bytes, its blocks reach byte {needed})"
            # every table's rows counted (its catalog entry and row groups read), in one query
            per_table(con, {name: ".".join(map(quoted, name.split(".", 1))) for (name,) in tables}, "count(*)")
    except (duckdb.Error, OSError) as exc:
        holder = lock_holder(exc)
        if holder is not None:
            raise WarehouseHeld(holder) from None
        return f"it does not open as a DuckDB database ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    if not tables:
        return "it holds no table"
    return None


def _bytes_needed(con: duckdb.DuckDBPyConnection, tables: list[str], size: int) -> int:
    """The bytes a complete file of `size` bytes holds: the header, then every block up to the
    highest one in use.

    DuckDB counts blocks to its high-water mark (pragma_database_size's total_blocks) and cuts
    free blocks off the end of the file at a checkpoint, so a sound file is often shorter than
    total_blocks promises (a rebuild that replaced a table with a smaller one). When it is, the
    highest block any table's data (its segments and their overflow blocks, long strings) or the
    catalog's metadata lives in decides."""
    blocks, block_size = con.execute("SELECT total_blocks, block_size FROM pragma_database_size()").fetchone()
    if _HEADER_BYTES + blocks * block_size <= size:
        return _HEADER_BYTES + blocks * block_size  # long enough for every block: nothing to look up
    parts = ["SELECT max(block_id) AS b FROM pragma_metadata_info()"] + [
        "SELECT greatest(max(block_id), max(list_max(additional_block_ids))) FROM pragma_storage_info('{}') WHERE persistent".format(
            ".".join(map(quoted, name.split(".", 1))).replace("'", "''"))
        for name in tables
    ]
    (highest,) = con.execute(f"SELECT max(b) FROM ({' UNION ALL '.join(parts)})").fetchone()
    return _HEADER_BYTES + ((highest if highest is not None else -1) + 1) * block_size


def damage_after_waiting(db: Path, timeout: float) -> str | None:
    """damage_of(db), waiting up to `timeout` seconds while another process holds the file open
    for writing; then refused with who holds it and what to do."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return damage_of(db)
        except WarehouseHeld as held:
            if time.monotonic() >= deadline:
                raise WarehouseHeld(
                    f"{db} is open for writing by {held} (waited {timeout:.0f} s, BATTERY_LOCK_TIMEOUT_SECONDS). "
                    "It is not damaged and nothing was changed: close that connection, or open the warehouse with "
                    "read_only=True as analysts should, then build again."
                ) from None
            time.sleep(0.5)


# Published files found complete, by (path, inode, size, mtime): `battery build` checks before
# its run and the run's staging setup checks again; the same unchanged file is read once.
_verified: set[tuple[str, int, int, int]] = set()


def damaged_copy(paths: Paths) -> Path:
    """The one damaged copy kept (git-ignored: warehouse/*.damaged*); a later damage replaces it."""
    return paths.published_db.with_name(paths.published_db.name + ".damaged")


def recovery_marker(paths: Paths) -> Path:
    """Present from a recovery until the next publish: that publish deletes no release file."""
    return paths.build_dir / "recovered"


def _newest_release_in(db: Path) -> str | None:
    try:
        with connect(db, read_only=True) as con:
            row = con.execute("SELECT release_id FROM meta.releases ORDER BY release_number DESC LIMIT 1").fetchone()
    except duckdb.Error:
        return None
    return row[0] if row else None


def restore_newest_release(paths: Paths) -> tuple[str | None, list[str]]:
    """Copy the newest intact release file (it opens, every table reads, and its meta.releases
    names it as its newest release) over the published path. Returns (release id or None, the
    release files found damaged on the way, which are left where they are)."""
    skipped = []
    for candidate in reversed(release_files(releases_dir(paths))):
        try:
            problem = damage_of(candidate)
        except WarehouseHeld:
            problem = "held open for writing by another process"
        if problem is None and _newest_release_in(candidate) != candidate.stem:
            problem = "its meta.releases does not name it as its newest release"
        if problem is not None:
            skipped.append(f"{candidate.name} ({problem})")
            continue
        tmp = paths.warehouse_dir / f".battery.duckdb.{os.getpid()}.tmp"
        try:
            shutil.copyfile(candidate, tmp)
            tmp.chmod(0o644)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, paths.published_db)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(paths.warehouse_dir)
        return candidate.stem, skipped
    return None, skipped


def set_aside_damaged_warehouse(paths: Paths) -> str | None:
    """Recover from a damaged published file: keep it as the one damaged copy, restore the newest
    intact release file in its place (history and release numbering continue from it), or, with
    none, let the build rebuild from sources. A file another process holds open for writing is
    not damage: wait for it (BATTERY_LOCK_TIMEOUT_SECONDS), then refuse (WarehouseHeld).
    Returns what was done, for the run's log."""
    db = paths.published_db
    if not db.exists():
        return None
    st = db.stat()
    signature = (str(db.resolve()), st.st_ino, st.st_size, st.st_mtime_ns)
    if signature in _verified:
        return None
    damage = damage_after_waiting(db, lock_timeout_seconds())
    if damage is None:
        _verified.add(signature)
        return None
    aside = damaged_copy(paths)
    os.replace(db, aside)
    db.with_name(db.name + ".wal").unlink(missing_ok=True)
    paths.build_dir.mkdir(parents=True, exist_ok=True)
    recovery_marker(paths).touch()
    restored, skipped = restore_newest_release(paths)
    note = f"{db} was damaged: {damage}. Kept it as {aside} (the only damaged copy kept; delete it when done). "
    if skipped:
        note += f"Damaged release files left in place: {', '.join(skipped)}. "
    if restored:
        st = db.stat()
        _verified.add((str(db.resolve()), st.st_ino, st.st_size, st.st_mtime_ns))
        return note + f"Restored release {restored} from {releases_dir(paths) / (restored + '.duckdb')}; this build continues its history."
    return note + "No intact release file to restore from: this build rebuilds the warehouse from sources."


def start_staging(paths: Paths) -> list[str]:
    """Every run starts from the published warehouse. A run that fails (or is killed) leaves
    its partial writes in staging; without this reset a later, unrelated run would publish them.
    Returns notes for the run's log (a damaged published file set aside)."""
    close_shared(paths.staging_db)
    notes = tidy_up(paths)
    notes += refresh_stale_exports(paths.published_db, paths.table_exports_dir)
    if paths.published_db.exists():
        tmp = _seed(paths)
        try:
            shutil.copyfile(paths.published_db, tmp)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OSError(exc.errno, f"could not copy {paths.published_db} into staging ({tmp}): {exc.strerror}") from None
        os.replace(tmp, paths.staging_db)
    else:
        paths.staging_db.unlink(missing_ok=True)
    return notes


def tidy_up(paths: Paths) -> list[str]:
    """What every build does first, under the build lock, whether it rebuilds tables or finds
    everything up to date (`battery build`): remove what a killed build left (temporary copies,
    staging's write-ahead log), set a damaged published file aside (restoring the latest intact
    release), and write a release file a build stopped before copying. Returns the notes."""
    paths.build_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(paths)
    paths.staging_db.with_name(paths.staging_db.name + ".wal").unlink(missing_ok=True)
    notes = [note for note in [set_aside_damaged_warehouse(paths)] if note]
    return notes + repair_release_files(paths)


def remove_stale_temporaries(paths: Paths) -> None:
    """Left-overs of a build killed or failed mid-copy: never published, safe to delete."""
    for tmp in [*paths.warehouse_dir.glob(".battery.duckdb.*.tmp*"), _seed(paths)]:
        tmp.unlink(missing_ok=True)


def _write_compact_copy(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Write the live content of the connection's database (tables, comments, constraints,
    views) into a new file `target`: no blocks freed by earlier rewrites come along."""
    source = con.execute("SELECT current_database()").fetchone()[0]
    con.execute(f"ATTACH '{target}' AS battery_publish")  # our own path, not user text
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO battery_publish')
    finally:
        con.execute("DETACH battery_publish")


# Publishing copies staging's file as it is when its free blocks (left by tables rewritten this
# run) are at most this share of it, else writes a compact copy (COPY FROM DATABASE): the file
# stays within about 1/(1 - share) of its live size, and a rebuild that rewrites a few tables
# publishes with a file copy instead of re-encoding every table.
COMPACT_ABOVE_FREE_SHARE = 0.15


def _free_share(con: duckdb.DuckDBPyConnection) -> float:
    total, free = con.execute("SELECT total_blocks, free_blocks FROM pragma_database_size()").fetchall()[0]
    return free / total if total else 0.0


def publish(
    paths: Paths, run_id: str | None = None, tags: dict[str, str] | None = None, unchanged: Iterable[str] = (),
    rebuilt: Iterable[str] | None = None, default_settings: bool = True,
) -> dict:
    """Publish staging. `unchanged`: tables of staging known to equal the published file's
    (never rewritten since staging was copied from it), which the release diff takes as they are.
    `rebuilt`: the dataset folders whose tables this run rebuilt (None: every table, by the code
    and settings of a plain build). A run that built every table records the code this process
    runs in meta.build_code. One that built some keeps the other folders' versions as published
    (meta_tables.carry_source_versions), and the code row staging was copied with when it names
    this code; when it names other code the tables now come from two codes, and the row says
    MIXED_CODE, so the next `battery build` rebuilds everything whatever code it runs. So does a
    run with `default_settings` False (run config of the table steps, such as the Monte Carlo
    sample count)."""
    staging = paths.staging_db
    if not staging.exists():
        raise IncompleteWarehouse(f"nothing to publish: {staging} does not exist (run a full build)")
    # The run's own connection (see io_manager.py): checkpoint so the file alone holds everything.
    con = shared_connection(staging)
    write_column_lineage(con)  # meta.column_lineage, from the code that built these tables
    if rebuilt is not None:
        carry_source_versions(con, paths.published_db, set(rebuilt))
    if not default_settings or (rebuilt is not None and read_build_code(con) != code_digest()):
        write_build_code(con, MIXED_CODE, git_commit())  # not one code with the default settings
    elif rebuilt is None:
        write_build_code(con, code_digest(), git_commit())
    # meta.releases / meta.changes against the file about to be replaced (publish/releases.py)
    release = record_release(con, previous=paths.published_db, paths=paths, run_id=run_id, tags=tags, unchanged=unchanged)
    con.execute("CHECKPOINT")
    expected = set(all_tables())
    missing = sorted(expected - {r[0] for r in con.execute(_TABLES).fetchall()})
    if missing:
        raise IncompleteWarehouse(
            "staging is missing tables " + ", ".join(missing) + ": run a full build (`make build`) before publishing"
        )

    remove_stale_temporaries(paths)
    tmp = paths.warehouse_dir / f".battery.duckdb.{os.getpid()}.tmp"
    try:
        if _free_share(con) <= COMPACT_ABOVE_FREE_SHARE:
            # Checkpointed and closed, the file alone holds the database (no WAL): copied whole.
            close_shared(staging)
            if staging.with_name(staging.name + ".wal").exists():
                raise IncompleteWarehouse(f"{staging} kept a write-ahead log after its checkpoint; nothing was published")
            shutil.copyfile(staging, tmp)
        else:
            _write_compact_copy(con, tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        published_tables = _tables_in(tmp)  # the copy opens and holds everything: only then replace
    except BaseException:
        remove_stale_temporaries(paths)
        raise
    if not expected <= published_tables:
        remove_stale_temporaries(paths)
        raise IncompleteWarehouse("the copied database is incomplete; the published warehouse was left unchanged")
    os.replace(tmp, paths.published_db)
    _fsync_dir(paths.warehouse_dir)
    outcome = {"tables": len(published_tables), "bytes": paths.published_db.stat().st_size}
    recovering = recovery_marker(paths).exists()  # a recovery's publish deletes no release file
    kept = keep_release(paths, release, prune=not recovering)  # release file + retention, only after the swap
    recovery_marker(paths).unlink(missing_ok=True)
    return {**outcome, **kept}
