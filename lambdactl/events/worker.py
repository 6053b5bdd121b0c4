"""The async worker: runs queued events through the normal Invoke path, retries, and hands results on.

It also runs the event source mappings' pollers (``lambdactl.events.pollers``) and stays
while an enabled mapping's source has records left, and fires due EventBridge rules and
Scheduler schedules (``lambdactl.services.events.timers``), staying while any is enabled.

One worker per state directory, guarded by an flock on ``async-worker.lock``: under
``serve`` it runs in-process (``Worker(plane_factory).start()``); otherwise the first
command that queues work starts one in the background (``python -m lambdactl.server.worker``,
which also serves warm invokes), which exits after an idle while. ``Worker.drain`` (``lambdactl
drain``, ``server/worker.py``) runs the loop itself when no worker holds the lock.

Settings (environment variables):
  LAMBDACTL_ASYNC_CONCURRENCY   events run at once (default: the account's concurrency limit; throttled
                                events are retried, as Lambda does)
  LAMBDACTL_RETRY_DELAY_SCALE   multiplies Lambda's delays: 60 s / 120 s before retries of a function
                                error, 1 s doubling to 300 s after throttles or environment failures
                                (default 1/60, so ~1 s and ~2 s)
  LAMBDACTL_EVENT_AGE_SCALE     multiplies MaximumEventAgeInSeconds when checking an event's age (default 1)
  LAMBDACTL_WORKER_IDLE_S       a background worker exits after this long with nothing pending (default 30)
  LAMBDACTL_AUTO_WORKER         0 = queue only, never start a background worker (default 1)
They are entries of ``lambdactl.settings`` (a value of the wrong kind is a ConfigurationError).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import closing
from typing import Any

from lambdactl import settings as lambdactl_settings
from lambdactl import errors
from lambdactl.plane import ControlPlane
from lambdactl.events import background, destinations, queue
from lambdactl.events.background import WorkerLock
from lambdactl.state import discovery

DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_AGE_S = 21600
RETRY_BASE_S = 60.0
DEFER_BASE_S, DEFER_MAX_S = 1.0, 300.0
POLL_S = 0.05
RETAIN_SUCCEEDED = 1000


def concurrency() -> int:
    return max(1, lambdactl_settings.ASYNC_CONCURRENCY.get())


def delay_scale() -> float:
    return lambdactl_settings.RETRY_DELAY_SCALE.get()


_QUEUED = threading.Event()  # set when this process queued work: an in-process worker (serve) looks at once


def ensure_running(plane: ControlPlane) -> None:
    """Start a background worker for the plane's state directory unless one holds the lock (cheap when it does)."""
    _QUEUED.set()
    background.ensure_running(plane.settings)


