"""What every poller shares: a mapping's settings, invoking the function with a batch, reading the partial response.

Settings (environment variables):
  LAMBDACTL_ESM_POLL_S            how long an idle poller waits before polling its source again (default 0.1)
  LAMBDACTL_ESM_SQS_CONCURRENCY   batches an SQS mapping runs at once unless ScalingConfig.MaximumConcurrency
                                  says otherwise (default 5, Lambda's initial pollers)
  LAMBDACTL_RECORD_AGE_SCALE      multiplies MaximumRecordAgeInSeconds when checking a stream record's age
                                  (default 1)
  LAMBDACTL_RETRY_DELAY_SCALE     (the worker's) also scales the backoff between retries of a stream batch:
                                  min(2**n, 60) s times the scale
They are entries of ``lambdactl.settings`` (a value of the wrong kind is a ConfigurationError).
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambdactl import errors, settings
from lambdactl.plane import ControlPlane

PlaneFactory = Callable[[], ControlPlane]


def poll_s() -> float:
    return settings.ESM_POLL_S.get()


@dataclass
class Mapping:
    """An enabled mapping as its pollers see it (a snapshot: a change restarts the pollers)."""

    uuid: str
    function_name: str
    qualifier: str | None
    arn: str
    config: dict[str, Any]
    created_at: float
    last_modified: float

    @property
    def report_failures(self) -> bool:
        return "ReportBatchItemFailures" in (self.config.get("FunctionResponseTypes") or [])

    @property
    def batch_size(self) -> int:
        return int(self.config["BatchSize"])

    @property
    def window_s(self) -> float:
        return float(self.config.get("MaximumBatchingWindowInSeconds") or 0)


@dataclass
class Outcome:
    """One invocation of a batch: which item identifiers failed (all of them when the function failed)."""

    failed: list[str]
    whole: bool  # the batch failed as a whole (function error, throttle, invalid partial response)
    response: dict[str, Any] | None = field(default=None)  # statusCode, executedVersion, functionError

    @property
    def ok(self) -> bool:
        return not self.failed


def current(plane: ControlPlane, mapping: Mapping) -> bool:
    """The mapping is still enabled as this poller knows it (else the poller ends before taking records)."""
    from lambdactl.control.mappings import is_current

    return is_current(plane, mapping.uuid, mapping.last_modified)


def invoke(plane: ControlPlane, mapping: Mapping, payload: bytes, ids: list[str]) -> Outcome:
    """Run the function synchronously with ``payload`` (the batch whose item identifiers are ``ids``)."""
    params: dict[str, Any] = {"FunctionName": mapping.function_name, "Payload": payload,
                              "InvocationType": "RequestResponse", "_RequestId": str(uuid.uuid4())}  # fmt: skip
    if mapping.qualifier:
        params["Qualifier"] = mapping.qualifier
    try:
        result = plane.call("Invoke", params)
    except errors.ServiceError as exc:
        return Outcome(list(ids), True, {"statusCode": exc.status, "error": f"{exc.code}: {exc.message}"})
    except Exception as exc:  # noqa: BLE001 - an environment failure fails the batch; it is retried
        print(f"lambdactl poller {mapping.uuid}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return Outcome(list(ids), True, None)
    response = {"statusCode": result["StatusCode"], "executedVersion": result["ExecutedVersion"]}
    if result.get("FunctionError"):
        response["functionError"] = result["FunctionError"]
        return Outcome(list(ids), True, response)
    if not mapping.report_failures:
        return Outcome([], False, response)
    failed = partial_failures(bytes(result.get("Payload") or b""), ids)
    return Outcome(list(ids) if failed is None else failed, failed is None, response)


def partial_failures(payload: bytes, ids: list[str]) -> list[str] | None:
    """The failed item identifiers of a partial batch response; None when the whole batch counts as failed.

    Empty list / null / ``{}`` / no ``batchItemFailures`` = all succeeded; a response that is not
    a JSON object or null, or an unknown or empty identifier, fails the whole batch.
    """
    try:
        body = json.loads(payload) if payload.strip() else None
    except ValueError:
        return None
    if body is None:
        return []
    if not isinstance(body, dict):
        return None
    items = body.get("batchItemFailures")
    if not items:
        return []
    if not isinstance(items, list):
        return None
    known, failed = set(ids), []
    for item in items:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in known:
            return None
        failed.append(identifier)
    return failed


def deliver_failure(plane: ControlPlane, target: str, body: str) -> str | None:
    """Send an on-failure record to an SQS queue (embedded or external) or a function (async); an error text or None."""
    from lambdactl import sources

    try:
        if ":function:" in target:
            from lambdactl.events import destinations, worker

            with plane.store.write() as conn:
                problem = destinations.deliver(conn, plane, target, body.encode())
            worker.ensure_running(plane)
            return problem
        kind = sources.kind_for(target)
        queue = sources.queue(plane, target) if kind is not None and kind.is_queue else None
        if queue is not None:
            queue.send(body)
            from lambdactl.events.pollers.manager import wake

            wake(plane, target)
            return None
    except Exception as exc:  # noqa: BLE001 - boto3, the store, a missing queue: reported, never raised
        return f"destination {target} not reached: {exc}"
    return f"destination {target} not reached: not an existing queue or function"
