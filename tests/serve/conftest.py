"""A real `lambdactl serve` process per module and boto3 clients for issue 5's proofs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
import serving
from botocore.config import Config
from serving import ROLE, Server, wait_until, zip_bytes  # noqa: F401 (the tests import them from here)


def start_server(root: Path) -> Server:
    return serving.start_server(root / "state", root / "serve.log")


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
