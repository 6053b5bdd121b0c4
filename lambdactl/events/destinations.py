"""Where a finished async event goes: OnSuccess / OnFailure destinations and the function's DLQ.

A Lambda function target is invoked asynchronously and an embedded SQS queue gets a message, both
in the same transaction that finishes the source event, so the hand-off is never lost or doubled.
An EventBridge bus gets the record as an event ("Lambda Function Invocation Result - …"), written
to the bus's outbox in that transaction and published by the worker. A DLQ message is the event
itself with Lambda's ``RequestID``, ``ErrorCode`` and ``ErrorMessage`` attributes. lambdactl has
no SNS: SNS targets are refused when configured (``control/destinations.py``).
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from typing import Any

from lambdactl import errors
from lambdactl.events import queue
from lambdactl.model import validate
from lambdactl.plane import ControlPlane
from lambdactl.control.destinations import service_of


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


DLQ_MESSAGE_LIMIT = 1024


def dead_letter(conn: sqlite3.Connection, plane: ControlPlane, arn: str, event: queue.Event,
                response: dict[str, Any] | None, error: str) -> str | None:
    """Send the event to the function's DLQ as Lambda does; returns an error text or None."""
    message = error
    try:
        detail = json.loads((response or {}).get("payload") or "null")
        if isinstance(detail, dict) and isinstance(detail.get("errorMessage"), str):
            message = detail["errorMessage"]
    except ValueError:
        pass
    attributes = {
        "RequestID": {"DataType": "String", "StringValue": event.request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": str((response or {}).get("statusCode", 200))},
        "ErrorMessage": {"DataType": "String", "StringValue": message.encode()[:DLQ_MESSAGE_LIMIT].decode(errors="ignore") or error},
    }  # fmt: skip
    return deliver(conn, plane, arn, event.payload, attributes)


def deliver(conn: sqlite3.Connection, plane: ControlPlane, arn: str, body: bytes,
            attributes: dict[str, dict[str, str]] | None = None) -> str | None:
    """Send ``body`` to a destination inside the caller's transaction; returns an error text or None."""
    service = service_of(arn)
    if service == "sqs":
        return _to_queue(conn, plane, arn, body, attributes)
    if service == "events":
        from lambdactl.services.events.outbox import post_invocation_result

        return post_invocation_result(conn, plane, arn, body)
    if service != "lambda":
        kind = {"sns": "lambdactl has no SNS", "s3": "S3 bucket destinations are not available locally"}
        return f"destination {arn} not reached: {kind.get(service, 'not a destination lambdactl knows')}"
    try:
        ref = validate.parse_function_name(arn, plane.settings)
    except errors.ServiceError as exc:
        return f"destination {arn} not reached: {exc.message}"
    if ref.qualifier not in (None, "$LATEST") and not _qualifier_exists(conn, ref.name, ref.qualifier):
        return f"destination {arn} not reached: Function not found"
    if conn.execute("SELECT 1 FROM functions WHERE name = ?", (ref.name,)).fetchone() is None:
        return f"destination {arn} not reached: Function not found"
    queue.enqueue(conn, ref.name, ref.qualifier, body, str(uuid.uuid4()))
    return None


def _to_queue(conn: sqlite3.Connection, plane: ControlPlane, arn: str, body: bytes,
              attributes: dict[str, dict[str, str]] | None) -> str | None:
    from lambdactl.services.sqs import queues

    try:
        queues.send(plane, arn, body.decode(errors="replace"), attributes, transaction=conn)
    except errors.ServiceError as exc:
        return f"destination {arn} not reached: {exc.message}"
    return None


def _qualifier_exists(conn: sqlite3.Connection, name: str, qualifier: str) -> bool:
    table, column = ("versions", "version") if qualifier.isdigit() else ("aliases", "name")
    sql = f"SELECT 1 FROM {table} WHERE function_name = ? AND {column} = ?"
    return conn.execute(sql, (name, qualifier)).fetchone() is not None
