"""`battery query`: read the published warehouse, and nothing else, in well under a second.

This module imports only duckdb and the standard library (no Dagster, no pandas, no pipeline
layer), so a query starts about as fast as `import duckdb`. The connection is confined before
any user text runs: read-only, no file or network access outside the warehouse file, no
extension installed or loaded, and the configuration locked so SQL cannot undo it.

Named queries are the files warehouse/queries/*.sql; a name is matched exactly against that
listing (never joined into a path). A named query may take parameters, declared in its header:

    -- param: vehicle = long_haul_truck   Vehicle type (curated.vehicle_requirements)

and used in its SQL as `$vehicle`; `--param vehicle=city_bus` overrides the default.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import sys
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import duckdb

QUERIES_DIR = Path(__file__).resolve().parent.parent / "warehouse" / "queries"
FORMATS = ("table", "csv", "json", "markdown")

# Set at connect time (before any user SQL) and locked: a statement cannot SET them back.
CONFINED = {
    "access_mode": "READ_ONLY",
    "enable_external_access": False,  # no COPY TO, ATTACH, read_text/read_csv of files, http
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}

_PARAM = re.compile(r"^--\s*param:\s*([a-z_][a-z0-9_]*)\s*=\s*(\S+)\s*(.*)$")


class QueryError(Exception):
    """A problem to report in a line or two, without a traceback."""

    exit_code = 1


class Interrupted(QueryError):
    exit_code = 130  # as a shell reports a command stopped by SIGINT


def warehouse_db() -> Path:
    # Same rule as pipelines.settings.Paths.published_db, without importing the pipeline package.
    folder = os.environ.get("BATTERY_WAREHOUSE_DIR") or Path(__file__).resolve().parent.parent / "warehouse"
    return Path(folder).resolve() / "battery.duckdb"


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


def lock_holder(exc: BaseException) -> str | None:
    """'pid N (program)' when `exc` is DuckDB refusing a file another process holds open for
    writing (the file is fine, someone else has it); None for any other error."""
    text = str(exc)
    if "Could not set lock on file" not in text:
        return None
    match = _LOCK_HOLDER.search(text)
    return f"pid {match['pid']} ({match['program']})" if match else "another process"


def connect_confined(db: Path, what: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only, confined connection to `db`; a file that does not open is reported in two
    lines, saying what to do (`what` names the file for the message: the warehouse by default)."""
    what = what or "the warehouse"
    if not db.is_file():
        raise QueryError(f"{db} does not exist: run `make build` first")
    try:
        return duckdb.connect(str(db), read_only=True, config=dict(CONFINED))
    except duckdb.Error as exc:
        holder = lock_holder(exc)
        if holder:
            raise QueryError(f"{what} {db} is open for writing by {holder}\n"
                             "close that connection (open it with read_only=True) and query again") from None
        raise QueryError(f"{what} {db} cannot be read: {_reason(exc).splitlines()[0]}\n{DAMAGED_ADVICE.get(what, DAMAGED_ADVICE[None])}") from None


DAMAGED_ADVICE = {
    None: "it is damaged: `make build` keeps it aside, restores the newest release file and rebuilds",
    "release file": "this release's file is damaged; query another one (--release) or the current warehouse",
}


# --------------------------------------------------------------------------- named queries


@dataclass(frozen=True)
class Param:
    name: str
    default: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    sql: str
    summary: str
    params: tuple[Param, ...]


def named_queries() -> dict[str, Path]:
    """name -> file, from the listing of warehouse/queries/*.sql only."""
    return {p.stem: p for p in sorted(QUERIES_DIR.glob("*.sql")) if p.is_file() and not p.is_symlink()}


def load_named(name: str) -> NamedQuery:
    path = named_queries().get(name)  # exact match against the listing: no path is built from `name`
    if path is None:
        raise QueryError(f"no named query {name!r} (see --list)")
    sql = path.read_text(encoding="utf-8")
    header = [line for line in sql.splitlines() if line.startswith("--")]
    summary = header[0].lstrip("- ").strip() if header else ""
    params = tuple(Param(m[1], m[2], m[3].strip()) for m in map(_PARAM.match, header) if m)
    return NamedQuery(name, sql, summary, params)


