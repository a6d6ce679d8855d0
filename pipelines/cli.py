"""Command line: `battery build`, `battery query`, `battery docs`.

    battery build                 materialize every asset, publish, print a summary
    battery query "SELECT ..."    run SQL read-only (and confined) against warehouse/battery.duckdb
    battery query --name NAME     run warehouse/queries/NAME.sql [--param key=value]
    battery query --list          list the named queries and their parameters
    battery query ... --format table|csv|json|markdown
    battery docs [--check]        regenerate (or verify) docs/data_dictionary.md
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from pipelines.query import add_arguments as add_query_arguments  # light: duckdb + stdlib


def _instance():
    from dagster import DagsterInstance

    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


def build(args: argparse.Namespace) -> int:
    started = time.monotonic()
    from pipelines.definitions import defs
    from pipelines.publish import build_lock
    from pipelines.publish.io_manager import StagingDuckDBIOManager
    from pipelines.settings import current_paths

    print(f"Building the warehouse from {current_paths().sources} (imports {time.monotonic() - started:.1f}s)")
    job = defs.resolve_job_def("build_warehouse")
    paths = current_paths()
    try:
        # Taken here so a refused build says so at once; the run re-enters the same lock.
        with build_lock.build_lock(paths.lock_file, StagingDuckDBIOManager().lock_timeout_seconds):
            result = job.execute_in_process(
                instance=_instance(), raise_on_error=False, run_config={"loggers": {"progress": {}}}
            )
    except build_lock.BuildLocked as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 3
    if not result.success:
        print_failure_summary(result)
        return 1
    print_summary(result, time.monotonic() - started)
    return 0


def _check_counts(result) -> tuple[int, int, list[str]]:
    evaluations = result.get_asset_check_evaluations()
    passed = sum(e.passed for e in evaluations)
    flagged = []
    for e in evaluations:
        if e.passed:
            continue
        meta = {k: getattr(v, "value", v) for k, v in e.metadata.items()}
        rule = meta.get("rule", e.check_name)
        rows = meta.get("failing_rows", meta.get("unexplained"))
        table = ".".join(e.asset_key.path)
        flagged.append(f"{table}: {rule}" + (f" ({rows} row{'s' if rows != 1 else ''})" if rows is not None else ""))
    return len(evaluations), passed, flagged


def print_failure_summary(result) -> None:
    from pipelines.progress import failure_text

    print("\nBUILD FAILED: the published warehouse was left unchanged.", file=sys.stderr)
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)
        if error is not None and event.event_type_value in ("STEP_FAILURE", "ENGINE_EVENT", "RUN_FAILURE"):
            where = (event.step_key or "run").replace("__", ".")
            print(f"\n{where}:\n{failure_text(error)}", file=sys.stderr)


def print_summary(result, seconds: float) -> None:
    from pipelines.publish.duckdb_tables import table_row_counts
    from pipelines.settings import current_paths

    paths = current_paths()
    tables = table_row_counts(paths.published_db)
    total, passed, flagged = _check_counts(result)
    width = max(len(f"{s}.{t}") for s, t in zip(tables.schema_name, tables.table_name))
    print(f"\nPublished {paths.published_db} in {seconds:.1f}s\n")
    print(f"  {'table':<{width}}  {'rows':>7}")
    for s, t, n in zip(tables.schema_name, tables.table_name, tables.rows):
        print(f"  {f'{s}.{t}':<{width}}  {n:>7}")
    print(f"\n  {len(tables)} tables, {int(tables.rows.sum())} rows")
    print(
        f"  checks: {total} run, {passed} passed, {len(flagged)} flagged (warning level: published inconsistencies "
        "kept as printed; make query NAME=report_inconsistencies)"
    )
    for line in flagged:
        print(f"    - {line}")
    conflicts = tables.rows[(tables.schema_name == "quality") & (tables.table_name == "claim_conflicts")]
    if len(conflicts):
        print(f"  claim conflicts: {int(conflicts.iloc[0])} pair(s) of claims that cannot both hold (make query NAME=claim_conflicts)")
    if ((tables.schema_name == "sizing") & (tables.table_name == "technology_cells")).any():
        _print_not_sized(paths.published_db)
    extra = summary_extras(paths)
    if extra:
        print("\n" + extra)


def _print_not_sized(db) -> None:
    """Technologies and products whose claims lack an energy density: listed, never dropped silently."""
    from pipelines.publish.duckdb_tables import connect

    with connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT DISTINCT subject_type, subject_id, missing_properties FROM sizing.technology_cells "
            "WHERE NOT sizable ORDER BY subject_type DESC, subject_id"
        ).fetchall()
    if rows:
        print(f"  technology packs: {len(rows)} technology/product claim sets lack a cell energy density and are not sized:")
        for kind, subject, missing in rows:
            print(f"    - {kind} {subject}: lacks {missing.replace(';', ', ')}")


def summary_extras(paths) -> str:
    """Reconciliation headline, when the quality layer exists."""
    from pipelines.publish.duckdb_tables import connect

    with connect(paths.published_db, read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'quality' AND table_name = 'reconciliation'"
        ).fetchone()[0]
        if not exists:
            return ""
        rows = con.execute(
            "SELECT source_table, count(*) AS published, count(*) FILTER (WHERE status = 'reproduced') AS reproduced, "
            "count(*) FILTER (WHERE status = 'calibrated') AS calibrated, "
            "count(*) FILTER (WHERE status = 'deviates') AS deviates, "
            "count(*) FILTER (WHERE status = 'deviates' AND note IS NOT NULL) AS explained "
            "FROM quality.reconciliation GROUP BY source_table ORDER BY source_table"
        ).fetchall()
    lines = ["  reconciliation (published vs computed; make query NAME=reconciliation_deviations for details):"]
    lines += [
        f"    {t:<12} {r:>4} of {n:>4} reproduced within tolerance, {c} calibrated (an input was fitted to them); "
        f"{e} of {d} deviations explained"
        for t, n, r, c, d, e in rows
    ]
    return "\n".join(lines)


def query(args: argparse.Namespace) -> int:
    from pipelines.query import command  # duckdb + stdlib only: a query starts in well under a second

    return command(args)


def docs(args: argparse.Namespace) -> int:
    from pipelines.publish.dictionary import DICTIONARY_PATH, render_dictionary, write_dictionary

    text = render_dictionary()
    if args.check:
        current = DICTIONARY_PATH.read_text(encoding="utf-8") if DICTIONARY_PATH.exists() else ""
        if current != text:
            print(f"{DICTIONARY_PATH} is stale: run `make docs`", file=sys.stderr)
            return 1
        print(f"{DICTIONARY_PATH} is current")
        return 0
    print(f"wrote {write_dictionary()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="battery", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="materialize every asset and publish the warehouse").set_defaults(func=build)
    q = sub.add_parser("query", help="run a read-only query against the published warehouse")
    add_query_arguments(q)
    q.set_defaults(func=query)
    d = sub.add_parser("docs", help="regenerate the data dictionary from the pandera models")
    d.add_argument("--check", action="store_true", help="fail if the committed dictionary is stale")
    d.set_defaults(func=docs)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
