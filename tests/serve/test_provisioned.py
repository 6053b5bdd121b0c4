"""Provisioned concurrency: the API's shapes and errors, and a warm first call under `serve`."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import create, wait_until

SLOW_INIT = '''
import os, time
time.sleep(0.5)  # a costly import: only an on-demand cold start pays it during an invoke

def handler(event, context):
    return {"init": os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"), "pid": os.getpid()}
'''


def _error(call: Any, **params: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


@pytest.fixture(scope="module")
def published(client: Any) -> str:
    create(client, "pc", SLOW_INIT)
    version = client.publish_version(FunctionName="pc")["Version"]
    client.create_alias(FunctionName="pc", Name="live", FunctionVersion=version)
    return version


def _timed(client: Any, **params: Any) -> tuple[float, dict[str, Any], str]:
    started = time.perf_counter()
    response = client.invoke(Payload=b"{}", LogType="Tail", **params)
    elapsed = time.perf_counter() - started
    return elapsed, json.loads(response["Payload"].read()), base64.b64decode(response["LogResult"]).decode()


def test_provisioned_version_answers_its_first_call_warm(client: Any, published: str) -> None:
    put = client.put_provisioned_concurrency_config(
        FunctionName="pc", Qualifier=published, ProvisionedConcurrentExecutions=2
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (put["Status"], put["AllocatedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 0)

    def ready() -> dict[str, Any] | None:
        got = client.get_provisioned_concurrency_config(FunctionName="pc", Qualifier=published)
        return got if got["Status"] == "READY" else None

    got = wait_until(ready, what="READY")
    assert got["AvailableProvisionedConcurrentExecutions"] == got["AllocatedProvisionedConcurrentExecutions"] == 2
    warm_s, body, _ = _timed(client, FunctionName="pc", Qualifier=published)
    assert body["init"] == "provisioned-concurrency"
    cold_s, cold, log = _timed(client, FunctionName="pc")  # $LATEST: not provisioned, pays the 0.5 s init
    assert cold["init"] == "on-demand" and "Init Duration" in log
    assert warm_s < 0.4 < cold_s, (warm_s, cold_s)


def test_put_get_list_delete(client: Any, published: str) -> None:
    client.put_provisioned_concurrency_config(FunctionName="pc", Qualifier=published, ProvisionedConcurrentExecutions=1)
    listed = client.list_provisioned_concurrency_configs(FunctionName="pc")["ProvisionedConcurrencyConfigs"]
    assert [item["FunctionArn"] for item in listed] == [f"arn:aws:lambda:us-east-1:123456789012:function:pc:{published}"]
    assert listed[0]["RequestedProvisionedConcurrentExecutions"] == 1
    assert _error(client.put_provisioned_concurrency_config, FunctionName="pc", Qualifier="live",
                  ProvisionedConcurrentExecutions=1)[1:] == (
        "ResourceConflictException",
        "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
    )  # fmt: skip
    assert client.delete_provisioned_concurrency_config(FunctionName="pc", Qualifier=published)[
        "ResponseMetadata"]["HTTPStatusCode"] == 204  # fmt: skip
    client.delete_provisioned_concurrency_config(FunctionName="pc", Qualifier=published)  # idempotent
    assert _error(client.get_provisioned_concurrency_config, FunctionName="pc", Qualifier=published) == (
        404, "ProvisionedConcurrencyConfigNotFoundException", "No Provisioned Concurrency Config found for this function"
    )  # fmt: skip
    assert client.list_provisioned_concurrency_configs(FunctionName="pc")["ProvisionedConcurrencyConfigs"] == []


def test_errors(client: Any, published: str) -> None:
    assert _error(client.put_provisioned_concurrency_config, FunctionName="pc", Qualifier="$LATEST",
                  ProvisionedConcurrentExecutions=1) == (
        400, "InvalidParameterValueException",
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
    )  # fmt: skip
    assert _error(client.get_provisioned_concurrency_config, FunctionName="pc", Qualifier="$LATEST")[2] == (
        "The function resource provided must be an alias or a published version."
    )
    arn = "arn:aws:lambda:us-east-1:123456789012:function"
    assert _error(client.get_provisioned_concurrency_config, FunctionName="pc", Qualifier="99") == (
        404, "ResourceNotFoundException", f"Function not found: {arn}:pc:99"
    )
    assert _error(client.get_provisioned_concurrency_config, FunctionName="pc", Qualifier="nope")[2] == (
        f"Cannot find alias arn: {arn}:pc:nope"
    )
    assert _error(client.list_provisioned_concurrency_configs, FunctionName="missing")[2] == (
        f"Function not found: {arn}:missing"
    )
    client.put_function_concurrency(FunctionName="pc", ReservedConcurrentExecutions=1)
    try:
        assert _error(client.put_provisioned_concurrency_config, FunctionName="pc", Qualifier="live",
                      ProvisionedConcurrentExecutions=2)[2] == (
            "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"
        )  # fmt: skip
    finally:
        client.delete_function_concurrency(FunctionName="pc")


def test_stored_without_a_server_then_warmed_when_one_starts(tmp_path: Any) -> None:
    """The one-shot CLI stores the config (IN_PROGRESS, nothing allocated); `serve` warms it at start."""
    import subprocess
    import sys

    from .conftest import make_client, start_server, zip_bytes

    state = ["--state-dir", str(tmp_path / "state"), "--region", "us-east-1"]
    (tmp_path / "f.zip").write_bytes(zip_bytes(SLOW_INIT))

    def cli(*args: str) -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "lambdactl", *state, *args], capture_output=True, text=True,
                              timeout=60, check=True)  # fmt: skip
        return json.loads(done.stdout or "{}")

    cli("create-function", "--function-name", "later", "--runtime", "python3.12", "--handler", "app.handler",
        "--role", "arn:aws:iam::123456789012:role/r", "--zip-file", f"fileb://{tmp_path / 'f.zip'}")  # fmt: skip
    cli("publish-version", "--function-name", "later")
    cli("put-provisioned-concurrency-config", "--function-name", "later", "--qualifier", "1",
        "--provisioned-concurrent-executions", "1")  # fmt: skip
    stored = cli("get-provisioned-concurrency-config", "--function-name", "later", "--qualifier", "1")
    assert (stored["Status"], stored["AllocatedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 0)
    server = start_server(tmp_path)
    try:
        client = make_client(server.url)
        wait_until(lambda: client.get_provisioned_concurrency_config(FunctionName="later", Qualifier="1")["Status"]
                   == "READY", what="warmed at start")  # fmt: skip
        elapsed, body, _ = _timed(client, FunctionName="later", Qualifier="1")
        assert body["init"] == "provisioned-concurrency" and elapsed < 0.4
    finally:
        assert server.stop() == 0
