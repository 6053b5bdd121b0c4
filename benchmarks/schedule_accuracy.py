"""Scheduling accuracy under `lambdactl serve`: delay from a rule's due time to its handler's start,
p50 and p99, with 1,000 enabled scheduled rules (target: p99 <= 1 s).

--probes rules are rate(1 minute) rules whose target is a function that writes down when it starts;
the other rules are enabled rate(1 day) rules (the timer table the worker scans). Rather than wait a
minute per round, the state directory's clock is advanced (in-process, like `lambdactl advance-clock`)
to 3 s before the next probe is due; the worker then fires the probes in real time. The baseline,
measured in the same run, is the same probes with no other rules.

    python benchmarks/schedule_accuracy.py [--rules 1000] [--probes 20] [--rounds 2]
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
from datetime import datetime
from pathlib import Path

LISTENING = re.compile(r"listening on (http://\S+)")
RECORDER = '''
import json, os, time

def handler(event, context):
    started = time.time()
    with open(os.environ["OUT"], "a") as f:
        f.write(json.dumps({"rule": event["resources"][0], "time": event["time"], "started": started}) + "\\n")
'''


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", RECORDER)
    return buffer.getvalue()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(rules: int, probes: int, rounds: int) -> list[float]:
    """Delays (s) of every probe firing with ``rules`` enabled rules in all."""
    from lambdactl.plane import ControlPlane, Settings
    from lambdactl.services.events import timers

    os.environ["LAMBDACTL_AUTO_WORKER"] = "0"  # serve's own worker fires them, not a background one
    with tempfile.TemporaryDirectory() as tmp:
        state, out = Path(tmp) / "state", Path(tmp) / "starts.jsonl"
        plane = ControlPlane(Settings(state_dir=state, region="us-east-1"))
        plane.call("CreateFunction", {"FunctionName": "probe", "Runtime": f"python3.{sys.version_info.minor}",
                                      "Handler": "app.handler", "Code": {"ZipFile": package()},
                                      "Environment": {"Variables": {"OUT": str(out)}}})  # fmt: skip
        plane.call("AddPermission", {"FunctionName": "probe", "StatementId": "rules", "Action": "lambda:InvokeFunction",
                                     "Principal": "events.amazonaws.com",
                                     "SourceArn": "arn:aws:events:us-east-1:123456789012:rule/*"})  # fmt: skip
        for number in range(rules - probes):
            plane.call("events:PutRule", {"Name": f"daily-{number}", "ScheduleExpression": "rate(1 day)"})
        process = subprocess.Popen(
            [sys.executable, "-m", "lambdactl", "--state-dir", str(state), "serve", "--port", "0"],
            stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            for line in process.stderr:  # type: ignore[union-attr]
                if LISTENING.search(line):
                    break
            for number in range(probes):  # anchors spread over a few seconds, as rules created one by one
                plane.call("events:PutRule", {"Name": f"probe-{number}", "ScheduleExpression": "rate(1 minute)"})
                plane.call("events:PutTargets", {"Rule": f"probe-{number}", "Targets": [
                    {"Id": "probe", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:probe"}]})  # fmt: skip
                time.sleep(0.2)
            offsets: dict[str, float] = {}
            for round_number in range(rounds):
                first_due = plane.store.read_one("SELECT MIN(due_at) FROM events_timers WHERE arn LIKE '%probe-%'")[0]
                timers.advance_clock(plane, max(0.0, first_due - 3 - timers.now(plane)))
                offset = timers.offset(plane)
                expected = probes * (round_number + 1)
                deadline = time.monotonic() + 60
                while (len(out.read_text().splitlines()) if out.exists() else 0) < expected:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"only {len(out.read_text().splitlines())} of {expected} firings arrived")
                    time.sleep(0.05)
                for line in out.read_text().splitlines()[expected - probes:]:
                    offsets[line] = offset
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
            plane.close()
    delays = []
    for line, offset in offsets.items():
        record = json.loads(line)
        due_clock = datetime.fromisoformat(record["time"].replace("Z", "+00:00")).timestamp()
        delays.append(record["started"] - (due_clock - offset))
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    baseline = measure(args.probes, args.probes, args.rounds)
    loaded = measure(args.rules, args.probes, args.rounds)
    for label, delays in ((f"{args.probes} rules (baseline)", baseline), (f"{args.rules} enabled rules", loaded)):
        print(f"{label:>22}: p50 {statistics.median(delays) * 1000:.0f} ms, p99 {percentile(delays, 0.99) * 1000:.0f} ms "
              f"({len(delays)} firings)")
    ratio = statistics.median(loaded) / statistics.median(baseline)
    print(f"p50 ratio {args.rules} rules / baseline: {ratio:.2f}; target p99 <= 1 s: "
          f"{'met' if percentile(loaded, 0.99) <= 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
