"""Command line: `battery build`, `battery query`, `battery docs`.

    battery build [--full]        rebuild the tables downstream of what changed in sources/ (every table
                                  when the code changed, or with --full), publish, print a summary
    battery query "SELECT ..."    run SQL read-only (and confined) against warehouse/battery.duckdb
    battery query --name NAME     run warehouse/queries/NAME.sql [--param key=value]
    battery query --list          list the named queries and their parameters
    battery query ... --format table|csv|json|markdown
    battery check [DATASET ...]   validate the sources tree (every blocking rule) without Dagster; exit 1 on a problem
    battery docs [--check]        regenerate (or verify) docs/data_dictionary.md and the curator's guide in sources/README.md
    battery ui [--port N]         Dagster webserver + daemon; Ctrl-C / SIGTERM stops both and their children
    battery site [--serve]        write the static catalogue warehouse/site/ from the published file [and serve it on 127.0.0.1]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from pipelines.query import add_arguments as add_query_arguments  # light: duckdb + stdlib


def _instance():
    from pipelines.automation.instance import open_instance  # one process at a time creates it

    return open_instance()


def check_configuration() -> bool:
    """Every BATTERY_* variable, checked before anything is imported or run (settings.py)."""
    from pipelines.settings import ConfigError, check_environment

    try:
        warnings = check_environment()
    except ConfigError as exc:
        print(f"configuration error (nothing was run):\n{exc}", file=sys.stderr)
        return False
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return True


def build(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        return _build(args, started)
    finally:
        early = sys.modules.get("pipelines.publish.early_charts")  # imported by a build that got as far as its tables
        if early is not None:
            early.disarm()  # a drawing not taken (a failed build) is stopped


def _build(args: argparse.Namespace, started: float) -> int:
    if not check_configuration():
        return 2
    from pipelines.provenance import code_digest

    code_digest()  # of the code on disk before any of it is imported: what this process runs (or older)
    from pipelines.automation.refresh import build_plan, downstream_closure, observe_sources
    from pipelines.automation.run_health import fail_dead_runs, process_tags
    from pipelines.definitions import defs
    from pipelines.publish import build_lock
    from pipelines.publish.atomic import WarehouseHeld, tidy_up
    from pipelines.publish.io_manager import StagingDuckDBIOManager
    from pipelines.settings import current_paths

    print(f"Building the warehouse from {current_paths().sources} (imports {time.monotonic() - started:.1f}s)")
    job = defs.resolve_job_def("build_warehouse")
    paths = current_paths()
    instance = _instance()
    for run_id in fail_dead_runs(instance):  # a killed build's run would otherwise hold the run queue
        print(f"marked run {run_id} failed: its process is gone (killed, or the machine restarted)")
    everything = [k for k in job.asset_layer.executable_asset_keys if not _after_publish(k)]
    try:
        # Taken here so a refused build says so at once; the run re-enters the same lock.
        with build_lock.build_lock(paths.lock_file, StagingDuckDBIOManager().lock_timeout_seconds):
            for note in tidy_up(paths):  # what a killed build left, a damaged file set aside
                print(f"warning: {note}", file=sys.stderr)
            observe_sources(instance, paths.sources)  # the versions the materializations record
            plan = build_plan(paths.published_db, paths.sources, code_digest())
            if args.full:
                selection = everything
                print("  rebuilding every table (--full)")
            elif plan.everything:
                selection = everything
                print(f"  rebuilding every table: {plan.everything}")
            elif plan.changed:
                closure = set(downstream_closure(defs.resolve_asset_graph(), plan.changed))
                selection = [k for k in everything if k in closure]
                print(f"  rebuilding {sum(k.path[0] != 'warehouse' for k in selection)} tables: those of the changed dataset folders "
                      f"{', '.join(plan.changed)} and every table computed from them (--full rebuilds every table)")
            else:
                selection = []
            result = None
            if selection:
                draw_charts_early(selection, everything, paths)
                result = job.execute_in_process(
                    instance=instance,
                    raise_on_error=False,
                    run_config={"loggers": {"progress": {}}},
                    tags={**process_tags(), "battery/trigger": "cli"},  # meta.releases.trigger
                    asset_selection=selection,
                )
    except (build_lock.BuildLocked, WarehouseHeld) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 3
    if result is None:
        print_up_to_date(paths)
        return render_charts(job, instance, started, None)
    if not result.success:
        print_failure_summary(result)
        return 1
    published_at = time.monotonic() - started
    print_summary(result, published_at, rebuilt_all=selection == everything)
    return render_charts(job, instance, started, published_at)


def draw_charts_early(selection: list, everything: list, paths) -> None:
    """The charts this build draws after the publish (render_charts), drawn meanwhile from the
    tables as they are stored, on the core the table step leaves idle (publish/early_charts.py):
    those reading a table of `selection` (every chart when it is `everything`)."""
    from pipelines.publish import early_charts
    from pipelines.publish.after_publish import drawn_already
    from pipelines.publish.chart_builders import CHARTS
    from pipelines.publish.chart_files import charts_to_draw

    run_tables = None if selection == everything else {".".join(k.path) for k in selection if k.path[0] != "warehouse"}
    early_charts.arm(charts_to_draw(CHARTS, run_tables, paths.exports_dir / "charts"), run_tables, drawn_already(paths))


def print_up_to_date(paths) -> None:
    """What a build that had nothing to rebuild says: which warehouse is published, from what."""
    from pipelines.publish.duckdb_tables import connect, table_row_counts
    from pipelines.publish.releases import summary_text

    print(
        f"\nUp to date: {paths.published_db} was built from the same content of every dataset folder of "
        f"{paths.sources} (meta.source_versions) by the same code (meta.build_code); no table was rebuilt "
        "(`battery build --full` rebuilds every table)"
    )
    with connect(paths.published_db, read_only=True) as con:
        print(count_line(table_row_counts(con)))
        print("  checks: none run (the tables are the published ones; their flagged rows: make query NAME=report_inconsistencies)")
        release = summary_text(paths, con, published=False)
    if release:
        print("\n" + release)


def _after_publish(key) -> bool:
    """The exports, the charts and the catalogue site (which links both): written in their own run
    after the publish, from the published file, in one step (assets/warehouse.py published_files)."""
    return key.path[0] == "charts" or key.path in (["warehouse", "exports"], ["warehouse", "site"])


def render_charts(job, instance, started: float, published_at: float | None) -> int:
    """The exports, charts and site, in their own run after the publish (outside the build lock),
    written from the published file: the warehouse is already there when they start, and one that
    fails leaves it published. Says which finished when."""
    from pipelines.automation.run_health import process_tags
    from pipelines.settings import current_paths

    when = f"published at {published_at:.1f}s" if published_at is not None else "as it was"
    print(f"\nThe files of the published warehouse ({when}): charts drawn from the tables it holds, exports and site")
    wall_start = time.time() - (time.monotonic() - started)
    charts = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},  # the lines below say it all
        tags={**process_tags(), "battery/trigger": "cli"},
        asset_selection=[k for k in job.asset_layer.executable_asset_keys if _after_publish(k)],
    )
    finished = time.monotonic() - started
    lines, written, metas = [], set(), {}
    for event in charts.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        meta = {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
        name = ".".join(materialization.asset_key.path)
        written.add(name)
        metas[name] = meta
        where = meta.get("path", meta.get("folder", ""))
        if "unchanged_since" in meta:  # written from the same tables by the same code: left as it is
            since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(meta["unchanged_since"]))
            done, what = meta.get("checked_at", wall_start), f"unchanged since {since} (same tables, same code) -> {where}"
        elif name.startswith("charts."):
            during = " from the staged tables" if meta.get("drawn_from_staged_tables") else ""
            done, what = meta.get("drawn_at", wall_start), f"drawn in {meta.get('render_seconds', 0):.2f}s{during} -> {where}"
        else:
            done, what = meta.get("written_at", wall_start), f"written in {meta.get('seconds', 0):.2f}s -> {where}"
        lines.append((done, f"  [{done - wall_start:5.1f}s] {name:<31} {what}"))
    for _, line in sorted(lines):  # in the order they finished
        print(line)
    if not charts.success:
        missing = sorted({".".join(k.path) for k in job.asset_layer.executable_asset_keys if _after_publish(k)} - written)
        what = "CHARTS" if all(m.startswith("charts.") for m in missing) else "FILES"
        if published_at is None:  # nothing was rebuilt: the warehouse is the one published before
            head = (f"{what} FAILED: {current_paths().published_db} is up to date and was left as it is; "
                    f"not written from it: {', '.join(missing) or 'see below'}")
        else:
            head = (f"{what} FAILED after publishing: {current_paths().published_db} WAS replaced by this build (every "
                    f"table passed its blocking checks); not written from it: {', '.join(missing) or 'see below'}")
        print(f"\n{head}", file=sys.stderr)
        for cause in failure_causes(charts):
            print(f"\n{cause}", file=sys.stderr)
        return 1
    kept = {name for name, meta in metas.items() if "unchanged_since" in meta}
    drawn = sum(name.startswith("charts.") for name in written - kept)
    left = sum(name.startswith("charts.") for name in kept)
    after = f" ({finished - published_at:.1f}s after the publish)" if published_at is not None else ""
    print(f"  {drawn} charts drawn{f', {left} unchanged' if left else ''} by {finished:.1f}s{after}")
    if "warehouse.site" in written:
        print(f"  catalogue site {'unchanged in' if 'warehouse.site' in kept else 'written to'} {current_paths().site_dir} "
              "(open index.html; make site rebuilds it)")
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


def failure_causes(result) -> list[str]:
    """Every error the run recorded, wherever it happened (a step, a resource's setup such as
    seeding staging, the run itself), innermost cause first; the run's own failure message when
    no error was recorded."""
    from pipelines.progress import failure_text

    causes: list[str] = []
    seen: set[str] = set()
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)
        if error is None or failure_text(error) in seen:  # the run repeats its step's error
            continue
        seen.add(failure_text(error))
        where = (event.step_key or "run").replace("__", ".")
        causes.append(f"{where}:\n{failure_text(error)}")
    if not causes:
        causes = [f"run:\n{e.message}" for e in result.all_events if e.event_type_value == "RUN_FAILURE" and e.message]
    return causes


def print_failure_summary(result) -> None:
    from pipelines.assets.warehouse import PUBLISHED_KEY
    from pipelines.settings import current_paths

    published = any(
        e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key == PUBLISHED_KEY for e in result.all_events
    )
    if published:
        failed = sorted({(e.step_key or "").replace("__", ".") for e in result.all_events if e.event_type_value == "STEP_FAILURE"})
        print(
            f"\nBUILD FAILED after publishing: {current_paths().published_db} WAS replaced by this build's tables "
            f"(every table passed its blocking checks), but later steps failed: {', '.join(failed) or 'see below'}.",
            file=sys.stderr,
        )
    else:
        print("\nBUILD FAILED: the published warehouse was left unchanged.", file=sys.stderr)
    for cause in failure_causes(result):
        print(f"\n{cause}", file=sys.stderr)


def print_summary(result, seconds: float, rebuilt_all: bool = True) -> None:
    """What a build that published says, read from the published file (one connection)."""
    from pipelines.publish.duckdb_tables import connect
    from pipelines.settings import current_paths

    paths = current_paths()
    with connect(paths.published_db, read_only=True) as con:
        _print_summary(result, seconds, rebuilt_all, paths, con)


def _print_summary(result, seconds: float, rebuilt_all: bool, paths, con) -> None:
    from pipelines.publish.duckdb_tables import table_row_counts
    from pipelines.publish.releases import summary_text

    tables = table_row_counts(con)
    total, passed, flagged = _check_counts(result)
    width = max(len(f"{s}.{t}") for s, t in zip(tables.schema_name, tables.table_name))
    print(f"\nPublished {paths.published_db} in {seconds:.1f}s")
    print(provenance_line(paths) + "\n")
    print(f"  {'table':<{width}}  {'rows':>7}")
    for s, t, n in zip(tables.schema_name, tables.table_name, tables.rows):
        print(f"  {f'{s}.{t}':<{width}}  {n:>7}")
    print("\n" + count_line(tables))
    print(
        f"  checks: {total} run{'' if rebuilt_all else ' (of the tables rebuilt)'}, {passed} passed, {len(flagged)} flagged "
        "(warning level: published inconsistencies kept as printed; make query NAME=report_inconsistencies)"
    )
    for line in flagged:
        print(f"    - {line}")
    conflicts = tables.rows[(tables.schema_name == "quality") & (tables.table_name == "claim_conflicts")]
    if len(conflicts):
        print(f"  claim conflicts: {int(conflicts.iloc[0])} pair(s) of claims that cannot both hold (make query NAME=claim_conflicts)")
    if ((tables.schema_name == "sizing") & (tables.table_name == "technology_cells")).any():
        _print_not_sized(con)
    extra = summary_extras(con)
    if extra:
        print("\n" + extra)
    release = summary_text(paths, con, _publish_metadata(result))
    if release:
        print("\n" + release)


def count_line(tables) -> str:
    """The totals line of the summary: the data tables and rows as meta.releases counts them
    (meta.* left out), then the meta.* bookkeeping tables separately."""
    meta = tables.schema_name == "meta"
    data, book = tables[~meta], tables[meta]
    line = f"  {len(data)} tables, {int(data.rows.sum())} rows (the data, as meta.releases counts it)"
    if len(book):
        line += f"; plus {len(book)} meta.* tables, {int(book.rows.sum())} rows (releases, changes, lineage, source versions, build code)"
    return line


def _publish_metadata(result) -> dict:
    """The publish asset's materialization metadata (release created or not)."""
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key.path == ["warehouse", "battery_duckdb"]:
            return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
    return {}


