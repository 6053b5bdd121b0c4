"""The SQS poller: receive batches, filter, invoke, delete what succeeded.

Failed messages are not touched: they come back when their visibility timeout runs
out, and the queue moves them to its dead-letter queue after maxReceiveCount (the
source does that on receive). With ReportBatchItemFailures only the reported
messages stay; in a FIFO queue every message after the first failure stays too, so
a group keeps its order.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from lambdactl.events.pollers import filters
from lambdactl.sources import QueueSource
from lambdactl.sources.records import batch as batch_payload
from lambdactl.events.pollers.base import Mapping, PlaneFactory, current, invoke, poll_s

RECEIVE_MAX = 10  # SQS returns at most 10 messages per ReceiveMessage


def gather(source: QueueSource, mapping: Mapping, stop: threading.Event) -> list[dict[str, Any]]:
    """Up to BatchSize records, receiving until the batch is full or the batching window (opened by the
    first record) ends; empty when the queue is."""
    batch: list[dict[str, Any]] = []
    deadline = 0.0
    while not stop.is_set():
        got = source.receive(min(RECEIVE_MAX, mapping.batch_size - len(batch)))
        if not batch:
            if not got:
                break
            deadline = time.monotonic() + mapping.window_s
        batch += got
        if len(batch) >= mapping.batch_size or time.monotonic() >= deadline:
            break
        if not got:
            stop.wait(min(poll_s(), max(0.0, deadline - time.monotonic())))
    return batch


def process(plane: Any, source: QueueSource, mapping: Mapping, patterns: list[dict[str, Any]],
            records: list[dict[str, Any]]) -> None:
    """Handle one received batch: filtered-out messages are deleted, the rest go to the function."""
    kept = [record for record in records if filters.keep(patterns, record)]
    dropped = [record["receiptHandle"] for record in records if record not in kept]
    if dropped:
        source.delete(dropped)
    if not kept:
        return
    ids = [record["messageId"] for record in kept]
    outcome = invoke(plane, mapping, batch_payload(kept), ids)
    failed = set(outcome.failed)
    if failed and mapping.arn.endswith(".fifo"):
        first = min(index for index, record in enumerate(kept) if record["messageId"] in failed)
        failed |= set(ids[first:])
    done = [record["receiptHandle"] for record in kept if record["messageId"] not in failed]
    if done:
        source.delete(done)


def run(plane_factory: PlaneFactory, mapping: Mapping, source_factory: Any, stop: threading.Event) -> None:
    """One poller thread of an SQS mapping (a mapping runs MaximumConcurrency of them)."""
    plane = plane_factory()
    source: QueueSource = source_factory(plane)
    patterns = filters.compiled(mapping.config)
    while not stop.is_set():
        try:
            if not current(plane, mapping):
                return
            records = gather(source, mapping, stop)
            if records:
                process(plane, source, mapping, patterns, records)
            else:
                stop.wait(poll_s())
        except Exception as exc:  # noqa: BLE001 - a source error (queue deleted, endpoint down): try again later
            print(f"lambdactl poller {mapping.uuid}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            stop.wait(1.0)