def bind_params(query: NamedQuery, given: list[str]) -> dict[str, str]:
    values = {p.name: p.default for p in query.params}
    for item in given:
        key, sep, value = item.partition("=")
        if not sep:
            raise QueryError(f"--param {item!r}: write it as key=value")
        if key not in values:
            takes = ", ".join(values) or "no parameters"
            raise QueryError(f"{query.name} has no parameter {key!r} (it takes {takes})")
        values[key] = value
    return values


# --------------------------------------------------------------------------- output


def _cell(value) -> str:
    return "" if value is None else str(value)


def _jsonable(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


BATCH_ROWS = 2048  # rows fetched from DuckDB's streaming result, then written, at a time
TABLE_MAX_ROWS = 200  # rows shown by table / markdown output unless --max-rows says otherwise
DEFAULT_TIMEOUT = 120.0  # seconds a statement may run (--timeout; 0 = no limit)


class Writer:
    """Writes one result to `out` as its batches arrive: memory holds one batch (a table's
    column widths come from its first batch), never the whole result."""

    def __init__(self, columns: list[str], fmt: str, out):
        self.columns, self.fmt, self.out, self.rows, self.widths = columns, fmt, out, 0, None
        if fmt == "csv":
            self.csv = csv.writer(out, lineterminator="\n")
            self.csv.writerow(columns)
        elif fmt == "json":
            out.write("[")
        elif fmt == "markdown":
            out.write("| " + " | ".join(columns) + " |\n")
            out.write("|" + "|".join("---" for _ in columns) + "|\n")

    def write(self, batch: list[tuple]) -> None:
        fmt, out = self.fmt, self.out
        if fmt == "csv":
            self.csv.writerows(batch)  # the csv module writes None as "" and other values as str(): as _cell
        elif fmt == "json":
            for row in batch:
                out.write(("," if self.rows else "") + "\n " + json.dumps(dict(zip(self.columns, map(_jsonable, row))), ensure_ascii=False))
                self.rows += 1
            return
        elif fmt == "markdown":
            escape = str.maketrans({"|": "\\|", "\n": " "})
            for row in batch:
                out.write("| " + " | ".join(_cell(v).translate(escape) for v in row) + " |\n")
        else:
            cells = [[_cell(v) for v in row] for row in batch]
            if self.widths is None:
                self.widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(self.columns)]
                out.write("  ".join(c.ljust(w) for c, w in zip(self.columns, self.widths)).rstrip() + "\n")
            for row in cells:
                out.write("  ".join(v.ljust(w) for v, w in zip(row, self.widths)).rstrip() + "\n")
        self.rows += len(batch)

    def close(self, more: bool, limit: int | None) -> None:
        if self.fmt == "table" and self.widths is None:
            self.out.write("  ".join(self.columns) + "\n")
        if self.fmt == "json":
            self.out.write("\n]\n" if self.rows else "]\n")
        if more:
            note = f"... more rows not shown (--max-rows {limit}; --max-rows N shows N, --format csv writes all)"
            if self.fmt in ("table", "markdown"):
                self.out.write(note + "\n")
            else:
                print(note, file=sys.stderr)
        elif self.fmt == "table":
            self.out.write(f"({self.rows} row{'s' if self.rows != 1 else ''})\n")


def write_result(columns: list[str], rows: list[tuple], fmt: str, out, max_rows: int | None = None) -> None:
    """Write rows already in memory (at most `max_rows` of them, when given)."""
    writer = Writer(columns, fmt, out)
    shown = rows if max_rows is None else rows[:max_rows]
    writer.write(shown)
    writer.close(len(shown) < len(rows), max_rows)