def provenance_line(paths) -> str:
    """Build time, code commit and sources/ content hash: which warehouse this is."""
    from pipelines.provenance import provenance

    facts = provenance(paths.sources)
    return f"  built {facts['built_at']} from commit {facts['commit']}, sources/ sha256 {facts['sources_sha256']}"


def _print_not_sized(con) -> None:
    """One line: how many technologies and products are sized, how many not, and where the reasons are."""
    from pipelines.publish.duckdb_tables import has_table

    sized = con.execute("SELECT count(DISTINCT (subject_type, subject_id)) FROM sizing.technology_cells WHERE sizable").fetchone()[0]
    table = "sizing.unsized_subjects" if has_table(con, "sizing.unsized_subjects") else "(SELECT DISTINCT subject_id FROM sizing.technology_cells WHERE NOT sizable)"
    unsized = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    print(f"  technology packs: {sized} technologies/products sized, {unsized} not (why: make query NAME=unsized_subjects)")


def summary_extras(con) -> str:
    """Reconciliation headline of the warehouse `con` reads, when the quality layer exists."""
    from pipelines.publish.duckdb_tables import has_table

    if not has_table(con, "quality.reconciliation"):
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


def check(args: argparse.Namespace) -> int:
    blocked = "pandera" not in sys.modules and "hypothesis" not in sys.modules
    if blocked:
        # hypothesis is a test dependency; when it is installed pandera imports it for data
        # synthesis (about 0.15 s), which a check never does: run pandera as if it were absent.
        sys.modules["hypothesis"] = None
    try:
        from pipelines.settings import current_paths
        from pipelines.tables.check import run  # pandas + pandera, no Dagster

        paths = current_paths()
        return run(paths.sources, args.datasets, paths.published_db)
    finally:
        if blocked:  # a later `import hypothesis` in this process works as usual
            del sys.modules["hypothesis"]


