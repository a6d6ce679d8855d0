"""Write and read warehouse tables in a DuckDB file, with comments and constraints from the
pandera models.

Table and column comments are generated from the registry's models, so `duckdb_columns()`
in any SQL client shows the same description and unit as the data dictionary. Each table is
created with the constraints its model declares (table_constraints): PRIMARY KEY on its key
(UNIQUE when a key column may be null), UNIQUE on other unique columns, NOT NULL where the
model says not nullable, and FOREIGN KEY for the references DuckDB can declare, so database
tools show keys and relations. A streamed table (model.design_sweep) gets its PRIMARY KEY by
ALTER TABLE once its rows are in, in the same transaction: DuckDB then builds the index in one
pass at COMMIT instead of inserting every key into a transaction-local index and merging it
(for 5,000,000 rows, about 1.3 s of CPU instead of 3.7 s); the catalog entry is the same.
Parents are written before their children because every referencing dataset depends on its
parent asset; DuckDB refuses to drop a referenced table, so rewriting a parent first drops its
referencing tables (they are downstream, rewritten later in the same run, and a failed run's
staging copy is never published).

A run's staging starts as a copy of the published file, and most tables of a rebuild come out
as they were. Given the staging's `Catalog` (as the IO path passes it), write_table leaves such
a table as it is: its DDL (written exactly as DuckDB writes it back), its comments and its rows
in the same order (a hash of each row with its position) are compared first, in a few ms,
instead of dropping, recreating, commenting and committing it.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from pipelines.schemas.base import column_docs, foreign_key_constraints, table_key, unique_columns
from pipelines.schemas.registry import all_tables

if TYPE_CHECKING:  # pyarrow is imported where a stream is written, not on every import
    import pyarrow as pa

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def _ident(name: str) -> str:
    # Table names come from asset keys we define; refuse anything else rather than quote it.
    if not _IDENT.match(name):
        raise ValueError(f"not a valid warehouse identifier: {name!r}")
    return name


def quoted(identifier: str) -> str:
    """Any identifier double-quoted: the names a file holds, ours or not (a damaged or foreign file)."""
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def column_comment(description: str, unit: str | None) -> str:
    return f"{description} [{unit}]" if unit else description


@functools.cache
def _declared(qualified: str) -> tuple[tuple[str, ...], bool, tuple[str, ...], tuple[tuple[str, str, str], ...], frozenset[str]]:
    """(key, key may be null, unique columns, declarable foreign keys, not-null columns) of a
    table's model; cached, the models do not change within a process."""
    tables = all_tables()
    model = tables.get(qualified)
    if model is None:
        return (), False, (), (), frozenset()
    docs = {d.name: d for d in column_docs(model)}
    key = table_key(model)
    fks = tuple((fk.column, fk.parent_table, fk.parent_column) for fk in foreign_key_constraints(model, tables) if fk.declared)
    required = frozenset(name for name, doc in docs.items() if not doc.nullable)
    return key, any(docs[c].nullable for c in key), tuple(unique_columns(model)), fks, required


def primary_key(qualified: str, columns: list[str]) -> tuple[str, ...]:
    """The columns of `qualified`'s PRIMARY KEY (its model's key when no key column may be null
    and all are present), else ()."""
    key, key_nullable, *_ = _declared(qualified)
    return key if key and not key_nullable and set(columns).issuperset(key) else ()


def _constraint_parts(qualified: str, columns: list[str], with_primary_key: bool = True) -> list[tuple[str, tuple[str, ...], str | None, str | None]]:
    """(kind, columns, parent table, parent column) of each constraint `qualified`'s model declares
    on `columns`: its key (PRIMARY KEY, or UNIQUE when a key column may be null), UNIQUE, FOREIGN KEY."""
    key, key_nullable, unique, fks, _ = _declared(qualified)
    present = set(columns)
    parts: list[tuple[str, tuple[str, ...], str | None, str | None]] = []
    if key and present.issuperset(key) and (key_nullable or with_primary_key):
        parts.append(("UNIQUE" if key_nullable else "PRIMARY KEY", key, None, None))
    parts += [("UNIQUE", (c,), None, None) for c in unique if c in present]
    parts += [("FOREIGN KEY", (c,), parent, pc) for c, parent, pc in fks if c in present]
    return parts


