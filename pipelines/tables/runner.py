"""Many tables in one pass (no Dagster here): the order to compute them in, parents first, and
the rule when one fails. `pipelines/assets/computed.py` `table_step` runs every table of the
build in one Dagster step with these."""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping


class TablesFailed(Exception):
    """Several tables of one pass failed: each one's message, under its table's name."""


def parents_first(parents: Mapping[Hashable, Iterable[Hashable]]) -> list:
    """The keys of `parents` (key -> the keys it reads), each after the ones it reads among
    them, otherwise in the order given; a cycle is an error naming it."""
    done: dict = {}

    def visit(key, path: tuple) -> None:
        if key in done:
            return
        if key in path:
            raise ValueError(f"tables read each other in a cycle: {' -> '.join(map(str, (*path, key)))}")
        for parent in parents[key]:
            if parent in parents:
                visit(parent, (*path, key))
        done[key] = True

    for key in parents:
        visit(key, ())
    return list(done)


def run_tables(order: list, reads: Mapping[Hashable, Iterable[Hashable]], compute: Callable[[Hashable], Iterator],
               skipped: Callable[[Hashable, list], None], name: Callable[[Hashable], str] = str) -> Iterator:
    """Yield from `compute(key)` for each key of `order`. A table that raises is recorded and
    the tables reading it (directly or not) are not computed (`skipped(key, failed parents)`);
    the others are, so one pass names every broken table. At the end the one failure is
    raised as it is, several as TablesFailed listing each under its table's name."""
    failed: dict = {}  # key -> its error, or None when it was not computed because a parent failed
    for key in order:
        broken = [parent for parent in reads[key] if parent in failed]
        if broken:
            failed[key] = None
            skipped(key, broken)
            continue
        try:
            yield from compute(key)
        except Exception as error:  # noqa: BLE001 - every table is tried; the failures are raised together
            failed[key] = error
    errors = {key: error for key, error in failed.items() if error is not None}
    if len(errors) == 1:
        raise next(iter(errors.values()))
    if errors:
        raise TablesFailed(f"{len(errors)} tables failed:\n\n" + "\n\n".join(f"{name(k)}: {e}" for k, e in errors.items()))