class Worker:
    """Processes the queue of one state directory.

    ``plane_factory`` makes a ControlPlane for that directory; each worker thread gets its own
    (SQLite connections are per thread). ``start()`` runs in a daemon thread until ``stop()``;
    it waits for the lock if a background worker holds it.
    """

    def __init__(self, plane_factory: Callable[[], ControlPlane], *, workers: int | None = None,
                 last_activity: Callable[[], float] | None = None) -> None:
        self.plane_factory = plane_factory
        self.workers = workers or concurrency()
        self.last_activity = last_activity  # monotonic time of the last invocation served besides events
        self.heartbeat: Callable[[], None] | None = None  # a background worker's check, about once a second
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._local = threading.local()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve_forever, name="lambdactl-async-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop taking events and wait (up to ``timeout``) for the ones running."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def drain(self, timeout: float | None = None) -> bool:
        """Return True once nothing is pending, processing here whenever no other worker holds the lock."""
        deadline = None if timeout is None else time.monotonic() + timeout
        lock = WorkerLock(self._plane().settings.region_dir)
        timer = threading.Timer(timeout, self._stop.set) if timeout is not None else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            while pending(self._plane()):
                if deadline is not None and time.monotonic() >= deadline:
                    return False
                if lock.try_acquire():
                    try:
                        self.run(idle_s=0)
                    finally:
                        lock.release()
                else:
                    time.sleep(0.1)
            return True
        finally:
            if timer:
                timer.cancel()


    def _serve_forever(self) -> None:
        lock = WorkerLock(self._plane().settings.region_dir)
        while not self._stop.is_set():
            if lock.try_acquire():
                try:
                    self.run(idle_s=None)
                finally:
                    lock.release()
            else:
                self._stop.wait(0.5)

    def run(self, idle_s: float | None) -> None:
        """The loop (lock held): claim due events into the pool and run the mappings' pollers;
        return after ``idle_s`` with nothing pending."""
        from lambdactl.events.pollers.manager import Pollers
        from lambdactl.services.events import timers

        plane = self._plane()
        queue.recover(plane)
        running: set[Future[None]] = set()
        idle_since, renewed, checked, pruned = time.monotonic(), time.monotonic(), time.monotonic(), False
        pollers = Pollers(self.plane_factory)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="lambdactl-async") as pool, closing(pollers):
            while not self._stop.is_set():
                running = {future for future in running if not future.done()}
                claimed = queue.claim(plane, self.owner, self.workers - len(running))
                running |= {pool.submit(self._process, event) for event in claimed}
                now = time.monotonic()
                if now - renewed > queue.LEASE_S / 3:
                    queue.renew(plane, self.owner)
                    renewed = now
                if claimed:
                    continue
                if timers.fire_if_due(plane):
                    continue
                if pollers.sync(plane) or running or queue.pending(plane):
                    idle_since, pruned = now, False
                else:
                    if not pruned:  # once per idle spell: old events go, and the space they held
                        queue.prune(plane, RETAIN_SUCCEEDED)
                        plane.store.reclaim()
                        pruned = True
                    # enabled schedules keep a background worker (not a drain) alive to fire them, while
                    # their state directory exists
                    if (idle_s is not None and now - max(idle_since, self._active_at()) >= idle_s
                            and (idle_s == 0 or not timers.armed(plane)
                                 or not (plane.settings.region_dir / "lambdactl.db").exists())):
                        return
                if idle_s is not None and now - checked > 1:  # a background worker leaves to `serve`
                    checked = now
                    if discovery.find(plane.settings.state_dir):
                        return
                    if self.heartbeat is not None:
                        self.heartbeat()
                if running:
                    wait(running, timeout=POLL_S, return_when=FIRST_COMPLETED)
                elif _QUEUED.wait(POLL_S):
                    _QUEUED.clear()

    def _active_at(self) -> float:
        return self.last_activity() if self.last_activity else 0.0

    def _plane(self) -> ControlPlane:
        plane = getattr(self._local, "plane", None)
        if plane is None:
            plane = self._local.plane = self.plane_factory()
        return plane

    def _process(self, event: queue.Event) -> None:
        try:
            self._attempt(self._plane(), event)
        except Exception as exc:  # noqa: BLE001 - a worker thread must survive anything; the lease is requeued
            print(f"lambdactl async worker: event {event.id}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)

    def _attempt(self, plane: ControlPlane, event: queue.Event) -> None:
        from lambdactl.control.event_invoke_config import settings_for

        settings = settings_for(plane, event.function_name, event.qualifier)
        age_scale = lambdactl_settings.EVENT_AGE_SCALE.get()
        max_age = settings.get("MaximumEventAgeInSeconds", DEFAULT_MAX_AGE_S) * age_scale
        if time.time() - event.created_at > max_age:
            self._give_up(plane, event, settings, "EventAgeExceeded", event.last_response, ran=False,
                          error=f"event age exceeded {settings.get('MaximumEventAgeInSeconds', DEFAULT_MAX_AGE_S)} s")
            return
        params: dict[str, Any] = {"FunctionName": event.function_name, "Payload": event.payload,
                                  "InvocationType": "RequestResponse", "_RequestId": event.request_id}  # fmt: skip
        if event.qualifier:
            params["Qualifier"] = event.qualifier
        from lambdactl.control import logs

        try:
            result = plane.call("Invoke", params)
        except errors.ServiceError as exc:
            if exc.status == 429 or exc.status >= 500:
                self._defer(plane, event, f"{exc.code}: {exc.message}")
            else:
                with plane.store.write() as conn:
                    queue.finish(conn, event, self.owner, "failed", f"{exc.code}: {exc.message}", ran=False)
            return
        except Exception as exc:  # noqa: BLE001 - an environment failure: retried until the event's age runs out
            self._defer(plane, event, f"{type(exc).__name__}: {exc}")
            return
        response = {"statusCode": result["StatusCode"], "executedVersion": result["ExecutedVersion"],
                    "functionError": result.get("FunctionError"),
                    "payload": bytes(result.get("Payload") or b"null").decode(errors="replace")}  # fmt: skip
        if not response["functionError"]:
            def succeeded(conn: Any) -> None:
                if queue.finish(conn, event, self.owner, "succeeded", None, ran=True, response=response):
                    target = _destination(settings, "OnSuccess")
                    if target:
                        self._send(conn, plane, event.id, target, destinations.record(
                                   plane, event, "Success", event.attempts + 1, response))  # fmt: skip

            # Its log and its completion in one commit, with the other events finishing now: the log is
            # readable once the event says it ran, and a kill -9 finds few events run but not recorded.
            logs.write_after(plane, succeeded)
            return
        logs.flush(plane)  # its log is readable once the event says it ran (drain, then logs tail)
        error = _function_error(response)
        if event.attempts + 1 <= settings.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES):
            delay = RETRY_BASE_S * (event.attempts + 1) * delay_scale()
            with plane.store.write() as conn:
                queue.retry_later(conn, event, self.owner, delay, error, ran=True, response=response)
            return
        self._give_up(plane, event, settings, "RetriesExhausted", response, ran=True, error=error)

    def _defer(self, plane: ControlPlane, event: queue.Event, error: str) -> None:
        delay = min(DEFER_BASE_S * 2**event.deferrals, DEFER_MAX_S) * delay_scale()
        with plane.store.write() as conn:
            queue.retry_later(conn, event, self.owner, delay, error, ran=False)

    def _give_up(self, plane: ControlPlane, event: queue.Event, settings: dict[str, Any], condition: str,
                 response: dict[str, Any] | None, *, ran: bool, error: str) -> None:
        """Failed for good: the OnFailure destination gets the record, else the DLQ gets the event."""
        on_failure = _destination(settings, "OnFailure")
        dead_letter = None if on_failure else _dead_letter_arn(plane, event, response)
        with plane.store.write() as conn:
            if not queue.finish(conn, event, self.owner, "failed", error, ran=ran, response=response):
                return
            if on_failure:
                count = event.attempts + int(ran)
                self._send(conn, plane, event.id, on_failure, destinations.record(plane, event, condition, count, response))
            elif dead_letter:
                problem = destinations.dead_letter(conn, plane, dead_letter, event, response, error)
                if problem:
                    queue.note_error(conn, event.id, f"dead-letter {problem}")

    def _send(self, conn: Any, plane: ControlPlane, event_id: int, target: str, record: dict[str, Any]) -> None:
        problem = destinations.deliver(conn, plane, target, json.dumps(record).encode())
        if problem:
            queue.note_error(conn, event_id, problem)


