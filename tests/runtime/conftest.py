"""Real runtimes against a real Environment: code dirs are built in tmp_path, read-only."""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lambdactl.backends.subprocess import SubprocessBackend
from lambdactl.runtime.environment import Environment
from lambdactl.spec import EnvironmentSpec, InvocationRequest

FUNCTIONS = Path(__file__).parents[1] / "fixtures" / "functions"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
MARKER_VAR = "LAMBDACTL_TEST_MARKER"


def marker_pids(marker: str) -> list[int]:
    """Processes (other than us) whose environment carries the test's marker."""
    needle = f"{MARKER_VAR}={marker}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if needle in f.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                pass
    return found


def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> object:
    """Poll an external condition (e.g. the process table) until true, at most ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(0.02)
    return result


def request(payload: bytes = b"{}", **kw: str) -> InvocationRequest:
    return InvocationRequest(payload=payload, request_id=str(uuid.uuid4()), invoked_function_arn=kw.pop("arn", ARN), **kw)


def build_code(tmp_path: Path, fixture: str) -> Path:
    code = tmp_path / "code"
    shutil.copytree(FUNCTIONS / fixture, code)
    for path in (code, *code.rglob("*")):
        path.chmod(path.stat().st_mode & ~0o222)  # the shared task root is read-only
    return code


@pytest.fixture
def marker() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def make_env(tmp_path: Path, marker: str) -> Iterator[Callable[..., Environment]]:
    made: list[Environment] = []

    def make(runtime: str | None, handler: str | None, fixture: str = "python", *, code: Path | None = None,
             timeout: int = 3, memory: int = 128, environment: dict[str, str] | None = None,
             image_config: dict | None = None) -> Environment:
        spec = EnvironmentSpec(
            function_name="fn", function_arn=ARN, version="$LATEST", runtime=runtime, handler=handler,
            code_dir=code or build_code(tmp_path / f"e{len(made)}", fixture), work_dir=tmp_path / f"work{len(made)}",
            memory_mb=memory, timeout_s=timeout, environment={MARKER_VAR: marker, **(environment or {})},
            image_config=image_config,
        )
        env = Environment(spec, SubprocessBackend())
        made.append(env)
        return env

    yield make
    for env in made:
        env.stop()
    assert wait_until(lambda: not marker_pids(marker), 5)


PYTHON_RUNTIMES = ["awslambdaric", "bootstrap"]


@pytest.fixture(params=PYTHON_RUNTIMES)
def python_env(request: pytest.FixtureRequest, make_env: Callable[..., Environment]) -> Callable[..., Environment]:
    """Environments running tests/fixtures/functions/python under each Python runtime client."""
    if request.param == "awslambdaric":  # in the test extra: missing is a failure, not a skip

        def make(handler: str, **kw: object) -> Environment:
            entry = {"EntryPoint": [sys.executable, "-m", "awslambdaric"], "Command": [handler]}
            return make_env(f"python{sys.version_info[0]}.{sys.version_info[1]}", handler, image_config=entry, **kw)
    else:

        def make(handler: str, **kw: object) -> Environment:
            return make_env("python3.12", handler, **kw)
    return make
