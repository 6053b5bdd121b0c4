"""What a killed lambdactl leaves behind, and how the next one recognises it.

A process is named by its pid and its start time (``/proc/<pid>/stat``), so a pid the kernel
handed to another process is not mistaken for the lambdactl that had it. Environments' work
directories (``run/<owner>-<id>/``: a function's ``/tmp``, with whatever it wrote) carry their
owner's name; ``sweep_run_dirs`` removes those whose owner is gone (called when ``serve`` or a
background worker starts, on the first cold start of a CLI invoke, and by ``lambdactl doctor``).
"""

from __future__ import annotations

import os
from pathlib import Path

RUN_DIR = "run"
_swept: set[str] = set()


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot, None if there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return None


def owner_tag(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{pid}.{start_time(pid) or 0}"


def alive(tag: str) -> bool:
    """Whether the process named by ``owner_tag`` still runs (the same process, not a pid reuse)."""
    pid, _, started = tag.partition(".")
    return pid.isdigit() and start_time(int(pid)) == started


def new_run_dir(state_dir: Path) -> Path:
    """A fresh work directory path for an environment of this process."""
    import uuid

    return Path(state_dir) / RUN_DIR / f"{owner_tag()}-{uuid.uuid4().hex}"


def sweep_run_dirs(state_dir: Path, force: bool = False) -> int:
    """Remove work directories whose owner process is gone (once per process unless ``force``)."""
    key = str(state_dir)
    if key in _swept and not force:
        return 0
    _swept.add(key)
    removed = 0
    try:
        entries = list(os.scandir(Path(state_dir) / RUN_DIR))
    except OSError:
        return 0
    import shutil

    for entry in entries:
        owner, dash, _ = entry.name.partition("-")
        if dash and "." in owner and not alive(owner):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed += 1
    return removed
