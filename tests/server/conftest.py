"""A real `lambdactl serve` process per module, real boto3 and aws CLI clients."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

boto3 = pytest.importorskip("boto3")
import serving
from botocore.config import Config
from serving import PYTHON, ROLE, Server, start_server, wait_until  # noqa: F401 (the tests import them from here)

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
    return serving.zip_bytes(source)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serve")
    running = start_server(root / "state", root / "serve.log")
    yield running
    assert running.process.poll() is None, "serve died during the tests"
    assert running.stop() == 0


def make_client(server: Server):  # type: ignore[no-untyped-def]
    """A boto3 Lambda client of ``server``, never retrying."""
    return boto3.client(
        "lambda", endpoint_url=server.url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def client(server: Server):  # type: ignore[no-untyped-def]
    return make_client(server)


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
