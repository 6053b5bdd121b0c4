"""Async invocation tests: functions built in tmp_path, the CLI run as real processes where the process matters."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lambdactl.plane import ControlPlane, Settings

HANDLER = '''
import json, os, time

def handler(event, context):
    out = os.environ.get("OUT") or event["out"]
    with open(out, "a") as f:
        f.write(json.dumps({"event": event, "request_id": context.aws_request_id}) + "\\n")
    with open(out) as f:
        runs = sum(1 for _ in f)
    if "OUT" not in os.environ and runs <= event.get("fail_times", 0):  # destinations never fail
        raise Exception("intentional failure")
    return {"runs": runs}
'''


def zip_bytes(source: str = HANDLER) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def wait_until(condition: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll an external effect (a file, the process table) until true, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(0.05)
    return result


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture(autouse=True)
def fast_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry delays of ~60 ms / 120 ms; background workers leave after 1 s idle."""
    monkeypatch.setenv("LAMBDACTL_RETRY_DELAY_SCALE", "0.001")
    monkeypatch.setenv("LAMBDACTL_WORKER_IDLE_S", "1")
    monkeypatch.delenv("LAMBDACTL_STATE_DIR", raising=False)


@pytest.fixture
def plane(state_dir: Path) -> Iterator[ControlPlane]:
    plane = ControlPlane(Settings(state_dir=state_dir))
    yield plane
    plane.close()


@pytest.fixture
def make_function(plane: ControlPlane) -> Callable[..., dict[str, Any]]:
    def make(name: str, **extra: Any) -> dict[str, Any]:
        return plane.call("CreateFunction", {
            "FunctionName": name, "Runtime": "python3.12", "Handler": "app.handler",
            "Code": {"ZipFile": zip_bytes()}, **extra,
        })  # fmt: skip

    return make


@pytest.fixture
def cli(state_dir: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``lambdactl --state-dir <state> ...`` as a real process."""

    def run(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "lambdactl", "--state-dir", str(state_dir), *args],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise AssertionError(f"exit {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    return run


def event_invoke(plane: ControlPlane, name: str, payload: Any, **extra: Any) -> dict[str, Any]:
    return plane.call("Invoke", {"FunctionName": name, "InvocationType": "Event",
                                 "Payload": json.dumps(payload).encode(), **extra})  # fmt: skip
