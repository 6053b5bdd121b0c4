"""Hand a target its payload: a Lambda function through the async queue, an embedded SQS queue.

Lambda targets are enqueued inside the caller's write transaction (a timer's firing and its
invocations commit together: a firing is never lost or doubled). A rule needs the function's
resource policy to allow ``events.amazonaws.com`` for the rule's ARN, as in EventBridge; when it
does not, the delivery is recorded as a failed async event (``list-async-events --status failed``)
and the payload goes to the target's dead-letter queue if it has one. Scheduler targets use a
role, so no policy is checked. SQS messages are sent after the transaction, one batch per queue.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane
from lambdactl.model import validate

EVENTS_PRINCIPAL = "events.amazonaws.com"


@dataclass
class Outbox:
    """Messages for SQS queues, sent once the transaction that produced them has committed."""

    messages: dict[str, list[str]] = field(default_factory=dict)
    enqueued: int = 0  # Lambda events queued (the worker is woken when > 0)

    def send(self, plane: ControlPlane) -> None:
        for queue_arn, bodies in self.messages.items():
            for start in range(0, len(bodies), 10):
                entries = [{"Id": str(index), "MessageBody": body} for index, body in enumerate(bodies[start:start + 10])]
                try:
                    plane.call("sqs:SendMessageBatch", {"QueueUrl": queue_arn, "Entries": entries})
                except errors.ServiceError:
                    pass  # the queue is gone: EventBridge drops the delivery (no DLQ for a missing queue here)
        self.messages.clear()
        if self.enqueued:
            plane.async_work.start_worker()
            self.enqueued = 0


def deliver(conn: sqlite3.Connection, plane: ControlPlane, target: dict[str, Any], body: str, outbox: Outbox,
            *, rule_arn: str | None = None) -> None:
    """Send ``body`` to ``target`` (a Target: Arn, DeadLetterConfig); ``rule_arn`` set for EventBridge rules."""
    arn = target["Arn"]
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    if service == "sqs":
        outbox.messages.setdefault(arn, []).append(body)
    elif service == "lambda":
        problem = _invoke(conn, plane, arn, body, rule_arn, outbox)
        dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn")
        if problem and dead_letter and dead_letter.split(":")[2:3] == ["sqs"]:
            outbox.messages.setdefault(dead_letter, []).append(body)


def _invoke(conn: sqlite3.Connection, plane: ControlPlane, arn: str, body: str, rule_arn: str | None,
            outbox: Outbox) -> str | None:
    """Queue an async invocation; returns why it could not be delivered, or None."""
    from lambdactl.control.policies import may_invoke

    try:
        ref = validate.parse_function_name(arn, plane.settings)
    except errors.ServiceError as exc:
        return exc.message
    if conn.execute("SELECT 1 FROM functions WHERE name = ?", (ref.name,)).fetchone() is None:
        return f"Function not found: {arn}"
    request_id = str(uuid.uuid4())
    if rule_arn is not None and not may_invoke(
        plane, ref.name, ref.qualifier, EVENTS_PRINCIPAL, source_arn=rule_arn, source_account=plane.settings.account_id
    ):
        error = (f"AccessDeniedException: {EVENTS_PRINCIPAL} is not authorized to perform lambda:InvokeFunction "
                 f"on {arn} for {rule_arn} (add-permission --principal {EVENTS_PRINCIPAL} --source-arn {rule_arn})")  # fmt: skip
        plane.async_work.record_failed(conn, ref.name, ref.qualifier, body.encode(), request_id, error)
        return error
    plane.async_work.enqueue(conn, ref.name, ref.qualifier, body.encode(), request_id)
    outbox.enqueued += 1
    return None