def pending(plane: ControlPlane) -> int:
    """Work left: queued or in-flight async events, enabled mappings whose source is not consumed, and
    events (async destinations) waiting to be published on an EventBridge bus."""
    from lambdactl.events.pollers.manager import pending as mapping_work
    from lambdactl.services.events.timers import unpublished

    return queue.pending(plane) or mapping_work(plane) or unpublished(plane)


def _destination(settings: dict[str, Any], kind: str) -> str | None:
    return ((settings.get("DestinationConfig") or {}).get(kind) or {}).get("Destination") or None


def _dead_letter_arn(plane: ControlPlane, event: queue.Event, response: dict[str, Any] | None) -> str | None:
    from lambdactl.control.aliases import resolve
    from lambdactl.control.records import load_version

    try:
        version = (response or {}).get("executedVersion") or resolve(plane, event.function_name, event.qualifier)
    except errors.ServiceError:
        return None
    config = load_version(plane, event.function_name, version) or {}
    return (config.get("DeadLetterConfig") or {}).get("TargetArn") or None


def _function_error(response: dict[str, Any]) -> str:
    try:
        body = json.loads(response["payload"])
        detail = f"{body.get('errorType', '')}: {body.get('errorMessage', '')}"
    except (ValueError, AttributeError):
        detail = response["payload"]
    return f"{response['functionError']}: {detail}"[:500]
