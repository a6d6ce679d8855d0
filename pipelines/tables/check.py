"""`battery check [DATASET ...]`: the curator's fast loop. Validates the sources tree as a build
would (every blocking rule of the pandera models, foreign keys, vocabularies, the document of
each row, quotes), without Dagster and without writing anything: the warehouse is at most read
(read-only) to say which conflicting claim pairs the edit would add.

Each problem is printed once: file, line, column, rule and what to do. The exit status is 1 when
any blocking problem is found, 0 otherwise.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from pipelines.errors import SourceError, SourceProblem
from pipelines.ingest.curate import check_tree, curate, parent_tables
from pipelines.schemas.registry import CURATED

VOCABULARIES = ("units", "metrics")


def _closure(names: Iterable[str]) -> list[str]:
    """The named datasets, their vocabularies and every parent their foreign keys need, parents first."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for parent in parent_tables(name):
            visit(parent)
        order.append(name)

    for name in (*VOCABULARIES, *names):
        visit(name)
    return order


def check_sources(sources_root: Path, names: Iterable[str] | None = None) -> tuple[list[SourceProblem], dict[str, pd.DataFrame]]:
    """Every blocking problem of the named datasets (all when None), each once, and the curated
    frames of the datasets that passed. A dataset whose parent failed is not checked further
    (its keys cannot be looked up); the parent's problems say why."""
    wanted = list(CURATED) if not names else list(names)
    unknown = [n for n in wanted if n not in CURATED]
    problems: list[SourceProblem] = [
        SourceProblem(f"sources/{n}", None, None, "no such dataset", "datasets: " + ", ".join(sorted(CURATED))) for n in unknown
    ]
    try:
        check_tree(sources_root)
    except SourceError as error:
        problems += error.problems
    tables: dict[str, pd.DataFrame] = {}
    failed: set[str] = set()
    for name in _closure(n for n in wanted if n in CURATED):
        if any(parent in failed for parent in parent_tables(name)):
            failed.add(name)
            continue
        parents = {p: tables[p] for p in parent_tables(name)}
        try:
            tables[name], _ = curate(name, sources_root, tables.get("metrics"), tables.get("units"), parents=parents)
        except SourceError as error:
            failed.add(name)
            problems += error.problems
    seen: set[str] = set()
    unique = []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            unique.append(problem)
    return unique, tables


def new_conflicts(tables: dict[str, pd.DataFrame], published_db: Path) -> pd.DataFrame | None:
    """Conflicting claim pairs of the checked tree that the published warehouse does not hold
    (None when the claims or the warehouse cannot be read)."""
    if not {"cell_claims", "documents"} <= set(tables):
        return None
    from pipelines.tables.technology_db import claim_conflicts

    pairs = claim_conflicts(tables["cell_claims"], tables["documents"])
    published: set[tuple[str, str]] = set()
    if published_db.exists():
        import duckdb

        try:
            with duckdb.connect(str(published_db), read_only=True) as con:
                rows = con.execute("SELECT claim_id_a, claim_id_b FROM quality.claim_conflicts").fetchall()
            published = {(a, b) for a, b in rows}
        except duckdb.Error:
            published = set()
    keys = list(zip(pairs["claim_id_a"], pairs["claim_id_b"]))
    return pairs[[k not in published for k in keys]]


def run(sources_root: Path, names: list[str], published_db: Path) -> int:
    problems, tables = check_sources(sources_root, names)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} blocking problem(s); nothing was built or published.")
        return 1
    added = new_conflicts(tables, published_db)
    if added is not None and len(added):
        print(f"{len(added)} conflicting claim pair(s) not in the published warehouse (quality.claim_conflicts):")
        for row in added.itertuples(index=False):
            print(
                f"  {row.claim_id_a} ({row.document_id_a}, {row.published_text_a}) vs {row.claim_id_b} "
                f"({row.document_id_b}, {row.published_text_b}) {row.metric}: {row.why_they_may_differ}"
            )
    print(f"sources OK: {len(tables)} dataset(s) checked, no blocking problem.")
    return 0
