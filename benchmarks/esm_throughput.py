"""End-to-end event source mapping throughput: messages/s from send to processed.

For SQS (batch size 10 and 100) and Kinesis (batch size 100): a mapping to a Python function
that counts its records, then N messages sent with `send-message-batch` (records with
`put-records`) through the control plane, then `lambdactl drain` until the source is
consumed. The clock runs from the first send to the end of the drain.

    python benchmarks/esm_throughput.py [--messages 5000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

COUNTER = ('import os\ndef handler(event, context):\n    with open(os.environ["OUT"], "a") as out:\n'
           '        out.write("%d\\n" % len(event["Records"]))\n')  # fmt: skip


def package() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", COUNTER)
    return buffer.getvalue()


def run(kind: str, batch_size: int, messages: int) -> tuple[float, int]:
    """(seconds, records processed) for one scenario in a fresh state directory."""
    from lambdactl.plane import ControlPlane, Settings

    with tempfile.TemporaryDirectory() as tmp:
        state, out = Path(tmp) / "state", Path(tmp) / "count.txt"
        plane = ControlPlane(Settings(state_dir=state))
        plane.call("CreateFunction", {"FunctionName": "count", "Runtime": f"python3.{sys.version_info.minor}",
                                      "Handler": "app.handler", "Code": {"ZipFile": package()},
                                      "Environment": {"Variables": {"OUT": str(out)}}})  # fmt: skip
        mapping: dict = {"FunctionName": "count", "BatchSize": batch_size}
        if kind == "sqs":
            url = plane.call("sqs:CreateQueue", {"QueueName": "bench"})["QueueUrl"]
            mapping["EventSourceArn"] = f"arn:aws:sqs:{plane.settings.region}:{plane.settings.account_id}:bench"
            if batch_size > 10:
                mapping["MaximumBatchingWindowInSeconds"] = 1
        else:
            plane.call("kinesis:CreateStream", {"StreamName": "bench", "ShardCount": 1})
            mapping.update(EventSourceArn=f"arn:aws:kinesis:{plane.settings.region}:{plane.settings.account_id}:"
                                          "stream/bench", StartingPosition="TRIM_HORIZON")  # fmt: skip
        plane.call("CreateEventSourceMapping", mapping)
        start = time.perf_counter()
        for first in range(0, messages, 10 if kind == "sqs" else 100):
            if kind == "sqs":
                entries = [{"Id": str(i), "MessageBody": json.dumps({"n": first + i})} for i in range(10)]
                plane.call("sqs:SendMessageBatch", {"QueueUrl": url, "Entries": entries})
            else:
                records = [{"PartitionKey": str(i), "Data": json.dumps({"n": first + i}).encode()} for i in range(100)]
                plane.call("kinesis:PutRecords", {"StreamName": "bench", "Records": records})
        subprocess.run([sys.executable, "-m", "lambdactl", "--state-dir", str(state), "drain"], check=True)
        seconds = time.perf_counter() - start
        processed = sum(int(line) for line in out.read_text().split())
        plane.close()
    return seconds, processed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    os.environ["LAMBDACTL_AUTO_WORKER"] = "0"  # the drain below runs the pollers
    for kind, batch_size in (("sqs", 10), ("sqs", 100), ("kinesis", 100)):
        seconds, processed = run(kind, batch_size, args.messages)
        print(f"{kind:8} batch {batch_size:3}: {processed} records in {seconds:.1f} s = {processed / seconds:.0f} "
              "records/s")  # fmt: skip


if __name__ == "__main__":
    main()
