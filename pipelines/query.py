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


def connect_confined(db: Path) -> duckdb.DuckDBPyConnection:
    if not db.is_file():
        raise QueryError(f"{db} does not exist: run `make build` first")
    return duckdb.connect(str(db), read_only=True, config=dict(CONFINED))


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


def write_result(columns: list[str], rows: list[tuple], fmt: str, out, max_rows: int | None = None) -> None:
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(v) for v in row] for row in rows)
    elif fmt == "json":
        json.dump([dict(zip(columns, map(_jsonable, row))) for row in rows], out, indent=1, ensure_ascii=False)
        out.write("\n")
    else:
        shown = rows if max_rows is None or len(rows) <= max_rows else rows[:max_rows]
        cells = [[_cell(v) for v in row] for row in shown]
        if fmt == "markdown":
            escape = str.maketrans({"|": "\\|", "\n": " "})
            out.write("| " + " | ".join(columns) + " |\n")
            out.write("|" + "|".join("---" for _ in columns) + "|\n")
            for row in cells:
                out.write("| " + " | ".join(c.translate(escape) for c in row) + " |\n")
        else:
            widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
            out.write("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip() + "\n")
            for row in cells:
                out.write("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() + "\n")
        if len(shown) < len(rows):
            out.write(f"... {len(rows) - len(shown)} more rows (--max-rows, or --format csv for all)\n")
        elif fmt == "table":
            out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


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
    parser.add_argument("--max-rows", type=int, default=200, help="rows shown by table/markdown output")
    parser.add_argument("--release", help="query an earlier release: warehouse/releases/ID.duckdb (ids in meta.releases)")
    # `make query` passes its arguments as environment variables (see the Makefile), never on a command line.
    parser.add_argument("--from-env", action="store_true", help=argparse.SUPPRESS)


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
        columns, rows = run(sql, params, db=release_file(args.release) if getattr(args, "release", None) else None)
    except QueryError as exc:
        print(f"query failed: {exc}", file=sys.stderr)
        return 1
    write_result(columns, rows, "csv" if args.csv else args.format, out, args.max_rows)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="battery query", description="Run read-only SQL against the published warehouse.")
    add_arguments(parser)
    return command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
