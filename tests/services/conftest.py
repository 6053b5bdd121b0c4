"""A movable clock for the embedded sources (visibility, delays, retention, iterator expiry)."""

from __future__ import annotations

import time

import pytest


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from lambdactl.services.dynamodbstreams import streams as dynamodb_streams
    from lambdactl.services.kinesis import operations as kinesis_ops
    from lambdactl.services.kinesis import streams as kinesis
    from lambdactl.services.sqs import queues as sqs

    moving = Clock()
    for module in (sqs, kinesis, dynamodb_streams, kinesis_ops):
        monkeypatch.setattr(module, "now", moving)
    return moving
