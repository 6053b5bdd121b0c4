"""PutObject throughput through `lambdactl serve`, against moto's S3 server on the same machine, in one run.

The same boto3 code drives both (one client per thread, --clients threads, --size-byte objects with
distinct contents under distinct keys, so lambdactl's content-addressed store dedups nothing); each round times --objects puts to lambdactl, then to moto. Prints the median
objects/s of --rounds rounds for each and the ratio lambdactl/moto (target: >= 2).

    python benchmarks/s3_put_throughput.py [--objects 300] [--size 4096] [--rounds 3] [--clients 2]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
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


def start_moto() -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    moto = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    raise SystemExit("moto_server did not start")


def clients(url: str, count: int) -> list:  # type: ignore[type-arg]
    import boto3

    return [boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
                         aws_secret_access_key="bench") for _ in range(count)]  # fmt: skip


def rate(s3s: list, bucket: str, objects: int, body: bytes, round_no: int) -> float:  # type: ignore[type-arg]
    per_client = objects // len(s3s)

    def put(index: int) -> None:
        for n in range(per_client):
            unique = f"{round_no}/{index}/{n}".encode().ljust(16)
            s3s[index].put_object(Bucket=bucket, Key=f"r{round_no}/c{index}/{n}.bin", Body=unique + body[16:])

    start = time.perf_counter()
    with ThreadPoolExecutor(len(s3s)) as pool:
        list(pool.map(put, range(len(s3s))))
    return per_client * len(s3s) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=300)
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    body = os.urandom(args.size)
    with tempfile.TemporaryDirectory() as tmp:
        serve, serve_url = start_serve(Path(tmp) / "state")
        moto, moto_url = start_moto()
        try:
            ours, theirs = clients(serve_url, args.clients), clients(moto_url, args.clients)
            for s3s in (ours, theirs):
                s3s[0].create_bucket(Bucket="bench")
                s3s[0].put_object(Bucket="bench", Key="warm", Body=body)
            our_rates, moto_rates = [], []
            for round_no in range(args.rounds):
                our_rates.append(rate(ours, "bench", args.objects, body, round_no))
                moto_rates.append(rate(theirs, "bench", args.objects, body, round_no))
            stored = ours[0].list_objects_v2(Bucket="bench", Prefix="r0/")["KeyCount"]
            assert stored == args.objects // args.clients * args.clients, stored
        finally:
            for process in (serve, moto):
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(30)
    ours_median, moto_median = statistics.median(our_rates), statistics.median(moto_rates)
    print(f"lambdactl serve: median {ours_median:.0f} puts/s ({args.rounds} rounds of {args.objects} x {args.size} B, "
          f"{args.clients} clients; rounds {', '.join(f'{r:.0f}' for r in our_rates)})")
    print(f"moto_server:     median {moto_median:.0f} puts/s (rounds {', '.join(f'{r:.0f}' for r in moto_rates)})")
    ratio = ours_median / moto_median
    print(f"ratio lambdactl/moto {ratio:.2f}; target >= 2: {'met' if ratio >= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
