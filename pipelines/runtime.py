"""How the project's Python processes use the garbage collector (measured by
benchmarks/garbage_collector.py).

A build allocates millions of short-lived container objects (pandas frames and Series, Dagster
events and their serialized metadata) on top of about a million long-lived ones (Dagster,
pandas, pandera, the code location's asset and check definitions). CPython's defaults collect
the youngest generation every 700 net allocations and, now and then, traverse every object
alive: 1.1-1.4 s of pauses in a `battery build`, plus 1-2.5 s for the final collections of
interpreter shutdown after the build has finished. Almost everything here is freed by reference
counting the moment it is dropped; the collector only exists for reference cycles, which are
few and small. So:

- `tune()`: collect the youngest generation every 50,000 net allocations (older ones as before,
  relative to it). Cyclic garbage waits a little longer, a few MB at most.
- `freeze_loaded()`: once the code location is loaded, its objects live as long as the process;
  `gc.freeze()` moves them out of every later collection's traversal.
- `exit_without_final_collection()`: a finishing process (the `battery` command) freezes what is
  left, so shutdown frees it by reference counting and skips a full traversal; atexit handlers
  still run.
"""
from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager

YOUNGEST_GENERATION_THRESHOLD = 50_000


def tune() -> None:
    """Collect the youngest generation every YOUNGEST_GENERATION_THRESHOLD net allocations (never lowers a higher setting)."""
    youngest, middle, oldest = gc.get_threshold()
    if 0 < youngest < YOUNGEST_GENERATION_THRESHOLD:
        gc.set_threshold(YOUNGEST_GENERATION_THRESHOLD, middle, oldest)


def freeze_loaded() -> None:
    """Every object alive now (imported modules, the loaded definitions) out of later collections."""
    gc.freeze()


@contextmanager
def frozen_for_fork() -> Iterator[None]:
    """Every object alive now out of the collector while processes are forked: the forks
    inherit them and never traverse them (nor copy their pages by touching them). Afterwards
    this process collects them again, unless objects were frozen before (freeze_loaded: the
    loaded definitions stay out of every collection, and so then do these)."""
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_before:
            gc.unfreeze()


def die_with_parent(parent: int) -> None:
    """In a forked helper process (a chart drawing process): be killed when `parent` dies (Linux
    prctl PR_SET_PDEATHSIG), and exit now if it already has: a killed build leaves no process
    behind. Elsewhere, nothing."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(0)


def exit_without_final_collection() -> None:
    """For a process about to exit: what is alive is freed by reference counting at shutdown,
    without the interpreter's final full traversal of every object."""
    gc.freeze()
