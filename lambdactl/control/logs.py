"""CloudWatch-style log groups and streams kept in the state directory, rotated by count
(a group holds at most its retention plus 5% between trims)."""

from __future__ import annotations

import base64
import sys
import threading
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any, TypeVar

from lambdactl import errors, settings
from lambdactl.plane import ControlPlane
from lambdactl.control.records import function_exists

T = TypeVar("T")
TAIL_BYTES = 4096
GROUP_PREFIX = "/aws/lambda/"


def default_log_group(function_name: str) -> str:
    return f"{GROUP_PREFIX}{function_name}"


def logging_config(function_name: str, given: dict[str, Any] | None, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """A function's LoggingConfig after create/update: ``given`` merged into ``current`` (default Text in
    ``/aws/lambda/<name>``); JSON gets INFO log levels by default, Text has none (recorded: LocalStack
    test_lambda_api.snapshot.json test_function_advanced_logging_configuration and _format_switch)."""
    merged = dict(current or {"LogFormat": "Text", "LogGroup": default_log_group(function_name)})
    merged.update({key: value for key, value in (given or {}).items() if value is not None})
    merged.setdefault("LogFormat", "Text")
    merged.setdefault("LogGroup", default_log_group(function_name))
    levels = ("ApplicationLogLevel", "SystemLogLevel")
    for key in levels:
        if merged["LogFormat"] == "JSON":
            merged.setdefault(key, "INFO")
        else:
            merged.pop(key, None)
    return merged


def log_group(config: dict[str, Any]) -> str:
    """Where a stored function version logs: its LoggingConfig.LogGroup, else ``/aws/lambda/<name>``."""
    return (config.get("LoggingConfig") or {}).get("LogGroup") or default_log_group(config["FunctionName"])


def retention_events() -> int:
    """Events kept per log group: ``LAMBDACTL_LOG_RETENTION_EVENTS``, default 10000."""
    return settings.LOG_RETENTION_EVENTS.get()


def tail_base64(log: str) -> str:
    """LogResult: base64 of the last 4 KB of the invocation's log."""
    return base64.b64encode(log.encode()[-TAIL_BYTES:]).decode()


MAX_LINE = 262_144  # characters of one log line kept, as Lambda's 256 KB


def append(plane: ControlPlane, group: str, stream: str, text: str) -> None:
    """Store an invocation's log lines: at once, or handed to the process's batch writer if it has one."""
    if not text:
        return
    now = int(time.time() * 1000)
    writer = _WRITERS.get(str(plane.settings.region_dir))
    if writer is not None:
        writer.submit(group, stream, now, text)
        return
    with plane.store.write() as conn:
        trimmed = _insert(conn, group, stream, now, text)
    if trimmed:
        plane.store.reclaim()


def _insert(conn: Any, group: str, stream: str, now: int, text: str) -> bool:
    """Store the lines; True when older events were trimmed (their space is then ``Store.reclaim``ed)."""
    # As Lambda's log delivery: a line longer than 256 KB is cut there.
    lines = [(group, stream, now, line[:MAX_LINE]) for line in text.splitlines() if line.strip()]
    keep = retention_events()
    step = max(1, keep // 20)  # trimming walks `keep` rows: do it once per `step` new events, not per invoke
    conn.executemany("INSERT INTO log_events (log_group, log_stream, ts, message) VALUES (?, ?, ?, ?)", lines)
    last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    if last // step == (last - len(lines)) // step:
        return False
    cutoff = conn.execute(
        "SELECT id FROM log_events WHERE log_group = ? ORDER BY ts DESC, id DESC LIMIT 1 OFFSET ?", (group, keep)
    ).fetchone()
    if cutoff:
        conn.execute("DELETE FROM log_events WHERE log_group = ? AND id <= ?", (group, cutoff[0]))
    return cutoff is not None


BATCH_WINDOW_S = 0.02  # a batch gathers this long: a busy process commits once per window


class BatchWriter:
    """A long-running process's log writer: invokes hand their lines over and return; one thread
    commits whatever has piled up in one transaction: the first lines of a batch wake it, it
    gathers for BATCH_WINDOW_S (unless a reader waits), so a busy process writes once per window,
    not once per invoke, and its invokes don't wake it each time. A crash loses at most the batch
    not yet committed. Readers in the same process ``flush()`` first, so they see every invoke that
    returned."""

    def __init__(self, state_dir: Path) -> None:
        from lambdactl.state.store import Store

        self.store = Store(state_dir)
        self._pending: list[tuple[str, str, int, str] | _Write] = []
        self._cond = threading.Condition()
        self._submitted = self._committed = 0
        self._flushing = 0  # readers waiting for the batch: it is committed without waiting out its window
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="lambdactl-log-writer", daemon=True)
        self._thread.start()

    def submit(self, group: str, stream: str, now: int, text: str) -> None:
        with self._cond:
            self._pending.append((group, stream, now, text))
            self._submitted += 1
            if len(self._pending) == 1:  # a new batch: the writer starts its window
                self._cond.notify_all()

    def flush(self) -> None:
        with self._cond:
            target = self._submitted
            self._flushing += 1
            self._cond.notify_all()
            try:
                self._cond.wait_for(lambda: self._committed >= target or not self._thread.is_alive())
            finally:
                self._flushing -= 1

    def write(self, write: Callable[[Any], T]) -> T:
        """``write(conn)`` in the next batch's transaction, after the logs handed over before it (in a
        savepoint: if it raises, it alone is undone and the exception raised here); returns once
        committed. Many threads' writes then take the write lock once, with their logs."""
        job = _Write(write)
        with self._cond:
            self._pending.append(job)
            self._submitted += 1
            target = self._submitted
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._committed >= target or not self._thread.is_alive())
        if job.error is not None:
            raise job.error
        if not job.done:
            raise RuntimeError("the log writer stopped before the write was committed")
        return job.result  # type: ignore[no-any-return]

    def close(self) -> None:
        self.flush()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()
        self.store.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._closed)
                self._cond.wait_for(lambda: self._flushing or self._closed, BATCH_WINDOW_S)
                if not self._pending:
                    return
                batch, self._pending, upto = self._pending, [], self._submitted
            writes = [entry for entry in batch if isinstance(entry, _Write)]
            try:
                with self.store.write() as conn:
                    trimmed = [entry.run(conn) if isinstance(entry, _Write) else _insert(conn, *entry)
                               for entry in batch]  # fmt: skip
                for job in writes:
                    job.done = True
                if any(trimmed):
                    self.store.reclaim()
            except Exception as exc:  # noqa: BLE001 - the writer must outlive a full disk or a locked database
                for job in writes:
                    job.error = job.error or exc
                print(f"lambdactl: {len(batch) - len(writes)} invocation logs lost: {type(exc).__name__}: {exc}",
                      file=sys.stderr, flush=True)  # fmt: skip
            with self._cond:
                self._committed = upto
                self._cond.notify_all()


