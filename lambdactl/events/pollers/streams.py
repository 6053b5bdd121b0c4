"""The Kinesis / DynamoDB-stream poller: one thread per shard, records in order, checkpoint only after success.

A shard's batch is read after the stored checkpoint (``esm_checkpoints``), or from the
StartingPosition when there is none (LATEST = records that arrived after the mapping
was created). Filtered-out records are skipped. ParallelizationFactor splits the batch
into lanes by partition key (order kept per key) that run at once. A failed batch is
retried from its lowest failed record (partial batch response), bisected
(BisectBatchOnFunctionError), and given up after MaximumRetryAttempts or
MaximumRecordAgeInSeconds: then an on-failure record goes to DestinationConfig.OnFailure
and the shard moves on. Stopping mid-batch leaves the checkpoint where it was.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lambdactl import settings
from lambdactl.plane import ControlPlane
from lambdactl.events.pollers import filters
from lambdactl.sources import StreamSource
from lambdactl.sources.records import batch as batch_payload
from lambdactl.events.pollers.base import (
    deliver_failure,
    Mapping,
    Outcome,
    PlaneFactory,
    current,
    invoke,
    poll_s,
)


class Stopped(Exception):
    """The poller was told to stop in the middle of a batch."""


def load_checkpoint(plane: ControlPlane, mapping_id: str, shard: str) -> str | None:
    row = plane.store.read_one(
        "SELECT sequence_number FROM esm_checkpoints WHERE uuid = ? AND shard_id = ?", (mapping_id, shard)
    )
    return row[0] if row else None


def save_checkpoint(plane: ControlPlane, mapping_id: str, shard: str, sequence_number: str) -> None:
    """Record the shard's progress (nothing when the mapping has been deleted meanwhile)."""
    with plane.store.write() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO esm_checkpoints (uuid, shard_id, sequence_number) "
            "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM event_source_mappings WHERE uuid = ?)",
            (mapping_id, shard, sequence_number, mapping_id),
        )


def since(mapping: Mapping) -> float | None:
    """Where a shard without a checkpoint starts: None = trim horizon, else records arriving from then on."""
    position = mapping.config.get("StartingPosition")
    if position == "LATEST":
        return mapping.created_at
    if position == "AT_TIMESTAMP":
        return float(mapping.config["StartingPositionTimestamp"])
    return None