def docs(args: argparse.Namespace) -> int:
    from pipelines.publish.dictionary import DICTIONARY_PATH, render_dictionary
    from pipelines.publish.guide import README_PATH, with_guide

    def current(path: Path) -> str:
        return path.read_text(encoding="utf-8") if path.exists() else ""

    wanted = {DICTIONARY_PATH: render_dictionary(), README_PATH: with_guide(current(README_PATH))}
    stale = [path for path, text in wanted.items() if current(path) != text]
    if args.check:
        for path in stale:
            print(f"{path} is stale: run `make docs`", file=sys.stderr)
        if not stale:
            print(f"{', '.join(map(str, wanted))} are current")
        return 1 if stale else 0
    for path, text in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


def site(args: argparse.Namespace) -> int:
    """Regenerate warehouse/site/ from the published file; with --serve, preview it over HTTP on
    the loopback address only (the files also open directly, no server needed)."""
    from pipelines.publish.site import build_site
    from pipelines.settings import current_paths

    paths = current_paths()
    if not paths.published_db.exists():
        print(f"no published warehouse at {paths.published_db}: run `make build` first", file=sys.stderr)
        return 2
    started = time.monotonic()
    summary = build_site(paths.published_db, paths.site_dir, paths.exports_dir)
    print(f"wrote {paths.site_dir / 'index.html'}: {summary['pages']} pages of release {summary['release'] or '(none)'} "
          f"in {time.monotonic() - started:.2f}s")
    if not args.serve:
        return 0
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(paths.site_dir))
    with ThreadingHTTPServer((args.host, args.port), handler) as server:
        print(f"catalogue on http://{args.host}:{server.server_address[1]}/ ; Ctrl-C stops it", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def ui(args: argparse.Namespace) -> int:
    """dagster-webserver and dagster-daemon, each in its own process group, stopped together.

    Not `dagster dev`: it is superseded (a warning on every start) and a signal sent to it alone
    can leave its webserver or daemon running. Both run from DAGSTER_HOME so Dagster does not warn
    about the project's dagster.yaml template in the working directory."""
    import signal
    import subprocess

    from pipelines.settings import PROJECT_ROOT

    if not check_configuration():
        return 2
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        print("DAGSTER_HOME is not set (`make ui` sets it to .dagster_home)", file=sys.stderr)
        return 2
    # Create the instance's storage once, here: webserver and daemon starting on an empty
    # DAGSTER_HOME would both create its SQLite tables and one of them would crash (and a
    # `battery build` starting meanwhile waits for it: automation/instance.py).
    _instance().dispose()
    bin_dir = Path(sys.executable).parent
    code = ["-m", "pipelines.definitions", "-d", str(PROJECT_ROOT)]
    commands = [
        [str(bin_dir / "dagster-webserver"), "-h", args.host, "-p", str(args.port), *code],
        [str(bin_dir / "dagster-daemon"), "run", *code],
    ]
    stop = []
    previous = {sig: signal.signal(sig, lambda signum, frame: stop.append(signum)) for sig in (signal.SIGINT, signal.SIGTERM)}
    children = [subprocess.Popen(command, cwd=home, start_new_session=True) for command in commands]
    print(f"Dagster UI on http://{args.host}:{args.port} (pids {', '.join(str(c.pid) for c in children)}); Ctrl-C stops it")
    try:
        while not stop and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        for sig, grace in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0)):
            for child in children:
                try:
                    os.killpg(child.pid, sig)  # the child and everything it started (code servers, run workers)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and any(child.poll() is None for child in children):
                time.sleep(0.1)
            if all(child.poll() is not None for child in children) and sig == signal.SIGTERM:
                # the children are gone; make sure nothing of their groups lingers either
                for child in children:
                    try:
                        os.killpg(child.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                break
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL)]
    return 0 if stop or not failed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="battery", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild what changed (every table with --full) and publish the warehouse")
    b.add_argument("--full", action="store_true", help="rebuild every table, whatever changed")
    b.set_defaults(func=build)
    q = sub.add_parser("query", help="run a read-only query against the published warehouse")
    add_query_arguments(q)
    q.set_defaults(func=query)
    c = sub.add_parser("check", help="validate sources/ (all datasets, or the named ones) without building")
    c.add_argument("datasets", nargs="*", metavar="DATASET")
    c.set_defaults(func=check)
    d = sub.add_parser("docs", help="regenerate the data dictionary and the curator's guide from the pandera models")
    d.add_argument("--check", action="store_true", help="fail if the committed dictionary or guide is stale")
    d.set_defaults(func=docs)
    w = sub.add_parser("site", help="write the static catalogue warehouse/site/ from the published file")
    w.add_argument("--serve", action="store_true", help="then serve it on http://HOST:PORT until Ctrl-C")
    w.add_argument("--host", default="127.0.0.1")
    w.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    w.set_defaults(func=site)
    u = sub.add_parser("ui", help="start the Dagster webserver and daemon")
    u.add_argument("--host", default="127.0.0.1")
    u.add_argument("--port", type=int, default=3000)
    u.set_defaults(func=ui)
    args = parser.parse_args(argv)
    return args.func(args)


def entry() -> None:
    """The `battery` command (pyproject.toml): main() with the process's garbage collector tuned
    for a short-lived process (pipelines/runtime.py)."""
    from pipelines import runtime

    runtime.tune()
    code = main()
    runtime.exit_without_final_collection()
    sys.exit(code)


if __name__ == "__main__":
    entry()
