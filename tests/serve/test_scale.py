"""Concurrency as Lambda counts it under `serve`: no count of environments throttles, the machine's
memory does (evicting idle environments first), and a burst of one function leaves room for others."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .conftest import Server, boto3, create, make_client, start_server, wait_until

SLEEPER = '''
import os, time

def handler(event, context):
    if "touch" in event:
        open(event["touch"], "w").close()
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid()}
'''


def invoke(client: Any, name: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.invoke(FunctionName=name, Payload=json.dumps(payload or {}))
    assert "FunctionError" not in response, response["Payload"].read()
    return json.loads(response["Payload"].read())


def outcome(client: Any, name: str, payload: dict[str, Any]) -> str:
    try:
        invoke(client, name, payload)
        return "ok"
    except ClientError as exc:
        return f"{exc.response['Error']['Code']}:{exc.response.get('Reason')}"


@pytest.fixture
def small_budget_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A server whose memory budget holds one environment (the first one is always admitted)."""
    monkeypatch.setenv("LAMBDACTL_MEMORY_BUDGET_MB", "1")
    monkeypatch.setenv("LAMBDACTL_CAPACITY_WAIT_S", "0.5")
    running = start_server(tmp_path)
    yield running
    assert running.stop() == 0


def test_fifty_distinct_functions_in_turn_are_never_throttled(client: Any) -> None:
    for number in range(50):
        create(client, f"distinct-{number}", SLEEPER)
    for number in range(50):
        invoke(client, f"distinct-{number}")  # raises on a 429
    pids = {invoke(client, f"distinct-{number}")["pid"] for number in range(50)}
    assert len(pids) == 50  # all of them still warm: idle environments are a cache, not a quota


@pytest.mark.slow
def test_two_hundred_parallel_invokes_of_a_sleeping_function_all_succeed(server: Server) -> None:
    wide = boto3.client(
        "lambda", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=120,
                      max_pool_connections=200),
    )  # fmt: skip
    create(wide, "parallel-sleeper", SLEEPER)
    with ThreadPoolExecutor(200) as threads:
        outcomes = list(threads.map(lambda _: outcome(wide, "parallel-sleeper", {"sleep": 1}), range(200)))
    assert outcomes == ["ok"] * 200


def test_idle_environments_are_evicted_when_memory_is_needed(small_budget_server: Server) -> None:
    client = make_client(small_budget_server.url)
    create(client, "first", SLEEPER)
    create(client, "second", SLEEPER)
    first = invoke(client, "first")["pid"]
    assert invoke(client, "first")["pid"] == first  # warm
    invoke(client, "second")  # no room for both: the idle "first" is stopped for it
    assert invoke(client, "first")["pid"] != first


def test_the_machine_capacity_throttle_has_its_own_reason(small_budget_server: Server, tmp_path: Path) -> None:
    client = make_client(small_budget_server.url)
    create(client, "hog", SLEEPER, Timeout=30)
    create(client, "latecomer", SLEEPER)
    started = tmp_path / "hog-started"
    with ThreadPoolExecutor(1) as threads:
        busy = threads.submit(outcome, client, "hog", {"sleep": 3, "touch": str(started)})
        wait_until(started.exists, what="the hog is running")
        late = outcome(client, "latecomer", {})  # a busy environment is not evicted: wait, then 429
        assert busy.result() == "ok"
    assert late == "TooManyRequestsException:LocalMachineCapacityExceeded"


@pytest.mark.slow
def test_a_burst_leaves_a_reserved_function_its_concurrency(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDACTL_CONCURRENCY_LIMIT", "150")
    running = start_server(tmp_path)
    try:
        wide = boto3.client(
            "lambda", endpoint_url=running.url, region_name="us-east-1", aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=120,
                          max_pool_connections=150),
        )  # fmt: skip
        create(wide, "burster", SLEEPER, Timeout=30)
        create(wide, "kept", SLEEPER, Timeout=30)
        wide.put_function_concurrency(FunctionName="kept", ReservedConcurrentExecutions=50)  # 100 left unreserved
        started = tmp_path / "burst-started"
        with ThreadPoolExecutor(150) as threads:
            burst = [threads.submit(outcome, wide, "burster", {"sleep": 4, "touch": str(started)}) for _ in range(130)]
            wait_until(started.exists, what="the burst is running")
            kept = [threads.submit(outcome, wide, "kept", {"sleep": 0.5}) for _ in range(5)]
            assert [future.result() for future in kept] == ["ok"] * 5  # while the burst holds the rest
            assert not all(future.done() for future in burst)
            outcomes = [future.result() for future in burst]
        assert set(outcomes) <= {"ok", "TooManyRequestsException:ConcurrentInvocationLimitExceeded"}
    finally:
        assert running.stop() == 0


BARRIER = '''
import os, time

def handler(event, context):
    """Mark this invocation started, then wait (bounded) until every invocation of the burst has."""
    open(os.path.join(event["dir"], context.aws_request_id), "w").close()
    deadline = time.monotonic() + event["wait_s"]
    while len(os.listdir(event["dir"])) < event["expect"] and time.monotonic() < deadline:
        time.sleep(0.05)
    return {"seen": len(os.listdir(event["dir"]))}
'''


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_more_invocations_than_serve_has_database_connections_run_at_once(server: Server, tmp_path: Path) -> None:
    """150 invocations (past serve's 64 pooled SQLite connections) are all running together: each
    waits until all 150 have started, so one held back by a connection would keep the rest waiting."""
    from lambdactl.server.app import MAX_PLANES

    burst = 150
    assert burst > MAX_PLANES
    create(server_client := make_client(server.url), "barrier", BARRIER, Timeout=300)
    client = boto3.client(
        "lambda", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=300, max_pool_connections=burst),
    )  # fmt: skip
    event = {"dir": str(tmp_path), "expect": burst, "wait_s": 150}  # bounds a failing run only
    with ThreadPoolExecutor(burst) as threads:
        outcomes = list(threads.map(lambda _: _barrier_outcome(client, event), range(burst)))
    assert outcomes == [burst] * burst, sorted(outcomes, key=str)[:5]
    assert server_client.get_function(FunctionName="barrier")  # serve still answers


def _barrier_outcome(client: Any, event: dict[str, Any]) -> int | str:
    try:
        return invoke(client, "barrier", event)["seen"]
    except ClientError as exc:
        return f"{exc.response['Error']['Code']}:{exc.response.get('Reason')}"
