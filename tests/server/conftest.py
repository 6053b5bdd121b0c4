"""A real `lambdactl serve` process per module, real boto3 and aws CLI clients."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.config import Config

PYTHON = sys.executable
LISTENING = re.compile(r"lambdactl serve: listening on (http://\S+)")
ROLE = "arn:aws:iam::123456789012:role/lambda-role"
HANDLER_SOURCE = '''
import os

def handler(event, context):
    if event.get("fail"):
        raise ValueError("boom")
    print("hello from", context.function_name)
    return {"echo": event, "ancestors": ancestors()}

def ancestors():
    pids, pid = [], os.getpid()
    while pid > 1:
        with open(f"/proc/{pid}/stat") as f:
            pid = int(f.read().rsplit(")", 1)[1].split()[1])
        pids.append(pid)
    return pids
'''


def zip_bytes(source: str = HANDLER_SOURCE) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", source)
    return buf.getvalue()


def wait_until(condition, timeout: float = 15.0, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll an external condition (a file, the process table) until true, at most ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(0.02)
    return result


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    state_dir: Path
    log: Path

    def stop(self) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def start_server(state_dir: Path, log: Path) -> Server:
    with open(log, "wb") as err:
        process = subprocess.Popen(
            [PYTHON, "-m", "lambdactl", "--state-dir", str(state_dir), "serve", "--port", "0"],
            stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
        )

    def listening() -> str | None:
        assert process.poll() is None, f"serve exited {process.returncode}: {log.read_text()}"
        found = LISTENING.search(log.read_text())
        return found.group(1) if found else None

    url = wait_until(listening, what="serve listening")
    return Server(process, url, state_dir, log)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serve")
    running = start_server(root / "state", root / "serve.log")
    yield running
    assert running.process.poll() is None, "serve died during the tests"
    assert running.stop() == 0


@pytest.fixture(scope="module")
def client(server: Server):  # type: ignore[no-untyped-def]
    return boto3.client(
        "lambda", endpoint_url=server.url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def aws() -> str:
    found = Path(PYTHON).with_name("aws")
    path = str(found) if found.exists() else shutil.which("aws")
    if not path:
        pytest.skip("the aws CLI is not installed")
    return path


def lambdactl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "lambdactl", *args], capture_output=True, text=True, timeout=60, env=env, check=False)


def create(client, name: str, **extra) -> dict:  # type: ignore[no-untyped-def]
    return client.create_function(
        FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
        Code={"ZipFile": zip_bytes()}, **extra,
    )
