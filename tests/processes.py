"""The processes a test leaves behind in its directories, found in ``/proc`` and stopped after it.

A background worker (``python -m lambdactl.server.worker STATE_DIR REGION``) stays while a schedule is
enabled or a mapping's source has records, and for ``LAMBDACTL_WORKER_IDLE_S`` after its last work: a suite
that never stopped them kept dozens polling at once. ``stop_left_behind(root)`` (the autouse fixtures here,
which ``tests/conftest.py`` imports: after every test for its ``tmp_path``, after every module for the
session's temporary directories) stops them as a service manager would: SIGTERM, so each worker stops its
warm environments on the way out, as it does when it goes idle. What still runs there afterwards (an environment whose owner
is gone, a process that ignored SIGTERM) is a leak: killed, and reported, so the test fails.

The processes of a directory are lambdactl commands naming a path inside it (command line or
``LAMBDACTL_STATE_DIR``) and environments whose ``TMPDIR`` (under ``<state>/run/``) lies inside it; other
pytest sessions on this machine have other temporary directories, so their processes are never touched.
(Containers are the Docker tests' own check: ``no_leftovers`` in ``tests/docker/conftest.py``.)
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TERM_WAIT_S = 60.0  # a worker lets in-flight invokes finish, then stops its environments (containers too)
GONE_WAIT_S = 10.0  # environments end with their owner (its pool, or their watchdog when it dies)
MORE_ROOTS: list[Path] = []  # checked after each module besides the session's temporary directories


@pytest.fixture(autouse=True)
def nothing_left_running(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the test and its other fixtures (autouse: set up first, torn down last), stop what lambdactl
    still runs in its ``tmp_path``; fail the test if anything outlived that."""
    yield
    if "tmp_path" in request.node.funcargs:
        _fail_if_any(stop_left_behind(request.node.funcargs["tmp_path"]))


@pytest.fixture(autouse=True, scope="module")
def nothing_left_running_by_the_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The same after the module's fixtures, for the state directories they made with ``tmp_path_factory``
    (and MORE_ROOTS)."""
    yield
    for root in (tmp_path_factory.getbasetemp(), *MORE_ROOTS):
        _fail_if_any(stop_left_behind(root))


def _fail_if_any(killed: list[str]) -> None:
    if killed:
        pytest.fail("processes left running after the test, now killed:\n" + "\n".join(killed), pytrace=False)


@dataclass(frozen=True)
class Process:
    pid: int
    argv: list[str]

    @property
    def is_lambdactl(self) -> bool:
        """A lambdactl command (the CLI, ``serve``, a worker), not an environment it runs."""
        names = [Path(arg).name for arg in self.argv[:2]]
        module = self.argv[self.argv.index("-m") + 1] if "-m" in self.argv[:3] and len(self.argv) > 2 else ""
        return "lambdactl" in names or module == "lambdactl" or module.startswith("lambdactl.")

    @property
    def is_worker(self) -> bool:
        return "lambdactl.server.worker" in self.argv[:3]

    def describe(self) -> str:
        return f"pid {self.pid}: {' '.join(self.argv)[:300]}"


def processes_in(root: Path) -> list[Process]:
    """What lambdactl runs for ``root`` (zombies aside): its commands that name ``root`` or a path inside it
    (command line or ``LAMBDACTL_STATE_DIR``), and environments whose ``TMPDIR`` lies there (with whatever
    their functions started). Nothing else: not a ``tail -f`` of a log there, nor a shell exploring it."""
    path = re.escape(os.fsencode(root)) + rb"(?=/|\x00|$)"
    named = re.compile(path)
    state_dir, work_dir = (re.compile(rb"(?:^|\x00)%s=" % name + path) for name in (b"LAMBDACTL_STATE_DIR", b"TMPDIR"))
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = Path(entry.path, "cmdline").read_bytes()
            if not argv:  # a zombie or a kernel thread
                continue
            process = Process(int(entry.name), [os.fsdecode(a) for a in argv.rstrip(b"\0").split(b"\0")])
            if process.is_lambdactl and named.search(argv):
                hit = True
            else:
                environ = Path(entry.path, "environ").read_bytes()
                hit = bool(state_dir.search(environ) if process.is_lambdactl else work_dir.search(environ))
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if hit and _alive(process.pid):
            found.append(process)
    return found


def worker_pids(state_dir: Path) -> list[int]:
    """The background worker processes serving ``state_dir``."""
    return [p.pid for p in processes_in(state_dir) if p.is_worker and str(state_dir) in p.argv]


def stop_background_worker(region_dir: Path) -> list[str]:
    """SIGTERM the background worker of a state directory's region, found as lambdactl finds it
    (``worker.json``), and wait for it to stop its environments and exit; returns what had to be killed.
    One still warming up is let finish first: a SIGTERM while it creates a container would orphan that."""
    from lambdactl.state import discovery

    record = discovery.find(region_dir, discovery.WORKER_FILE_NAME)
    deadline = time.monotonic() + TERM_WAIT_S
    while record and record.get("url") is None and _alive(int(record["pid"])) and time.monotonic() < deadline:
        time.sleep(0.05)
        record = discovery.find(region_dir, discovery.WORKER_FILE_NAME)
    return _terminate([int(record["pid"])]) if record else []


def stop_left_behind(root: Path) -> list[str]:
    """Stop every lambdactl process in ``root`` (the state directories' workers first, as lambdactl finds
    them); return what had to be killed: what ignored SIGTERM, and what still ran in ``root`` once they
    were gone (an environment that outlived its owner). Empty when nothing leaked."""
    running = processes_in(root)
    if not running:
        return []
    killed = []
    for state_dir in {Path(p.argv[3]) for p in running if p.is_worker and len(p.argv) > 3}:
        for region_dir in [state_dir, *sorted(state_dir.glob("regions/*"))]:
            killed += stop_background_worker(region_dir)
    killed += _terminate([p.pid for p in processes_in(root) if p.is_lambdactl])  # serve, a CLI, a starting worker
    deadline = time.monotonic() + GONE_WAIT_S
    while (left := processes_in(root)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for process in left:
        _kill(process.pid, signal.SIGKILL)
    return killed + [f"{process.describe()} (outlived the lambdactl processes)" for process in left]


def _terminate(pids: list[int]) -> list[str]:
    """SIGTERM, then wait up to TERM_WAIT_S for them to exit; SIGKILL and name those still there."""
    for pid in pids:
        _kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + TERM_WAIT_S
    while (running := [pid for pid in pids if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in running:
        _kill(pid, signal.SIGKILL)
    return [f"pid {pid} (did not exit within {TERM_WAIT_S:.0f} s of SIGTERM)" for pid in running]


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _alive(pid: int) -> bool:
    """Running: a zombie (a worker reparented to this process, which is a subreaper once it ran an
    environment itself) has exited; it is left for whoever waits for it."""
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False