class _Write:
    """A write committed with the logs handed over before it (``BatchWriter.write``)."""

    __slots__ = ("write", "result", "error", "done")

    def __init__(self, write: Callable[[Any], Any]) -> None:
        self.write = write
        self.result: Any = None
        self.error: Exception | None = None
        self.done = False

    def run(self, conn: Any) -> bool:
        conn.execute("SAVEPOINT one_write")
        try:
            self.result = self.write(conn)
        except Exception as exc:  # noqa: BLE001 - raised to the caller; the batch goes on
            conn.execute("ROLLBACK TO one_write")
            self.error = exc
        conn.execute("RELEASE one_write")
        return False  # trimmed no logs


_WRITERS: dict[str, BatchWriter] = {}  # state dir -> this process's batch writer for it


def batch_writes(state_dir: Path) -> BatchWriter:
    """Have this process's invocation logs for ``state_dir`` written in batches (until ``close``)."""
    writer = _WRITERS[str(state_dir)] = BatchWriter(state_dir)
    return writer


def stop_batching(writer: BatchWriter) -> None:
    """Commit what is pending and go back to writing at once."""
    if _WRITERS.get(str(writer.store.root)) is writer:
        del _WRITERS[str(writer.store.root)]
    writer.close()


def write_after(plane: ControlPlane, write: Callable[[Any], T]) -> T:
    """``write(conn)`` committed with (or after) every log line this process has handed over: an async
    event's completion and its log in one transaction, shared with the other events finishing now."""
    writer = _WRITERS.get(str(plane.settings.region_dir))
    if writer is not None:
        return writer.write(write)
    with plane.store.write() as conn:
        return write(conn)


def flush(plane: ControlPlane) -> None:
    """Make every log line this process has handed over readable."""
    writer = _WRITERS.get(str(plane.settings.region_dir))
    if writer is not None:
        writer.flush()


def events(plane: ControlPlane, group: str, *, since_ms: int = 0, after_id: int = 0) -> list[dict[str, Any]]:
    flush(plane)
    rows = plane.store.read(
        "SELECT id, log_stream, ts, message FROM log_events WHERE log_group = ? AND ts >= ? AND id > ? "
        "ORDER BY ts, id",
        (group, since_ms, after_id),
    )
    return [dict(row) for row in rows]


def group_exists(plane: ControlPlane, group: str) -> bool:
    flush(plane)
    return plane.store.read_one("SELECT 1 FROM log_events WHERE log_group = ? LIMIT 1", (group,)) is not None


def require_group(plane: ControlPlane, group: str) -> None:
    """404 unless ``group`` holds events or is ``/aws/lambda/<name>`` of an existing function (not invoked yet)."""
    if not function_exists(plane, group.removeprefix(GROUP_PREFIX)) and not group_exists(plane, group):
        raise errors.ResourceNotFoundException("The specified log group does not exist.")
