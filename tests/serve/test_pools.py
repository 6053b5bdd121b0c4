"""Warm pools, throttling, functions calling functions and shutdown, through a running `serve`."""

from __future__ import annotations

import json
import os
import signal
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import create, make_client, start_server, wait_until

ECHO = '''
import os, time

def handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "init": os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE")}
'''

CALLER = '''
import json, boto3

def handler(event, context):
    client = boto3.client("lambda")
    answer = client.invoke(FunctionName=event["sync"], Payload=json.dumps({"from": context.function_name}))
    for name in event["fanout"]:
        assert client.invoke(FunctionName=name, InvocationType="Event",
                             Payload=json.dumps({"path": event["dir"] + "/" + name}))["StatusCode"] == 202
    return {"sync": json.loads(answer["Payload"].read()), "version": answer["ExecutedVersion"]}
'''

CALLEE = '''
def handler(event, context):
    if "path" in event:
        with open(event["path"], "w") as f:
            f.write(context.aws_request_id)
    return {"callee": context.function_name, "got": event}
'''


def invoke(client: Any, name: str, payload: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    response = client.invoke(FunctionName=name, Payload=json.dumps(payload or {}), **extra)
    assert "FunctionError" not in response
    return json.loads(response["Payload"].read())


def test_warm_invokes_are_faster_than_the_first(client: Any) -> None:
    create(client, "warm", ECHO)
    timings, pids = [], set()
    for _ in range(21):
        started = time.perf_counter()
        pids.add(invoke(client, "warm")["pid"])
        timings.append(time.perf_counter() - started)
    assert len(pids) == 1  # one environment served them all
    assert timings[0] > 2 * statistics.median(timings[1:]), timings


def test_reserved_concurrency_one_throttles_the_second_concurrent_call(client: Any) -> None:
    create(client, "reserved-one", ECHO)
    client.put_function_concurrency(FunctionName="reserved-one", ReservedConcurrentExecutions=1)
    invoke(client, "reserved-one")  # warm, so the two calls below overlap for a full second

    def call(_: int) -> str:
        try:
            invoke(client, "reserved-one", {"sleep": 1})
            return "ok"
        except ClientError as exc:
            assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 429
            return exc.response["Error"]["Code"] + ":" + exc.response["Reason"]

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(call, range(2)))
    assert outcomes == ["TooManyRequestsException:ReservedFunctionConcurrentInvocationLimitExceeded", "ok"]


def test_reserved_zero_throttles_sync_but_queues_events(client: Any) -> None:
    create(client, "reserved-zero", ECHO)
    client.put_function_concurrency(FunctionName="reserved-zero", ReservedConcurrentExecutions=0)
    for _ in range(3):
        with pytest.raises(ClientError) as caught:
            client.invoke(FunctionName="reserved-zero", Payload=b"{}")
        assert caught.value.response["Error"]["Code"] == "TooManyRequestsException"
        assert caught.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert client.invoke(FunctionName="reserved-zero", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202


def test_a_function_calls_functions_sync_and_fans_out_async(client: Any, tmp_path: Path) -> None:
    """The caller runs python3.11 (the host's, with boto3) and finds serve through AWS_ENDPOINT_URL_LAMBDA."""
    create(client, "caller", CALLER, runtime="python3.11", Timeout=30)
    for name in ("callee", "fan-a", "fan-b"):
        create(client, name, CALLEE)
    result = invoke(client, "caller", {"sync": "callee", "fanout": ["fan-a", "fan-b"], "dir": str(tmp_path)})
    assert result == {"sync": {"callee": "callee", "got": {"from": "caller"}}, "version": "$LATEST"}
    wait_until(lambda: (tmp_path / "fan-a").exists() and (tmp_path / "fan-b").exists(), what="both async calls ran")


def test_sigterm_leaves_no_environment_running(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    marker = f"LAMBDACTL_TEST_MARKER={uuid.uuid4().hex}"
    key, value = marker.split("=")
    try:
        client = make_client(server.url)
        create(client, "lingering", ECHO, Environment={"Variables": {key: value}})
        with ThreadPoolExecutor(3) as pool:  # three environments, one of them busy at shutdown
            list(pool.map(lambda _: invoke(client, "lingering", {"sleep": 0.3}), range(3)))
        client.invoke(FunctionName="lingering", InvocationType="Event", Payload=b'{"sleep": 0.5}')
        assert _processes_with(marker), "the environments should be running before shutdown"
    finally:
        assert server.stop() == 0
    wait_until(lambda: not _processes_with(marker), timeout=10, what="no environment left")


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                    found.append(int(entry))
            except OSError:
                continue
    return found


def test_sigterm_taken_by_any_thread_stops_serve(tmp_path: Path) -> None:
    """A signal sent to the process may land on any thread (here: sent to one that is not the main one,
    which the kernel then prefers); serve still stops, exit 0, as it does when the main thread takes it."""
    server = start_server(tmp_path)
    client = make_client(server.url)
    create(client, "one", ECHO)
    invoke(client, "one", {})
    threads = [int(tid) for tid in os.listdir(f"/proc/{server.process.pid}/task") if int(tid) != server.process.pid]
    assert threads, "serve runs threads besides its main one"
    os.kill(threads[-1], signal.SIGTERM)
    try:
        assert server.process.wait(20) == 0
    finally:
        server.stop()