def table_constraints(qualified: str, columns: list[str], with_primary_key: bool = True) -> list[str]:
    """The constraint clauses of a CREATE TABLE for `qualified`, from its pandera model: PRIMARY
    KEY on the key (UNIQUE if a key column may be null; left out with `with_primary_key=False`,
    for a table whose key is added once its rows are in), UNIQUE, FOREIGN KEY."""
    return [
        f"{kind} ({', '.join(_ident(c) for c in cols)})" + (f" REFERENCES {parent} ({_ident(pc)})" if parent else "")
        for kind, cols, parent, pc in _constraint_parts(qualified, columns, with_primary_key)
    ]


def not_null_columns(qualified: str) -> frozenset[str]:
    return _declared(qualified)[4]


@functools.cache
def _keywords() -> frozenset[str]:
    with duckdb.connect() as con:
        return frozenset(k for (k,) in con.execute("SELECT keyword_name FROM duckdb_keywords()").fetchall())


def _name(identifier: str) -> str:
    """An identifier as DuckDB writes it in a table's DDL: quoted when it is a keyword."""
    return f'"{identifier}"' if _ident(identifier) in _keywords() else identifier


def _create_table_sql(qualified: str, types: list[tuple], with_primary_key: bool = True) -> str:
    """CREATE TABLE for `qualified` with columns `types` (DESCRIBE rows) and its model's
    constraints, written exactly as DuckDB writes the table's DDL back (duckdb_tables().sql,
    without the ';'), so comparing the two says whether a table is already defined this way.
    A key column is NOT NULL through its PRIMARY KEY, which DuckDB does not repeat."""
    parts = _constraint_parts(qualified, [t[0] for t in types], with_primary_key)
    keyed = {c for kind, cols, *_ in parts if kind == "PRIMARY KEY" for c in cols}
    required = not_null_columns(qualified) - keyed
    # A text column empty on every row arrives typed NULL: it stays text (a key may reference it).
    columns = [
        f"{_name(name)} {'VARCHAR' if kind.strip(chr(34)) == 'NULL' else kind}" + (" NOT NULL" if name in required else "")
        for name, kind, *_ in types
    ]
    clauses = [
        f"FOREIGN KEY ({_name(cols[0])}) REFERENCES {'.'.join(map(_name, parent.split('.')))}({_name(pc)})" if parent else f"{kind}({', '.join(map(_name, cols))})"
        for kind, cols, parent, pc in parts
    ]
    schema, table = qualified.split(".")
    return f"CREATE TABLE {_name(schema)}.{_name(table)}({', '.join(columns + clauses)})"


@functools.cache
def _referencing(qualified: str) -> tuple[str, ...]:
    """Tables whose declared FOREIGN KEYs point at `qualified`, their own referencing tables first."""
    children = [t for t in all_tables() if any(parent == qualified for _, parent, _ in _declared(t)[3])]
    return tuple(dict.fromkeys(g for child in children for g in (*_referencing(child), child)))


def _drop_with_referencing(con: duckdb.DuckDBPyConnection, qualified: str) -> tuple[str, ...]:
    """Drop `qualified` and the tables referencing it; returns their names."""
    # From the models rather than duckdb_constraints(): that scan costs tens of ms per table.
    tables = (*_referencing(qualified), qualified)
    for table in tables:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return tables


# The staging writer's buffer pool is capped: blocks already written to the file are evicted
# rather than cached (uncapped, DuckDB takes up to 80% of the machine's memory), and a query that
# needs more spills to DuckDB's temporary directory. While a streamed table is written the cap is
# lower, so a table of any size (model.design_sweep) is written in bounded memory; only then:
# the indexes of every table written so far live in the same pool, and at 1000x the data
# (benchmarks/scale.py) they outgrow the lower cap.
STAGING_MEMORY_LIMIT = "2GB"
STREAM_MEMORY_LIMIT = "256MB"


