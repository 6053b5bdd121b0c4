"""The ``scheduler:*`` operations (botocore's EventBridge Scheduler shapes): schedules and schedule groups."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from lambdactl.plane import ControlPlane
from lambdactl.services import checked_operation
from lambdactl.services.paging import page
from lambdactl.services.events import expressions, timers
from lambdactl.services.scheduler import schedules
from lambdactl.services.scheduler.schedules import ConflictException, ValidationException

DEFAULT_RETRY_POLICY = {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}


@checked_operation("scheduler", "CreateSchedule")
def create_schedule(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _put(plane, params, create=True)


@checked_operation("scheduler", "UpdateSchedule")
def update_schedule(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _put(plane, params, create=False)


def _put(plane: ControlPlane, params: dict[str, Any], *, create: bool) -> dict[str, Any]:
    """Create, or replace as a whole (UpdateSchedule), a schedule and (re)arm its timer."""
    schedules.ready(plane)
    name, group = params["Name"], params.get("GroupName") or schedules.DEFAULT_GROUP
    config = _config(params)
    arn = schedules.schedule_arn(plane, group, name)
    now = time.time()
    with plane.store.write() as conn:
        schedules.require_group(conn, group)
        row = conn.execute("SELECT config FROM scheduler_schedules WHERE arn = ?", (arn,)).fetchone()
        if create and row is not None:
            raise ConflictException(f"Schedule {name} already exists.")
        if not create and row is None:
            raise schedules.ResourceNotFoundException(f"Schedule {name} does not exist.")
        created = json.loads(row[0])["CreationDate"] if row else now
        shown = {"Arn": arn, "Name": name, "GroupName": group, **config, "CreationDate": created,
                 "LastModificationDate": now}  # fmt: skip
        conn.execute("INSERT OR REPLACE INTO scheduler_schedules (grp, name, arn, config) VALUES (?, ?, ?, ?)",
                     (group, name, arn, json.dumps(shown)))  # fmt: skip
        if config["State"] == "ENABLED":
            window = config["FlexibleTimeWindow"]
            timers.arm(
                conn, plane, arn, "schedule", config["ScheduleExpression"],
                timezone_name=config.get("ScheduleExpressionTimezone") or "UTC", anchor=float(int(timers.now(plane))),
                start_at=config.get("StartDate"), end_at=config.get("EndDate"),
                window_s=60.0 * window.get("MaximumWindowInMinutes", 0) if window["Mode"] == "FLEXIBLE" else 0,
            )  # fmt: skip
        else:
            timers.disarm(conn, arn)
    if timers.armed(plane):
        plane.async_work.start_worker()
    return {"ScheduleArn": arn}


def _config(params: dict[str, Any]) -> dict[str, Any]:
    """The schedule's settings as GetSchedule shows them, checked, with Scheduler's defaults."""
    expression, zone = params["ScheduleExpression"], params.get("ScheduleExpressionTimezone") or "UTC"
    try:
        expressions.parse(expression, timezone_name=zone, rules=False)
    except expressions.InvalidExpression as exc:
        if str(exc).startswith("Invalid time zone"):
            raise ValidationException(f"Invalid time zone {zone}.") from None
        raise ValidationException(f"Invalid Schedule Expression {expression}.") from None
    window = dict(params["FlexibleTimeWindow"])
    if window.get("Mode") == "FLEXIBLE" and not window.get("MaximumWindowInMinutes"):
        raise ValidationException("MaximumWindowInMinutes must be provided when FlexibleTimeWindow is set to FLEXIBLE.")
    if window.get("Mode") == "OFF" and window.get("MaximumWindowInMinutes") is not None:
        raise ValidationException("MaximumWindowInMinutes must not be provided when FlexibleTimeWindow is set to OFF.")
    target = dict(params["Target"])
    target.setdefault("RetryPolicy", dict(DEFAULT_RETRY_POLICY))
    config: dict[str, Any] = {
        "ScheduleExpression": expression,
        "State": params.get("State") or "ENABLED",
        "FlexibleTimeWindow": window,
        "Target": target,
        "ActionAfterCompletion": params.get("ActionAfterCompletion") or "NONE",
    }
    if params.get("ScheduleExpressionTimezone"):
        config["ScheduleExpressionTimezone"] = zone
    for member in ("StartDate", "EndDate"):
        if params.get(member) is not None:
            config[member] = _epoch(params[member], member)
    if config.get("StartDate") and config.get("EndDate") and config["StartDate"] >= config["EndDate"]:
        raise ValidationException("The StartDate must come before the EndDate.")
    for member in ("Description", "KmsKeyArn"):
        if params.get(member):
            config[member] = params[member]
    return config


def _epoch(value: Any, member: str) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    try:
        text = str(value)
        if text.replace(".", "", 1).isdigit():
            return float(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationException(f"Invalid {member} {value}.") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp()


@checked_operation("scheduler", "GetSchedule")
def get_schedule(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    conn = schedules.ready(plane)
    group = params.get("GroupName") or schedules.DEFAULT_GROUP
    schedules.require_group(conn, group)
    return schedules.load(conn, group, params["Name"])


@checked_operation("scheduler", "DeleteSchedule")
def delete_schedule(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    schedules.ready(plane)
    group = params.get("GroupName") or schedules.DEFAULT_GROUP
    with plane.store.write() as conn:
        schedules.load(conn, group, params["Name"])
        arn = schedules.schedule_arn(plane, group, params["Name"])
        conn.execute("DELETE FROM scheduler_schedules WHERE arn = ?", (arn,))
        timers.disarm(conn, arn)
    return {}


@checked_operation("scheduler", "ListSchedules")
def list_schedules(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    conn = schedules.ready(plane)
    rows = [json.loads(row[0]) for row in conn.execute("SELECT config FROM scheduler_schedules ORDER BY grp, name")]
    group, prefix, state = params.get("GroupName"), params.get("NamePrefix") or "", params.get("State")
    summaries = [
        {"Arn": s["Arn"], "Name": s["Name"], "GroupName": s["GroupName"], "State": s["State"],
         "CreationDate": s["CreationDate"], "LastModificationDate": s["LastModificationDate"],
         "Target": {"Arn": s["Target"]["Arn"]}}
        for s in rows
        if (group is None or s["GroupName"] == group) and s["Name"].startswith(prefix) and state in (None, s["State"])
    ]  # fmt: skip
    return page(params, summaries, "Schedules", "MaxResults", 100)


@checked_operation("scheduler", "CreateScheduleGroup")
def create_schedule_group(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    schedules.ready(plane)
    name, now = params["Name"], time.time()
    with plane.store.write() as conn:
        if conn.execute("SELECT 1 FROM scheduler_groups WHERE name = ?", (name,)).fetchone():
            raise ConflictException(f"Schedule group {name} already exists.")
        conn.execute("INSERT INTO scheduler_groups VALUES (?, ?, ?)", (name, now, now))
    return {"ScheduleGroupArn": schedules.group_arn(plane, name)}


def _group(plane: ControlPlane, row: Any) -> dict[str, Any]:
    return {"Arn": schedules.group_arn(plane, row["name"]), "CreationDate": row["created_at"],
            "LastModificationDate": row["modified_at"], "Name": row["name"], "State": "ACTIVE"}  # fmt: skip


@checked_operation("scheduler", "GetScheduleGroup")
def get_schedule_group(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    conn = schedules.ready(plane)
    return _group(plane, schedules.require_group(conn, params["Name"]))


@checked_operation("scheduler", "ListScheduleGroups")
def list_schedule_groups(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    conn = schedules.ready(plane)
    rows = conn.execute("SELECT * FROM scheduler_groups ORDER BY name").fetchall()
    prefix = params.get("NamePrefix") or ""
    return page(params, [_group(plane, row) for row in rows if row["name"].startswith(prefix)], "ScheduleGroups",
                "MaxResults", 100)


@checked_operation("scheduler", "DeleteScheduleGroup")
def delete_schedule_group(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    schedules.ready(plane)
    name = params["Name"]
    if name == schedules.DEFAULT_GROUP:
        raise ValidationException("Cannot delete the default schedule group.")
    with plane.store.write() as conn:
        schedules.require_group(conn, name)
        for row in conn.execute("SELECT arn FROM scheduler_schedules WHERE grp = ?", (name,)).fetchall():
            timers.disarm(conn, row[0])
        conn.execute("DELETE FROM scheduler_schedules WHERE grp = ?", (name,))
        conn.execute("DELETE FROM scheduler_groups WHERE name = ?", (name,))
    return {}
