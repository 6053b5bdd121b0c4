"""The warm pool's bookkeeping, with fake environments: how many it counts, and whose work dir is whose."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdactl import errors
from lambdactl.runtime.pool import EnvironmentPool
from lambdactl.runtime.spec import EnvironmentSpec, InvocationRequest, InvocationResult

ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"


class FakeEnvironment:
    """Starts by making its TMPDIR (as Environment does); answers with its own work dir."""

    fail_start = False

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
        return InvocationResult(str(self.spec.work_dir).encode(), None, "", 1.0, 1)

    def stop(self) -> None:
        self.alive = False
        self.stopped = True


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[EnvironmentPool]:
    monkeypatch.setenv("LAMBDACTL_MAX_ENVIRONMENTS", "2")
    monkeypatch.setattr(FakeEnvironment, "fail_start", False)
    made = EnvironmentPool(environment_factory=FakeEnvironment)
    yield made
    made.close()


def spec(tmp_path: Path, name: str = "fn", revision: str = "r1") -> EnvironmentSpec:
    return EnvironmentSpec(function_name=name, function_arn=ARN, version="1", runtime="python3.12", handler="app.h",
                           code_dir=tmp_path / "code", work_dir=tmp_path / "run" / uuid.uuid4().hex,
                           revision_id=revision)


def run(pool: EnvironmentPool, spec: EnvironmentSpec) -> Path:
    """Invoke once; the work dir of the environment that answered."""
    request = InvocationRequest(payload=b"{}", request_id=str(uuid.uuid4()), invoked_function_arn=ARN)
    return Path(pool.run(spec, request).payload.decode())


def environments(pool: EnvironmentPool) -> list[FakeEnvironment]:
    return [slot.environment for slots in pool._idle.values() for slot in slots]  # type: ignore[misc]


def test_provisioned_environments_count_against_the_machine_limit(pool, tmp_path):
    assert pool.provision(spec(tmp_path), 2) == 2
    assert pool._total == 2
    with pytest.raises(errors.ServiceError) as caught:  # the machine's two environments are taken
        run(pool, spec(tmp_path, "other"))
    assert caught.value.code == "TooManyRequestsException"
    run(pool, spec(tmp_path))  # served warm by a provisioned one
    assert pool._total == 2
    assert pool.provision(spec(tmp_path), 2) == 2  # already there: nothing new started
    assert pool._total == 2


def test_retired_provisioned_environments_are_uncounted_once(pool, tmp_path):
    pool.provision(spec(tmp_path), 2)
    provisioned = environments(pool)
    run(pool, spec(tmp_path, revision="r2"))  # a new revision retires both and starts one
    assert pool._total == 1
    assert all(env.stopped and not env.spec.work_dir.exists() for env in provisioned)
    run(pool, spec(tmp_path, "other"))  # so there is room for another function again
    assert pool._total == 2
    assert pool.stats() == {"idle": 2, "busy": 0}


def test_a_failed_start_while_provisioning_keeps_the_started_ones_counted(pool, tmp_path, monkeypatch):
    assert pool.provision(spec(tmp_path), 1) == 1
    monkeypatch.setattr(FakeEnvironment, "fail_start", True)
    with pytest.raises(errors.ServiceError):
        pool.provision(spec(tmp_path), 2)
    assert pool._total == 1
    assert [path.name for path in (tmp_path / "run").iterdir()] == [environments(pool)[0].spec.work_dir.name]


def test_each_provisioned_environment_has_its_own_work_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMBDACTL_MAX_ENVIRONMENTS", "4")
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
    busy = pool._acquire(dataclasses.replace(shared), None)  # the warm one, busy
    second = pool._acquire(shared, None)  # so a second starts, from the same spec
    assert busy.environment.spec.work_dir == first != second.environment.spec.work_dir
    assert first.is_dir() and second.environment.spec.work_dir.is_dir()
