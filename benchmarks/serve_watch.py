"""`lambdactl serve --watch`: from a handler file's save to the new code answering an invocation.

One `serve --watch` on a template of 5 Python functions; each round rewrites one function's handler
(a new version string) and invokes it over HTTP in a tight loop until the new version answers: that
time is one sample (polling interval, settle, repackaging and UpdateFunctionCode, the retired warm
environment's cold start and the invoke). Target: median <= 1 s. Baseline, measured in the same run
on the same server: the same change made by hand, an UpdateFunctionCode API call (boto3) followed by
the same invoke loop, i.e. what any reload must at least do.

    python benchmarks/serve_watch.py [--rounds 9] [--functions 5]
"""

from __future__ import annotations

import argparse
import io
import json
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import boto3

HANDLER = "def handler(event, context):\n    return {!r}\n"
LISTENING = re.compile(r"lambdactl serve: listening on (http://\S+)")


def write_project(root: Path, count: int) -> None:
    lines = ["Transform: AWS::Serverless-2016-10-31", "Globals:", "  Function:", "    Runtime: python3.12",
             "    Handler: app.handler", "Resources:"]
    for n in range(count):
        (root / f"fn{n}").mkdir(parents=True)
        (root / f"fn{n}/app.py").write_text(HANDLER.format("v0"))
        lines += [f"  Fn{n}:", "    Type: AWS::Serverless::Function", "    Properties:", f"      CodeUri: fn{n}"]
    (root / "template.yaml").write_text("\n".join(lines) + "\n")


def answer(client, name: str) -> str:
    return json.loads(client.invoke(FunctionName=name)["Payload"].read())


def until_answers(client, name: str, wanted: str, started: float) -> float:
    deadline = started + 30
    while answer(client, name) != wanted:
        if time.perf_counter() > deadline:
            raise SystemExit(f"{name} did not answer {wanted!r} within 30 s")
    return time.perf_counter() - started


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--functions", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lambdactl-bench-watch-") as tmp:
        root = Path(tmp)
        write_project(root / "app", args.functions)
        log = root / "serve.log"
        with open(log, "wb") as err:
            serve = subprocess.Popen([sys.executable, "-m", "lambdactl", "--state-dir", str(root / "state"), "serve",
                                      "--port", "0", "--watch", "--stack-name", "bench"],
                                     cwd=root / "app", stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 60
            while not (found := LISTENING.search(log.read_text())):
                if serve.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"serve did not start: {log.read_text()}")
                time.sleep(0.05)
            client = boto3.client("lambda", endpoint_url=found[1], region_name="us-east-1",
                                  aws_access_key_id="x", aws_secret_access_key="x")
            saves, by_hand = [], []
            for n in range(args.rounds):
                name = f"Fn{n % args.functions}"
                answer(client, f"bench-{name}")  # warm: the save must retire this environment
                source = HANDLER.format(f"save{n}")
                started = time.perf_counter()
                (root / "app" / name.lower() / "app.py").write_text(source)
                saves.append(until_answers(client, f"bench-{name}", f"save{n}", started))
                started = time.perf_counter()
                client.update_function_code(FunctionName=f"bench-{name}", ZipFile=zipped(HANDLER.format(f"hand{n}")))
                by_hand.append(until_answers(client, f"bench-{name}", f"hand{n}", started))
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(30)
    med = statistics.median
    print(f"serve --watch, {args.functions} functions, {args.rounds} edits, medians:")
    print(f"  file save -> new code answering: {med(saves):.3f} s (target <= 1 s; max {max(saves):.3f} s)")
    print(f"  baseline, UpdateFunctionCode by hand -> new code answering: {med(by_hand):.3f} s "
          f"(ratio {med(saves) / med(by_hand):.1f}x)")


if __name__ == "__main__":
    main()
