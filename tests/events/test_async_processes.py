"""202 and background processing, drain, kill -9 of the worker, concurrent enqueuers: real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from lambdactl.events import queue
from tests.events.conftest import event_invoke, lines, wait_until
from tests.processes import worker_pids


def test_event_invoke_returns_202_and_runs_with_nothing_else_typed(cli, make_function, state_dir, tmp_path):
    make_function("f")
    out, outfile = tmp_path / "out.jsonl", tmp_path / "response.json"
    proc = cli("invoke", "--function-name", "f", "--invocation-type", "Event", "--cli-binary-format",
               "raw-in-base64-out", "--payload", json.dumps({"out": str(out)}), str(outfile))
    assert json.loads(proc.stdout) == {"StatusCode": 202}
    assert outfile.read_bytes() == b""
    wait_until(lambda: lines(out))
    assert lines(out)[0]["event"] == {"out": str(out)}
    wait_until(lambda: "succeeded" in cli("list-async-events", "--function-name", "f").stdout)
    assert "START RequestId" in cli("logs", "tail", "/aws/lambda/f").stdout  # the normal invoke path kept the log
    wait_until(lambda: not worker_pids(state_dir), timeout=15)  # it leaves after LAMBDACTL_WORKER_IDLE_S


def test_async_payload_limit(cli, make_function, tmp_path):
    make_function("f")
    big = tmp_path / "big.json"
    big.write_text(json.dumps("x" * 1_048_576))
    proc = cli("invoke", "--function-name", "f", "--invocation-type", "Event", "--payload", f"fileb://{big}",
               str(tmp_path / "o"), check=False)
    assert proc.returncode == 254
    assert proc.stderr.strip() == (
        "An error occurred (RequestEntityTooLargeException) when calling the Invoke operation: "
        "1048578 byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    )


def test_drain_processes_everything_when_no_worker_runs(cli, plane, make_function, monkeypatch, tmp_path):
    monkeypatch.setenv("LAMBDACTL_AUTO_WORKER", "0")
    make_function("f")
    outs = [tmp_path / f"out{i}.jsonl" for i in range(5)]
    for out in outs:
        assert event_invoke(plane, "f", {"out": str(out)}) == {"StatusCode": 202}
    listed = json.loads(cli("list-async-events", "--status", "queued").stdout)["AsyncEvents"]
    assert [event["Status"] for event in listed] == ["queued"] * 5
    assert cli("drain", "--timeout", "60").returncode == 0
    assert all(len(lines(out)) == 1 for out in outs)
    assert queue.pending(plane) == 0


def test_drain_counts_future_retries_and_times_out(cli, plane, make_function, monkeypatch, tmp_path):
    monkeypatch.setenv("LAMBDACTL_AUTO_WORKER", "0")
    monkeypatch.setenv("LAMBDACTL_RETRY_DELAY_SCALE", "1")  # the retry waits a real minute
    make_function("f")
    out = tmp_path / "out.jsonl"
    event_invoke(plane, "f", {"out": str(out), "fail_times": 1})
    proc = cli("drain", "--timeout", "2", check=False)
    assert proc.returncode == 255
    assert proc.stderr.strip() == "Drain timed out after 2 s: 1 async event(s) still pending"
    assert len(lines(out)) == 1
    [event] = json.loads(cli("list-async-events").stdout)["AsyncEvents"]
    assert event["Status"] == "queued" and event["Attempts"] == 1
    assert event["LastError"] == "Unhandled: Exception: intentional failure"


def test_kill_9_of_the_worker_loses_nothing(cli, plane, make_function, monkeypatch, state_dir, tmp_path):
    monkeypatch.setenv("LAMBDACTL_AUTO_WORKER", "0")
    make_function("f")
    out = tmp_path / "out.jsonl"
    for number in range(200):
        event_invoke(plane, "f", {"out": str(out), "n": number})
    worker = subprocess.Popen([sys.executable, "-m", "lambdactl.server.worker", str(state_dir), "us-east-1"],
                              start_new_session=True)  # fmt: skip
    wait_until(lambda: len(lines(out)) >= 30, timeout=60)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert queue.pending(plane) > 0
    assert cli("drain", "--timeout", "240", timeout=300).returncode == 0
    seen = {line["event"]["n"] for line in lines(out)}
    assert seen == set(range(200))
    statuses = {event["Status"] for event in json.loads(cli("list-async-events").stdout)["AsyncEvents"]}
    assert statuses == {"succeeded"}


def test_two_clis_enqueueing_at_once_share_one_worker(make_function, monkeypatch, state_dir, tmp_path):
    monkeypatch.setenv("LAMBDACTL_WORKER_IDLE_S", "30")  # still there when counted
    make_function("f")
    outs = [tmp_path / f"out{i}.jsonl" for i in range(6)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "lambdactl", "--state-dir", str(state_dir), "invoke", "--function-name", "f",
             "--invocation-type", "Event", "--cli-binary-format", "raw-in-base64-out",
             "--payload", json.dumps({"out": str(out)}), str(tmp_path / f"r{i}")],
            stdout=subprocess.PIPE, text=True,
        )
        for i, out in enumerate(outs)
    ]  # fmt: skip
    assert [json.loads(proc.communicate(timeout=60)[0]) for proc in procs] == [{"StatusCode": 202}] * 6
    wait_until(lambda: all(lines(out) for out in outs))
    wait_until(lambda: len(worker_pids(state_dir)) == 1, timeout=5)  # extra spawns lost the lock and left
    assert all(len(lines(out)) == 1 for out in outs)


def test_worker_lock_is_exclusive(state_dir: Path):
    from lambdactl.events.worker import WorkerLock

    locks = [WorkerLock(state_dir) for _ in range(2)]
    assert locks[0].try_acquire()
    assert not locks[1].try_acquire()
    locks[0].release()
    assert locks[1].try_acquire()
    locks[1].release()
