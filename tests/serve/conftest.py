"""A real `lambdactl serve` process per module and boto3 clients for issue 5's proofs."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.config import Config

LISTENING = re.compile(r"lambdactl serve: listening on (http://\S+)")
ROLE = "arn:aws:iam::123456789012:role/lambda-role"


def zip_bytes(source: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("app.py", source)
    return buf.getvalue()


def wait_until(condition: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
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
    log: Path

    def stop(self) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def start_server(root: Path) -> Server:
    log = root / "serve.log"
    with open(log, "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "lambdactl", "--state-dir", str(root / "state"), "serve", "--port", "0"],
            stdout=subprocess.DEVNULL, stderr=err, start_new_session=True,
        )  # fmt: skip

    def listening() -> str | None:
        assert process.poll() is None, f"serve exited {process.returncode}: {log.read_text()}"
        found = LISTENING.search(log.read_text())
        return found.group(1) if found else None

    return Server(process, wait_until(listening, what="serve listening"), log)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("serve"))
    yield running
    assert running.process.poll() is None, "serve died during the tests"
    assert running.stop() == 0


def make_client(url: str) -> Any:
    """One attempt per call: a 429 must reach the test, not boto3's retry loop."""
    return boto3.client(
        "lambda", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60, max_pool_connections=20),
    )  # fmt: skip


@pytest.fixture(scope="module")
def client(server: Server) -> Any:
    return make_client(server.url)


def create(client: Any, name: str, source: str, runtime: str = "python3.12", **extra: Any) -> dict[str, Any]:
    return client.create_function(
        FunctionName=name, Runtime=runtime, Role=ROLE, Handler="app.handler", Code={"ZipFile": zip_bytes(source)},
        **extra,
    )  # fmt: skip
