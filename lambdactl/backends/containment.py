"""Holding a subprocess environment's processes together where no memory cgroup can be made.

With a memory cgroup (``subprocess.Cgroup``) the kernel keeps every descendant in it and limits
its memory. A cgroup v2 one without the memory controller (none delegated to us) still holds every
descendant and kills them all (``cgroup.kill``); this module then limits memory from its processes'
resident memory. Without any (``LAMBDACTL_CGROUP=off``, no writable cgroup) this module does both:

* **Every descendant comes back to us.** lambdactl makes itself a child subreaper
  (``PR_SET_CHILD_SUBREAPER``): a double-forked, ``setsid`` daemon is re-parented to lambdactl,
  not to init. It is attributed to its environment by the ``AWS_LAMBDA_LOG_STREAM_NAME`` it
  inherited (unique per environment), killed with that environment and reaped by us.
* **Memory is the tree's resident memory.** One monitor thread (for all environments) samples
  ``/proc`` every ``SAMPLE_S``: an environment whose processes together hold more than
  MemorySize is killed and reported as out of memory, as the cgroup would. (``RLIMIT_AS`` stays
  as a backstop against an allocation too fast to sample; it allows more than MemorySize
  because address space is not memory.)
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Protocol

from lambdactl import settings

SAMPLE_S = 0.05
_PAGE = os.sysconf("SC_PAGE_SIZE")
PR_SET_CHILD_SUBREAPER = 36


class Tracked(Protocol):
    pid: int  # the environment's process group leader (the wrapper, then the runtime it execs)
    stream: bytes  # b"AWS_LAMBDA_LOG_STREAM_NAME=..." as in its environ

    def members(self) -> list[int]:
        """The processes of its cgroup where it has one that holds without limiting (cgroup v2), else []."""

    def sampled(self, rss_bytes: int) -> None:
        """The tree's resident memory now (called by the monitor thread every ``SAMPLE_S``)."""


def cgroups_allowed() -> bool:
    return settings.CGROUP.get() != "off"


def v2_only() -> bool:
    """Only the unified hierarchy (``LAMBDACTL_CGROUP=v2``): a hybrid host's v1 controllers are left alone."""
    return settings.CGROUP.get() == "v2"


_subreaper: bool | None = None


def become_subreaper() -> bool:
    """Make this process the subreaper of its descendants (once); False where the kernel refuses."""
    global _subreaper
    if _subreaper is None:
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            _subreaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
        except (OSError, AttributeError):
            _subreaper = False
    return _subreaper


def mechanism(cgroup_base: object, tracking_base: object = None) -> str:
    """One line for ``--debug`` and ``doctor``: how subprocess environments are held and limited."""
    if cgroup_base:
        return f"subprocess backend: memory cgroup under {cgroup_base} (limit = MemorySize, every descendant killed)"
    sampled = f"memory = resident memory of the process tree sampled every {SAMPLE_S * 1000:.0f} ms"
    if tracking_base:
        return (f"subprocess backend: cgroup v2 under {tracking_base} without a memory controller (none delegated): "
                f"every descendant held and killed with cgroup.kill, {sampled}")
    why = f"{settings.CGROUP.name}=off" if not cgroups_allowed() else "no writable memory cgroup"
    reaper = "child subreaper" if become_subreaper() else "process group only (PR_SET_CHILD_SUBREAPER refused)"
    return f"subprocess backend: {why}: {reaper}, {sampled}"


def _table() -> dict[int, tuple[int, int, str, int]]:
    """pid -> (ppid, pgid, state, rss bytes) for every process we can see."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        table[int(entry)] = (int(fields[1]), int(fields[2]), fields[0].decode(), int(fields[21]) * _PAGE)
    return table


def _environ_has(pid: int, needle: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return needle in f.read().split(b"\0")
    except OSError:
        return False


class Monitor:
    """The one thread that samples, limits and sweeps every tracked environment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tracked: list[Tracked] = []
        self._orphans: dict[int, Tracked] = {}  # re-parented to us, attributed to an environment
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def track(self, process: Tracked) -> None:
        with self._lock:
            self._tracked.append(process)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="lambdactl-memory", daemon=True)
                self._thread.start()

    def tree(self, process: Tracked, table: dict[int, tuple[int, int, str, int]] | None = None) -> list[int]:
        """The environment's processes: its group, its orphans, and all their descendants."""
        table = _table() if table is None else table
        me = os.getpid()
        with self._lock:
            tracked_pids = {p.pid for p in self._tracked}
            for pid, (ppid, _, state, _) in table.items():
                if ppid == me and pid not in tracked_pids and pid not in self._orphans and state != "Z" \
                        and _environ_has(pid, process.stream):
                    self._orphans[pid] = process
            roots = {pid for pid, owner in self._orphans.items() if owner is process}
        roots |= {pid for pid, (_, pgid, _, _) in table.items() if pgid == process.pid}
        roots |= set(process.members())
        roots.add(process.pid)
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        found, stack = set(), [p for p in roots if p in table]
        while stack:
            pid = stack.pop()
            if pid not in found:
                found.add(pid)
                stack.extend(children.get(pid, ()))
        return sorted(found)

    def kill(self, process: Tracked) -> None:
        """SIGKILL the environment's whole tree (orphans included), reap its orphans, stop tracking it."""
        for _ in range(20):  # bounded: a fork loop could keep adding to it
            pids = [pid for pid in self.tree(process) if pid != process.pid]
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        with self._lock:
            if process in self._tracked:
                self._tracked.remove(process)
            mine = [pid for pid, owner in self._orphans.items() if owner is process]
            for pid in mine:
                del self._orphans[pid]
        for pid in mine:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass

    def _run(self) -> None:
        while True:
            with self._lock:
                tracked = list(self._tracked)
                if not tracked:
                    self._thread = None
                    return
            table = _table()
            for process in tracked:
                process.sampled(sum(table[pid][3] for pid in self.tree(process, table) if pid in table))
            self._reap_exited(table)
            self._wake.wait(SAMPLE_S)

    def _reap_exited(self, table: dict[int, tuple[int, int, str, int]]) -> None:
        """Orphans of ours that exited by themselves: reap them (they are ours, not init's, to reap)."""
        with self._lock:
            dead = [pid for pid in self._orphans if pid not in table or table[pid][2] == "Z"]
            for pid in dead:
                del self._orphans[pid]
        for pid in dead:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass


MONITOR = Monitor()

