"""The ``events:*`` operations (botocore's EventBridge shapes): buses, rules, targets, PutEvents.

Every client error is HTTP 400, as EventBridge sends them (ResourceNotFoundException included).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane
from lambdactl.services import checked_operation
from lambdactl.services.paging import page
from lambdactl.services.events import delivery, expressions, inputs, patterns, rules, timers

MAX_ENTRIES = 10
MAX_REQUEST_BYTES = 262144


@checked_operation("events", "CreateEventBus")
def create_event_bus(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    rules.ready(plane)
    name = params["Name"]
    if name == rules.DEFAULT_BUS or "/" in name:
        raise errors.ValidationException(f"Event bus name {name} is not valid.")
    with plane.store.write() as conn:
        if conn.execute("SELECT 1 FROM events_buses WHERE name = ?", (name,)).fetchone():
            raise rules.ResourceAlreadyExistsException(f"Event bus {name} already exists.")
        conn.execute("INSERT INTO events_buses (name, description, created_at) VALUES (?, ?, ?)",
                     (name, params.get("Description"), time.time()))  # fmt: skip
    return {"EventBusArn": rules.bus_arn(plane, name)}


@checked_operation("events", "DescribeEventBus")
def describe_event_bus(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    conn = rules.ready(plane)
    name = rules.bus_name(params.get("Name"))
    row = conn.execute("SELECT * FROM events_buses WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise rules.ResourceNotFoundException(f"Event bus {name} does not exist.")
    return _bus(plane, row)


def _bus(plane: ControlPlane, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": row["name"], "Arn": rules.bus_arn(plane, row["name"])}
    if row["description"]:
        out["Description"] = row["description"]
    out["CreationTime"] = row["created_at"]
    out["LastModifiedTime"] = row["created_at"]
    return out


@checked_operation("events", "ListEventBuses")
def list_event_buses(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    conn = rules.ready(plane)
    rows = conn.execute(
        "SELECT * FROM events_buses WHERE name LIKE ? ESCAPE '\\' ORDER BY name", (_like(params.get("NamePrefix")),)
    ).fetchall()
    return page(params, [_bus(plane, row) for row in rows], "EventBuses", "Limit")


@checked_operation("events", "DeleteEventBus")
def delete_event_bus(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    rules.ready(plane)
    name = params["Name"]
    if name == rules.DEFAULT_BUS:
        raise errors.ValidationException("Cannot delete event bus default.")
    with plane.store.write() as conn:
        for row in conn.execute("SELECT arn FROM events_rules WHERE bus = ?", (name,)).fetchall():
            timers.disarm(conn, row[0])
            conn.execute("DELETE FROM events_rules WHERE arn = ?", (row[0],))
        conn.execute("DELETE FROM events_buses WHERE name = ?", (name,))
    return {}


@checked_operation("events", "PutRule")
def put_rule(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    rules.ready(plane)
    name, bus = params["Name"], rules.bus_name(params.get("EventBusName"))
    schedule, pattern = params.get("ScheduleExpression"), params.get("EventPattern")
    if not schedule and not pattern:
        raise errors.ValidationException("Parameter(s) EventPattern or ScheduleExpression must be specified.")
    if pattern:
        patterns.compile_pattern(pattern)
    if schedule:
        if bus != rules.DEFAULT_BUS:
            raise errors.ValidationException("ScheduleExpression is supported only on the default event bus.")
        try:
            expressions.parse(schedule)
        except expressions.InvalidExpression:
            raise errors.ValidationException("Parameter ScheduleExpression is not valid.") from None
    state = params.get("State") or "ENABLED"
    arn = rules.rule_arn(plane, bus, name)
    with plane.store.write() as conn:
        rules.require_bus(conn, bus)
        old = conn.execute("SELECT * FROM events_rules WHERE arn = ?", (arn,)).fetchone()
        conn.execute(
            "INSERT INTO events_rules (bus, name, arn, event_pattern, schedule, state, description, role_arn, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bus, name) DO UPDATE SET "
            "event_pattern = excluded.event_pattern, schedule = excluded.schedule, state = excluded.state, "
            "description = excluded.description, role_arn = excluded.role_arn",
            (bus, name, arn, pattern, schedule, state, params.get("Description"), params.get("RoleArn"), time.time()),
        )  # fmt: skip
        unchanged = old is not None and old["schedule"] == schedule and old["state"] == state
        if not unchanged:
            _arm(conn, plane, arn, schedule, state)
    _wake_for_timers(plane)
    return {"RuleArn": arn}


def _arm(conn: Any, plane: ControlPlane, arn: str, schedule: str | None, state: str) -> None:
    """Start (or stop) a rule's timer: a rate counts from now, when the rule is created or enabled."""
    if schedule and state == "ENABLED":
        timers.arm(conn, plane, arn, "rule", schedule, anchor=float(int(timers.now(plane))))
    else:
        timers.disarm(conn, arn)


