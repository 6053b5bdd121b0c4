"""Drain rate of the async queue: N Event invokes of the Python hello sample, then `lambdactl drain`.

Events are queued in-process (the enqueue rate is printed too), then one `lambdactl drain`
process runs them through the normal invoke path with LAMBDACTL_ASYNC_CONCURRENCY workers.

    python benchmarks/async_drain.py [--events 10000] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "hello-python"
HELLO = 'def handler(event, context):\n    return {"message": "hello"}\n'


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if SAMPLE.is_dir():
            for path in SAMPLE.rglob("*.py"):
                archive.write(path, path.relative_to(SAMPLE))
        else:
            archive.writestr("app.py", HELLO)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    os.environ["LAMBDACTL_AUTO_WORKER"] = "0"  # queue only: the drain below does all the work
    os.environ["LAMBDACTL_ASYNC_CONCURRENCY"] = str(args.concurrency)
    from lambdactl.plane import ControlPlane, Settings

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        plane = ControlPlane(Settings(state_dir=state))
        plane.call("CreateFunction", {"FunctionName": "hello", "Runtime": f"python3.{sys.version_info.minor}",
                                      "Handler": "app.handler", "Code": {"ZipFile": package()}})  # fmt: skip
        start = time.perf_counter()
        for number in range(args.events):
            plane.call("Invoke", {"FunctionName": "hello", "InvocationType": "Event", "Payload": b'{"n": %d}' % number})
        enqueue_s = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lambdactl", "--state-dir", str(state), "drain"], check=True)
        drain_s = time.perf_counter() - start
        failed = plane.store.read_one("SELECT COUNT(*) FROM async_events WHERE status != 'succeeded'")[0]
    print(f"enqueue: {args.events} events in {enqueue_s:.1f} s = {args.events / enqueue_s:.0f} events/s")
    print(f"drain:   {args.events} events in {drain_s:.1f} s = {args.events / drain_s:.1f} events/s "
          f"(concurrency {args.concurrency}, {failed} not succeeded)")


if __name__ == "__main__":
    main()
