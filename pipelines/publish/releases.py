"""Every successful publish that changes data is a release: recorded in meta.releases inside the
published file, diffed row by row against the previous release into meta.changes, and kept
as a read-only file warehouse/releases/<release_id>.duckdb for the newest BATTERY_RELEASES_KEEP
releases (default 36).

Plain module (no Dagster). publish/atomic.py calls record_release() on the staging connection
before the checkpoint and copy, and keep_release() once the new file is in place, so a failed
build or a publish that dies before the swap leaves no release behind.

The diff runs in DuckDB: the previous published file is ATTACHed read-only, `EXCEPT` finds the
rows that differ, anti-joins on the table's key (from its pandera model, schemas/base.py
table_key) split them into added and removed, and a join plus UNPIVOT lists each changed
column with its old and new value. A rebuild whose tables equal the previous release's creates
no release (the file keeps the previous release's meta tables, so it still says which release
it is).
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.provenance import checkout, sources_sha256
from pipelines.publish.duckdb_tables import _literal, comment_table, connect, has_table, per_table, quoted
from pipelines.query import UnknownRelease, lock_holder, release_file, release_files, release_order  # noqa: F401
from pipelines.schemas.base import column_docs, table_key
from pipelines.schemas.meta.releases import Releases
from pipelines.schemas.registry import META, documented_tables
from pipelines.settings import PROJECT_ROOT, Paths, setting

PREVIOUS = "previous_release"  # catalog name of the ATTACHed previous file
_DDL_TYPES = {"str": "VARCHAR", "int64": "BIGINT", "float64": "DOUBLE", "bool": "BOOLEAN", "datetime64[ns]": "TIMESTAMP"}
_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "UTINYINT",
            "USMALLINT", "UINTEGER", "UBIGINT")


@dataclass
class Release:
    release_id: str | None  # None: nothing changed, no release was created
    previous_release_id: str | None
    changed_rows: int = 0
    tables: dict[str, dict] = field(default_factory=dict)  # table -> rows, added, removed, changed
    retained: list[str] = field(default_factory=list)  # release ids whose files stay after this publish
    history: list[str] = field(default_factory=list)  # every release id in the file's meta.releases

    @property
    def created(self) -> bool:
        return self.release_id is not None


def keep_count() -> int:
    return setting("BATTERY_RELEASES_KEEP")


def releases_dir(paths: Paths) -> Path:
    return paths.warehouse_dir / "releases"


def release_path(release_id: str, paths: Paths | None = None) -> Path:
    """The read-only file of a retained release (what `battery query --release ID` opens)."""
    from pipelines.settings import current_paths

    return release_file(release_id, (paths or current_paths()).published_db)


# --------------------------------------------------------------------------- provenance


def sources_hash(sources: Path) -> str:
    """SHA-256 of sources/ (provenance.sources_sha256: hidden entries left aside, links never read)."""
    return sources_sha256(sources)


def git_commit(root: Path = PROJECT_ROOT) -> str | None:
    """The commit a release records: its full hash, "-dirty" when tracked files differ from it;
    None outside a git checkout (provenance.checkout)."""
    commit, dirty, _ = checkout(root)
    return None if commit is None else commit + ("-dirty" if dirty else "")


def trigger_of(tags: dict[str, str] | None) -> tuple[str, str | None]:
    """cli / sensor / schedule / backfill / ui from the Dagster run tags (`battery build` tags
    its runs battery/trigger=cli)."""
    tags = tags or {}
    if tags.get("dagster/sensor_name"):
        return "sensor", tags["dagster/sensor_name"]
    if tags.get("dagster/schedule_name"):
        return "schedule", tags["dagster/schedule_name"]
    if tags.get("dagster/backfill"):
        return "backfill", tags["dagster/backfill"]
    if tags.get("battery/trigger") == "cli":
        return "cli", None
    return "ui", None


# --------------------------------------------------------------------------- the diff


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> dict[str, str]:
    schema, name = table.split(".", 1)
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? ORDER BY column_index",
        [catalog, schema, name],
    ).fetchall()
    return dict(rows)


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    rows = con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name <> 'meta' "
        "ORDER BY 1",
        [catalog],
    ).fetchall()
    return [r[0] for r in rows]


def _ref(catalog: str, table: str) -> str:
    schema, name = table.split(".", 1)
    return f"{quoted(catalog)}.{quoted(schema)}.{quoted(name)}"


def _all_columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, dict[str, str]]:
    """table -> {column: type} of every table of `catalog` but meta.*, in one query."""
    rows = con.execute(
        "SELECT schema_name || '.' || table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name <> 'meta' ORDER BY schema_name, table_name, column_index",
        [catalog],
    ).fetchall()
    columns: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        columns.setdefault(table, {})[column] = kind
    return columns


def _fingerprints(con: duckdb.DuckDBPyConnection, catalog: str, tables: list[str]) -> dict[str, tuple[int, int]]:
    """table -> (rows, sum of the row hashes): equal for two tables holding the same rows in any
    order. One query for all tables: the release diff runs only where a fingerprint differs."""
    found = per_table(con, {t: _ref(catalog, t) for t in tables}, "count(*), coalesce(sum(hash(r)::HUGEINT), 0)")
    return {t: (n, int(h)) for t, (n, h) in found.items()}


def _row_counts(con: duckdb.DuckDBPyConnection, catalog: str, tables: list[str]) -> dict[str, tuple[int, None]]:
    """table -> (rows, None) in one query."""
    return {t: (n, None) for t, (n,) in per_table(con, {t: _ref(catalog, t) for t in tables}, "count(*)").items()}


def diff_table(
    con: duckdb.DuckDBPyConnection,
    release_id: str,
    table: str,
    new_db: str,
    old_db: str | None,
    new_cols: dict[str, str] | None = None,
    old_cols: dict[str, str] | None = None,
    rows: int | None = None,
) -> dict:
    """Insert the changes of one table into meta.changes; return its counts. The columns of
    either side and the new row count may be passed when already known."""
    model = documented_tables().get(table)
    new_cols = new_cols if new_cols is not None else _columns(con, new_db, table)
    old_cols = (old_cols if old_cols is not None else _columns(con, old_db, table)) if old_db else {}
    common = [c for c in new_cols if c in old_cols] or list(new_cols)
    key = [k for k in (table_key(model) if model is not None else []) if k in common]
    # A column one side lacks reads as NULL there: a column added or dropped changes every row
    # holding a value in it, and the release records those values.
    every = [*new_cols, *(c for c in old_cols if c not in new_cols)] if old_cols else list(new_cols)

    def side(cols: dict[str, str], other: dict[str, str]) -> str:
        return ", ".join(quoted(c) if c in cols else f"CAST(NULL AS {other[c]}) AS {quoted(c)}" for c in every)

    new_src = f"SELECT {side(new_cols, old_cols)} FROM {_ref(new_db, table)}"
    old_src = f"SELECT {side(old_cols, new_cols)} FROM {_ref(old_db, table)}" if old_cols else f"{new_src} WHERE false"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _new_diff AS {new_src} EXCEPT {old_src}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _old_diff AS {old_src} EXCEPT {new_src}")
    n_new, n_old = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("_new_diff", "_old_diff"))
    if rows is None:
        rows = con.execute(f"SELECT count(*) FROM {_ref(new_db, table)}").fetchone()[0]
    counts = {"rows": rows, "added": 0, "removed": 0, "changed": 0, "key": ";".join(key)}
    if n_new == 0 and n_old == 0:
        return counts
    single_row = not key and rows <= 1 and (con.execute(f"SELECT count(*) FROM ({old_src})").fetchone()[0] <= 1)
    # Rows are matched by key; a keyless single-row table (e.g. design_sweep_settings) matches its
    # one row to the other; any other keyless table is compared as whole rows.
    ident = key if key else ([] if single_row else common)
    on = " AND ".join(f"d.{quoted(k)} IS NOT DISTINCT FROM o.{quoted(k)}" for k in ident) or "true"  # a key part may be null
    row_key = (
        "concat_ws('; ', " + ", ".join(f"'{k}=' || coalesce(CAST(d.{quoted(k)} AS VARCHAR), 'NULL')" for k in ident) + ")"
        if ident
        else "'(single row)'"
    )
    insert = "INSERT INTO meta.changes (release_id, table_name, change, row_key, column_name, old_value, new_value, delta)"
    for change, side, other in (("added", "_new_diff", "_old_diff"), ("removed", "_old_diff", "_new_diff")):
        cur = con.execute(
            f"{insert} SELECT ?, ?, '{change}', {row_key}, NULL, NULL, NULL, NULL "
            f"FROM {side} d WHERE NOT EXISTS (SELECT 1 FROM {other} o WHERE {on})",
            [release_id, table],
        )
        counts[change] = cur.fetchone()[0]
    values = [c for c in every if c not in ident]
    if values and (n_new - counts["added"]) > 0:
        parts, unpivot = [f"{row_key} AS _row_key"], []
        for i, c in enumerate(values):
            numeric = new_cols.get(c, "").split("(")[0] in _NUMERIC and old_cols.get(c, "").split("(")[0] in _NUMERIC
            delta = f"CAST(n.{quoted(c)} AS DOUBLE) - CAST(d.{quoted(c)} AS DOUBLE)" if numeric else "NULL"
            moved = f"d.{quoted(c)} IS DISTINCT FROM n.{quoted(c)}"  # cast only what changed: unchanged gives NULLs
            parts += [
                f"CASE WHEN {moved} THEN CAST(d.{quoted(c)} AS VARCHAR) END AS o{i}",
                f"CASE WHEN {moved} THEN CAST(n.{quoted(c)} AS VARCHAR) END AS n{i}",
                f"CASE WHEN {moved} THEN CAST({delta} AS DOUBLE) END AS x{i}",
            ]
            unpivot.append(f"(o{i}, n{i}, x{i}) AS {quoted(c)}")  # column name as the label
        # d: the old row, n: the new row with the same key
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _pairs AS SELECT {', '.join(parts)} "
            f"FROM _old_diff d JOIN _new_diff n ON {on.replace('o.', 'n.')}"
        )
        con.execute(
            f"{insert} SELECT ?, ?, 'changed', _row_key, column_name, old_value, new_value, delta "
            f"FROM _pairs UNPIVOT INCLUDE NULLS ((old_value, new_value, delta) FOR column_name IN ({', '.join(unpivot)})) "
            "WHERE old_value IS DISTINCT FROM new_value",
            [release_id, table],
        )
        counts["changed"] = con.execute("SELECT count(*) FROM _pairs").fetchone()[0]
        con.execute("DROP TABLE _pairs")
    return counts


# --------------------------------------------------------------------------- meta tables


def ensure_meta_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    for qualified, model in META.items():
        docs = column_docs(model)
        columns = ", ".join(f"{quoted(d.name)} {_DDL_TYPES[d.dtype]}" for d in docs)
        con.execute(f"CREATE TABLE IF NOT EXISTS {qualified} ({columns})")
        comment_table(con, qualified, model, [d.name for d in docs])


def _previous(con: duckdb.DuckDBPyConnection, catalog: str) -> tuple[str | None, int]:
    if not has_table(con, "meta.releases", catalog):
        return None, 0
    row = con.execute(
        f"SELECT release_id, release_number FROM {_ref(catalog, 'meta.releases')} ORDER BY release_number DESC LIMIT 1"
    ).fetchone()
    return (row[0], row[1]) if row else (None, 0)


def _new_release_id(con: duckdb.DuckDBPyConnection, now: dt.datetime, folder: Path | None = None) -> str:
    """vYYYY.MM.DD.N with N one above the day's highest in meta.releases and among the release
    files of `folder`: an id is never given to two releases, even
    when the history was rebuilt after damage."""
    prefix = now.strftime("v%Y.%m.%d.")
    used = [r[0] for r in con.execute("SELECT release_id FROM meta.releases WHERE starts_with(release_id, ?)", [prefix]).fetchall()]
    if folder is not None and folder.is_dir():
        used += [p.stem for p in folder.iterdir() if p.name.startswith(prefix) and p.suffix == ".duckdb"]
    return f"{prefix}{max([release_order(r)[-1] for r in used if release_order(r)[0] >= 0], default=0) + 1}"


def record_release(
    con: duckdb.DuckDBPyConnection,
    previous: Path,
    paths: Paths,
    run_id: str | None = None,
    tags: dict[str, str] | None = None,
    unchanged: Iterable[str] = (),
) -> Release:
    """Diff the staging database (con's own catalog) against the previous published file and,
    when anything changed, append the release to meta.releases / meta.release_tables /
    meta.changes. Runs inside one transaction: an error leaves staging's meta tables as they were.
    `unchanged`: tables known to equal the previous file's (staging's copies never rewritten),
    counted but not compared."""
    new_db = con.execute("SELECT current_database()").fetchone()[0]
    attached = previous.exists()
    if attached:
        try:
            con.execute(f"ATTACH {_literal(str(previous))} AS {PREVIOUS} (READ_ONLY)")
        except duckdb.Error as exc:
            # Never "nothing to compare with": that would restart the release history. The file
            # was verified when the run started (publish/atomic.py), so this is someone else's hold.
            holder = lock_holder(exc)
            reason = f"it is open for writing by {holder}" if holder else str(exc).splitlines()[0]
            raise RuntimeError(
                f"could not read the published {previous} to compare with ({reason}); nothing was published: "
                "close that connection (analysts open the warehouse with read_only=True) and build again"
            ) from None
    try:
        prev_id, prev_number = _previous(con, PREVIOUS) if attached else (None, 0)
        con.execute("BEGIN TRANSACTION")
        try:
            ensure_meta_tables(con)
            now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
            release_id = _new_release_id(con, now, releases_dir(paths))
            present = _tables(con, new_db)
            counts = _diff_tables(con, release_id, present, new_db, frozenset(unchanged)) if attached else {
                t: _count_only(con, new_db, t) for t in present
            }
            if attached:  # tables the new build no longer has
                for gone in sorted(set(_tables(con, PREVIOUS)) - set(counts)):
                    counts[gone] = _removed_table(con, release_id, gone)
            changed = sum(c["added"] + c["removed"] + c["changed"] for c in counts.values())
            if attached and prev_id is not None and changed == 0:
                con.execute("ROLLBACK")
                return Release(None, prev_id, 0, counts, _retained_ids(con, None), _retained_ids(con, None))
            trigger, trigger_name = trigger_of(tags)
            row = Releases.validate(
                _frame(
                    release_id=release_id,
                    release_number=prev_number + 1,
                    published_at=now.replace(tzinfo=None),
                    previous_release_id=prev_id,
                    git_commit=git_commit(),
                    sources_hash=sources_hash(paths.sources),
                    trigger=trigger,
                    trigger_name=trigger_name,
                    run_id=run_id,
                    tables=len(present),
                    rows=sum(c["rows"] for c in counts.values()),
                    changed_rows=changed,
                )
            )
            values = row.iloc[0].to_dict()
            names = ", ".join(quoted(c) for c in values)
            con.execute(f"INSERT INTO meta.releases ({names}) VALUES ({', '.join('?' * len(values))})",
                        [None if v is None or v != v else v for v in values.values()])
            con.executemany(
                "INSERT INTO meta.release_tables VALUES (?, ?, ?, ?, ?, ?, ?)",
                [[release_id, t, c["rows"], c["added"], c["removed"], c["changed"], c["key"]] for t, c in counts.items()],
            )
            retained = _retained_ids(con, keep_count())
            history = _retained_ids(con, None)
            con.execute(
                "DELETE FROM meta.changes WHERE release_id NOT IN (SELECT unnest(?::VARCHAR[]))", [retained]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            con.execute("DROP TABLE IF EXISTS _new_diff")
            con.execute("DROP TABLE IF EXISTS _old_diff")
    finally:
        if attached:
            con.execute(f"DETACH {PREVIOUS}")
    return Release(release_id, prev_id, changed, counts, retained, history)


def _diff_tables(
    con: duckdb.DuckDBPyConnection, release_id: str, present: list[str], new_db: str, unchanged: frozenset[str] = frozenset()
) -> dict[str, dict]:
    """diff_table for every table of the new build against the previous release; a table whose
    columns and fingerprint (_fingerprints) equal the previous one's is unchanged without a diff,
    and so is a table of `unchanged` (known to be the previous one's) with the same columns."""
    new_cols, old_cols = _all_columns(con, new_db), _all_columns(con, PREVIOUS)
    same_columns = [t for t in present if new_cols.get(t) == old_cols.get(t)]
    known = [t for t in same_columns if t in unchanged]
    new_prints = _fingerprints(con, new_db, [t for t in present if t not in known])
    new_prints.update(_row_counts(con, new_db, known))
    old_prints = _fingerprints(con, PREVIOUS, [t for t in same_columns if t not in known])
    old_prints.update({t: new_prints[t] for t in known})
    counts = {}
    for t in present:
        if t in old_prints and old_prints[t] == new_prints[t]:
            model = documented_tables().get(t)
            key = [k for k in (table_key(model) if model is not None else []) if k in new_cols[t]]
            counts[t] = {"rows": new_prints[t][0], "added": 0, "removed": 0, "changed": 0, "key": ";".join(key)}
        else:
            counts[t] = diff_table(con, release_id, t, new_db, PREVIOUS, new_cols.get(t, {}), old_cols.get(t, {}), new_prints[t][0])
    return counts


def _frame(**values):
    import pandas as pd

    return pd.DataFrame([values])


def _count_only(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> dict:
    """First release: nothing to compare with, so only the row count."""
    rows = con.execute(f"SELECT count(*) FROM {_ref(catalog, table)}").fetchone()[0]
    model = documented_tables().get(table)
    return {"rows": rows, "added": 0, "removed": 0, "changed": 0, "key": ";".join(table_key(model) if model else [])}


def _removed_table(con: duckdb.DuckDBPyConnection, release_id: str, table: str) -> dict:
    rows = con.execute(f"SELECT count(*) FROM {_ref(PREVIOUS, table)}").fetchone()[0]
    con.execute(
        "INSERT INTO meta.changes VALUES (?, ?, 'removed', '(table removed)', NULL, ?, NULL, NULL)",
        [release_id, table, f"{rows} rows"],
    )
    return {"rows": 0, "added": 0, "removed": rows, "changed": 0, "key": ""}


def _retained_ids(con: duckdb.DuckDBPyConnection, keep: int | None) -> list[str]:
    limit = f"LIMIT {int(keep)}" if keep else ""
    if not has_table(con, "meta.releases"):
        return []
    return [r[0] for r in con.execute(f"SELECT release_id FROM meta.releases ORDER BY release_number DESC {limit}").fetchall()]


# --------------------------------------------------------------------------- release files


def keep_release(paths: Paths, release: Release, prune: bool = True) -> dict:
    """After the swap: copy the published file to warehouse/releases/<id>.duckdb (read-only),
    remove release files beyond the retention limit (not with `prune=False`: the publish of a
    recovery), and report the folder's size."""
    folder = releases_dir(paths)
    try:
        if release.created:
            _write_release_file(paths, release, folder, prune)
        problem = ""
    except OSError as exc:  # the warehouse is published; the next build writes the file (repair_release_files)
        problem = f"release file not written: {exc} (the next build writes it from the published file)"
    files = release_files(folder)
    return {
        "release_id": release.release_id or release.previous_release_id or "",
        "release_created": release.created,
        "changed_rows": release.changed_rows,
        "releases_kept": len(files),
        "releases_bytes": sum(p.stat().st_size for p in files),
        "changes": change_summary(release) + (f"\n{problem}" if problem else ""),
    }


def _copy_release_file(published: Path, release_id: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".*.tmp"):  # a copy interrupted by a killed publish
        stale.unlink(missing_ok=True)
    tmp = folder / f".{release_id}.{os.getpid()}.tmp"
    shutil.copyfile(published, tmp)
    tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    os.replace(tmp, folder / f"{release_id}.duckdb")


def _write_release_file(paths: Paths, release: Release, folder: Path, prune: bool = True) -> None:
    _copy_release_file(paths.published_db, release.release_id, folder)
    if not prune:
        return
    # Only files of this history (meta.releases) beyond the newest kept: a file this history does
    # not know (left from before a recovery) is never deleted.
    for old in release_files(folder):
        if old.stem in release.history and old.stem not in release.retained:
            old.unlink()


def repair_release_files(paths: Paths) -> list[str]:
    """The release the published file holds (the newest row of its meta.releases) always has its
    file: a build killed between the swap and the copy left it unwritten, and the published file
    is that release, so it is written from it now. Returns notes for the run's log."""
    db = paths.published_db
    if not db.exists():
        return []
    try:
        with connect(db, read_only=True) as con:
            has = has_table(con, "meta.releases")
            row = con.execute("SELECT release_id FROM meta.releases ORDER BY release_number DESC LIMIT 1").fetchone() if has else None
    except duckdb.Error:
        return []  # not readable now: the damage check before this one reports why
    folder = releases_dir(paths)
    if row is None or (folder / f"{row[0]}.duckdb").is_file():
        return []
    try:
        _copy_release_file(db, row[0], folder)
    except OSError as exc:
        return [f"release {row[0]} has no release file and it could not be written from {db}: {exc}"]
    return [f"release {row[0]} had no release file (a build stopped before copying it); written from {db}"]


def change_summary(release: Release) -> str:
    """One line per table that changed: the per-table summary of the build output and the UI."""
    if not release.created:
        return "no change since the previous release: no new release" if release.previous_release_id else ""
    lines = [
        f"{t}: +{c['added']} -{c['removed']} ~{c['changed']} of {c['rows']} rows"
        for t, c in release.tables.items()
        if c["added"] or c["removed"] or c["changed"]
    ]
    if release.previous_release_id is None:
        return "first release: nothing to compare with"
    return "\n".join(lines)


def summary_text(paths: Paths, con: duckdb.DuckDBPyConnection, outcome: dict | None = None, published: bool = True) -> str:
    """The release block of the build summary, read from the published file through `con`
    (`published`: False when the build found it up to date and published nothing)."""
    if _previous(con, con.execute("SELECT current_database()").fetchone()[0])[0] is None:
        return ""
    rid, at, prev, changed, commit, trigger = con.execute(
        "SELECT release_id, published_at, previous_release_id, changed_rows, git_commit, trigger "
        "FROM meta.releases ORDER BY release_number DESC LIMIT 1"
    ).fetchone()
    tables = con.execute(
        "SELECT table_name, added, removed, changed, row_count FROM meta.release_tables "
        "WHERE release_id = ? AND added + removed + changed > 0 ORDER BY table_name",
        [rid],
    ).fetchall()
    files = sorted(releases_dir(paths).glob("v*.duckdb")) if releases_dir(paths).is_dir() else []
    size = sum(p.stat().st_size for p in files)
    created = outcome.get("release_created", True) if outcome else True
    head = f"  release {rid} ({at:%Y-%m-%d %H:%M} UTC, {trigger}, code {(commit or 'unknown')[:12]})"
    if not published:
        head += ": the latest release; this build published nothing"
    elif not created:
        head += ": this build changed no row, so no new release"
    elif prev:
        head += f": {changed} rows changed since {prev} (make query NAME=what_changed)"
    lines = [head]
    if created and published:
        lines += [f"    {t:<36} +{a} -{r} ~{c} of {n}" for t, a, r, c, n in tables]
    lines.append(
        f"  releases kept: {len(files)} of at most {keep_count()} in {releases_dir(paths)} ({size / 1e6:.1f} MB)"
    )
    return "\n".join(lines)
