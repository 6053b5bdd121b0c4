"""Timers: what fires when, for scheduled rules and Scheduler schedules, on a clock tests can move.

Every enabled scheduled rule or schedule has one row in ``events_timers`` with its next
scheduled time (``due_at``) and when it fires (``fire_at``: later by a flexible window's
delay). ``fire_due`` takes what is due in one write transaction: it queues the Lambda
invocations and moves each timer on together, so a firing is neither lost nor doubled, even
when a worker is killed at the due time. Firings missed while nothing ran are not replayed one
by one (EventBridge has no catch-up): the first missed one fires once, then the timer goes on
from now. ``advance-clock`` replays up to ``REPLAY_LIMIT`` firings per timer (``REPLAY_BUDGET`` in
all), the instants a real clock would have seen, then skips the rest: a clock moved by a year over
thousands of rules is bounded work.

lambdactl's clock for a state directory is the wall clock plus an offset that only
``advance_clock`` changes (``lambdactl advance-clock``).
"""

from __future__ import annotations

import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from lambdactl.plane import ControlPlane
from lambdactl.services.events import delivery, expressions, rules, schema

REPLAY_LIMIT = 1000  # firings of one timer that one advance-clock may replay
REPLAY_BUDGET = 20_000  # firings of all timers together that one advance-clock may replay
BATCH = 200  # timers taken per transaction
SCHEDULES = "lambdactl.services.scheduler.schedules"  # what a "schedule" timer fires (see _schedules)


@dataclass(frozen=True)
class Firing:
    arn: str
    scheduled: float  # the firing's scheduled time (clock seconds)


def now(plane: ControlPlane) -> float:
    return time.time() + offset(plane)


def offset(plane: ControlPlane) -> float:
    row = plane.store.read_one("SELECT offset_s FROM events_clock WHERE id = 1")
    return float(row[0]) if row else 0.0


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def next_due(expression: expressions.Expression, after: float, anchor: float, end_at: float | None) -> float | None:
    moment = expression.next_after(_utc(after), _utc(anchor))
    if moment is None or (end_at is not None and moment.timestamp() > end_at):
        return None
    return moment.timestamp()


def arm(conn: sqlite3.Connection, plane: ControlPlane, arn: str, kind: str, text: str, *, timezone_name: str = "UTC",
        anchor: float, start_at: float | None = None, end_at: float | None = None, window_s: float = 0) -> float | None:
    """(Re)start the timer of an enabled rule or schedule, inside the caller's transaction;
    returns its first scheduled time (None: it will never fire)."""
    expression = expressions.parse(text, timezone_name=timezone_name, rules=kind == "rule")
    clock = time.time() + _offset(conn)
    after = max(clock, start_at - 0.001) if start_at is not None else clock
    if expression.one_time:
        after = -1.0  # at(): fires once; a time already past (Scheduler accepts it) fires at once
    due = next_due(expression, after, start_at if start_at is not None else anchor, end_at)
    if due is None:
        disarm(conn, arn)
        return None
    conn.execute(
        "INSERT OR REPLACE INTO events_timers (arn, kind, expression, timezone, anchor, end_at, window_s, due_at, "
        "fire_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (arn, kind, text, timezone_name, start_at if start_at is not None else anchor, end_at, window_s, due,
         due + _delay(window_s)),
    )  # fmt: skip
    return due


def disarm(conn: sqlite3.Connection, arn: str) -> None:
    conn.execute("DELETE FROM events_timers WHERE arn = ?", (arn,))


def _offset(conn: sqlite3.Connection) -> float:
    row = conn.execute("SELECT offset_s FROM events_clock WHERE id = 1").fetchone()
    return float(row[0]) if row else 0.0


def _delay(window_s: float) -> float:
    return random.uniform(0, window_s) if window_s else 0.0


def armed(plane: ControlPlane) -> int:
    """Enabled timers in the state directory (0 when EventBridge was never used): they keep the worker alive."""
    try:
        row = plane.store.read_one("SELECT COUNT(*) FROM events_timers")
    except sqlite3.OperationalError:  # no such table: nothing was ever scheduled here
        return 0
    return int(row[0]) if row else 0


def fire_due(plane: ControlPlane, *, replay: int = 1) -> list[Firing]:
    """Fire every timer that is due now (at most ``replay`` missed firings each); returns the firings."""
    plane.store.ensure_schema("events", schema.MIGRATIONS)
    fired: list[Firing] = []
    outbox = delivery.Outbox()
    more = True
    while more:
        with plane.store.write() as conn:
            more, batch = _fire_batch(conn, plane, time.time() + _offset(conn), replay, outbox)
        outbox.send(plane)
        fired += batch
    return fired


