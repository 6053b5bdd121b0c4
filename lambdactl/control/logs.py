"""CloudWatch-style log groups and streams kept in the state directory, rotated by count
(a group holds at most its retention plus 5% between trims)."""

from __future__ import annotations

import base64
import time
from typing import Any

from lambdactl import errors, settings
from lambdactl.control.plane import ControlPlane
from lambdactl.control.records import function_exists

TAIL_BYTES = 4096
GROUP_PREFIX = "/aws/lambda/"


def default_log_group(function_name: str) -> str:
    return f"{GROUP_PREFIX}{function_name}"


def log_group(config: dict[str, Any]) -> str:
    """Where a stored function version logs: its LoggingConfig.LogGroup, else ``/aws/lambda/<name>``."""
    return (config.get("LoggingConfig") or {}).get("LogGroup") or default_log_group(config["FunctionName"])


def retention_events() -> int:
    """Events kept per log group: ``LAMBDACTL_LOG_RETENTION_EVENTS``, default 10000."""
    return settings.LOG_RETENTION_EVENTS.get()


def tail_base64(log: str) -> str:
    """LogResult: base64 of the last 4 KB of the invocation's log."""
    return base64.b64encode(log.encode()[-TAIL_BYTES:]).decode()


def append(plane: ControlPlane, group: str, stream: str, text: str) -> None:
    if not text:
        return
    now = int(time.time() * 1000)
    lines = [(group, stream, now, line) for line in text.splitlines() if line.strip()]
    keep = retention_events()
    step = max(1, keep // 20)  # trimming walks `keep` rows: do it once per `step` new events, not per invoke
    with plane.store.write() as conn:
        conn.executemany("INSERT INTO log_events (log_group, log_stream, ts, message) VALUES (?, ?, ?, ?)", lines)
        last = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
        if last // step == (last - len(lines)) // step:
            return
        cutoff = conn.execute(
            "SELECT id FROM log_events WHERE log_group = ? ORDER BY ts DESC, id DESC LIMIT 1 OFFSET ?", (group, keep)
        ).fetchone()
        if cutoff:
            conn.execute("DELETE FROM log_events WHERE log_group = ? AND id <= ?", (group, cutoff[0]))


def events(plane: ControlPlane, group: str, *, since_ms: int = 0, after_id: int = 0) -> list[dict[str, Any]]:
    rows = plane.store.read(
        "SELECT id, log_stream, ts, message FROM log_events WHERE log_group = ? AND ts >= ? AND id > ? "
        "ORDER BY ts, id",
        (group, since_ms, after_id),
    )
    return [dict(row) for row in rows]


def group_exists(plane: ControlPlane, group: str) -> bool:
    return plane.store.read_one("SELECT 1 FROM log_events WHERE log_group = ? LIMIT 1", (group,)) is not None


def require_group(plane: ControlPlane, group: str) -> None:
    """404 unless ``group`` holds events or is ``/aws/lambda/<name>`` of an existing function (not invoked yet)."""
    if not function_exists(plane, group.removeprefix(GROUP_PREFIX)) and not group_exists(plane, group):
        raise errors.ResourceNotFoundException("The specified log group does not exist.")
