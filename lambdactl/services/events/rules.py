"""Event buses, rules and their targets in the state directory, and what a rule sends when it fires."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane
from lambdactl.services.events import schema

DEFAULT_BUS = "default"
MAX_TARGETS = 5
ResourceNotFoundException = errors.service_error("ResourceNotFoundException", 400)
ResourceAlreadyExistsException = errors.service_error("ResourceAlreadyExistsException", 400)
LimitExceededException = errors.service_error("LimitExceededException", 400)


def ready(plane: ControlPlane) -> sqlite3.Connection:
    """The connection, with EventBridge's tables (and the default bus) in place."""
    plane.store.ensure_schema("events", schema.MIGRATIONS)
    return plane.store.conn


def bus_name(value: str | None) -> str:
    """An EventBusName parameter (a name or an ARN) as a name."""
    if not value:
        return DEFAULT_BUS
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def bus_arn(plane: ControlPlane, name: str) -> str:
    return f"arn:aws:events:{plane.settings.region}:{plane.settings.account_id}:event-bus/{name}"


def rule_arn(plane: ControlPlane, bus: str, name: str) -> str:
    path = name if bus == DEFAULT_BUS else f"{bus}/{name}"
    return f"arn:aws:events:{plane.settings.region}:{plane.settings.account_id}:rule/{path}"


def require_bus(conn: sqlite3.Connection, name: str) -> None:
    if conn.execute("SELECT 1 FROM events_buses WHERE name = ?", (name,)).fetchone() is None:
        raise ResourceNotFoundException(f"Event bus {name} does not exist.")


def require_rule(conn: sqlite3.Connection, bus: str, name: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM events_rules WHERE bus = ? AND name = ?", (bus, name)).fetchone()
    if row is None:
        raise ResourceNotFoundException(f"Rule {name} does not exist on EventBus {bus}.")
    return row


def targets(conn: sqlite3.Connection, arn: str) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT target FROM events_targets WHERE rule_arn = ? ORDER BY position", (arn,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def described(row: sqlite3.Row, *, with_creator: str | None = None) -> dict[str, Any]:
    """A rule as DescribeRule / ListRules show it."""
    out: dict[str, Any] = {"Name": row["name"], "Arn": row["arn"]}
    if row["event_pattern"]:
        out["EventPattern"] = row["event_pattern"]
    if row["schedule"]:
        out["ScheduleExpression"] = row["schedule"]
    out["State"] = row["state"]
    if row["description"]:
        out["Description"] = row["description"]
    if row["role_arn"]:
        out["RoleArn"] = row["role_arn"]
    out["EventBusName"] = row["bus"]
    if with_creator:
        out["CreatedBy"] = with_creator
    return out


def event_time(epoch: float) -> str:
    """An event's ``time``: UTC, second precision, ``Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def scheduled_event(plane: ControlPlane, arn: str, epoch: float) -> dict[str, Any]:
    """What a scheduled rule sends (AWS-recorded shape and member order)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": plane.settings.account_id,
        "time": event_time(epoch),
        "region": plane.settings.region,
        "resources": [arn],
        "detail": {},
    }
