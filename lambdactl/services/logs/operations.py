"""The ``logs:*`` operations: DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents.

Groups and streams exist once they hold events (as on AWS, where Lambda creates them on the first
invoke). Every stored line is one event; ``ingestionTime`` is its timestamp. Filter patterns are
the term kind (``ERROR``, ``"a phrase"``, ``?ERROR ?WARN``, ``-DEBUG``); JSON and space-delimited
patterns are refused with a clear message rather than matched wrongly.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from lambdactl import errors
from lambdactl.control.logs import flush
from lambdactl.model import validate
from lambdactl.plane import ControlPlane, operation

ResourceNotFoundException = errors.service_error("ResourceNotFoundException", 400, name="LogsResourceNotFound")
InvalidParameterException = errors.service_error("InvalidParameterException", 400)
MAX_EVENTS = 10_000
_TERM = re.compile(r'([?-]?)(?:"([^"]*)"|(\S+))')


def _group(plane: ControlPlane, params: dict[str, Any]) -> str:
    """The log group named by ``logGroupName`` or ``logGroupIdentifier`` (a name or an ARN), which must hold events."""
    name, identifier = params.get("logGroupName"), params.get("logGroupIdentifier")
    if bool(name) == bool(identifier):
        raise InvalidParameterException("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    group = name or re.sub(r"^arn:[^:]+:logs:[^:]*:[^:]*:log-group:(.*?)(:\*)?$", r"\1", str(identifier))
    flush(plane)  # what this process's invocations handed to the log writer, committed before it is read
    if plane.store.read_one("SELECT 1 FROM log_events WHERE log_group = ? LIMIT 1", (group,)) is None:
        raise ResourceNotFoundException("The specified log group does not exist.")
    return group


def _group_arn(plane: ControlPlane, group: str) -> str:
    return f"arn:aws:logs:{plane.settings.region}:{plane.settings.account_id}:log-group:{group}"


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.b64decode(token, validate=True).decode())
    except (binascii.Error, ValueError):
        raise InvalidParameterException("The specified nextToken is invalid.") from None


def _token(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()


def _page(rows: list[Any], params: dict[str, Any], default_limit: int) -> tuple[list[Any], str | None]:
    start, limit = _offset(params.get("nextToken")), params.get("limit") or default_limit
    page = rows[start : start + limit]
    return page, _token(start + limit) if start + limit < len(rows) else None


@operation("logs:DescribeLogGroups")
def describe_log_groups(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    validate.check_range(params.get("limit"), "limit", 1, 50)
    prefix, pattern = params.get("logGroupNamePrefix"), params.get("logGroupNamePattern")
    if prefix and pattern:
        raise InvalidParameterException("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
    flush(plane)
    rows = plane.store.read(
        "SELECT log_group, MIN(ts) AS created, SUM(LENGTH(message)) AS bytes FROM log_events "
        "GROUP BY log_group ORDER BY log_group"
    )
    wanted = set(params.get("logGroupIdentifiers") or ())
    rows = [
        row for row in rows
        if row["log_group"].startswith(prefix or "") and (pattern or "").lower() in row["log_group"].lower()
        and (not wanted or row["log_group"] in wanted or _group_arn(plane, row["log_group"]) in wanted)
    ]  # fmt: skip
    page, token = _page(rows, params, 50)
    groups = [
        {
            "logGroupName": row["log_group"], "creationTime": row["created"], "metricFilterCount": 0,
            "arn": _group_arn(plane, row["log_group"]) + ":*", "storedBytes": row["bytes"],
            "logGroupClass": "STANDARD", "logGroupArn": _group_arn(plane, row["log_group"]),
        }
        for row in page
    ]  # fmt: skip
    return {"logGroups": groups, **({"nextToken": token} if token else {})}


@operation("logs:DescribeLogStreams")
def describe_log_streams(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    validate.check_range(params.get("limit"), "limit", 1, 50)
    validate.check_enum(params.get("orderBy"), "orderBy", ["LogStreamName", "LastEventTime"])
    group = _group(plane, params)
    prefix = params.get("logStreamNamePrefix") or ""
    by_time = params.get("orderBy") == "LastEventTime"
    if prefix and by_time:
        raise InvalidParameterException("Cannot order by LastEventTime with a logStreamNamePrefix.")
    rows = plane.store.read(
        "SELECT log_stream, MIN(ts) AS first, MAX(ts) AS last, SUM(LENGTH(message)) AS bytes FROM log_events "
        "WHERE log_group = ? GROUP BY log_stream",
        (group,),
    )
    rows = sorted(
        (row for row in rows if row["log_stream"].startswith(prefix)),
        key=lambda row: (row["last"], row["log_stream"]) if by_time else row["log_stream"],
        reverse=bool(params.get("descending")),
    )
    page, token = _page(rows, params, 50)
    arn = _group_arn(plane, group)
    streams = [
        {
            "logStreamName": row["log_stream"], "creationTime": row["first"], "firstEventTimestamp": row["first"],
            "lastEventTimestamp": row["last"], "lastIngestionTime": row["last"],
            "arn": f"{arn}:log-stream:{row['log_stream']}", "storedBytes": 0,
        }
        for row in page
    ]  # fmt: skip
    return {"logStreams": streams, **({"nextToken": token} if token else {})}


def _time_range(params: dict[str, Any]) -> tuple[str, list[Any]]:
    """SQL conditions for ``startTime`` (inclusive) and ``endTime`` (exclusive), epoch milliseconds."""
    sql, args = "", list[Any]()
    if params.get("startTime") is not None:
        sql, args = sql + " AND ts >= ?", [*args, int(params["startTime"])]
    if params.get("endTime") is not None:
        sql, args = sql + " AND ts < ?", [*args, int(params["endTime"])]
    return sql, args


@operation("logs:GetLogEvents")
def get_log_events(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """Events of one stream in time order. Without a token: the newest ``limit`` (the head with
    ``startFromHead``); ``f/<id>`` pages forward, ``b/<id>`` backward; an exhausted direction
    answers with the token it was given, as AWS does."""
    validate.check_range(params.get("limit"), "limit", 1, MAX_EVENTS)
    group = _group(plane, params)
    stream = params["logStreamName"]
    if plane.store.read_one("SELECT 1 FROM log_events WHERE log_group = ? AND log_stream = ? LIMIT 1", (group, stream)) is None:
        raise ResourceNotFoundException("The specified log stream does not exist.")
    limit = params.get("limit") or MAX_EVENTS
    where, args = _time_range(params)
    token = params.get("nextToken") or ""
    match = re.fullmatch(r"([fb])/(\d+)", token)
    if token and not match:
        raise InvalidParameterException("The specified nextToken is invalid.")
    base = f"SELECT id, ts, message FROM log_events WHERE log_group = ? AND log_stream = ?{where}"
    args = [group, stream, *args]
    if match and match.group(1) == "f":
        rows = plane.store.read(f"{base} AND id > ? ORDER BY id LIMIT ?", (*args, int(match.group(2)), limit))
    elif match or not params.get("startFromHead"):
        before = int(match.group(2)) if match else 2**62
        rows = plane.store.read(f"{base} AND id < ? ORDER BY id DESC LIMIT ?", (*args, before, limit))[::-1]
    else:
        rows = plane.store.read(f"{base} ORDER BY id LIMIT ?", (*args, limit))
    events = [{"timestamp": row["ts"], "message": row["message"], "ingestionTime": row["ts"]} for row in rows]
    if rows:
        forward, backward = f"f/{rows[-1]['id']:056d}", f"b/{rows[0]['id']:056d}"
    else:  # nothing in this direction: the same place again
        forward = backward = token or f"f/{0:056d}"
    return {"events": events, "nextForwardToken": forward, "nextBackwardToken": backward}


@operation("logs:FilterLogEvents")
def filter_log_events(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    validate.check_range(params.get("limit"), "limit", 1, MAX_EVENTS)
    group = _group(plane, params)
    names, prefix = params.get("logStreamNames"), params.get("logStreamNamePrefix")
    if names and prefix:
        raise InvalidParameterException("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
    matches = _matcher(params.get("filterPattern"))
    where, args = _time_range(params)
    after = _offset(params.get("nextToken"))
    rows = plane.store.read(
        f"SELECT id, log_stream, ts, message FROM log_events WHERE log_group = ? AND id > ?{where} ORDER BY ts, id",
        (group, after, *args),
    )
    limit = params.get("limit") or MAX_EVENTS
    events: list[dict[str, Any]] = []
    token = None
    for row in rows:
        if (names and row["log_stream"] not in names) or not row["log_stream"].startswith(prefix or ""):
            continue
        if not matches(row["message"]):
            continue
        if len(events) == limit:
            token = _token(events[-1]["_id"])
            break
        events.append({
            "logStreamName": row["log_stream"], "timestamp": row["ts"], "message": row["message"],
            "ingestionTime": row["ts"], "eventId": f"{row['id']:056d}", "_id": row["id"],
        })  # fmt: skip
    for event in events:
        del event["_id"]
    return {"events": events, **({"nextToken": token} if token else {})}


def _matcher(pattern: str | None) -> Callable[[str], bool]:
    """A CloudWatch term filter pattern: all plain terms, any ``?`` term, no ``-`` term (case-sensitive)."""
    text = (pattern or "").strip()
    if not text:
        return lambda message: True
    if text[0] in "{[" or text.startswith("%"):
        raise InvalidParameterException(
            "lambdactl matches term filter patterns only (words, \"quoted phrases\", ?any, -excluded), "
            "not JSON, space-delimited or regular-expression patterns."
        )
    required: list[str] = []
    optional: list[str] = []
    excluded: list[str] = []
    for sign, quoted, bare in _TERM.findall(text):
        term = quoted if quoted or not bare else bare
        {"": required, "?": optional, "-": excluded}[sign].append(term)
    return lambda message: (
        all(term in message for term in required)
        and (not optional or any(term in message for term in optional))
        and not any(term in message for term in excluded)
    )
