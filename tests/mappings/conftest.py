"""Fixtures for event source mapping tests: a recording handler, queue/stream helpers over the real CLI."""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.processes import worker_pids

# Writes every event it gets to $OUT (one JSON line) and fails on records whose text contains "poison"
# (raises; or, with MODE=partial, reports them as batch item failures). "flaky" fails on the first receive
# only; SLEEP=<s> delays every invocation; a record containing "slow" sleeps 3 s.
RECORDER = '''
import base64, json, os, time

def _item(record):
    if "body" in record:
        return record["body"], record["messageId"], record["attributes"].get("ApproximateReceiveCount")
    if "kinesis" in record:
        return base64.b64decode(record["kinesis"]["data"]).decode(), record["kinesis"]["sequenceNumber"], None
    return json.dumps(record["dynamodb"]), record["dynamodb"]["SequenceNumber"], None

def handler(event, context):
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps(event) + "\\n")
    time.sleep(float(os.environ.get("SLEEP", "0")))
    failures = []
    for record in event.get("Records", []):
        text, ident, count = _item(record)
        if "slow" in text:
            time.sleep(3)
        if "poison" in text or ("flaky" in text and count == "1"):
            if os.environ.get("MODE") != "partial":
                raise Exception("failed on " + text)
            failures.append({"itemIdentifier": ident})
    return {"batchItemFailures": failures} if os.environ.get("MODE") == "partial" else None
'''

ACCOUNT = "123456789012"
FAST = {"LAMBDACTL_RETRY_DELAY_SCALE": "0.001", "LAMBDACTL_ESM_POLL_S": "0.05", "LAMBDACTL_WORKER_IDLE_S": "3"}


class Harness:
    """A function that records its events, and the sources to feed it, driven through the CLI."""

    def __init__(self, cli: Any, tmp_path: Path, make_zip: Callable[..., Path]) -> None:
        self.cli, self.tmp = cli, tmp_path
        self.cli.env.update(FAST)
        self.zip = make_zip({"app.py": RECORDER}, name="recorder.zip")

    def function(self, name: str, **env: str) -> Path:
        out = self.tmp / f"{name}.jsonl"
        variables = ",".join(f"{k}={v}" for k, v in {"OUT": str(out), **env}.items())
        self.cli.create(name, self.zip, "--environment", f"Variables={{{variables}}}", "--timeout", "30")
        return out

    def queue(self, name: str, **attributes: str) -> str:
        args = ["sqs", "create-queue", "--queue-name", name]
        if attributes:
            args += ["--attributes", json.dumps(attributes)]
        self.cli(*args)
        return f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"

    def url(self, arn: str) -> str:
        return self.cli("sqs", "get-queue-url", "--queue-name", arn.split(":")[-1]).json["QueueUrl"]

    def send(self, arn: str, bodies: list[str], **fields: str) -> None:
        for start in range(0, len(bodies), 10):
            entries = [{"Id": str(i), "MessageBody": body, **fields}
                       for i, body in enumerate(bodies[start:start + 10])]  # fmt: skip
            self.cli("sqs", "send-message-batch", "--queue-url", self.url(arn), "--entries", json.dumps(entries))

    def stream(self, name: str, shards: int = 1) -> str:
        self.cli("kinesis", "create-stream", "--stream-name", name, "--shard-count", str(shards))
        return f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}"

    def put(self, arn: str, items: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """Put (partition key, data) records; returns PutRecords' result entries."""
        out = []
        for start in range(0, len(items), 100):
            records = [{"PartitionKey": key, "Data": base64.b64encode(data.encode()).decode()}
                       for key, data in items[start:start + 100]]  # fmt: skip
            out += self.cli("kinesis", "put-records", "--stream-arn", arn, "--records", json.dumps(records)).json["Records"]
        return out

    def map(self, function: str, arn: str, *extra: str) -> dict[str, Any]:
        return self.cli("create-event-source-mapping", "--function-name", function, "--event-source-arn", arn,
                        *extra).json  # fmt: skip

    def drain(self, timeout: float = 60) -> None:
        self.cli("drain", "--timeout", str(timeout), timeout=timeout + 30)

    def receive_all(self, arn: str) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while True:
            result = self.cli("sqs", "receive-message", "--queue-url", self.url(arn), "--max-number-of-messages", "10")
            messages = json.loads(result.stdout or "{}").get("Messages", [])
            if not messages:
                return got
            got += messages

    def kill_worker(self) -> None:
        """kill -9 the background worker of this state directory (it is ours: started for this test's state dir)."""
        for pid in worker_pids(self.cli.state_dir):
            os.kill(pid, signal.SIGKILL)


def events(out: Path) -> list[dict[str, Any]]:
    """The events a recording function got, in order."""
    return [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []


def bodies(out: Path) -> list[list[str]]:
    return [[record["body"] for record in event["Records"]] for event in events(out)]


def wait_for(predicate: Callable[[], Any], timeout: float = 30, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


@pytest.fixture
def esm(cli: Any, tmp_path: Path, make_zip: Callable[..., Path]) -> Harness:
    return Harness(cli, tmp_path, make_zip)
