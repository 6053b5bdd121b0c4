"""Warm execution environments, shared by every invocation of a long-running process.

An invocation takes an idle environment of its function version (the most recently
used one, so the warmest) or starts one; one environment serves one invocation at a
time. Concurrency is counted here, per function and in total, so throttling answers
like Lambda's. Environments of an older revision are retired when a newer one is
seen; crashed or timed-out ones are dropped; idle ones are reaped after a while.

Settings: ``LAMBDACTL_IDLE_TIMEOUT_S`` (default 300) and ``LAMBDACTL_MAX_ENVIRONMENTS``
(the machine's bound on concurrent environments, default 8 per CPU, never above the
account's ConcurrentExecutions).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable

from lambdactl import errors
from lambdactl.runtime.spec import EnvironmentSpec, InvocationRequest, InvocationResult, LazySpec

Key = tuple[str, str]  # (function name, version)


def idle_timeout_s() -> float:
    return float(os.environ.get("LAMBDACTL_IDLE_TIMEOUT_S", "300"))


def machine_limit() -> int:
    return int(os.environ.get("LAMBDACTL_MAX_ENVIRONMENTS", str(8 * (os.cpu_count() or 1))))


class _Slot:
    """An environment and when it last finished an invocation."""

    def __init__(self, environment: object, revision: str, provisioned: bool = False) -> None:
        self.environment = environment
        self.revision = revision
        self.provisioned = provisioned
        self.idle_since = time.monotonic()


class EnvironmentPool:
    def __init__(
        self,
        account_limit: int = 1000,
        extra_env: dict[str, str] | None = None,
        environment_factory: Callable[[EnvironmentSpec], object] | None = None,
    ) -> None:
        self.limit = max(1, min(account_limit, machine_limit()))
        self.extra_env = extra_env or {}
        self._factory = environment_factory or _default_factory
        self._lock = threading.Lock()
        self._idle: dict[Key, list[_Slot]] = defaultdict(list)
        self._busy: dict[str, int] = defaultdict(int)  # per function name
        self._busy_slots: set[_Slot] = set()
        self._total = 0  # environments in use or starting
        self._closed = False
        self._reaper = threading.Thread(target=self._reap_forever, name="lambdactl-reaper", daemon=True)
        self._reaper.start()

    # -- the provider interface used by the control plane -----------------------
    def run(
        self, spec: EnvironmentSpec | LazySpec, request: InvocationRequest, reserved: int | None = None
    ) -> InvocationResult:
        slot = self._acquire(spec, reserved)
        result: InvocationResult | None = None
        try:
            result = slot.environment.invoke(request)  # type: ignore[attr-defined]
            return result
        finally:
            self._release(spec, slot, reusable=result is not None and result.reusable)

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
            self._total += wanted
        started = []
        try:
            for _ in range(wanted):
                started.append(self._start(spec))
        finally:
            with self._lock:
                self._total -= wanted - len(started)  # the started ones stay counted, as idle environments
                for environment in started:
                    self._idle[key].append(_Slot(environment, _revision(spec), provisioned=True))
        return have + len(started)

    def close(self) -> None:
        """Stop every environment, idle or busy (serve's shutdown)."""
        with self._lock:
            self._closed = True
            slots = [slot for slots in self._idle.values() for slot in slots] + list(self._busy_slots)
            self._idle.clear()
        for slot in slots:
            _stop(slot)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"idle": sum(len(s) for s in self._idle.values()), "busy": len(self._busy_slots)}

    # -- internals ---------------------------------------------------------------
    def _with_platform_env(self, spec: EnvironmentSpec) -> EnvironmentSpec:
        if not self.extra_env:
            return spec
        return dataclasses.replace(spec, extra_env={**self.extra_env, **spec.extra_env})

    def _acquire(self, spec: EnvironmentSpec | LazySpec, reserved: int | None) -> _Slot:
        key, revision = (spec.function_name, spec.version), _revision(spec)
        retired: list[_Slot] = []
        with self._lock:
            if self._closed:
                raise errors.ServiceException("The server is shutting down.")
            if reserved is not None and self._busy[spec.function_name] >= reserved:
                raise errors.throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
            idle = self._idle[key]
            retired = [slot for slot in idle if slot.revision != revision]
            idle[:] = [slot for slot in idle if slot.revision == revision]
            slot = None
            while idle:
                candidate = idle.pop()
                if candidate.environment.alive:  # type: ignore[attr-defined]
                    slot = candidate
                    break
                retired.append(candidate)
            self._total -= len(retired)  # before the limit check: they are on their way out
            if slot is None:
                if self._total >= self.limit:
                    raise errors.throttled("ConcurrentInvocationLimitExceeded")
                self._total += 1
            self._busy[spec.function_name] += 1
        for old in retired:
            _stop(old)
        if slot is not None:
            with self._lock:
                self._busy_slots.add(slot)
            return slot
        try:
            slot = _Slot(self._start(spec), revision)
        except BaseException:
            with self._lock:
                self._total -= 1
                self._busy[spec.function_name] -= 1
            raise
        with self._lock:
            self._busy_slots.add(slot)
        return slot

    def _release(self, spec: EnvironmentSpec | LazySpec, slot: _Slot, reusable: bool) -> None:
        keep = reusable and slot.environment.alive  # type: ignore[attr-defined]
        with self._lock:
            self._busy[spec.function_name] -= 1
            self._busy_slots.discard(slot)
            if keep and not self._closed:
                slot.idle_since = time.monotonic()
                self._idle[(spec.function_name, spec.version)].append(slot)
                return
        self._forget(slot)

    def _forget(self, slot: _Slot) -> None:
        with self._lock:
            self._total -= 1
        _stop(slot)

    def _start(self, spec: EnvironmentSpec | LazySpec) -> object:
        """A started environment with a work dir of its own (a sibling of the spec's): callers may
        pass one spec for many environments (provisioning does), and ``_stop`` removes that dir."""
        spec = self._with_platform_env(spec.resolve())
        spec = dataclasses.replace(spec, work_dir=spec.work_dir.parent / uuid.uuid4().hex)
        environment = self._factory(spec)
        try:
            environment.start()  # type: ignore[attr-defined]
        except BaseException:
            environment.stop()  # type: ignore[attr-defined]
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
            for slot in stale:
                self._forget(slot)


def _revision(spec: EnvironmentSpec | LazySpec) -> str:
    """What makes an environment stale: any change to the code or configuration it was started with
    (the stored RevisionId says so; a bare spec is compared whole)."""
    if spec.revision_id:
        return spec.revision_id
    spec = spec.resolve()
    return repr(dataclasses.replace(spec, work_dir=spec.work_dir.parent, initialization_type="on-demand"))


def _default_factory(spec: EnvironmentSpec) -> object:
    from lambdactl.runtime.environment import Environment

    return Environment(spec)


def _stop(slot: _Slot) -> None:
    slot.environment.stop()  # type: ignore[attr-defined]
    shutil.rmtree(slot.environment.spec.work_dir, ignore_errors=True)  # type: ignore[attr-defined]