@dataclass
class BatchStream:
    """A table produced lazily as Arrow record batches (computed and validated slice by slice)
    and written by `write_table` in one pass, so it is never whole in memory. `batches` is
    consumed once. An error raised while producing a batch is kept in `error` and re-raised by
    the writer as itself (DuckDB would report it as its own InvalidInputException)."""

    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    error: BaseException | None = None

    def reader(self) -> pa.RecordBatchReader:
        """The batches as Arrow's stream interface, produced one batch ahead in a thread of
        their own: computing and validating the next batch (numpy and Arrow kernels, which
        release the GIL) overlaps with DuckDB compressing and writing the current one."""
        import pyarrow as pa

        def kept_errors() -> Iterator[pa.RecordBatch]:
            try:
                yield from _ahead(self.batches)
            except BaseException as error:
                self.error = error
                raise

        return pa.RecordBatchReader.from_batches(self.schema, kept_errors())


def _ahead(items: Iterator, depth: int = 1) -> Iterator:
    """`items`, drawn in a background thread at most `depth` items ahead of the consumer; an
    error raised while drawing is raised here, and a consumer that stops early stops the thread."""
    import queue
    import threading

    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(message: tuple) -> bool:
        while not stop.is_set():
            try:
                handoff.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as error:  # handed to the consumer, raised there
            put(("error", error))

    worker = threading.Thread(target=produce, name="batch-ahead", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = handoff.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        worker.join()


@dataclass
class HeldTable:
    """A table as a database holds it: its DDL (duckdb_tables().sql) and comments."""

    sql: str
    comment: str | None
    column_comments: dict[str, str | None]


class Catalog:
    """What a database held when it was read (two catalog queries), for `write_table` to leave
    alone a table it would rewrite exactly as it is: every run starts staging as a copy of the
    published file, and most tables of a rebuild come out the same. Tables rewritten since are
    dropped from it and listed in `rewritten`."""

    def __init__(self, tables: dict[str, HeldTable]) -> None:
        self.tables = tables
        self.rewritten: set[str] = set()
        self._prints: dict[str, tuple[int, int]] | None = None

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Catalog:
        where = "WHERE database_name = current_database()"
        columns: dict[str, dict[str, str | None]] = {}
        for qualified, column, comment in con.execute(
            f"SELECT schema_name || '.' || table_name, column_name, comment FROM duckdb_columns() {where} ORDER BY column_index"
        ).fetchall():
            columns.setdefault(qualified, {})[column] = comment
        return cls({
            qualified: HeldTable(sql, comment, columns.get(qualified, {}))
            for qualified, sql, comment in con.execute(f"SELECT schema_name || '.' || table_name, sql, comment FROM duckdb_tables() {where}").fetchall()
        })

    def fingerprint(self, con: duckdb.DuckDBPyConnection, qualified: str) -> tuple[int, int] | None:
        """(rows, hash) of a held table as _fingerprint_sql computes it; those of every held table
        of a model are computed together, at the first call (one query)."""
        if self._prints is None:
            # Committed rows are numbered by their rowid, 0 to n-1 in the order they were inserted.
            held = sorted(set(self.tables) & set(all_tables()))
            found = per_table(con, {t: t for t in held}, _COMMITTED_ROWS)
            self._prints = {t: (n, int(h)) for t, (n, h) in found.items()}
        return self._prints.get(qualified)

    def forget(self, tables: Iterable[str]) -> None:
        for table in tables:
            self.tables.pop(table, None)
            if self._prints is not None:
                self._prints.pop(table, None)


# (rows, sum of the hashes of each row with its position) of a committed table, whose rows are
# numbered by their rowid, 0 to n-1 in the order they were inserted; per_table's rows are `r`.
_COMMITTED_ROWS = "count(*), coalesce(sum(hash(rowid, r)::HUGEINT), 0)"


def per_table(con: duckdb.DuckDBPyConnection, relations: dict[str, str], aggregates: str) -> dict[str, tuple]:
    """name -> the `aggregates` (SQL over the rows `r`) of each of `relations` (name -> relation),
    all in one query."""
    if not relations:
        return {}
    parts = [f"SELECT {_literal(name)}, {aggregates} FROM {relation} AS r" for name, relation in relations.items()]
    return {name: tuple(values) for name, *values in con.execute(" UNION ALL ".join(parts)).fetchall()}


def table_digests(con: duckdb.DuckDBPyConnection, only: Iterable[str] | None = None) -> dict[str, str]:
    """"<schema>.<table>" -> a digest of its comment, columns (names, types and comments, in order)
    and rows (values and order: a committed row's rowid is its position) for every table (not
    view) of `con`'s database, or those of them in `only`, in two queries. Equal digests: a file
    written from either table is the same."""
    columns = dict(con.execute(
        "SELECT t.schema_name || '.' || t.table_name, coalesce(any_value(t.comment), '') || ' | ' || "
        "string_agg(c.column_name || ' ' || c.data_type || ' ' || coalesce(c.comment, ''), ', ' ORDER BY c.column_index) "
        "FROM duckdb_tables() AS t JOIN duckdb_columns() AS c USING (database_name, schema_name, table_name) "
        "WHERE t.database_name = current_database() GROUP BY t.schema_name, t.table_name"
    ).fetchall())
    if only is not None:
        chosen = set(only)
        columns = {t: c for t, c in columns.items() if t in chosen}
    rows = per_table(con, {t: ".".join(map(_ident, t.split(".", 1))) for t in columns}, _COMMITTED_ROWS)
    return {t: hashlib.sha256(f"{columns[t]}|{n}|{h}".encode()).hexdigest()[:32] for t, (n, h) in sorted(rows.items())}


def _fingerprint_sql(relation: str, rows: int, types: list[tuple] | None = None) -> str:
    """(rows, sum of the hashes of each row with its position) of the first `rows` rows of
    `relation`, and of as many rows as it holds beyond them: equal for two relations holding the
    same rows in the same order (positions are numbered by a positional join: a table's rowids
    are not, inside the transaction writing it). Columns of `types` (DESCRIBE rows of a frame)
    typed NULL are read as the VARCHAR they are stored as."""
    columns = "*" if types is None else ", ".join(
        f"CAST({_name(name)} AS VARCHAR) AS {_name(name)}" if kind.strip(chr(34)) == "NULL" else _name(name) for name, kind, *_ in types
    )
    return (
        f"SELECT count(*) AS n, coalesce(sum(hash(p.range, r)::HUGEINT), 0) AS h FROM (SELECT {columns} FROM {relation}) AS r "
        f"POSITIONAL JOIN range({int(rows)}) AS p"
    )


@functools.cache
def _comments(qualified: str) -> tuple[str, dict[str, str]]:
    """(table comment, column -> comment) that `comment_table` gives `qualified`, from its model."""
    model = all_tables()[qualified]
    return model.to_schema().description or "", {d.name: column_comment(d.description, d.unit) for d in column_docs(model)}


def _holds_comments(held: HeldTable, qualified: str) -> bool:
    table_comment, columns = _comments(qualified)
    return (held.comment or "") == table_comment and all(columns.get(c) == comment for c, comment in held.column_comments.items())


def write_table(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    data: pd.DataFrame | pa.Table | BatchStream,
    catalog: Catalog | None = None,
) -> int:
    """Replace schema.table with `data` (a pandas frame, an Arrow table, or a stream of Arrow
    record batches) with the model's constraints and comments, in one transaction; returns the
    rows written. Given the `catalog` of `con`'s database, a table that would come out exactly as
    it is held (the same DDL, comments, and rows in the same order) is left as it is: a frame is
    compared before anything is written; a stream, which is read once, is written and then rolled
    back instead of committed."""
    schema, table = _ident(schema), _ident(table)
    qualified = f"{schema}.{table}"
    model = all_tables().get(qualified)
    columns = set(data.columns) if isinstance(data, pd.DataFrame) else set(data.schema.names)
    streamed = isinstance(data, BatchStream)
    held = catalog.tables.get(qualified) if catalog is not None and model is not None else None
    if held is not None and not _holds_comments(held, qualified):
        held = None
    if streamed:
        con.execute(f"SET memory_limit = {_literal(STREAM_MEMORY_LIMIT)}")
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_incoming", data.reader() if streamed else data)
        # binds the stream's schema only; a streamed table's primary key is added once its rows are in
        types = con.execute("DESCRIBE SELECT * FROM _incoming").fetchall()
        create = _create_table_sql(qualified, types, with_primary_key=not streamed)
        if held is not None and not streamed and held.sql == create + ";":
            size = len(data) if isinstance(data, pd.DataFrame) else data.num_rows
            if catalog.fingerprint(con, qualified) == tuple(con.execute(_fingerprint_sql("_incoming", size, types)).fetchall()[0]):
                con.execute("ROLLBACK")  # nothing was written
                return size
        before = catalog.fingerprint(con, qualified) if held is not None and streamed else None
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        dropped = _drop_with_referencing(con, qualified)
        con.execute(create)
        rows = con.execute(f"INSERT INTO {qualified} SELECT * FROM _incoming").fetchall()[0][0]
        key = primary_key(qualified, list(columns)) if streamed else ()
        if key:  # built in one pass over the rows (at COMMIT) instead of row by row during the insert
            con.execute(f"ALTER TABLE {qualified} ADD PRIMARY KEY ({', '.join(_ident(c) for c in key)})")
        if before is not None and before == tuple(con.execute(_fingerprint_sql(qualified, rows)).fetchall()[0]) and held.sql == con.execute(
            "SELECT sql FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchall()[0][0]:
            con.execute("ROLLBACK")  # the same table: the one held stays, its index is not rebuilt
            return int(rows)
        if model is not None:
            comment_table(con, qualified, model, columns)
        con.execute("COMMIT")
        if catalog is not None:
            catalog.forget(dropped)
            catalog.rewritten.add(qualified)
    except Exception:
        try:
            con.execute("ROLLBACK")
        except duckdb.TransactionException:  # no transaction left: a failed COMMIT (a duplicate key) rolled it back
            pass
        if streamed and data.error is not None:
            raise data.error from None
        raise
    finally:
        # After the transaction ends: in an aborted one, unregistering would raise and hide the cause.
        con.unregister("_incoming")
        if streamed:
            con.execute(f"SET memory_limit = {_literal(STAGING_MEMORY_LIMIT)}")
    return int(rows)


def comment_table(con: duckdb.DuckDBPyConnection, qualified: str, model, columns: list[str]) -> None:
    """Table and column comments (description [unit]) from the pandera model, in one batch of
    statements (one call rather than one per column)."""
    statements = [f"COMMENT ON TABLE {qualified} IS {_literal(model.to_schema().description or '')}"]
    statements += [
        f'COMMENT ON COLUMN {qualified}."{doc.name}" IS {_literal(column_comment(doc.description, doc.unit))}'
        for doc in column_docs(model)
        if doc.name in columns
    ]
    con.execute(";\n".join(statements))


def has_table(con: duckdb.DuckDBPyConnection, qualified: str, catalog: str | None = None) -> bool:
    """Whether `con`'s database (or the attached `catalog`) holds the table "<schema>.<table>"
    (an older file may lack one)."""
    schema, table = qualified.split(".", 1)
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = coalesce(?, current_database()) "
        "AND schema_name = ? AND table_name = ?",
        [catalog, schema, table],
    ).fetchone()[0])


