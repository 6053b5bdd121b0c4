"""Upload -> function start latency under `lambdactl serve`: boto3 PutObject to a bucket whose notification
invokes a (warm) function, timed from just before the PutObject call to the moment the handler starts.

Baseline, same run, same server and function: an asynchronous Invoke (InvocationType=Event) timed the
same way, the async queue's own floor. Prints p50 (and p90) of --rounds rounds and the ratio to the
baseline; target p50 <= 50 ms.

    python benchmarks/s3_trigger_latency.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

LISTENING = re.compile(r"listening on (http://\S+)")
HANDLER = '''
import json, os, time

def handler(event, context):
    started = time.time()
    with open(os.environ["OUT"], "a") as f:
        f.write(json.dumps({"started": started, "event": event}) + "\\n")
'''


def start_serve(state: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "lambdactl", "--state-dir", str(state), "serve", "--port", "0"],
                               stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    for line in process.stderr:  # type: ignore[union-attr]
        if found := LISTENING.search(line):
            return process, found.group(1)
    raise SystemExit("serve did not start")


def starts(out: Path) -> list[float]:
    return [json.loads(line)["started"] for line in out.read_text().splitlines()] if out.exists() else []


def latency(out: Path, trigger: Callable[[], None]) -> float:
    """Seconds from ``trigger()`` to the handler's next start (polled from its output file)."""
    seen = len(starts(out))
    begin = time.time()
    trigger()
    deadline = time.monotonic() + 30
    while len(found := starts(out)) <= seen:
        if time.monotonic() > deadline:
            raise SystemExit("the function did not start within 30 s")
        time.sleep(0.001)
    return found[seen] - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    import boto3

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "starts.jsonl"
        process, url = start_serve(Path(tmp) / "state")
        try:
            kwargs = {"endpoint_url": url, "region_name": "us-east-1", "aws_access_key_id": "bench",
                      "aws_secret_access_key": "bench"}  # fmt: skip
            s3, lam = boto3.client("s3", **kwargs), boto3.client("lambda", **kwargs)
            package = io.BytesIO()
            with zipfile.ZipFile(package, "w") as archive:
                archive.writestr("app.py", HANDLER)
            lam.create_function(FunctionName="on-upload", Runtime="python3.12", Handler="app.handler",
                                Role="arn:aws:iam::123456789012:role/bench", Code={"ZipFile": package.getvalue()},
                                Environment={"Variables": {"OUT": str(out)}})  # fmt: skip
            lam.add_permission(FunctionName="on-upload", StatementId="s3", Action="lambda:InvokeFunction",
                               Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::uploads")  # fmt: skip
            s3.create_bucket(Bucket="uploads")
            s3.put_bucket_notification_configuration(Bucket="uploads", NotificationConfiguration={
                "LambdaFunctionConfigurations": [{"Events": ["s3:ObjectCreated:*"],
                    "LambdaFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:on-upload"}]})  # fmt: skip
            body = os.urandom(1024)
            latency(out, lambda: s3.put_object(Bucket="uploads", Key="warm", Body=body))  # the cold start
            uploads, invokes = [], []
            for n in range(args.rounds):
                uploads.append(latency(out, lambda: s3.put_object(Bucket="uploads", Key=f"k{n}", Body=body)))
                invokes.append(latency(out, lambda: lam.invoke(FunctionName="on-upload", InvocationType="Event",
                                                               Payload=b'{"Records": []}')))  # fmt: skip
            events = [json.loads(line)["event"] for line in out.read_text().splitlines()]
            assert sum(1 for e in events if e["Records"]) == args.rounds + 1
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)

    def p(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000

    up50, base50 = statistics.median(uploads) * 1000, statistics.median(invokes) * 1000
    print(f"put-object -> function start: p50 {up50:.1f} ms, p90 {p(uploads, 90):.1f} ms ({args.rounds} rounds, warm)")
    print(f"baseline Invoke(Event) -> start: p50 {base50:.1f} ms, p90 {p(invokes, 90):.1f} ms; ratio {up50 / base50:.2f}")
    print(f"target p50 <= 50 ms: {'met' if up50 <= 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
