"""PutEvents throughput through `lambdactl serve`: boto3 batches of 10 entries, every entry matched by a
rule whose target is an embedded SQS queue; entries/s counted as messages delivered to the queue.
--clients threads send at once (one boto3 client each), as several producers would.

Baseline, same run and same server: SendMessageBatch of 10 straight to a queue (the wire and store
floor under the same client). Prints the median of --rounds rounds and the ratio to the baseline.

    python benchmarks/put_events_throughput.py [--entries 5000] [--rounds 3] [--clients 4]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

LISTENING = re.compile(r"listening on (http://\S+)")


def start_serve(state: Path) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "lambdactl", "--state-dir", str(state), "serve", "--port", "0"],
                               stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    for line in process.stderr:  # type: ignore[union-attr]
        if found := LISTENING.search(line):
            return process, found.group(1)
    raise SystemExit("serve did not start")


def client(url: str, service: str):  # type: ignore[no-untyped-def]
    import boto3

    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
                        aws_secret_access_key="bench")  # fmt: skip


def delivered(sqs, url: str) -> int:  # type: ignore[no-untyped-def]
    return int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
               ["Attributes"]["ApproximateNumberOfMessages"])  # fmt: skip


def timed(clients: int, batches: int, send: Callable[[int], None]) -> float:
    """Seconds for ``batches`` calls of ``send(client_index)`` spread over ``clients`` threads."""
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda index: [send(index) for _ in range(batches // clients)], range(clients)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    batches = args.entries // 10 // args.clients * args.clients
    with tempfile.TemporaryDirectory() as tmp:
        process, url = start_serve(Path(tmp) / "state")
        try:
            events, sqs = client(url, "events"), client(url, "sqs")
            producers = [client(url, "events") for _ in range(args.clients)]
            senders = [client(url, "sqs") for _ in range(args.clients)]
            target_url = sqs.create_queue(QueueName="target")["QueueUrl"]
            direct_url = sqs.create_queue(QueueName="direct")["QueueUrl"]
            events.put_rule(Name="all-orders", EventPattern=json.dumps({"source": ["orders"]}))
            events.put_rule(Name="unmatched", EventPattern=json.dumps({"source": ["other"]}))
            events.put_targets(Rule="all-orders", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:target"}])
            entries = [{"Source": "orders", "DetailType": "placed", "Detail": json.dumps({"n": n, "total": 10 * n})}
                       for n in range(10)]  # fmt: skip
            messages = [{"Id": str(n), "MessageBody": json.dumps({"n": n})} for n in range(10)]
            put_rates, base_rates = [], []

            def put(index: int) -> None:
                result = producers[index].put_events(Entries=entries)
                assert result["FailedEntryCount"] == 0, result

            for _ in range(args.rounds):
                elapsed = timed(args.clients, batches, lambda i: senders[i].send_message_batch(QueueUrl=direct_url,
                                                                                              Entries=messages))
                base_rates.append(batches * 10 / elapsed)
                before = delivered(sqs, target_url)
                elapsed = timed(args.clients, batches, put)
                got = delivered(sqs, target_url) - before
                assert got == batches * 10, f"delivered {got} of {batches * 10}"
                put_rates.append(got / elapsed)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
    put, base = statistics.median(put_rates), statistics.median(base_rates)
    print(f"put-events -> rule -> SQS: median {put:.0f} entries/s delivered "
          f"({args.rounds} rounds of {batches * 10}, {args.clients} clients; rounds {', '.join(f'{r:.0f}' for r in put_rates)})")
    print(f"baseline SendMessageBatch:  median {base:.0f} messages/s; ratio put-events/baseline {put / base:.2f}")
    print(f"target >= 2000 entries/s: {'met' if put >= 2000 else 'NOT met'}")


if __name__ == "__main__":
    main()
