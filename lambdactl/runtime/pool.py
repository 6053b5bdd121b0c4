"""Warm execution environments, shared by every invocation of a long-running process.

An invocation takes an idle environment of its function version (the most recently
used one, so the warmest) or starts one; one environment serves one invocation at a
time. Environments of an older revision are retired when a newer one is seen; crashed
or timed-out ones are dropped; idle ones are reaped after ``LAMBDACTL_IDLE_TIMEOUT_S``.

Two different limits, as on Lambda plus a machine:

* **Concurrency, as Lambda counts it**: invocations running at once (idle environments
  don't count). A function with reserved concurrency runs at most that many; the others
  share the account's unreserved concurrency (``ConcurrentExecutions`` minus all
  reservations). Past those: 429 with Lambda's own reasons, at once. Reserved concurrency is
  also counted across processes (``runtime/slots.py``).
* **The machine's memory**: every live environment, idle or busy, is charged its Max Memory
  Used (REPORT's figure; a function not measured yet is charged ``START_ESTIMATE_MB``), and
  their sum stays within ``LAMBDACTL_MEMORY_BUDGET_MB`` (default 75% of the machine's
  memory). Idle environments are a cache: when a new one does not fit, the least recently
  used idle ones (of any function; provisioned ones excepted) are stopped first. If it
  still does not fit, the request waits (first come, first served) up to
  ``LAMBDACTL_CAPACITY_WAIT_S`` (default 10) for memory to be freed, then gets 429 with
  Reason ``LocalMachineCapacityExceeded``: this machine is full, not the account.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from lambdactl import errors, settings
from lambdactl.spec import EnvironmentSpec, ExecutionEnvironment, InvocationRequest, InvocationResult, LazySpec
from lambdactl.state import leftovers

if TYPE_CHECKING:
    from lambdactl.runtime.slots import ReservedSlots

Key = tuple[str, str]  # (function name, version)
START_ESTIMATE_MB = 16  # what a not yet measured environment is charged (a Python runtime's RSS is ~11 MB)
MACHINE_CAPACITY = "LocalMachineCapacityExceeded"


def idle_timeout_s() -> float:
    return settings.IDLE_TIMEOUT_S.get()


def memory_budget_mb() -> int:
    """``LAMBDACTL_MEMORY_BUDGET_MB``, else 75% of the machine's memory."""
    configured = settings.MEMORY_BUDGET_MB.get()
    if configured > 0:
        return configured
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 3 // 4) >> 20


def capacity_wait_s() -> float:
    return settings.CAPACITY_WAIT_S.get()


class _Slot:
    """An environment, what memory it is charged, and when it last finished an invocation."""

    def __init__(self, environment: ExecutionEnvironment, revision: str, charge_mb: int, provisioned: bool = False) -> None:
        self.environment = environment
        self.revision = revision
        self.charge_mb = charge_mb
        self.provisioned = provisioned
        self.idle_since = time.monotonic()