class ShardPoller:
    """Processes one shard of one mapping in its own thread."""

    def __init__(self, plane: ControlPlane, mapping: Mapping, source: StreamSource, shard: str,
                 stop: threading.Event) -> None:
        self.plane, self.mapping, self.source, self.shard, self.stop = plane, mapping, source, shard, stop
        self.kind = source.kind
        self.patterns = filters.compiled(mapping.config)
        config = mapping.config
        self.max_retries = int(config.get("MaximumRetryAttempts", -1))
        self.max_age = float(config.get("MaximumRecordAgeInSeconds", -1))
        self.bisect = bool(config.get("BisectBatchOnFunctionError"))
        self.lanes = int(config.get("ParallelizationFactor") or 1)
        self.role = _role(plane, mapping)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                if not current(self.plane, self.mapping):
                    return
                if not self.step():
                    self.stop.wait(poll_s())
            except Stopped:
                return
            except Exception as exc:  # noqa: BLE001 - a source error: try again later
                print(f"lambdactl poller {self.mapping.uuid} {self.shard}: {type(exc).__name__}: {exc}",
                      file=sys.stderr, flush=True)  # fmt: skip
                self.stop.wait(1.0)

    def step(self) -> bool:
        """Read and process one batch; False when the shard had nothing new."""
        checkpoint = load_checkpoint(self.plane, self.mapping.uuid, self.shard)
        start = since(self.mapping) if checkpoint is None else None
        records = self.gather(checkpoint, start)
        if not records:
            return False
        last = self.kind.sequence(records[-1])
        records = [record for record in records if filters.keep(self.patterns, self.event(record))]
        lanes = self.split(records)
        if len(lanes) > 1:
            with ThreadPoolExecutor(len(lanes)) as pool:
                list(pool.map(lambda lane: self.handle(lane, 0, checkpointing=False), lanes))
        elif lanes:
            self.handle(lanes[0], 0, checkpointing=True)
        save_checkpoint(self.plane, self.mapping.uuid, self.shard, last)
        return True

    def gather(self, checkpoint: str | None, start: float | None) -> list[dict[str, Any]]:
        """Up to BatchSize records, reading until the batch is full or the batching window (opened by the
        first record) ends."""
        batch: list[dict[str, Any]] = []
        deadline = 0.0
        while not self.stop.is_set():
            after = self.kind.sequence(batch[-1]) if batch else checkpoint
            got = self.source.read(self.shard, after, start if after is None else None,
                                   self.mapping.batch_size - len(batch))  # fmt: skip
            if not batch:
                if not got:
                    break
                deadline = time.monotonic() + self.mapping.window_s
            batch += got
            if len(batch) >= self.mapping.batch_size or time.monotonic() >= deadline:
                break
            if not got:
                self.stop.wait(min(poll_s(), max(0.0, deadline - time.monotonic())))
        return batch

    def split(self, records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """ParallelizationFactor lanes by partition key (one lane when the factor is 1)."""
        if self.lanes == 1:
            return [records] if records else []
        lanes: dict[int, list[dict[str, Any]]] = {}
        for record in records:
            lanes.setdefault(zlib.crc32(self.kind.partition_key(record).encode()) % self.lanes, []).append(record)
        return list(lanes.values())

    def event(self, record: dict[str, Any]) -> dict[str, Any]:
        return self.kind.event(record, self.mapping.arn, self.shard, self.role)

    def handle(self, records: list[dict[str, Any]], attempts: int, *, checkpointing: bool) -> None:
        """Run a batch until it succeeds or is given up; ``attempts`` = failed runs so far."""
        invokes = 0
        while True:
            expired = self.expired(records)
            if expired:
                self.give_up(records[:expired], "RecordAgeExceeded", invokes, None)
                records = records[expired:]
                if not records:
                    return
            ids = [self.kind.sequence(record) for record in records]
            outcome = invoke(self.plane, self.mapping, batch_payload([self.event(r) for r in records]), ids)
            invokes += 1
            if outcome.ok:
                self.note("OK")
                return
            self.note("PROBLEM: Function call failed")
            if not outcome.whole:
                first = min(ids.index(identifier) for identifier in outcome.failed)
                if first and checkpointing:
                    save_checkpoint(self.plane, self.mapping.uuid, self.shard, ids[first - 1])
                records = records[first:]
            elif self.bisect and len(records) > 1:
                middle = len(records) // 2
                self.handle(records[:middle], attempts, checkpointing=checkpointing)
                if checkpointing:
                    save_checkpoint(self.plane, self.mapping.uuid, self.shard, ids[middle - 1])
                self.handle(records[middle:], attempts, checkpointing=checkpointing)
                return
            attempts += 1
            if 0 <= self.max_retries < attempts:
                self.give_up(records, "RetryAttemptsExhausted", invokes, outcome)
                return
            if self.stop.wait(min(2.0**attempts, 60.0) * settings.RETRY_DELAY_SCALE.get()):
                raise Stopped

    def expired(self, records: list[dict[str, Any]]) -> int:
        """How many leading records are older than MaximumRecordAgeInSeconds."""
        if self.max_age < 0:
            return 0
        oldest = time.time() - self.max_age * settings.RECORD_AGE_SCALE.get()
        return next((i for i, record in enumerate(records) if self.kind.arrival(record) >= oldest), len(records))

    def note(self, result: str) -> None:
        if getattr(self, "_noted", None) != result:
            from lambdactl.control.mappings import note_result

            note_result(self.plane, self.mapping.uuid, result)
            self._noted = result

    def give_up(self, records: list[dict[str, Any]], condition: str, invokes: int, outcome: Outcome | None) -> None:
        """Discard records for good, sending the on-failure record when a destination is configured."""
        target = ((self.mapping.config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        if not target:
            return
        problem = deliver_failure(self.plane, target, json.dumps(self.failure_record(records, condition, invokes, outcome)))
        if problem:
            print(f"lambdactl poller {self.mapping.uuid}: {problem}", file=sys.stderr, flush=True)

    def failure_record(self, records: list[dict[str, Any]], condition: str, invokes: int,
                       outcome: Outcome | None) -> dict[str, Any]:
        """Lambda's on-failure record for a stream batch (metadata only, not the records)."""
        now = time.time()
        out: dict[str, Any] = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.plane.settings.function_arn(self.mapping.function_name, self.mapping.qualifier),
                "condition": condition,
                "approximateInvokeCount": invokes,
            },
        }
        response = (outcome.response if outcome else None) or {}
        if "executedVersion" in response:
            out["responseContext"] = {key: response[key] for key in ("statusCode", "executedVersion", "functionError")
                                      if key in response}  # fmt: skip
        out.update(version="1.0", timestamp=_iso(now))
        out[self.kind.batch_info] = {
            "shardId": self.shard,
            "startSequenceNumber": self.kind.sequence(records[0]),
            "endSequenceNumber": self.kind.sequence(records[-1]),
            "approximateArrivalOfFirstRecord": _iso(self.kind.arrival(records[0])),
            "approximateArrivalOfLastRecord": _iso(self.kind.arrival(records[-1])),
            "batchSize": len(records),
            "streamArn": self.mapping.arn,
        }
        return out


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"


def _role(plane: ControlPlane, mapping: Mapping) -> str:
    from lambdactl.control.records import load_version

    config = load_version(plane, mapping.function_name) or {}
    return config.get("Role") or plane.settings.placeholder_role


def run(plane_factory: PlaneFactory, mapping: Mapping, source_factory: Any, shard: str, stop: threading.Event) -> None:
    """The thread of one shard of a stream mapping."""
    plane = plane_factory()
    ShardPoller(plane, mapping, source_factory(plane), shard, stop).run()