def _wake_for_timers(plane: ControlPlane) -> None:
    if timers.armed(plane):
        plane.async_work.start_worker()


@checked_operation("events", "DescribeRule")
def describe_rule(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    conn = rules.ready(plane)
    row = rules.require_rule(conn, rules.bus_name(params.get("EventBusName")), params["Name"])
    return rules.described(row, with_creator=plane.settings.account_id)


@checked_operation("events", "ListRules")
def list_rules(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    conn = rules.ready(plane)
    bus = rules.bus_name(params.get("EventBusName"))
    rules.require_bus(conn, bus)
    rows = conn.execute(
        "SELECT * FROM events_rules WHERE bus = ? AND name LIKE ? ESCAPE '\\' ORDER BY name",
        (bus, _like(params.get("NamePrefix"))),
    ).fetchall()
    return page(params, [rules.described(row) for row in rows], "Rules", "Limit")


def _set_state(plane: ControlPlane, params: dict[str, Any], state: str) -> dict[str, Any]:
    rules.ready(plane)
    bus = rules.bus_name(params.get("EventBusName"))
    with plane.store.write() as conn:
        row = rules.require_rule(conn, bus, params["Name"])
        if row["state"] != state:
            conn.execute("UPDATE events_rules SET state = ? WHERE arn = ?", (state, row["arn"]))
            _arm(conn, plane, row["arn"], row["schedule"], state)
    _wake_for_timers(plane)
    return {}


@checked_operation("events", "EnableRule")
def enable_rule(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _set_state(plane, params, "ENABLED")


@checked_operation("events", "DisableRule")
def disable_rule(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _set_state(plane, params, "DISABLED")


@checked_operation("events", "DeleteRule")
def delete_rule(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    rules.ready(plane)
    bus = rules.bus_name(params.get("EventBusName"))
    with plane.store.write() as conn:
        row = conn.execute("SELECT arn FROM events_rules WHERE bus = ? AND name = ?", (bus, params["Name"])).fetchone()
        if row is None:
            return {}  # EventBridge answers a missing rule's delete with success
        if conn.execute("SELECT 1 FROM events_targets WHERE rule_arn = ?", (row[0],)).fetchone():
            raise errors.ValidationException("Rule can't be deleted since it has targets.")
        timers.disarm(conn, row[0])
        conn.execute("DELETE FROM events_rules WHERE arn = ?", (row[0],))
    return {}


@checked_operation("events", "PutTargets")
def put_targets(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    rules.ready(plane)
    bus = rules.bus_name(params.get("EventBusName"))
    given = params.get("Targets") or []
    for target in given:
        inputs.check(target)
    with plane.store.write() as conn:
        row = rules.require_rule(conn, bus, params["Rule"])
        existing = {target["Id"]: target for target in rules.targets(conn, row["arn"])}
        merged = {**existing, **{target["Id"]: target for target in given}}
        if len(merged) > rules.MAX_TARGETS:
            raise rules.LimitExceededException("The requested resource exceeds the maximum number allowed.")
        position = len(existing)
        for target in given:
            if target["Id"] in existing:
                conn.execute("UPDATE events_targets SET target = ? WHERE rule_arn = ? AND id = ?",
                             (json.dumps(target), row["arn"], target["Id"]))  # fmt: skip
            else:
                conn.execute("INSERT INTO events_targets (rule_arn, id, position, target) VALUES (?, ?, ?, ?)",
                             (row["arn"], target["Id"], position, json.dumps(target)))  # fmt: skip
                position += 1
    _wake_for_timers(plane)
    return {"FailedEntryCount": 0, "FailedEntries": []}


@checked_operation("events", "RemoveTargets")
def remove_targets(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    rules.ready(plane)
    bus = rules.bus_name(params.get("EventBusName"))
    with plane.store.write() as conn:
        row = rules.require_rule(conn, bus, params["Rule"])
        conn.executemany("DELETE FROM events_targets WHERE rule_arn = ? AND id = ?",
                         [(row["arn"], target_id) for target_id in params["Ids"]])  # fmt: skip
    return {"FailedEntryCount": 0, "FailedEntries": []}


@checked_operation("events", "ListTargetsByRule")
def list_targets_by_rule(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    conn = rules.ready(plane)
    row = rules.require_rule(conn, rules.bus_name(params.get("EventBusName")), params["Rule"])
    return page(params, rules.targets(conn, row["arn"]), "Targets", "Limit")


@checked_operation("events", "ListRuleNamesByTarget")
def list_rule_names_by_target(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    conn = rules.ready(plane)
    bus = rules.bus_name(params.get("EventBusName"))
    rows = conn.execute(
        "SELECT DISTINCT r.name FROM events_rules r JOIN events_targets t ON t.rule_arn = r.arn "
        "WHERE r.bus = ? AND json_extract(t.target, '$.Arn') = ? ORDER BY r.name",
        (bus, params["TargetArn"]),
    ).fetchall()
    return page(params, [row[0] for row in rows], "RuleNames", "Limit")


@checked_operation("events", "TestEventPattern")
def test_event_pattern(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    pattern = patterns.compile_pattern(params["EventPattern"])
    try:
        event = json.loads(params["Event"])
    except ValueError:
        raise errors.ValidationException("Parameter Event is not valid.") from None
    if not isinstance(event, dict):
        raise errors.ValidationException("Parameter Event is not valid.")
    return {"Result": patterns.matches(pattern, event)}


@checked_operation("events", "PutEvents")
def put_events(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    entries = params.get("Entries") or []
    if not 1 <= len(entries) <= MAX_ENTRIES:
        raise errors.ValidationException(
            f"1 validation error detected: Value '{entries}' at 'entries' failed to satisfy constraint: "
            f"Member must have length {'less than or equal to 10' if entries else 'greater than or equal to 1'}"
        )
    if sum(_entry_size(entry) for entry in entries) > MAX_REQUEST_BYTES:
        raise errors.ValidationException("Total size of the entries in the request is over the limit.")
    return publish(plane, entries)


def publish(plane: ControlPlane, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Match each entry against the enabled pattern rules of its bus and deliver to their targets
    (SQS after, Lambda in one write transaction taken only when a Lambda target matched)."""
    conn = rules.ready(plane)
    results: list[dict[str, Any]] = []
    sends: list[tuple[dict[str, Any], str, str]] = []  # (target, payload, rule ARN)
    matched_rules: dict[str, list[tuple[str, dict[str, Any], list[dict[str, Any]]]] | None] = {}
    for entry in entries:
        event, problem = _event(plane, entry)
        if problem:
            results.append(problem)
            continue
        bus = rules.bus_name(entry.get("EventBusName"))
        if bus not in matched_rules:
            matched_rules[bus] = _pattern_rules(conn, bus)
        bus_rules = matched_rules[bus]
        if bus_rules is None:
            results.append({"ErrorCode": "ResourceNotFoundException", "ErrorMessage": f"Event bus {bus} does not exist."})
            continue
        for arn, pattern, targets in bus_rules:
            if patterns.matches(pattern, event):
                sends += [(target, inputs.payload(target, event, arn), arn) for target in targets]
        results.append({"EventId": event["id"]})
    outbox = delivery.Outbox()
    if any(target["Arn"].startswith("arn:aws:lambda:") for target, _, _ in sends):
        with plane.store.write() as write:
            for target, payload, arn in sends:
                delivery.deliver(write, plane, target, payload, outbox, rule_arn=arn)
    else:
        for target, payload, arn in sends:
            delivery.deliver(conn, plane, target, payload, outbox, rule_arn=arn)
    outbox.send(plane)
    failed = sum(1 for result in results if "ErrorCode" in result)
    return {"FailedEntryCount": failed, "Entries": results}


def _pattern_rules(conn: Any, bus: str) -> list[tuple[str, dict[str, Any], list[dict[str, Any]]]] | None:
    """The bus's enabled pattern rules with their targets (None: no such bus), in one query."""
    if conn.execute("SELECT 1 FROM events_buses WHERE name = ?", (bus,)).fetchone() is None:
        return None
    rows = conn.execute(
        "SELECT r.arn, r.event_pattern, t.target FROM events_rules r LEFT JOIN events_targets t ON t.rule_arn = r.arn "
        "WHERE r.bus = ? AND r.state = 'ENABLED' AND r.event_pattern IS NOT NULL ORDER BY r.arn, t.position",
        (bus,),
    ).fetchall()
    found: dict[str, tuple[str, dict[str, Any], list[dict[str, Any]]]] = {}
    for arn, pattern, target in rows:
        rule = found.setdefault(arn, (arn, patterns.compile_pattern(pattern), []))
        if target is not None:
            rule[2].append(json.loads(target))
    return list(found.values())


def _event(plane: ControlPlane, entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The event an entry becomes, or its per-entry error."""
    for member in ("Source", "DetailType", "Detail"):
        if not entry.get(member):
            return {}, {"ErrorCode": "InvalidArgument",
                        "ErrorMessage": f"Parameter {member} is not valid. Reason: {member} is a required argument."}  # fmt: skip
    try:
        detail = json.loads(entry["Detail"])
    except ValueError:
        detail = None
    if not isinstance(detail, dict):
        return {}, {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}
    when = entry.get("Time")
    epoch = _epoch(when) if when is not None else time.time()
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": plane.settings.account_id,
        "time": rules.event_time(epoch),
        "region": plane.settings.region,
        "resources": list(entry.get("Resources") or []),
        "detail": detail,
    }, None


def _epoch(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return time.time()


def _entry_size(entry: dict[str, Any]) -> int:
    size = 14 if entry.get("Time") is not None else 0
    for member in ("Source", "DetailType", "Detail"):
        size += len(str(entry.get(member) or "").encode())
    return size + sum(len(resource.encode()) for resource in entry.get("Resources") or [])


def _like(prefix: str | None) -> str:
    escaped = (prefix or "").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
