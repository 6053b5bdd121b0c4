"""Runs the pollers of every enabled mapping inside the worker, and tells whether any source has work left."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from lambdactl import settings
from lambdactl.plane import ControlPlane
from lambdactl import sources
from lambdactl.events.pollers import sqs, streams
from lambdactl.events.pollers.base import Mapping, PlaneFactory

SYNC_S = 0.5


def enabled(plane: ControlPlane) -> list[Mapping]:
    from lambdactl.control.mappings import enabled_mappings

    return [Mapping(m["uuid"], m["function_name"], m["qualifier"], m["arn"], m["config"], m["created_at"],
                    m["last_modified"]) for m in enabled_mappings(plane)]  # fmt: skip


def has_work(plane: ControlPlane, mapping: Mapping) -> bool:
    """Whether the mapping's source still holds records it has to consume."""
    source = sources.open_source(plane, mapping.arn, mapping.config)
    if _is_queue(mapping):
        return bool(source.pending() > 0)
    return any(_shard_behind(plane, mapping, source, shard) for shard in source.shards())


def _shard_behind(plane: ControlPlane, mapping: Mapping, source: Any, shard: str) -> bool:
    checkpoint = streams.load_checkpoint(plane, mapping.uuid, shard)
    start = streams.since(mapping) if checkpoint is None else None
    if start is not None:  # LATEST / AT_TIMESTAMP before a first batch: older records are not the mapping's
        return bool(source.read(shard, None, start, 1))
    return source.behind(shard, checkpoint)


def pending(plane: ControlPlane) -> int:
    """How many enabled mappings have source work left (a source that cannot be read counts as done)."""
    count = 0
    for mapping in enabled(plane):
        try:
            count += has_work(plane, mapping)
        except Exception:  # noqa: BLE001, S112 - a deleted or unreachable source has nothing to drain
            continue
    return count


def wake(plane: ControlPlane, arn: str) -> None:
    """Called by the producing operations (sqs:SendMessage, kinesis:PutRecord, ...) once per call, and by
    on-failure delivery to an embedded queue: start the worker when an enabled mapping polls ``arn``."""
    if plane.store.read_one("SELECT 1 FROM event_source_mappings WHERE event_source_arn = ? AND state = 'Enabled'",
                            (arn,)) is not None:  # fmt: skip
        from lambdactl.events import worker

        worker.ensure_running(plane)


class Pollers:
    """The poller threads of a worker: ``sync()`` starts and stops them as mappings change."""

    def __init__(self, plane_factory: PlaneFactory) -> None:
        self.plane_factory = plane_factory
        self._threads: dict[tuple[str, str], tuple[float, threading.Thread, threading.Event]] = {}
        self._synced = 0.0
        self._busy = False

    def sync(self, plane: ControlPlane, *, force: bool = False) -> bool:
        """Match the threads to the enabled mappings (at most every SYNC_S); True while any source has work."""
        if not force and time.monotonic() - self._synced < SYNC_S:
            return self._busy
        self._synced = time.monotonic()
        wanted: dict[tuple[str, str], tuple[Mapping, Any]] = {}
        busy = False
        for mapping in enabled(plane):
            try:
                wanted.update(self._slots(plane, mapping))
                busy = busy or has_work(plane, mapping)
            except Exception as exc:  # noqa: BLE001 - a source that cannot be read now is retried at the next sync
                print(f"lambdactl pollers: mapping {mapping.uuid}: {type(exc).__name__}: {exc}", file=sys.stderr,
                      flush=True)  # fmt: skip
        for key, (stamp, thread, stop) in list(self._threads.items()):
            if key not in wanted or wanted[key][0].last_modified != stamp:
                stop.set()
                if not thread.is_alive():
                    del self._threads[key]
        for key, (mapping, target) in wanted.items():
            if key not in self._threads:
                stop = threading.Event()
                thread = threading.Thread(target=target, args=(stop,), daemon=True, name=f"lambdactl-esm-{key[1]}")
                self._threads[key] = (mapping.last_modified, thread, stop)
                thread.start()
        self._busy = busy
        return busy

    def _slots(self, plane: ControlPlane, mapping: Mapping) -> dict[tuple[str, str], tuple[Mapping, Any]]:
        factory = self.plane_factory
        if _is_queue(mapping):
            default = 1 if mapping.arn.endswith(".fifo") else settings.ESM_SQS_CONCURRENCY.get()
            count = int((mapping.config.get("ScalingConfig") or {}).get("MaximumConcurrency") or default)
            return {(mapping.uuid, f"sqs-{i}"): (mapping, _sqs_target(factory, mapping)) for i in range(count)}
        shards = sources.open_source(plane, mapping.arn, mapping.config).shards()
        return {(mapping.uuid, shard): (mapping, _shard_target(factory, mapping, shard)) for shard in shards}

    def close(self, timeout: float | None = None) -> None:
        """Stop every poller and wait (up to ``timeout``) for the batches in flight."""
        for _, _, stop in self._threads.values():
            stop.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        for _, thread, _ in self._threads.values():
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        self._threads.clear()


def _is_queue(mapping: Mapping) -> bool:
    kind = sources.kind_for(mapping.arn)
    return kind is not None and kind.is_queue


def _source_factory(mapping: Mapping) -> Any:
    return lambda plane: sources.open_source(plane, mapping.arn, mapping.config)


def _sqs_target(factory: PlaneFactory, mapping: Mapping) -> Any:
    return lambda stop: sqs.run(factory, mapping, _source_factory(mapping), stop)


def _shard_target(factory: PlaneFactory, mapping: Mapping, shard: str) -> Any:
    return lambda stop: streams.run(factory, mapping, _source_factory(mapping), shard, stop)
