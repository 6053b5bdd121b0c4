"""The warm pool's bookkeeping, with fake environments: how many it counts, and whose work dir is whose."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdactl import errors
from tests.runtime.conftest import wait_until
from lambdactl.runtime.pool import MACHINE_CAPACITY, START_ESTIMATE_MB, EnvironmentPool
from lambdactl.spec import EnvironmentSpec, InvocationRequest, InvocationResult

ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"


class FakeEnvironment:
    """Starts by making its TMPDIR (as Environment does); answers with its own work dir."""

    fail_start = False
    gate: threading.Event | None = None  # when set, invocations wait for it

    def __init__(self, spec: EnvironmentSpec) -> None:
        self.spec = spec
        self.alive = False
        self.stopped = False

    def start(self) -> None:
        (self.spec.work_dir / "tmp").mkdir(parents=True)
        if FakeEnvironment.fail_start:
            raise errors.ServiceException("cannot start")
        self.alive = True

    def invoke(self, request: InvocationRequest) -> InvocationResult:
        if FakeEnvironment.gate is not None:
            FakeEnvironment.gate.wait(30)
        return InvocationResult(str(self.spec.work_dir).encode(), None, "", 1.0, 1)

    def stop(self) -> None:
        self.alive = False
        self.stopped = True


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[EnvironmentPool]:
    monkeypatch.setattr(FakeEnvironment, "fail_start", False)
    made = EnvironmentPool(environment_factory=FakeEnvironment, budget_mb=2 * START_ESTIMATE_MB)
    yield made
    made.close()


def spec(tmp_path: Path, name: str = "fn", revision: str = "r1") -> EnvironmentSpec:
    return EnvironmentSpec(function_name=name, function_arn=ARN, version="1", runtime="python3.12", handler="app.h",
                           code_dir=tmp_path / "code", work_dir=tmp_path / "run" / uuid.uuid4().hex,
                           revision_id=revision)


def run(pool: EnvironmentPool, spec: EnvironmentSpec, reserved: int | None = None,
        unreserved: int | None = None) -> Path:
    """Invoke once; the work dir of the environment that answered."""
    request = InvocationRequest(payload=b"{}", request_id=str(uuid.uuid4()), invoked_function_arn=ARN)
    return Path(pool.run(spec, request, reserved, unreserved).payload.decode())


def environments(pool: EnvironmentPool) -> list[FakeEnvironment]:
    return [slot.environment for slots in pool._idle.values() for slot in slots]  # type: ignore[misc]


def test_provisioned_environments_count_against_the_memory_budget(pool, tmp_path, monkeypatch):
    monkeypatch.setenv("LAMBDACTL_CAPACITY_WAIT_S", "0")
    assert pool.provision(spec(tmp_path), 2) == 2
    assert pool.stats()["charged_mb"] == 2 * START_ESTIMATE_MB
    with pytest.raises(errors.ServiceError) as caught:  # provisioned ones are never evicted
        run(pool, spec(tmp_path, "other"))
    assert caught.value.code == "TooManyRequestsException"
    assert caught.value.extra["Reason"] == MACHINE_CAPACITY
    run(pool, spec(tmp_path))  # served warm by a provisioned one
    assert pool.provision(spec(tmp_path), 2) == 2  # already there: nothing new started
    assert pool.stats() == {"idle": 2, "busy": 0, "charged_mb": START_ESTIMATE_MB + 1}  # one measured: 1 MB


def test_retired_provisioned_environments_are_uncharged_once(pool, tmp_path):
    pool.provision(spec(tmp_path), 2)
    provisioned = environments(pool)
    run(pool, spec(tmp_path, revision="r2"))  # a new revision retires both and starts one
    assert pool.stats()["charged_mb"] == 1  # measured at 1 MB
    assert all(env.stopped and not env.spec.work_dir.exists() for env in provisioned)
    run(pool, spec(tmp_path, "other"))  # so there is room for another function again
    assert pool.stats() == {"idle": 2, "busy": 0, "charged_mb": 2}  # both measured at 1 MB


def test_a_failed_start_while_provisioning_keeps_the_started_ones_counted(pool, tmp_path, monkeypatch):
    assert pool.provision(spec(tmp_path), 1) == 1
    monkeypatch.setattr(FakeEnvironment, "fail_start", True)
    with pytest.raises(errors.ServiceError):
        pool.provision(spec(tmp_path), 2)
    assert pool.stats()["charged_mb"] == START_ESTIMATE_MB
    assert [path.name for path in (tmp_path / "run").iterdir()] == [environments(pool)[0].spec.work_dir.name]


def test_each_provisioned_environment_has_its_own_work_dir(tmp_path):
    pool = EnvironmentPool(environment_factory=FakeEnvironment)
    try:
        shared = spec(tmp_path)
        assert pool.provision(shared, 3) == 3
        work_dirs = {env.spec.work_dir for env in environments(pool)}
        assert len(work_dirs) == 3 and {path.parent for path in work_dirs} == {shared.work_dir.parent}
        assert all((path / "tmp").is_dir() for path in work_dirs)
        newest = environments(pool)[-1]
        newest.alive = False  # crashed: the next invoke drops it (and its work dir) and takes another
        answered = run(pool, shared)
        assert answered in work_dirs and answered != newest.spec.work_dir
        assert not newest.spec.work_dir.exists()
        assert all(path.is_dir() for path in work_dirs - {newest.spec.work_dir})
    finally:
        pool.close()
    assert not any((tmp_path / "run").iterdir())


def test_on_demand_environments_get_their_own_work_dir_too(pool, tmp_path):
    shared = spec(tmp_path)
    first = run(pool, shared)
    busy = pool._acquire(dataclasses.replace(shared))  # the warm one, busy
    second = pool._acquire(shared)  # so a second starts, from the same spec
    assert busy.environment.spec.work_dir == first != second.environment.spec.work_dir
    assert first.is_dir() and second.environment.spec.work_dir.is_dir()


def test_idle_environments_are_evicted_least_recently_used_first(pool, tmp_path):
    first = run(pool, spec(tmp_path, "a"))
    second = run(pool, spec(tmp_path, "b"))  # measured at 1 MB each
    pool.budget_mb = 1 + START_ESTIMATE_MB  # room for one of them and a new one
    run(pool, spec(tmp_path, "a"))  # "a" is now the most recently used
    third = run(pool, spec(tmp_path, "c"))  # no room for a third: "b", the least recently used, goes
    assert not second.exists() and first.is_dir() and third.is_dir()
    assert {env.spec.function_name for env in environments(pool)} == {"a", "c"}


def test_no_count_bounds_concurrency_below_the_account_limit(tmp_path):
    pool = EnvironmentPool(account_limit=5, environment_factory=FakeEnvironment, budget_mb=10_000)
    try:
        held = [pool._acquire(spec(tmp_path, f"fn{i}")) for i in range(50)]
        assert pool.stats()["busy"] == 50
        for slot in held:
            pool._finish(slot.environment.spec, None, slot, None)
    finally:
        pool.close()


def test_reserved_and_unreserved_concurrency_are_counted_apart(tmp_path):
    pool = EnvironmentPool(account_limit=3, environment_factory=FakeEnvironment)
    gate = threading.Event()
    try:
        FakeEnvironment.gate = gate
        futures = []
        with ThreadPoolExecutor(4) as threads:
            futures = [threads.submit(run, pool, spec(tmp_path, "burst"), None, 2) for _ in range(2)]
            wait_until(lambda: pool.stats()["busy"] == 2)
            with pytest.raises(errors.ServiceError) as caught:  # the unreserved two are in use
                run(pool, spec(tmp_path, "burst"), None, 2)
            assert caught.value.extra["Reason"] == "ConcurrentInvocationLimitExceeded"
            reserved = threads.submit(run, pool, spec(tmp_path, "kept"), 1, 2)  # its reservation is its own
            wait_until(lambda: pool.stats()["busy"] == 3)
            with pytest.raises(errors.ServiceError) as caught:
                run(pool, spec(tmp_path, "kept"), 1, 2)
            assert caught.value.extra["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
            gate.set()
            assert reserved.result() and all(f.result() for f in futures)
    finally:
        FakeEnvironment.gate = None
        pool.close()


def test_a_request_waits_for_memory_then_is_throttled_for_the_machine(tmp_path, monkeypatch):
    pool = EnvironmentPool(environment_factory=FakeEnvironment, budget_mb=1)
    gate = threading.Event()
    try:
        FakeEnvironment.gate = gate
        with ThreadPoolExecutor(2) as threads:
            busy = threads.submit(run, pool, spec(tmp_path, "a"))
            wait_until(lambda: pool.stats()["busy"] == 1)
            monkeypatch.setenv("LAMBDACTL_CAPACITY_WAIT_S", "60")
            waiting = threads.submit(run, pool, spec(tmp_path, "b"))  # waits: "a" fills the budget
            wait_until(lambda: len(pool._waiting) == 1)
            gate.set()  # "a" finishes: its idle environment is evicted for "b"
            assert waiting.result() != busy.result()
            assert [env.spec.function_name for env in environments(pool)] == ["b"]
        gate.clear()
        monkeypatch.setenv("LAMBDACTL_CAPACITY_WAIT_S", "0.05")
        with ThreadPoolExecutor(1) as threads:
            threads.submit(run, pool, spec(tmp_path, "b"))
            wait_until(lambda: pool.stats()["busy"] == 1)
            with pytest.raises(errors.ServiceError) as caught:
                run(pool, spec(tmp_path, "c"))
            gate.set()
        assert caught.value.code == "TooManyRequestsException"
        assert caught.value.extra["Reason"] == MACHINE_CAPACITY
        assert "this machine's memory budget" in caught.value.message
    finally:
        FakeEnvironment.gate = None
        pool.close()


def test_retire_stops_a_functions_idle_environments_now_and_its_busy_ones_when_they_finish(tmp_path, monkeypatch):
    pool = EnvironmentPool(environment_factory=FakeEnvironment, budget_mb=4 * START_ESTIMATE_MB)
    run(pool, spec(tmp_path, name="other"))
    idle = environments(pool)
    gate = threading.Event()
    monkeypatch.setattr(FakeEnvironment, "gate", gate)
    with ThreadPoolExecutor(2) as workers:
        busy = workers.submit(run, pool, spec(tmp_path))
        wait_until(lambda: pool.stats()["busy"] == 1)
        monkeypatch.setattr(FakeEnvironment, "gate", None)
        run(pool, spec(tmp_path))  # a second environment of fn, idle after this
        fn_idle = [env for env in environments(pool) if env.spec.function_name == "fn"]
        assert pool.retire("fn") == 2  # the idle one and the busy one
        assert fn_idle[0].stopped and not idle[0].stopped
        gate.set()
        busy.result()
    assert [env.spec.function_name for env in environments(pool)] == ["other"]
    assert pool.stats() == {"idle": 1, "busy": 0, "charged_mb": 1}
    pool.close()
