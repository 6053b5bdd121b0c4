"""The configuration generation (``meta.generation``, bumped by triggers on every change to functions,
versions or aliases), mirrored in ``<state_dir>/generation`` for long-running processes.

A warm invoke must never run stale code, yet reading the database on every invoke to learn that
nothing changed costs a query. Instead, every write transaction that moved the generation writes the
new value to the file *before* it commits, and readers keep the file mapped: one memory read tells
them whether what they cached is still current. The file only ever grows (the max of what writers
saw, under an flock). A writer that dies between writing the file and committing leaves it ahead
of the database: readers then read the database each time, which is slower but never stale, until
the next change catches the database up.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import struct
from pathlib import Path

FILE_NAME = "generation"
_COUNTER = struct.Struct("<Q")


def current(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def publish(root: Path, generation: int) -> None:
    """Raise the file's counter to ``generation`` (never lower it)."""
    fd = os.open(root / FILE_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        data = os.pread(fd, _COUNTER.size, 0)
        if len(data) < _COUNTER.size or _COUNTER.unpack(data)[0] < generation:
            os.pwrite(fd, _COUNTER.pack(generation), 0)
    finally:
        os.close(fd)  # drops the flock


class Watch:
    """The counter, mapped read-only: ``value()`` is a memory read."""

    def __init__(self, root: Path, conn: sqlite3.Connection) -> None:
        import mmap

        publish(root, current(conn))  # the file exists, and is no older than the database
        fd = os.open(root / FILE_NAME, os.O_RDONLY)
        try:
            self._map = mmap.mmap(fd, _COUNTER.size, mmap.MAP_SHARED, mmap.PROT_READ)
        finally:
            os.close(fd)

    def value(self) -> int:
        return _COUNTER.unpack_from(self._map, 0)[0]

    def close(self) -> None:
        self._map.close()
