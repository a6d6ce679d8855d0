"""Benchmark: model.design_sweep end to end (sample, compute, validate, write) for a large N.

Runs the asset's own plain functions (design_sweep_chunks -> Arrow record batches validated
against the DesignSweep pandera model -> the IO manager's write_table on its staging
connection) into a temporary DuckDB file, with n_designs overridden (the
sweep size stays data in sources/design_sweep_settings; this only scales it). Prints the
machine's load average before and after, wall time, CPU time of all threads and how it splits
between producing the batches (sampling, model, validation: the thread that runs ahead of the
writer) and the rest (DuckDB's insert, compression, primary key and commit), designs per
second, peak RSS of the process, the DuckDB file's size and the table's row count, and with
--hash a content hash of the written table (row order by design_id, every column as text)
and of its column types and comments, to compare two versions of the code.

Usage: .venv/bin/python benchmarks/design_sweep_streaming.py [--designs 5000000] [--chunk-rows N] [--hash]
"""
from __future__ import annotations

import time

started = time.perf_counter()

import argparse  # noqa: E402
import hashlib  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import duckdb  # noqa: E402

from pipelines.ingest.curate import curate  # noqa: E402
from pipelines.publish.duckdb_tables import close_shared, shared_connection, write_table  # noqa: E402
from pipelines.publish.validated_chunks import ValidatedChunks  # noqa: E402
from pipelines.schemas.registry import all_tables  # noqa: E402
from pipelines.settings import current_paths  # noqa: E402
from pipelines.tables.model import SWEEP_CHUNK_ROWS, design_sweep_chunks  # noqa: E402

TABLE = "model.design_sweep"
INPUTS = ("cell_design_parameters", "cell_model_assumptions", "design_sweep", "design_sweep_settings", "analysis_settings")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def curated_inputs(sources: Path) -> dict:
    units, _ = curate("units", sources)
    metrics, _ = curate("metrics", sources)
    return {name: curate(name, sources, metrics, units)[0] for name in INPUTS}


def content_hash(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    rows = con.execute(f"SELECT md5(string_agg(CAST(t AS VARCHAR), ';' ORDER BY design_id)) FROM {TABLE} t").fetchone()[0]
    columns = con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name = 'model' AND table_name = 'design_sweep' ORDER BY column_index"
    ).fetchall()
    return rows, hashlib.md5(repr(columns).encode()).hexdigest()


def thread_cpu(batches, total: list[float]):
    """`batches`, adding the CPU time the consuming thread spends producing each to total[0]."""
    while True:
        start = time.thread_time()
        try:
            batch = next(batches)
        except StopIteration:
            return
        finally:
            total[0] += time.thread_time() - start
        yield batch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--designs", type=int, default=5_000_000)
    parser.add_argument("--chunk-rows", type=int, default=SWEEP_CHUNK_ROWS)
    parser.add_argument("--hash", action="store_true", help="print a content hash of the table")
    args = parser.parse_args()

    inputs = curated_inputs(current_paths().sources)
    inputs["design_sweep_settings"] = inputs["design_sweep_settings"].assign(n_designs=args.designs)
    load_before = os.getloadavg()
    imported = time.perf_counter()
    rss_before = peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as folder:
        staging = Path(folder) / "staging.duckdb"
        con = shared_connection(staging)  # the IO manager's connection to the staging file
        t0, cpu0 = time.perf_counter(), time.process_time()
        chunks = ValidatedChunks(design_sweep_chunks(**inputs, chunk_rows=args.chunk_rows), all_tables()[TABLE], TABLE)
        producing = [time.thread_time()]
        stream = chunks.stream()  # the first batch, on this thread
        producing[0] = time.thread_time() - producing[0]
        stream.batches = thread_cpu(stream.batches, producing)  # the others, on the thread running ahead
        rows = write_table(con, "model", "design_sweep", stream)
        con.execute("CHECKPOINT")
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        end_to_end = time.perf_counter() - started
        peak = peak_rss_mb()  # before hashing, which builds a large string
        close_shared(staging)
        size_mb = staging.stat().st_size / 1e6
        digest = None
        if args.hash:  # on a connection of its own: the staging connection's memory is capped
            with duckdb.connect(str(staging), read_only=True) as reader:
                digest = content_hash(reader)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average (1, 5, 15 min) of the machine's {os.cpu_count()} CPUs: {', '.join(f'{x:.2f}' for x in load_before)} before, {load} after")
    print(f"designs: {rows:,} in chunks of {args.chunk_rows:,} rows")
    print(f"sweep (sample, compute, validate, write, checkpoint): {seconds:.2f} s wall, {cpu:.2f} s CPU (all threads), {rows / seconds / 1e6:.2f} M designs/s")
    print(f"  CPU producing the batches (sample, model, validate): {producing[0]:.2f} s; writing (DuckDB insert, key, commit, checkpoint): {cpu - producing[0]:.2f} s")
    print(f"setup (imports, curated inputs): {imported - started:.2f} s; end to end: {end_to_end:.2f} s")
    print(f"peak RSS: {peak:.0f} MB (after imports and inputs: {rss_before:.0f} MB); DuckDB file {size_mb:.0f} MB")
    if digest:
        print(f"content md5: {digest[0]}  column types+comments md5: {digest[1]}")


if __name__ == "__main__":
    main()
