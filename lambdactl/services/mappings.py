"""What the embedded event sources (SQS, Kinesis, DynamoDB Streams) tell the event-source-mapping worker.

Storage never starts processes; the producing operations (SendMessage, PutRecord, ...) call
``wake`` once per call that stored something.
"""

from __future__ import annotations

from typing import Any


def wake(plane: Any, arn: str) -> None:
    """New records at ``arn``: start the worker if an enabled mapping polls the source."""
    from lambdactl.events.pollers.manager import wake as wake_worker

    wake_worker(plane, arn)
