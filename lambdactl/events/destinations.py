"""Where a finished async event goes: OnSuccess / OnFailure destinations and the function's DLQ.

A Lambda function target is invoked asynchronously: the record is enqueued in the
same transaction that finishes the source event, so the hand-off is never lost. An
EventBridge bus gets the record as an event ("Lambda Function Invocation Result - …"),
written to the bus's outbox in that transaction and published by the worker.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from typing import Any

from lambdactl import errors
from lambdactl.control.plane import ControlPlane
from lambdactl.events import queue
from lambdactl.model import validate


def record(plane: ControlPlane, event: queue.Event, condition: str, invoke_count: int,
           response: dict[str, Any] | None) -> dict[str, Any]:
    """Lambda's destination record (``version`` 1.0) for a finished event."""
    now = time.time()
    out: dict[str, Any] = {
        "version": "1.0",
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z",
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": plane.settings.function_arn(event.function_name, event.qualifier or "$LATEST"),
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "requestPayload": _json_or_text(event.payload),
    }
    if response is not None:
        context: dict[str, Any] = {"statusCode": response["statusCode"], "executedVersion": response["executedVersion"]}
        if response.get("functionError"):
            context["functionError"] = response["functionError"]
        out["responseContext"] = context
        out["responsePayload"] = _json_or_text(response["payload"].encode())
    return out


def _json_or_text(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data.decode(errors="replace")


def deliver(conn: sqlite3.Connection, plane: ControlPlane, arn: str, body: bytes) -> str | None:
    """Send ``body`` to a destination inside the caller's transaction; returns an error text or None."""
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service == "events":
        from lambdactl.services.events.outbox import post_invocation_result

        return post_invocation_result(conn, plane, arn, body)
    if service != "lambda":
        kind = {"sqs": "SQS queues", "sns": "SNS topics", "s3": "S3 buckets"}
        return f"destination {arn} not reached: {kind.get(service, 'this kind of target')} are not available locally yet"
    try:
        ref = validate.parse_function_name(arn, plane.settings.region)
    except errors.ServiceError as exc:
        return f"destination {arn} not reached: {exc.message}"
    if ref.qualifier not in (None, "$LATEST") and not _qualifier_exists(conn, ref.name, ref.qualifier):
        return f"destination {arn} not reached: Function not found"
    if conn.execute("SELECT 1 FROM functions WHERE name = ?", (ref.name,)).fetchone() is None:
        return f"destination {arn} not reached: Function not found"
    queue.enqueue(conn, ref.name, ref.qualifier, body, str(uuid.uuid4()))
    return None


def _qualifier_exists(conn: sqlite3.Connection, name: str, qualifier: str) -> bool:
    table, column = ("versions", "version") if qualifier.isdigit() else ("aliases", "name")
    sql = f"SELECT 1 FROM {table} WHERE function_name = ? AND {column} = ?"
    return conn.execute(sql, (name, qualifier)).fetchone() is not None