class EnvironmentPool:
    def __init__(
        self,
        account_limit: int = 1000,
        extra_env: dict[str, str] | None = None,
        environment_factory: Callable[[EnvironmentSpec], ExecutionEnvironment] | None = None,
        budget_mb: int | None = None,
        slots: ReservedSlots | None = None,
    ) -> None:
        self.account_limit = account_limit
        self.slots = slots  # reserved concurrency shared with other processes on the state directory
        self.on_close: list[Callable[[], None]] = []  # run once the environments are stopped
        self.budget_mb = budget_mb or memory_budget_mb()
        self.extra_env = extra_env or {}
        self.endpoints: Callable[[], dict[str, str]] | None = None  # the embedded services' endpoint variables
        self.debug_port: int | None = None  # ``serve --debug-port``: environments wait for a debugger there
        self._factory = environment_factory or _default_factory
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)  # memory was released
        self._idle: dict[Key, list[_Slot]] = defaultdict(list)  # oldest first
        self._running: dict[str, int] = defaultdict(int)  # invocations per function name
        self._unreserved_running = 0  # invocations of functions without reserved concurrency
        self._busy_slots: set[_Slot] = set()
        self._retiring: set[_Slot] = set()  # busy slots to stop when their invocation ends (``retire``)
        self._charged_mb = 0  # memory charged to live and starting environments
        self._measured: dict[str, int] = {}  # function name -> its last Max Memory Used
        self._waiting: deque[int] = deque()  # tickets of requests waiting for memory, in arrival order
        self._tickets = itertools.count()
        self._closed = False
        self._last_finish = time.monotonic()
        _raise_open_files_limit()
        self._reaper = threading.Thread(target=self._reap_forever, name="lambdactl-reaper", daemon=True)
        self._reaper.start()

    # -- the provider interface used by the control plane -----------------------
    def run(
        self,
        spec: EnvironmentSpec | LazySpec,
        request: InvocationRequest,
        reserved: int | None = None,
        unreserved: int | None = None,
    ) -> InvocationResult:
        """Invoke in a warm or new environment. ``reserved``: the function's reserved concurrency;
        ``unreserved``: the account's unreserved concurrency (default: the whole account limit)."""
        lease = self._admit(spec.function_name, reserved, unreserved)
        slot: _Slot | None = None
        result: InvocationResult | None = None
        try:
            slot = self._acquire(spec)
            result = slot.environment.invoke(request)
            return result
        finally:
            self._finish(spec, reserved, slot, result)
            if lease is not None:
                self.slots.release(spec.function_name, lease)  # type: ignore[union-attr]

    def provision(self, spec: EnvironmentSpec, count: int) -> int:
        """Keep ``count`` initialized environments of this version ready; returns how many are ready.

        A lower count hands the extra ones back to idle reaping (0 releases them all)."""
        spec = dataclasses.replace(spec, initialization_type="provisioned-concurrency")
        key = (spec.function_name, spec.version)
        with self._lock:
            mine = [slot for slot in self._idle[key] if slot.provisioned]
            for slot in mine[count:]:
                slot.provisioned = False
            have = min(len(mine), count)
            wanted = max(0, count - have)
            charge = self._estimate(spec.function_name)
            self._charged_mb += wanted * charge
        started = []
        try:
            for _ in range(wanted):
                started.append(self._start(spec))
        finally:
            with self._lock:
                self._charged_mb -= (wanted - len(started)) * charge
                for environment in started:
                    self._idle[key].append(_Slot(environment, _revision(spec), charge, provisioned=True))
                self._freed.notify_all()
        return have + len(started)

    def prewarm(self, spec: EnvironmentSpec | LazySpec) -> None:
        """Start one environment of this version into the idle cache, as if an invocation had just
        used it: the cold start it stands for was reported elsewhere (the CLI invoke that asked for it)."""
        slot = self._acquire(spec)
        slot.environment.count_as_used()
        with self._lock:
            self._busy_slots.discard(slot)
            slot.idle_since = time.monotonic()
            self._idle[(spec.function_name, spec.version)].append(slot)
            self._freed.notify_all()

    def retire(self, function_name: str) -> int:
        """Stop the function's idle on-demand environments now and its busy ones when their invocation
        ends (its code or configuration changed); returns how many. Provisioned ones stay: they run a
        published version, which never changes."""
        with self._lock:
            stale = []
            for (name, _), slots in self._idle.items():
                if name == function_name:
                    stale += [slot for slot in slots if not slot.provisioned]
                    slots[:] = [slot for slot in slots if slot.provisioned]
            self._uncharge(stale)
            busy = {slot for slot in self._busy_slots
                    if slot.environment.spec.function_name == function_name and not slot.provisioned}
            self._retiring |= busy
        _stop_all(stale)
        return len(stale) + len(busy)

    def last_activity(self) -> float:
        """``time.monotonic()`` of the last invocation's end, or now while any runs."""
        with self._lock:
            return time.monotonic() if self._busy_slots or any(self._running.values()) else self._last_finish

    def close(self) -> None:
        """Stop every environment, idle or busy (serve's shutdown)."""
        with self._lock:
            self._closed = True
            slots = [slot for slots in self._idle.values() for slot in slots] + list(self._busy_slots)
            self._idle.clear()
            self._freed.notify_all()
        for slot in slots:
            _stop(slot)
        if self.slots is not None:
            self.slots.close()
        for callback in self.on_close:
            callback()

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"idle": sum(len(s) for s in self._idle.values()), "busy": len(self._busy_slots),
                    "charged_mb": self._charged_mb}  # fmt: skip

    # -- concurrency -------------------------------------------------------------
    def _admit(self, name: str, reserved: int | None, unreserved: int | None) -> int | None:
        """Count one running invocation, or throttle as Lambda would; the reserved slot taken, if any."""
        lease = None
        with self._lock:
            if self._closed:
                raise errors.ServiceException("The server is shutting down.")
            if reserved is not None:
                if self._running[name] >= reserved:
                    raise errors.throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
                if self.slots is not None and (lease := self.slots.take(name, reserved)) is None:
                    raise errors.throttled("ReservedFunctionConcurrentInvocationLimitExceeded")  # another process
            else:
                if self._unreserved_running >= (self.account_limit if unreserved is None else unreserved):
                    raise errors.throttled("ConcurrentInvocationLimitExceeded")
                self._unreserved_running += 1
            self._running[name] += 1
        return lease

    def _finish(self, spec: EnvironmentSpec | LazySpec, reserved: int | None, slot: _Slot | None,
                result: InvocationResult | None) -> None:
        name = spec.function_name
        retire = slot is not None and not (result is not None and result.reusable and slot.environment.alive)
        with self._lock:
            self._last_finish = time.monotonic()
            self._running[name] -= 1
            if reserved is None:
                self._unreserved_running -= 1
            if slot is None:
                return
            self._busy_slots.discard(slot)
            if slot in self._retiring:
                self._retiring.discard(slot)
                retire = True
            if result is not None and result.max_memory_used_mb:
                self._measured[name] = result.max_memory_used_mb
                self._charged_mb += result.max_memory_used_mb - slot.charge_mb
                slot.charge_mb = result.max_memory_used_mb
            if not retire and not self._closed:
                slot.idle_since = time.monotonic()
                self._idle[(name, spec.version)].append(slot)
                self._freed.notify_all()  # an idle environment can be evicted for a waiter
                return
        self._forget(slot)

    # -- environments ------------------------------------------------------------
    def _acquire(self, spec: EnvironmentSpec | LazySpec) -> _Slot:
        key, revision = (spec.function_name, spec.version), _revision(spec)
        with self._lock:
            idle = self._idle[key]
            retired = [slot for slot in idle if slot.revision != revision]
            idle[:] = [slot for slot in idle if slot.revision == revision]
            slot = None
            while idle:
                candidate = idle.pop()
                if candidate.environment.alive:
                    slot = candidate
                    break
                retired.append(candidate)
            self._uncharge(retired)
            refused: BaseException | None = None
            if slot is not None:
                self._busy_slots.add(slot)
            else:
                charge = self._estimate(spec.function_name)
                try:
                    retired += self._reserve_memory(charge)
                except BaseException as exc:  # noqa: BLE001 - raised once the retired ones are stopped
                    refused = exc
        _stop_all(retired)
        if refused is not None:
            raise refused
        if slot is not None:
            return slot
        try:
            slot = _Slot(self._start(spec), revision, charge)
        except BaseException:
            with self._lock:
                self._charged_mb -= charge
                self._freed.notify_all()
            raise
        with self._lock:
            self._busy_slots.add(slot)
        return slot

    def _estimate(self, name: str) -> int:
        return self._measured.get(name, START_ESTIMATE_MB)

    def _reserve_memory(self, charge: int) -> list[_Slot]:
        """(Lock held.) Charge ``charge`` MB, evicting least recently used idle environments and
        waiting in line as needed; returns the evicted ones (to stop outside the lock)."""
        ticket = next(self._tickets)
        self._waiting.append(ticket)
        deadline = time.monotonic() + capacity_wait_s()
        try:
            while True:
                if self._closed:
                    raise errors.ServiceException("The server is shutting down.")
                if self._waiting[0] == ticket:
                    evicted = self._evict_for(charge)
                    if evicted is not None:
                        self._charged_mb += charge
                        return evicted
                left = deadline - time.monotonic()
                if left <= 0:
                    raise errors.TooManyRequestsException(
                        f"Rate Exceeded: this machine's memory budget for execution environments ({self.budget_mb} MB, "
                        "LAMBDACTL_MEMORY_BUDGET_MB) is in use.", Reason=MACHINE_CAPACITY, retryAfterSeconds=1)
                self._freed.wait(left)
        finally:
            self._waiting.remove(ticket)
            self._freed.notify_all()  # the next in line may go now

    def _fits(self, charge: int) -> bool:
        return self._charged_mb == 0 or self._charged_mb + charge <= self.budget_mb

    def _evict_for(self, charge: int) -> list[_Slot] | None:
        """(Lock held.) The least recently used idle, unprovisioned environments whose memory makes
        room for ``charge``, taken off the idle lists and uncharged; None (nothing taken) if even
        all of them would not make room."""
        if self._fits(charge):
            return []
        idle = sorted(((slot, slots) for slots in self._idle.values() for slot in slots if not slot.provisioned),
                      key=lambda pair: pair[0].idle_since)  # fmt: skip
        left = self._charged_mb - sum(slot.charge_mb for slot, _ in idle)
        if left != 0 and left + charge > self.budget_mb:
            return None
        evicted = []
        for slot, slots in idle:
            if self._fits(charge):
                break
            slots.remove(slot)
            self._charged_mb -= slot.charge_mb
            slot.charge_mb = 0
            evicted.append(slot)
        return evicted

    def _uncharge(self, slots: list[_Slot]) -> None:
        """(Lock held.)"""
        for slot in slots:
            self._charged_mb -= slot.charge_mb
            slot.charge_mb = 0
        if slots:
            self._freed.notify_all()

    def _forget(self, slot: _Slot) -> None:
        with self._lock:
            self._uncharge([slot])
        _stop(slot)

    def _with_platform_env(self, spec: EnvironmentSpec) -> EnvironmentSpec:
        if self.endpoints is not None and not spec.endpoints:
            spec = dataclasses.replace(spec, endpoints=self.endpoints())
        if self.debug_port:
            spec = dataclasses.replace(spec, debug_port=self.debug_port)
        if not self.extra_env:
            return spec
        return dataclasses.replace(spec, extra_env={**self.extra_env, **spec.extra_env})

    def _start(self, spec: EnvironmentSpec | LazySpec) -> ExecutionEnvironment:
        """A started environment with a work dir of its own (a sibling of the spec's): callers may
        pass one spec for many environments (provisioning does), and ``_stop`` removes that dir."""
        spec = self._with_platform_env(spec.resolve())
        spec = dataclasses.replace(spec, work_dir=spec.work_dir.parent / f"{leftovers.owner_tag()}-{uuid.uuid4().hex}")
        environment = self._factory(spec)
        try:
            environment.start()
        except BaseException:
            environment.stop()
            shutil.rmtree(spec.work_dir, ignore_errors=True)
            raise
        return environment

    def _reap_forever(self) -> None:
        while not self._closed:
            time.sleep(min(5.0, max(0.05, idle_timeout_s() / 4)))
            deadline = time.monotonic() - idle_timeout_s()
            with self._lock:
                stale = []
                for slots in self._idle.values():
                    keep = [s for s in slots if s.provisioned or s.idle_since > deadline]
                    stale += [s for s in slots if s not in keep]
                    slots[:] = keep
                self._uncharge(stale)
            _stop_all(stale)


def _raise_open_files_limit() -> None:
    """Each environment holds a few descriptors (Runtime API socket and connection, output and
    watchdog pipes): lift the soft limit to the hard one, as a server would at start-up."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass


def _revision(spec: EnvironmentSpec | LazySpec) -> str:
    """What makes an environment stale: any change to the code or configuration it was started with
    (the stored RevisionId says so; a bare spec is compared whole)."""
    if spec.revision_id:
        return spec.revision_id
    spec = spec.resolve()
    return repr(dataclasses.replace(spec, work_dir=spec.work_dir.parent, initialization_type="on-demand"))


def _default_factory(spec: EnvironmentSpec) -> ExecutionEnvironment:
    from lambdactl.runtime.environment import Environment

    return Environment(spec)


def _stop(slot: _Slot) -> None:
    slot.environment.stop()
    shutil.rmtree(slot.environment.spec.work_dir, ignore_errors=True)


def _stop_all(slots: list[_Slot]) -> None:
    for slot in slots:
        _stop(slot)
