"""Schedule groups and schedules in the state directory, and what a schedule sends when it fires."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane
from lambdactl.services.events import delivery, rules
from lambdactl.services.scheduler import schema

DEFAULT_GROUP = "default"
ResourceNotFoundException = errors.service_error("ResourceNotFoundException", 404, "Message", name="SchedulerNotFound")
ConflictException = errors.service_error("ConflictException", 409, "Message")
ValidationException = errors.service_error("ValidationException", 400, "Message", name="SchedulerValidation")


def ready(plane: ControlPlane) -> sqlite3.Connection:
    """The connection, with Scheduler's tables, EventBridge's timers and the default group in place."""
    rules.ready(plane)
    plane.store.ensure_schema("scheduler", schema.MIGRATIONS)
    return plane.store.conn


def group_arn(plane: ControlPlane, name: str) -> str:
    return f"arn:aws:scheduler:{plane.settings.region}:{plane.settings.account_id}:schedule-group/{name}"


def schedule_arn(plane: ControlPlane, group: str, name: str) -> str:
    return f"arn:aws:scheduler:{plane.settings.region}:{plane.settings.account_id}:schedule/{group}/{name}"


def require_group(conn: sqlite3.Connection, name: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM scheduler_groups WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise ResourceNotFoundException(f"Schedule group {name} does not exist.")
    return row


def load(conn: sqlite3.Connection, group: str, name: str) -> dict[str, Any]:
    row = conn.execute("SELECT config FROM scheduler_schedules WHERE grp = ? AND name = ?", (group, name)).fetchone()
    if row is None:
        raise ResourceNotFoundException(f"Schedule {name} does not exist.")
    return json.loads(row[0])


def fire(conn: sqlite3.Connection, plane: ControlPlane, arn: str, scheduled: float, outbox: delivery.Outbox) -> None:
    """Send the schedule's target its Input (placeholders filled), or ``{}``, with no envelope."""
    row = conn.execute("SELECT config FROM scheduler_schedules WHERE arn = ?", (arn,)).fetchone()
    if row is None:
        return
    target = json.loads(row[0])["Target"]
    body = target.get("Input") or "{}"
    for placeholder, value in (
        ("<aws.scheduler.schedule-arn>", arn),
        ("<aws.scheduler.scheduled-time>", rules.event_time(scheduled)),
        ("<aws.scheduler.execution-id>", str(uuid.uuid4())),
        ("<aws.scheduler.attempt-number>", "1"),
    ):
        body = body.replace(placeholder, value)
    delivery.deliver(conn, plane, target, body, outbox)


def completed(conn: sqlite3.Connection, arn: str) -> None:
    """A schedule fired for the last time: ``ActionAfterCompletion: DELETE`` removes it."""
    row = conn.execute("SELECT config FROM scheduler_schedules WHERE arn = ?", (arn,)).fetchone()
    if row is not None and json.loads(row[0]).get("ActionAfterCompletion") == "DELETE":
        conn.execute("DELETE FROM scheduler_schedules WHERE arn = ?", (arn,))

