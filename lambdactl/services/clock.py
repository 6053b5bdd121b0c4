"""Embedded event sources: SQS-like queues, Kinesis-like streams, DynamoDB-stream-shaped streams.

Each module has two faces: plain storage functions taking a ControlPlane (what the
event-source-mapping pollers call, from any thread with their own plane) and the
``sqs:*`` / ``kinesis:*`` / ``dynamodbstreams:*`` operations in ``lambdactl.control``.
State lives in the state directory's database (migration ``event_sources``).

Storage only: nothing here starts processes. The producing operations (SendMessage,
PutRecord, ...) wake the mapping worker themselves (``lambdactl.events.pollers.manager.wake``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from lambdactl.control.plane import ControlPlane

SourceKind = Literal["sqs", "kinesis", "dynamodb"]


def now() -> float:
    """Epoch seconds; one seam so tests can move time (retention, visibility)."""
    return time.time()


def kind_of(plane: ControlPlane, arn: str) -> SourceKind | None:
    """What an event source ARN names, if it exists here: "sqs", "kinesis", "dynamodb" or None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    service = parts[2]
    if service == "sqs":
        from lambdactl.sources import sqs

        return "sqs" if sqs.exists(plane, arn) else None
    if service in ("kinesis", "dynamodb"):
        row = plane.store.read_one("SELECT kind FROM streams WHERE arn = ?", (arn,))
        return row["kind"] if row else None
    return None
