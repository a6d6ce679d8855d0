"""One writer at a time: DuckDB allows a single writing process per file, and two builds
interleaving their writes into the staging database would mix their results. A build holds
an exclusive advisory lock on warehouse/.build/build.lock for its whole duration; a second
build waits up to `timeout` seconds and is then refused with a clear message."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

_held: dict[Path, tuple[int, int]] = {}  # lock path -> (fd, depth): re-entrant within a process


class BuildLocked(RuntimeError):
    pass


def acquire(lock_file: Path, timeout: float = 60.0) -> None:
    lock_file = lock_file.resolve()
    if lock_file in _held:
        fd, depth = _held[lock_file]
        _held[lock_file] = (fd, depth + 1)
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise BuildLocked(
                    f"another build is writing the warehouse (lock {lock_file}, held by pid {holder}); "
                    f"waited {timeout:.0f} s. Retry when it has finished."
                ) from None
            time.sleep(0.1)
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    _held[lock_file] = (fd, 1)


def release(lock_file: Path) -> None:
    lock_file = lock_file.resolve()
    if lock_file not in _held:
        return
    fd, depth = _held[lock_file]
    if depth > 1:
        _held[lock_file] = (fd, depth - 1)
        return
    del _held[lock_file]
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def close_inherited() -> None:
    """In a process forked from a lock holder (a chart drawing process): close the inherited
    descriptors without unlocking, so the lock ends with the process that took it, not with the
    fork (a `flock` lasts while any descriptor of its open file is open)."""
    for fd, _ in _held.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


@contextmanager
def build_lock(lock_file: Path, timeout: float = 60.0):
    acquire(lock_file, timeout)
    try:
        yield
    finally:
        release(lock_file)
