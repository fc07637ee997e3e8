"""SQLite writers take turns: the one way a write transaction of its own starts on SQLite.

SQLite allows one writer; its busy handler sleeps with back-off, which starves writers for seconds
under contention (perf-baseline.md §2.2; the queue and case benchmarks showed p99 over a second
with 16 concurrent desks). Writers therefore take turns before `BEGIN IMMEDIATE`: threads of one
process on a re-entrant lock, processes (granian workers, huey) on an flock of a file next to the
database, where a waiting process is woken when the lock is free instead of polling.

`write_turn()` is a context manager for *outermost* write transactions: inside a caller's
transaction the connection already holds SQLite's write lock (transaction_mode IMMEDIATE), and
waiting for the turn there could deadlock against the turn's holder waiting for that lock, so it
is then a no-op, as it is on PostgreSQL (row locks, no single writer).
"""

from __future__ import annotations

import threading
from contextlib import nullcontext

from django.db import connection

try:
    import fcntl
except ImportError:  # not on POSIX: threads still take turns, processes rely on the busy handler
    fcntl = None

__all__ = ["write_turn"]


class _SQLiteTurn:
    def __init__(self):
        self.lock = threading.RLock()
        self.depth = 0
        self.files: dict[str, object] = {}

    def _file(self):
        path = f"{connection.settings_dict['NAME']}.writers"
        if path not in self.files:
            self.files[path] = open(path, "a+b")  # noqa: SIM115 - held for the process's life
        return self.files[path]

    def __enter__(self):
        self.lock.acquire()
        if self.depth == 0 and fcntl is not None:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        self.depth += 1

    def __exit__(self, *exc):
        self.depth -= 1
        if self.depth == 0 and fcntl is not None:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        self.lock.release()


_turn = _SQLiteTurn()


def write_turn():
    """Wait for this process's and thread's turn to write (SQLite, outside a transaction)."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        return _turn
    return nullcontext()
