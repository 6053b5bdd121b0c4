"""Crash runs, repeated: kill -9 of the async worker, of the worker running an SQS mapping, and of
`serve`, while hundreds of events flow; then count what the function saw.

Each scenario runs ROUNDS rounds. A round queues EVENTS events (async invokes, or SQS messages for
the mapping), starts the process that works them, kills it with SIGKILL KILLS times at random moments
(restarting it each time), then lets `lambdactl drain` finish. The function appends each event's id
to a file (O_APPEND, one line each), so afterwards

    lost       = ids queued but never seen by the function
    duplicated = ids seen more than once (Lambda's async and SQS delivery are at-least-once: a
                 process killed after the function ran but before the event was marked done runs
                 it again; losing one is the defect)

    python benchmarks/crash_repeat.py [--rounds 3] [--events 300] [--kills 3] [--kinds async-worker,mapping,serve]
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

RECORDER = '''
import json, os

def handler(event, context):
    ids = [r["body"] for r in event["Records"]] if "Records" in event else [str(event["id"])]
    fd = os.open(os.environ["OUT"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, "".join(i + "\\n" for i in ids).encode())
    finally:
        os.close(fd)
    return len(ids)
'''
LISTENING = re.compile(r"listening on (http://\S+)")


def lambdactl(state: Path, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lambdactl", "--state-dir", str(state), *args],
                          capture_output=True, text=True, check=check, timeout=timeout)  # fmt: skip


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", RECORDER)
    return buffer.getvalue()


def seen(out: Path) -> collections.Counter:
    return collections.Counter(out.read_text().split()) if out.exists() else collections.Counter()


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def start_worker(state: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lambdactl.server.worker", str(state), "us-east-1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip


def start_serve(state: Path, log: Path) -> subprocess.Popen:
    err = open(log, "wb")
    process = subprocess.Popen([sys.executable, "-m", "lambdactl", "--state-dir", str(state), "serve", "--port", "0"],
                               stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)  # fmt: skip
    err.close()
    wait_for(lambda: LISTENING.search(log.read_text()) is not None or process.poll() is not None)
    return process


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the process and the runtimes it started
    except ProcessLookupError:
        pass
    process.wait()


def run_round(kind: str, state: Path, out: Path, events: int, kills: int, round_no: int, rng: random.Random) -> tuple[int, int]:
    ids = [f"{kind}-{round_no}-{n}" for n in range(events)]
    before = seen(out)
    if kind == "mapping":
        url = json.loads(lambdactl(state, "sqs", "get-queue-url", "--queue-name", "crash").stdout)["QueueUrl"]
        for start in range(0, events, 10):
            entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(ids[start:start + 10])]
            lambdactl(state, "sqs", "send-message-batch", "--queue-url", url, "--entries", json.dumps(entries))
    else:
        from lambdactl.plane import ControlPlane, Settings

        plane = ControlPlane(Settings(state_dir=state))
        for event_id in ids:
            plane.call("Invoke", {"FunctionName": "recorder", "InvocationType": "Event",
                                  "Payload": json.dumps({"id": event_id}).encode()})  # fmt: skip
        plane.close()
    log = state.parent / f"serve-{kind}-{round_no}.log"
    for _ in range(kills):
        process = start_serve(state, log) if kind == "serve" else start_worker(state)
        target = sum(seen(out).values()) - sum(before.values()) + rng.randint(5, max(6, events // (kills + 1)))
        wait_for(lambda: sum(seen(out).values()) - sum(before.values()) >= target or process.poll() is not None, 60)
        kill_group(process)
    lambdactl(state, "drain", "--timeout", "600", timeout=700)
    after = seen(out)
    lost = sum(1 for i in ids if after[i] == 0)
    duplicated = sum(1 for i in ids if after[i] > 1)
    return lost, duplicated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--kinds", default="async-worker,mapping,serve", help="which of the three scenarios to run")
    args = parser.parse_args()
    os.environ["LAMBDACTL_AUTO_WORKER"] = "0"  # only the processes this script starts (and kills) work events
    os.environ.pop("LAMBDACTL_ENDPOINT_URL", None)
    rng = random.Random(args.seed)
    totals = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            state = Path(tmp) / kind / "state"
            out = Path(tmp) / kind / "seen.txt"
            state.parent.mkdir(parents=True)
            lambdactl(state, "create-function", "--function-name", "recorder", "--runtime",
                      f"python3.{sys.version_info.minor}", "--handler", "app.handler", "--zip-file",
                      f"fileb://{write(Path(tmp) / 'recorder.zip', zip_bytes())}",
                      "--environment", json.dumps({"Variables": {"OUT": str(out)}}))  # fmt: skip
            if kind == "mapping":
                lambdactl(state, "sqs", "create-queue", "--queue-name", "crash",  # a killed batch is back in 5 s
                          "--attributes", json.dumps({"VisibilityTimeout": "5"}))
                lambdactl(state, "create-event-source-mapping", "--function-name", "recorder", "--event-source-arn",
                          "arn:aws:sqs:us-east-1:123456789012:crash", "--batch-size", "10")  # fmt: skip
            lost_total = duplicated_total = 0
            for round_no in range(args.rounds):
                started = time.perf_counter()
                lost, duplicated = run_round(kind, state, out, args.events, args.kills, round_no, rng)
                lost_total += lost
                duplicated_total += duplicated
                print(f"{kind:12} round {round_no + 1}: {args.events} events, {args.kills} x kill -9: "
                      f"lost {lost}, duplicated {duplicated} ({time.perf_counter() - started:.1f} s)", flush=True)
            totals[kind] = (lost_total, duplicated_total)
    events = args.rounds * args.events
    for kind, (lost, duplicated) in totals.items():
        print(f"{kind:12} total: {events} events, {args.rounds * args.kills} x kill -9: lost {lost}, duplicated {duplicated}")


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


if __name__ == "__main__":
    main()
