"""`lambdactl invoke` without `serve`: warm across commands through the background worker, and
reserved concurrency counted across processes."""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import CLI

HANDLER = '''
import json, os, time

VERSION = {version}

def handler(event, context):
    if "touch" in event:
        open(event["touch"], "w").close()
    time.sleep(event.get("sleep", 0))
    return {{"version": VERSION, "endpoint": os.environ.get("AWS_ENDPOINT_URL_LAMBDA")}}
'''


def wait_until(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return result


def create(cli: CLI, make_zip, name: str = "fn", version: int = 1) -> None:
    cli("create-function", "--function-name", name, "--runtime", "python3.12", "--handler", "app.handler",
        "--timeout", "30", "--zip-file", f"fileb://{make_zip({'app.py': HANDLER.format(version=version)})}")


def invoke(cli: CLI, name: str = "fn", payload: dict | None = None, **kwargs) -> tuple[dict, str]:
    """(The function's answer, the REPORT line.)"""
    result = cli("invoke", "--function-name", name, "--payload", json.dumps(payload or {}),
                 "--cli-binary-format", "raw-in-base64-out", "--log-type", "Tail", "out.json", **kwargs)
    report = next(line for line in base64.b64decode(result.json["LogResult"]).decode().splitlines()
                  if line.startswith("REPORT"))
    return json.loads((cli.cwd / "out.json").read_text()), report


def worker_record(cli: CLI) -> dict | None:
    try:
        return json.loads((cli.state_dir / "worker.json").read_text())
    except FileNotFoundError:
        return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(autouse=True)
def short_lived_worker(cli: CLI):
    cli.env["LAMBDACTL_WORKER_IDLE_S"] = "2"
    yield
    record = worker_record(cli)
    if record:
        wait_until(lambda: not alive(record["pid"]))


def test_the_second_invoke_is_warm_and_runs_in_the_worker(cli, make_zip):
    create(cli, make_zip)
    first, report = invoke(cli)
    assert "Init Duration" in report  # cold, in the CLI's own process
    second, report = invoke(cli)
    assert "Init Duration" not in report
    assert second["endpoint"] == worker_record(cli)["url"] != first["endpoint"]  # the worker ran it (and hosts the API)
    third, report = invoke(cli)
    assert "Init Duration" not in report and third["endpoint"] == second["endpoint"]


def test_the_worker_never_runs_stale_code(cli, make_zip):
    create(cli, make_zip, version=1)
    invoke(cli)
    assert invoke(cli)[0]["version"] == 1
    cli("update-function-code", "--function-name", "fn",
        "--zip-file", f"fileb://{make_zip({'app.py': HANDLER.format(version=2)})}")
    answer, report = invoke(cli)
    assert answer["version"] == 2 and answer["endpoint"] == worker_record(cli)["url"]
    assert "Init Duration" in report  # a new environment for the new code


def test_a_setting_keeps_invokes_in_their_own_process(cli, make_zip):
    cli.env["LAMBDACTL_WARM_INVOKE"] = "0"
    create(cli, make_zip)
    for _ in range(2):
        answer, report = invoke(cli)
        assert "Init Duration" in report
    assert worker_record(cli) is None


def test_the_worker_leaves_once_idle(cli, make_zip):
    create(cli, make_zip)
    invoke(cli)
    record = wait_until(lambda: (r := worker_record(cli)) and r.get("url") and r)
    wait_until(lambda: not alive(record["pid"]))  # after LAMBDACTL_WORKER_IDLE_S with nothing to do
    assert worker_record(cli) is None


@pytest.mark.parametrize("modes", [("worker", "worker"), ("own", "own"), ("worker", "own")])
def test_reserved_concurrency_one_holds_across_cli_processes(cli, make_zip, tmp_path, modes):
    create(cli, make_zip)
    cli("put-function-concurrency", "--function-name", "fn", "--reserved-concurrent-executions", "1")
    invoke(cli)  # a worker starts (or not) and warms up
    own = {"LAMBDACTL_WARM_INVOKE": "0"}
    if "worker" in modes:
        invoke(cli)  # waits for the starting worker
    started = tmp_path / "started"
    first = cli.popen("invoke", "--function-name", "fn", "--cli-binary-format", "raw-in-base64-out", "--payload",
                      json.dumps({"sleep": 3, "touch": str(started)}), "first.json",
                      env=own if modes[0] == "own" else None)  # fmt: skip
    wait_until(started.exists)
    second = cli("invoke", "--function-name", "fn", "second.json", rc=254,
                 env=own if modes[1] == "own" else None)
    assert "TooManyRequestsException" in second.stderr and "Rate Exceeded" in second.stderr
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert json.loads(Path(cli.cwd / "first.json").read_text())["version"] == 1


@pytest.mark.slow
def test_a_stopped_worker_is_a_read_timeout_as_the_aws_cli_says_it(cli, make_zip):
    """A worker that takes the connection and never answers (SIGSTOP) times out after --cli-read-timeout
    (60 s by default, as the aws CLI's), through the fast path and the full command alike."""
    create(cli, make_zip)
    invoke(cli)
    record = wait_until(lambda: (found := worker_record(cli)) and found.get("url") and found)
    os.kill(record["pid"], signal.SIGSTOP)
    try:
        for fast in ("1", "0"):
            result = cli("--cli-read-timeout", "2", "invoke", "--function-name", "fn", "out.json", rc=255,
                         env={"LAMBDACTL_FAST_INVOKE": fast})
            assert result.stderr.strip().splitlines() == [
                f'Read timeout on endpoint URL: "{record["url"]}/2015-03-31/functions/fn/invocations"']
    finally:
        os.kill(record["pid"], signal.SIGCONT)
    assert invoke(cli)[0]["version"] == 1  # the worker, resumed, answers again
