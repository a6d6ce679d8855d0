"""Benchmark: latency of every named query (warehouse/queries/*.sql) on the built warehouse.

Prints the median and worst of N runs per query, read-only, one warm connection (what an
analyst's session is). Target: each under 100 ms. Build first: `make build`.
Usage: .venv/bin/python benchmarks/query_latency.py [--runs N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import duckdb

from pipelines.query import bind_params, load_named, named_queries
from pipelines.settings import current_paths


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    db = current_paths().published_db
    if not db.exists():
        print(f"{db} does not exist: run `make build` first", file=sys.stderr)
        return 2
    worst_median = 0.0
    with duckdb.connect(str(db), read_only=True) as con:
        print(f"{'query':<32} {'median ms':>10} {'max ms':>8} {'rows':>6}")
        for name in named_queries():
            query = load_named(name)
            sql, params = query.sql, bind_params(query, []) or None
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                rows = len(con.execute(sql, params).df())
                times.append((time.perf_counter() - t0) * 1000)
            median = statistics.median(times)
            worst_median = max(worst_median, median)
            print(f"{name:<32} {median:10.1f} {max(times):8.1f} {rows:6d}")
    print(f"\nslowest median: {worst_median:.1f} ms (target < 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
