"""The durable queue of asynchronous invocations, in the state directory's SQLite database.

Every change is one short write transaction. A worker *claims* an event by writing
its lease (owner + expiry); a lease that expires, or whose worker died (see
``recover``), makes the event available again, so delivery is at least once.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from lambdactl.plane import ControlPlane

LEASE_S = 30.0  # renewed by the worker while the event runs


@dataclass(frozen=True)
class Event:
    id: int
    function_name: str
    qualifier: str | None
    payload: bytes
    request_id: str
    created_at: float
    attempts: int
    deferrals: int
    last_response: dict[str, Any] | None


def enqueue(conn: sqlite3.Connection, function_name: str, qualifier: str | None, payload: bytes,
            request_id: str) -> int:
    """Add an event inside the caller's write transaction; returns its id."""
    now = time.time()
    cursor = conn.execute(
        "INSERT INTO async_events (function_name, qualifier, payload, request_id, created_at, next_attempt_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (function_name, qualifier, payload, request_id, now, now),
    )
    return int(cursor.lastrowid or 0)


def record_failed(conn: sqlite3.Connection, function_name: str, qualifier: str | None, payload: bytes,
                  request_id: str, error: str) -> int:
    """Record an event that was refused before it ran (e.g. a service's invoke not allowed by the
    function's policy), so ``list-async-events --status failed`` shows the failed delivery."""
    now = time.time()
    cursor = conn.execute(
        "INSERT INTO async_events (function_name, qualifier, payload, request_id, created_at, next_attempt_at, "
        "status, finished_at, last_error) VALUES (?, ?, ?, ?, ?, ?, 'failed', ?, ?)",
        (function_name, qualifier, payload, request_id, now, now, now, error),
    )
    return int(cursor.lastrowid or 0)


def _event(row: sqlite3.Row) -> Event:
    return Event(
        id=row["id"], function_name=row["function_name"], qualifier=row["qualifier"], payload=bytes(row["payload"]),
        request_id=row["request_id"], created_at=row["created_at"], attempts=row["attempts"],
        deferrals=row["deferrals"], last_response=json.loads(row["last_response"]) if row["last_response"] else None,
    )  # fmt: skip


def claim(plane: ControlPlane, owner: str, limit: int) -> list[Event]:
    """Lease up to ``limit`` due events, oldest first (expired leases count as due)."""
    now = time.time()
    due = "(status = 'queued' AND next_attempt_at <= ?) OR (status = 'in-flight' AND lease_expires < ?)"
    if limit < 1 or plane.store.read_one(f"SELECT 1 FROM async_events WHERE {due} LIMIT 1", (now, now)) is None:
        return []  # the common idle case stays a read: no write lock taken
    with plane.store.write() as conn:
        rows = conn.execute(
            f"SELECT * FROM async_events WHERE {due} ORDER BY id LIMIT ?",
            (now, now, limit),
        ).fetchall()
        conn.executemany(
            "UPDATE async_events SET status = 'in-flight', lease_owner = ?, lease_expires = ? WHERE id = ?",
            [(owner, now + LEASE_S, row["id"]) for row in rows],
        )
    return [_event(row) for row in rows]


def renew(plane: ControlPlane, owner: str) -> None:
    with plane.store.write() as conn:
        conn.execute(
            "UPDATE async_events SET lease_expires = ? WHERE lease_owner = ? AND status = 'in-flight'",
            (time.time() + LEASE_S, owner),
        )


def recover(plane: ControlPlane) -> int:
    """Requeue every in-flight event: called by the one worker that holds the state directory's lock,
    so any other lease belongs to a worker that died."""
    with plane.store.write() as conn:
        return conn.execute(
            "UPDATE async_events SET status = 'queued', lease_owner = NULL, lease_expires = NULL "
            "WHERE status = 'in-flight'"
        ).rowcount


def retry_later(conn: sqlite3.Connection, event: Event, owner: str, delay_s: float, error: str, *,
                ran: bool, response: dict[str, Any] | None = None) -> bool:
    """Put a leased event back with a delay; ``ran`` counts the run as an attempt (else a deferral)."""
    return bool(conn.execute(
        "UPDATE async_events SET status = 'queued', lease_owner = NULL, lease_expires = NULL, "
        "next_attempt_at = ?, last_error = ?, attempts = attempts + ?, deferrals = deferrals + ?, "
        "last_response = COALESCE(?, last_response) WHERE id = ? AND lease_owner = ?",
        (time.time() + delay_s, error, int(ran), int(not ran), _json(response), event.id, owner),
    ).rowcount)  # fmt: skip


def finish(conn: sqlite3.Connection, event: Event, owner: str, status: str, error: str | None, *,
           ran: bool, response: dict[str, Any] | None = None) -> bool:
    """Mark a leased event succeeded or failed; False when the lease was lost (someone else has it)."""
    return bool(conn.execute(
        "UPDATE async_events SET status = ?, lease_owner = NULL, lease_expires = NULL, finished_at = ?, "
        "last_error = ?, attempts = attempts + ?, last_response = COALESCE(?, last_response) "
        "WHERE id = ? AND lease_owner = ?",
        (status, time.time(), error, int(ran), _json(response), event.id, owner),
    ).rowcount)  # fmt: skip


def note_error(conn: sqlite3.Connection, event_id: int, error: str) -> None:
    """Add to a finished event's last error (e.g. a destination that could not be reached)."""
    conn.execute(
        "UPDATE async_events SET last_error = COALESCE(last_error || '; ', '') || ? WHERE id = ?", (error, event_id)
    )


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value)


def pending(plane: ControlPlane) -> int:
    """Events still to process: queued (including those waiting for a retry) or in flight."""
    row = plane.store.read_one("SELECT COUNT(*) FROM async_events WHERE status IN ('queued', 'in-flight')")
    return int(row[0]) if row else 0


def prune(plane: ControlPlane, keep: int) -> None:
    """Forget succeeded events beyond the newest ``keep``."""
    with plane.store.write() as conn:
        cutoff = conn.execute(
            "SELECT id FROM async_events WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1 OFFSET ?", (keep,)
        ).fetchone()
        if cutoff:
            conn.execute("DELETE FROM async_events WHERE status = 'succeeded' AND id <= ?", (cutoff[0],))


def list_events(plane: ControlPlane, function_name: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Events as ``list-async-events`` shows them, oldest first."""
    where, args = [], []
    if function_name:
        where.append("function_name = ?")
        args.append(function_name)
    if status:
        where.append("status = ?")
        args.append(status)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = plane.store.read(f"SELECT * FROM async_events {clause} ORDER BY id", tuple(args))
    return [_shown(row) for row in rows]


def _shown(row: sqlite3.Row) -> dict[str, Any]:
    out: dict[str, Any] = {
        "EventId": row["id"],
        "RequestId": row["request_id"],
        "FunctionName": row["function_name"],
        "Status": row["status"],
        "Attempts": row["attempts"],
        "CreatedAt": _iso(row["created_at"]),
    }
    if row["qualifier"]:
        out["Qualifier"] = row["qualifier"]
    if row["status"] == "queued":
        out["NextAttemptAt"] = _iso(row["next_attempt_at"])
    if row["finished_at"]:
        out["FinishedAt"] = _iso(row["finished_at"])
    if row["last_error"]:
        out["LastError"] = row["last_error"]
    return out


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"