def read_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> pd.DataFrame:
    return con.execute(f"SELECT * FROM {_ident(schema)}.{_ident(table)}").df()


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to `path` whose buffer pool is capped like staging's (STAGING_MEMORY_LIMIT):
    every DuckDB file the build opens (staging, the copy being published, the exports' and the
    summary's reads) is a database instance of its own, and uncapped each would take up to 80%
    of the machine's memory for a large table."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute(f"SET memory_limit = {_literal(STAGING_MEMORY_LIMIT)}")
    return con


# One open connection per staging file for the length of a run: reopening a DuckDB file costs
# a catalog load and a checkpoint each time (tens of ms), which dominated small-table steps.
_shared: dict[Path, duckdb.DuckDBPyConnection] = {}


def shared_connection(path: Path) -> duckdb.DuckDBPyConnection:
    path = path.resolve()
    if path not in _shared:
        _shared[path] = connect(path)
    return _shared[path]


def close_shared(path: Path) -> None:
    con = _shared.pop(path.resolve(), None)
    if con is not None:
        con.close()


def table_row_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """schema, table, rows, comment of every table of `con`'s database: what a build summary prints."""
    tables = con.execute(
        "SELECT schema_name, table_name, estimated_size, comment FROM duckdb_tables() "
        "WHERE database_name = current_database() ORDER BY schema_name, table_name"
    ).df()
    names = [f"{s}.{t}" for s, t in zip(tables["schema_name"], tables["table_name"])]
    counts = per_table(con, {n: ".".join(map(_ident, n.split(".", 1))) for n in names}, "count(*)")
    return tables.assign(rows=[counts[n][0] for n in names])[["schema_name", "table_name", "rows", "comment"]]
