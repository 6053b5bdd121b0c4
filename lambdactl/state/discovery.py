"""How a CLI finds the ``serve`` that serves its state directory: ``<state_dir>/serve.json``
(and the background worker that runs its invokes: ``worker.json``, see ``events/background.py``).

The server writes the file atomically once it listens and removes it when it stops.
``find`` runs on every command, so it is one small read and one ``kill(pid, 0)``.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

TYPE_CHECKING = False  # typing's, without importing typing: each warm `invoke` loads this module (cli/fast_invoke.py)
if TYPE_CHECKING:
    from typing import Any

FILE_NAME = "serve.json"
WORKER_FILE_NAME = "worker.json"


def path(state_dir: str | os.PathLike[str], name: str = FILE_NAME) -> Path:
    return Path(state_dir) / name


def publish(state_dir: str | os.PathLike[str], url: str | None, region: str, name: str = FILE_NAME,
            pid: int | None = None, **extra: str) -> None:
    """Say where this process (or the one with ``pid``) serves; ``url`` None: it is starting."""
    from lambdactl.state.store import private_state_dir, write_private  # SQLite's module: not for ``find``

    target = path(state_dir, name)
    private_state_dir(target.parent)
    tmp = target.with_name(f".{name}.{os.getpid()}")
    pid = pid or os.getpid()
    from lambdactl.state import leftovers

    started = leftovers.start_time(pid)  # with the pid, names the process: a reused pid is not us
    write_private(tmp, json.dumps({"pid": pid, "started": started, "url": url, "region": region, **extra}))
    os.replace(tmp, target)


def withdraw(state_dir: str | os.PathLike[str], name: str = FILE_NAME) -> None:
    """Remove the file if it is still ours (a later server may have replaced it)."""
    record = _read(path(state_dir, name))
    if record and record.get("pid") == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            path(state_dir, name).unlink()


def record(state_dir: str | os.PathLike[str], name: str = FILE_NAME) -> dict[str, Any] | None:
    """The file's record as written, whoever wrote it, alive or not."""
    return _read(path(state_dir, name))


def find(state_dir: str | os.PathLike[str], name: str = FILE_NAME) -> dict[str, Any] | None:
    """The live server's record ({pid, started, url, region}), or None (no file, or its process is gone:
    the pid is free, or now names another process, started at another time)."""
    record = _read(path(state_dir, name))
    if not record or not isinstance(record.get("pid"), int) or not _alive(record["pid"]):
        return None
    started = record.get("started")
    from lambdactl.state import leftovers  # only when a record names a process: no file, no cost

    if started is not None and leftovers.start_time(record["pid"]) != started:
        return None
    return record


def _read(file: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(file.read_bytes())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
