"""Reserved concurrency across processes: every process running a state directory's functions
(``serve``, the background worker, a CLI invoke running its own environment) counts the same slots.

A function with reserved concurrency N has lock files ``<state_dir>/concurrency/<name>/0 .. N-1``;
an invocation runs while holding an ``flock`` on one of them. The kernel drops a lock when its
holder dies, so a crashed or killed process never keeps a slot, and nothing needs cleaning up.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from lambdactl.state.store import private_state_dir


class ReservedSlots:
    def __init__(self, state_dir: Path) -> None:
        self.root = Path(state_dir) / "concurrency"
        self._fds: dict[tuple[str, int], int] = {}  # opened once per process, locked and unlocked per invocation
        self._held: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    def take(self, name: str, reserved: int) -> int | None:
        """A free slot of ``name``'s ``reserved`` (locked now), or None when every one is in use."""
        with self._lock:
            for index in range(reserved):
                key = (name, index)
                if key in self._held:
                    continue
                fd = self._fds.get(key)
                if fd is None:
                    folder = private_state_dir(self.root / name)
                    fd = self._fds[key] = os.open(folder / str(index), os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                self._held.add(key)
                return index
        return None

    def release(self, name: str, index: int) -> None:
        with self._lock:
            fcntl.flock(self._fds[(name, index)], fcntl.LOCK_UN)
            self._held.discard((name, index))

    def close(self) -> None:
        with self._lock:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()
            self._held.clear()
