"""The state directory's background worker, as other processes see it: its lock, starting it, finding it.

One worker per region of a state directory (``Settings.region_dir``), guarded by an flock on ``async-worker.lock``. Besides queued
events and mappings (``events/worker.py``), the process (``server/worker.py``) runs ``lambdactl invoke``'s synchronous invocations
in warm environments: it serves the Lambda API on 127.0.0.1 (a port the OS picks) and says where
in ``worker.json`` (``{"pid", "url", "region"}``; ``url`` is null while it starts). A CLI invoke
with no worker running runs cold in its own process, as before, and then starts the worker with
that function to warm up, so the next invoke is warm.

Kept free of heavy imports: every CLI invoke reads it.

A worker takes invokes only from commands run with the same region and the same lambdactl and AWS
environment variables (and PATH) as the one that started it; others run in their own process.

Settings: ``LAMBDACTL_AUTO_WORKER=0`` never starts a worker (one already running is still used);
``LAMBDACTL_WARM_INVOKE=0`` keeps CLI invokes in their own process (cold each time).
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambdactl.state.store import private_state_dir

if TYPE_CHECKING:
    from lambdactl.settings import Settings

LOCK_NAME = "async-worker.lock"
LOG_NAME = "async-worker.log"
STARTING_WAIT_S = 15.0  # how long an invoke waits for a starting worker (it warms one environment meanwhile)


class WorkerLock:
    """The state directory's worker lock: whoever holds it is the one worker."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / LOCK_NAME
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        private_state_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def held(state_dir: Path) -> bool:
    lock = WorkerLock(state_dir)
    if lock.try_acquire():
        lock.release()
        return False
    return True


def ensure_running(settings: Settings, warm: tuple[str, str | None] | None = None) -> None:
    """Start a background worker for the settings' region of their state directory unless one holds
    the lock (cheap when it does); ``warm`` = (function, qualifier) to start one environment of before
    it takes invokes. Each region has its worker (its lock and ``worker.json`` are in its region dir)."""
    from lambdactl import settings as lambdactl_settings

    state_dir, region = settings.region_dir, settings.region
    if not lambdactl_settings.AUTO_WORKER.get() or held(state_dir):
        return
    argv = [sys.executable, "-m", "lambdactl.server.worker", str(settings.state_dir), region]
    if warm:
        argv += [warm[0], warm[1] or ""]
    log = os.open(Path(state_dir) / LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    read_end, write_end = os.pipe()
    try:  # a shell that leaves the worker running, says its pid and exits: no zombie, no subprocess import
        shell = os.posix_spawn("/bin/sh", ["/bin/sh", "-c", '"$@" >&2 & echo $!', "lambdactl-worker", *argv],
                               os.environ, setsid=True, file_actions=[
                                   (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                                   (os.POSIX_SPAWN_DUP2, write_end, 1), (os.POSIX_SPAWN_DUP2, log, 2)])  # fmt: skip
    finally:
        os.close(log)
        os.close(write_end)
    with os.fdopen(read_end, "rb") as said:
        pid = said.read().strip()
    try:
        os.waitpid(shell, 0)
    except ChildProcessError:  # SIGCHLD ignored here: already reaped
        pass
    if pid.isdigit():  # the next invoke waits for it instead of running cold beside it
        from lambdactl.state import discovery
        from lambdactl.settings import fingerprint

        discovery.publish(state_dir, None, region, discovery.WORKER_FILE_NAME, pid=int(pid), settings=fingerprint())


def warm_invokes() -> bool:
    from lambdactl import settings

    return settings.WARM_INVOKE.get()


def find_worker(settings: Settings) -> dict[str, Any] | None:
    """The running worker that can take this process's invokes (same region and settings), waiting
    while one starts; None when there is none."""
    from lambdactl.state import discovery
    from lambdactl.settings import fingerprint

    state_dir, region = settings.region_dir, settings.region
    deadline = time.monotonic() + STARTING_WAIT_S
    while True:
        record = discovery.find(state_dir, discovery.WORKER_FILE_NAME)
        if record is None or record.get("region") != region or record.get("settings") != fingerprint():
            return None
        if record.get("url"):
            return record
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)