def _fire_batch(conn: sqlite3.Connection, plane: ControlPlane, clock: float, replay: int, outbox: delivery.Outbox,
                budget: int | None = None) -> tuple[bool, list[Firing]]:
    """Fire up to BATCH due timers, at most ``replay`` firings each and ``budget`` in all (the rest are
    skipped); returns whether more may be due, and the firings."""
    rows = conn.execute("SELECT * FROM events_timers WHERE fire_at <= ? ORDER BY fire_at LIMIT ?", (clock, BATCH)).fetchall()
    fired: list[Firing] = []
    for row in rows:
        allowed = replay if budget is None else max(0, min(replay, budget - len(fired)))
        fired += _fire(conn, plane, row, clock, allowed, outbox)
    return len(rows) == BATCH, fired


def _fire(conn: sqlite3.Connection, plane: ControlPlane, row: sqlite3.Row, clock: float, replay: int,
          outbox: delivery.Outbox) -> list[Firing]:
    expression = expressions.parse(row["expression"], timezone_name=row["timezone"], rules=row["kind"] == "rule")
    firings: list[Firing] = []
    due = row["due_at"]
    while due is not None and due <= clock and len(firings) < replay:
        firings.append(Firing(row["arn"], due))
        due = next_due(expression, due, row["anchor"], row["end_at"])
    if due is not None and due <= clock:  # more were missed: no catch-up, go on from now
        due = next_due(expression, clock, row["anchor"], row["end_at"])
    if due is None:
        disarm(conn, row["arn"])
    else:
        conn.execute("UPDATE events_timers SET due_at = ?, fire_at = ? WHERE arn = ?",
                     (due, due + _delay(row["window_s"]), row["arn"]))  # fmt: skip
    for firing in firings:
        _send(conn, plane, row["kind"], firing, outbox)
    if due is None and row["kind"] == "schedule":
        _schedules().completed(conn, row["arn"])
    return firings


def _send(conn: sqlite3.Connection, plane: ControlPlane, kind: str, firing: Firing, outbox: delivery.Outbox) -> None:
    if kind == "schedule":
        _schedules().fire(conn, plane, firing.arn, firing.scheduled, outbox)
        return
    from lambdactl.services.events import inputs

    event = rules.scheduled_event(plane, firing.arn, firing.scheduled)
    for target in rules.targets(conn, firing.arn):
        delivery.deliver(conn, plane, target, inputs.payload(target, event, firing.arn), outbox, rule_arn=firing.arn)


def _schedules() -> Any:
    """Scheduler's schedules, which build on these timers (Scheduler imports EventBridge, not the reverse):
    named as the dispatcher names a service's operations, imported when a schedule first fires or ends."""
    import importlib

    return importlib.import_module(SCHEDULES)


def advance_clock(plane: ControlPlane, seconds: float) -> dict[str, Any]:
    """Move the state directory's clock forward and fire what became due (``lambdactl advance-clock``),
    in the transaction that moves it: a worker never sees the new time before the replay is done."""
    rules.ready(plane)
    fired: list[Firing] = []
    outbox = delivery.Outbox()
    with plane.store.write() as conn:
        conn.execute(
            "INSERT INTO events_clock (id, offset_s) VALUES (1, ?) "
            "ON CONFLICT (id) DO UPDATE SET offset_s = offset_s + excluded.offset_s",
            (seconds,),
        )
        clock = time.time() + _offset(conn)
        more = True
        while more:
            more, batch = _fire_batch(conn, plane, clock, REPLAY_LIMIT, outbox, REPLAY_BUDGET - len(fired))
            fired += batch
    outbox.send(plane)
    counts: dict[str, list[float]] = {}
    for firing in fired:
        counts.setdefault(firing.arn, []).append(firing.scheduled)
    return {
        "Now": _iso(clock),
        "Firings": [
            {"Arn": arn, "Count": len(times), "First": _iso(times[0]), "Last": _iso(times[-1])}
            for arn, times in counts.items()
        ],
    }


def _iso(epoch: float) -> str:
    return rules.event_time(epoch)


def unpublished(plane: ControlPlane) -> int:
    """Events waiting in the bus outbox (work ``drain`` waits for)."""
    try:
        row = plane.store.read_one("SELECT COUNT(*) FROM events_outbox")
    except sqlite3.OperationalError:
        return 0
    return int(row[0]) if row else 0


def fire_if_due(plane: ControlPlane) -> bool:
    """The worker's seam (one cheap read when idle): fire due timers and publish the bus outbox;
    True when there was anything to do."""
    try:
        row = plane.store.read_one(
            "SELECT (SELECT MIN(fire_at) FROM events_timers), (SELECT offset_s FROM events_clock WHERE id = 1), "
            "EXISTS (SELECT 1 FROM events_outbox)"
        )
    except sqlite3.OperationalError:  # EventBridge never used here, or its tables are older: upgrade them
        if plane.store.read_one("SELECT 1 FROM meta WHERE key = 'schema_version:events'") is not None:
            plane.store.ensure_schema("events", schema.MIGRATIONS)
        return False
    busy = False
    if row is not None and row[2]:
        from lambdactl.services.events import outbox

        busy = outbox.flush(plane)
    if row is not None and row[0] is not None and row[0] <= time.time() + (row[1] or 0.0):
        busy = bool(fire_due(plane)) or busy
    return busy
