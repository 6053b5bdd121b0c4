"""Events to publish on a bus that were produced inside another write transaction (an async
invocation's destination): written to ``events_outbox`` there, published by the worker after.

A Lambda destination on a bus sends the invocation record as an event with ``source`` "lambda",
``detail-type`` "Lambda Function Invocation Result - Success" (or "- Failure"), ``resources`` the
bus and the function, and the record as ``detail``.
"""

from __future__ import annotations

import json
import sqlite3

from lambdactl.plane import ControlPlane
from lambdactl.services.events import rules

BATCH = 100


def post_invocation_result(conn: sqlite3.Connection, plane: ControlPlane, bus: str, body: bytes) -> str | None:
    """Queue a destination record for the bus ``bus`` (an ARN) in the caller's transaction; an error text or None."""
    name = rules.bus_name(bus)
    used = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'events_outbox'").fetchone() is not None
    if name != rules.DEFAULT_BUS and (
        not used or conn.execute("SELECT 1 FROM events_buses WHERE name = ?", (name,)).fetchone() is None
    ):
        return f"destination {bus} not reached: Event bus {name} does not exist."
    if not used:
        return None  # EventBridge never used here: no rule can match, the event goes nowhere
    record = json.loads(body)
    outcome = "Success" if record.get("requestContext", {}).get("condition") == "Success" else "Failure"
    entry = {
        "Source": "lambda",
        "DetailType": f"Lambda Function Invocation Result - {outcome}",
        "Detail": json.dumps(record),
        "Resources": [rules.bus_arn(plane, name), record.get("requestContext", {}).get("functionArn", "")],
        "EventBusName": name,
    }
    conn.execute("INSERT INTO events_outbox (entry) VALUES (?)", (json.dumps(entry),))
    return None


def flush(plane: ControlPlane) -> bool:
    """Publish what the outbox holds (at least once: removed after publishing); True if there was any."""
    from lambdactl.services.events.operations import publish

    rows = plane.store.read("SELECT id, entry FROM events_outbox ORDER BY id LIMIT ?", (BATCH,))
    if not rows:
        return False
    publish(plane, [json.loads(row["entry"]) for row in rows])
    with plane.store.write() as conn:
        conn.execute("DELETE FROM events_outbox WHERE id <= ?", (rows[-1]["id"],))
    return True