class Watchdog:
    """Stops the running statement on Ctrl-C or when `timeout` seconds have passed.

    DuckDB runs a statement with the GIL released and Python runs signal handlers only between
    bytecodes of the main thread, so a Python SIGINT handler would wait for the statement to end.
    Instead the C-level handler writes the signal to a socket (signal.set_wakeup_fd) that a
    thread watches; it calls `con.interrupt()`, which DuckDB checks while it runs."""

    def __init__(self, con: duckdb.DuckDBPyConnection, timeout: float | None):
        import signal
        import socket
        import threading

        self.con, self.timeout, self.reason = con, timeout, None
        self._read, self._write = socket.socketpair()
        self._write.setblocking(False)
        self._signals = threading.current_thread() is threading.main_thread()
        if self._signals:
            self._old_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
            self._old_handler = signal.signal(signal.SIGINT, self._on_sigint)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _on_sigint(self, signum, frame) -> None:  # between batches: the loop checks self.reason
        self.reason = self.reason or "interrupted (Ctrl-C)"

    def _watch(self) -> None:
        import select
        import signal
        import time as clock

        deadline = None if not self.timeout else clock.monotonic() + self.timeout
        while True:
            wait = None if deadline is None else max(0.0, deadline - clock.monotonic())
            ready, _, _ = select.select([self._read], [], [], wait)
            if not ready:
                self.reason = self.reason or f"stopped after {self.timeout:g} s (--timeout; --timeout 0 for no limit)"
                self.con.interrupt()
                return
            data = self._read.recv(64)
            if b"\xff" in data or not data:
                return
            if bytes([signal.SIGINT]) in data:
                self.reason = self.reason or "interrupted (Ctrl-C)"
                self.con.interrupt()
                return

    def close(self) -> None:
        import signal

        try:
            self._write.send(b"\xff")
        except OSError:
            pass
        self._thread.join(timeout=5)
        if self._signals:
            signal.set_wakeup_fd(self._old_fd)
            signal.signal(signal.SIGINT, self._old_handler)
        self._read.close()
        self._write.close()


def stream(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, str] | None, fmt: str, out,
           limit: int | None, timeout: float | None) -> None:
    """Run one statement and write its rows to `out` in batches as DuckDB produces them: at most
    `limit` rows (None: all); Ctrl-C and `timeout` stop it (QueryError)."""
    watchdog = Watchdog(con, timeout)
    try:
        try:
            cursor = con.execute(sql, params) if params else con.execute(sql)
            if cursor is None:  # DuckDB returns no cursor for a text without a statement
                raise QueryError("the text holds no statement (only ';' or comments): give one SELECT")
            if cursor.description is None:
                return
            writer = Writer([d[0] for d in cursor.description], fmt, out)
            more = False
            while watchdog.reason is None:
                want = BATCH_ROWS if limit is None else min(BATCH_ROWS, limit + 1 - writer.rows)
                batch = cursor.fetchmany(want)
                if limit is not None and writer.rows + len(batch) > limit:
                    batch, more = batch[: limit - writer.rows], True
                writer.write(batch)
                if more or len(batch) < want:
                    break
        except duckdb.Error as exc:
            if watchdog.reason is None:
                raise QueryError(_reason(exc)) from None
        if watchdog.reason is not None:
            out.flush()
            raise (Interrupted if "Ctrl-C" in watchdog.reason else QueryError)(f"query {watchdog.reason}")
        writer.close(more, limit)
    finally:
        watchdog.close()


# --------------------------------------------------------------------------- earlier releases


class UnknownRelease(QueryError):
    pass


RELEASE_ID = re.compile(r"^v(\d{4})\.(\d{2})\.(\d{2})\.(\d+)$")


def release_order(release_id: str) -> tuple[int, ...]:
    """Sort key of a release id vYYYY.MM.DD.N: by date, then by N as a number (.2 before .10)."""
    match = RELEASE_ID.match(release_id)
    return tuple(int(g) for g in match.groups()) if match else (-1,)


