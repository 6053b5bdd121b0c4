"""The CLIs against a server: the aws CLI v1, and lambdactl through --endpoint-url and discovery."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .conftest import create, lambdactl


@pytest.mark.slow
def test_aws_cli_list_functions_max_items(server, client, aws: str) -> None:
    for i in range(16):
        create(client, f"cli-{i}")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    args = [aws, "lambda", "list-functions", "--endpoint-url", server.url, "--max-items", "7"]
    first = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60, check=False)
    assert first.returncode == 0, first.stderr
    page = json.loads(first.stdout)
    assert len(page["Functions"]) == 7 and page["NextToken"]
    rest = subprocess.run([*args, "--starting-token", page["NextToken"]], capture_output=True, text=True, env=env, timeout=60, check=False)
    names = [fn["FunctionName"] for fn in page["Functions"] + json.loads(rest.stdout)["Functions"]]
    assert len(names) == len(set(names)) == 14

    missing = subprocess.run([aws, "lambda", "get-function", "--function-name", "nope", "--endpoint-url", server.url],
                             capture_output=True, text=True, env=env, timeout=60, check=False)
    assert missing.returncode == 255
    assert "An error occurred (ResourceNotFoundException) when calling the GetFunction operation" in missing.stderr


def test_endpoint_url_output_matches_local(server, client) -> None:
    create(client, "parity")
    remote = lambdactl("--endpoint-url", server.url, "get-function", "--function-name", "parity")
    discovery = Path(server.state_dir, "serve.json")
    aside = discovery.with_name("serve.json.aside")
    discovery.rename(aside)  # hide the server so the same state dir is read locally
    try:
        local = lambdactl("--state-dir", str(server.state_dir), "get-function", "--function-name", "parity")
    finally:
        aside.rename(discovery)
    assert remote.returncode == local.returncode == 0, remote.stderr + local.stderr
    remote_out, local_out = json.loads(remote.stdout), json.loads(local.stdout)
    # Code.Location: a signed link the server answers, or (no server) the zip's file:// path
    assert remote_out["Code"].pop("Location").startswith(f"{server.url}/_lambdactl/code/")
    assert local_out["Code"].pop("Location").startswith("file://")
    assert remote_out == local_out
    missing = lambdactl("--endpoint-url", server.url, "get-function", "--function-name", "nope")
    assert missing.returncode == 254
    assert missing.stderr.strip().startswith("An error occurred (ResourceNotFoundException) when calling the GetFunction")


def test_invoke_finds_the_server_for_its_state_dir(server, client, tmp_path: Path) -> None:
    create(client, "found")
    out = tmp_path / "out.json"
    result = lambdactl("--state-dir", str(server.state_dir), "invoke", "--function-name", "found",
                       "--payload", '{"k": 2}', "--cli-binary-format", "raw-in-base64-out", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
    body = json.loads(out.read_bytes())
    assert body["echo"] == {"k": 2}
    assert server.process.pid in body["ancestors"]  # the runtime ran under the server, not under this CLI
