"""The event machinery as the operations below it see it: ``plane.async_work`` (``plane.AsyncWork``).

Lambda's Invoke (Event), S3 notifications, EventBridge targets and schedules, and the embedded
queues and streams hand their work over here instead of importing the queue, the worker or the
pollers, which sit above them (they run the operations).
"""

from __future__ import annotations

import sqlite3

from lambdactl.events import queue
from lambdactl.plane import ControlPlane


class EventMachinery:
    """``plane.AsyncWork`` for one plane: the durable queue, the background worker, the mappings' pollers."""

    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane

    def enqueue(self, conn: sqlite3.Connection, function_name: str, qualifier: str | None, payload: bytes,
                request_id: str) -> int:
        return queue.enqueue(conn, function_name, qualifier, payload, request_id)

    def record_failed(self, conn: sqlite3.Connection, function_name: str, qualifier: str | None, payload: bytes,
                      request_id: str, error: str) -> int:
        return queue.record_failed(conn, function_name, qualifier, payload, request_id, error)

    def start_worker(self) -> None:
        from lambdactl.events import worker

        worker.ensure_running(self.plane)

    def records_added(self, arn: str) -> None:
        from lambdactl.events.pollers.manager import wake

        wake(self.plane, arn)