def release_files(folder: Path) -> list[Path]:
    """The release files of `folder` (warehouse/releases/), oldest release first."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.glob("v*.duckdb") if RELEASE_ID.match(p.stem) and not p.is_symlink()]
    return sorted(files, key=lambda p: release_order(p.stem))


def release_file(release_id: str, published_db: Path | None = None) -> Path:
    """warehouse/releases/<release_id>.duckdb, the read-only file of a retained release
    (written by pipelines/publish/releases.py; ids in meta.releases)."""
    folder = (published_db or warehouse_db()).parent / "releases"
    path = folder / f"{release_id}.duckdb"
    if not RELEASE_ID.match(release_id) or not path.is_file():
        kept = [p.stem for p in release_files(folder)]
        raise UnknownRelease(f"no release {release_id!r} in {folder}; retained releases: {', '.join(kept) or 'none'}")
    return path


# --------------------------------------------------------------------------- command


def run(sql: str, params: dict[str, str] | None = None, db: Path | None = None) -> tuple[list[str], list[tuple]]:
    """Execute one read-only statement on a confined connection: (column names, rows)."""
    with connect_confined(db or warehouse_db()) as con:
        try:
            cursor = con.execute(sql, params) if params else con.execute(sql)
        except duckdb.Error as exc:
            raise QueryError(_reason(exc)) from None
        if cursor is None:
            raise QueryError("the text holds no statement (only ';' or comments): give one SELECT")
        if cursor.description is None:
            return [], []
        return [d[0] for d in cursor.description], cursor.fetchall()


def _reason(exc: Exception) -> str:
    # DuckDB's message is "<Kind> Error: <reason>" plus, for binder errors, a "LINE n: ..." excerpt;
    # keep the first two lines of it.
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return "\n".join(lines[:2]) if lines else type(exc).__name__


def list_named(out) -> None:
    for name in named_queries():
        query = load_named(name)
        takes = f"  [params: {', '.join(f'{p.name}={p.default}' for p in query.params)}]" if query.params else ""
        out.write(f"{name:<32} {query.summary}{takes}\n")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sql", nargs="?", help="SQL text (one read-only statement)")
    parser.add_argument("--name", help="a named query from warehouse/queries/ (see --list)")
    parser.add_argument("--list", action="store_true", help="list the named queries and their parameters")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="parameter of a named query")
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format on stdout (default: table)")
    parser.add_argument("--csv", action="store_true", help="same as --format csv")
    parser.add_argument("--max-rows", default=None, metavar="N",
                        help=f"write at most N rows (default: {TABLE_MAX_ROWS} for table and markdown, all for csv and json)")
    parser.add_argument("--timeout", default=None, metavar="SECONDS",
                        help=f"stop a statement running longer than this (default {DEFAULT_TIMEOUT:g}; 0 = no limit)")
    parser.add_argument("--release", help="query an earlier release: warehouse/releases/ID.duckdb (ids in meta.releases)")
    # `make query` passes its arguments as environment variables (see the Makefile), never on a command line.
    parser.add_argument("--from-env", action="store_true", help=argparse.SUPPRESS)


def _max_rows(text) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise QueryError(f"--max-rows {text}: give a whole number of rows >= 0")
    return value


def _timeout(text) -> float:
    if text is None:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and value >= 0):
        raise QueryError(f"--timeout {text}: give a number of seconds >= 0 (0 = no limit)")
    return value


def arguments_from_env(args: argparse.Namespace, env=os.environ) -> argparse.Namespace:
    """The `make query` variables: SQL, NAME, LIST, PARAM ("k=v k2=v2"), FORMAT."""
    fmt = env.get("BATTERY_QUERY_FORMAT", "").strip() or "table"
    if fmt not in FORMATS:
        raise QueryError(f"FORMAT={fmt!r}: use one of {', '.join(FORMATS)}")
    given = {
        "sql": env.get("BATTERY_QUERY_SQL") or None,
        "name": env.get("BATTERY_QUERY_NAME", "").strip() or None,
        "list": bool(env.get("BATTERY_QUERY_LIST", "").strip()),
        "param": env.get("BATTERY_QUERY_PARAM", "").split(),
        "format": fmt,
        "from_env": False,
    }
    return argparse.Namespace(**{**vars(args), **given})


def command(args: argparse.Namespace) -> int:
    out = sys.stdout
    try:
        if args.from_env:
            args = arguments_from_env(args)
        if args.list:
            list_named(out)
            return 0
        if args.name:
            query = load_named(args.name)
            sql, params = query.sql, bind_params(query, args.param)
        elif args.sql:
            if args.param:
                raise QueryError("--param applies to named queries (--name)")
            sql, params = args.sql, None
        else:
            raise QueryError("give SQL text, --name NAME or --list")
        fmt = "csv" if args.csv else args.format
        max_rows, timeout = _max_rows(getattr(args, "max_rows", None)), _timeout(getattr(args, "timeout", None))
        limit = max_rows if max_rows is not None else (TABLE_MAX_ROWS if fmt in ("table", "markdown") else None)
        release = getattr(args, "release", None)
        db, what = (release_file(release), "release file") if release else (warehouse_db(), None)
        with connect_confined(db, what) as con:
            stream(con, sql, params, fmt, out, limit, timeout or None)
    except QueryError as exc:
        print(f"query failed: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # the reader stopped (`| head`): not an error of the query
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("query failed: interrupted (Ctrl-C)", file=sys.stderr)
        return 130
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="battery query", description="Run read-only SQL against the published warehouse.")
    add_arguments(parser)
    return command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
