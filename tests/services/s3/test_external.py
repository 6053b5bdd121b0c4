"""LAMBDACTL_S3_ENDPOINT_URL: the s3/s3api commands and code-from-S3 against another S3 (moto's server)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("boto3")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = Path(sys.executable).with_name("moto_server")
    if not server.exists():
        pytest.skip("moto's server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto_server did not start"
                assert process.poll() is None, "moto_server exited"
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(20)


def test_commands_and_code_go_to_the_external_endpoint(cli, moto_url: str, make_zip) -> None:
    cli.env.update(LAMBDACTL_S3_ENDPOINT_URL=moto_url, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                   AWS_DEFAULT_REGION="us-east-1")  # fmt: skip
    data = os.urandom(9 * 1024 * 1024)  # multipart through the external endpoint too
    (cli.cwd / "big.bin").write_bytes(data)
    assert cli("s3", "mb", "s3://ext-bkt").stdout == "make_bucket: ext-bkt\n"
    cli("s3", "cp", "big.bin", "s3://ext-bkt/data/big.bin")
    cli("s3", "cp", "s3://ext-bkt/data/big.bin", "back.bin")
    assert (cli.cwd / "back.bin").read_bytes() == data
    listed = cli("s3api", "list-objects-v2", "--bucket", "ext-bkt").json
    assert [o["Key"] for o in listed["Contents"]] == ["data/big.bin"] and listed["Contents"][0]["Size"] == len(data)
    assert cli("s3api", "head-object", "--bucket", "ext-bkt", "--key", "nope", rc=254).stderr.strip() == (
        "An error occurred (404) when calling the HeadObject operation: Not Found"
    )
    package = make_zip({"app.py": 'def handler(e, c):\n    return "from moto"\n'})
    cli("s3", "cp", str(package), "s3://ext-bkt/fn.zip")
    cli("create-function", "--function-name", "ext-fn", "--runtime", "python3.12", "--handler", "app.handler",
        "--code", "S3Bucket=ext-bkt,S3Key=fn.zip")  # fmt: skip
    cli("invoke", "--function-name", "ext-fn", "out.json")
    assert (cli.cwd / "out.json").read_text() == '"from moto"'
    missing = cli("create-function", "--function-name", "ext-2", "--runtime", "python3.12", "--handler", "app.handler",
                  "--code", "S3Bucket=ext-bkt,S3Key=nope.zip", rc=254)  # fmt: skip
    assert "S3 Error Code: NoSuchKey" in missing.stderr
    # nothing reached the embedded store
    del cli.env["LAMBDACTL_S3_ENDPOINT_URL"]
    assert cli("s3api", "list-buckets").json["Buckets"] == []
