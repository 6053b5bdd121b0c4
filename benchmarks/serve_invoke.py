"""Invokes through `lambdactl serve` beside AWS's runtime interface emulator, from one run.

For the Python hello handler (``samples/hello-python/app.py`` when present, else an
equivalent inline one): the cold first invoke, warm-invoke latency p50/p99 on one
keep-alive connection, and throughput with 1, 2 and 4 concurrent client processes.
The emulator (Go, from the ``aws-sam-cli`` wheel: ``samcli/local/rapid/aws-lambda-rie-x86_64``,
fetched once with ``pip download`` into ``--cache``) runs ``python -m awslambdaric`` on
the same handler, and again lambdactl's own Python bootstrap (the like-for-like row: same runtime
client, different server); it takes one invocation at a time, so it is measured with 1 client.
Targets (against C, the emulator as AWS ships it): warm p50 <= the emulator's; 2-client throughput
>= 1.3x the emulator's 1-client rate.

The emulator limits no CPU; lambdactl gives a function MemorySize / 1769 vCPU during invocations, as
Lambda does. So the comparison runs the function at ``--memory-size`` 1769 (one vCPU, all a
single-threaded runtime uses), and a last line shows it at 128 MB: 1/14 vCPU (1 ms of CPU every
13.8 ms), where the runtime's own per-invoke work (~0.1 ms of CPU) caps one environment near 700
invokes/s, as it would on Lambda.

    python benchmarks/serve_invoke.py [--invokes 1000] [--seconds 3] [--memory-size 1769] [--cache ~/.cache/lambdactl-bench]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "hello-python" / "app.py"
HELLO = '''
def handler(event, context):
    return {"statusCode": 200, "body": "Hello from Lambda!"}
'''
RIE_MEMBER = "samcli/local/rapid/aws-lambda-rie-x86_64"
BOOTSTRAP = Path(__file__).resolve().parent.parent / "lambdactl" / "runtime" / "bootstraps" / "python_bootstrap.py"
RIE_PATH = "/2015-03-31/functions/function/invocations"
OUR_PATH = "/2015-03-31/functions/hello/invocations"
CLIENTS = (1, 2, 4)


def post(connection: http.client.HTTPConnection, path: str, body: bytes = b"{}") -> bytes:
    connection.request("POST", path, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    if response.status not in (200, 201):
        raise RuntimeError(f"{path}: HTTP {response.status} {data[:200]!r}")
    return data


def latencies(host: str, port: int, path: str, count: int) -> list[float]:
    connection = http.client.HTTPConnection(host, port)
    out = []
    for _ in range(count):
        started = time.perf_counter()
        post(connection, path)
        out.append(time.perf_counter() - started)
    connection.close()
    return out


def _client(host: str, port: int, path: str, seconds: float, start_at: float, results: multiprocessing.Queue) -> None:
    connection = http.client.HTTPConnection(host, port)
    while time.time() < start_at:
        time.sleep(0.001)
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        post(connection, path)
        done += 1
    results.put(done)


def throughput(host: str, port: int, path: str, clients: int, seconds: float) -> float:
    """Invokes per second with ``clients`` processes, each on its own keep-alive connection."""
    results: multiprocessing.Queue = multiprocessing.Queue()
    start_at = time.time() + 0.3
    workers = [multiprocessing.Process(target=_client, args=(host, port, path, seconds, start_at, results))
               for _ in range(clients)]  # fmt: skip
    for worker in workers:
        worker.start()
    total = sum(results.get(timeout=seconds + 60) for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def wait_port(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listening on {port}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(port: int, path: str, invokes: int, seconds: float, clients: tuple[int, ...]) -> dict[str, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    started = time.perf_counter()
    post(connection, path)
    figures = {"cold_ms": (time.perf_counter() - started) * 1000}
    connection.close()
    latencies("127.0.0.1", port, path, 50)  # settle
    warm = sorted(latencies("127.0.0.1", port, path, invokes))
    figures["p50_ms"] = statistics.median(warm) * 1000
    figures["p99_ms"] = warm[min(len(warm) - 1, int(len(warm) * 0.99))] * 1000
    for count in clients:
        figures[f"rps_{count}"] = throughput("127.0.0.1", port, path, count, seconds)
    return figures


def run_ours(handler_dir: Path, state_dir: Path, args: argparse.Namespace, memory_mb: int) -> dict[str, float]:
    log = state_dir.parent / "serve.log"
    env = {**os.environ, "LAMBDACTL_STATE_DIR": str(state_dir)}
    with open(log, "wb") as err:
        server = subprocess.Popen([sys.executable, "-m", "lambdactl", "serve", "--port", "0"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not (found := re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read_text())):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {log.read_text()}")
            time.sleep(0.02)
        port = int(found.group(1))
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.write(handler_dir / "app.py", "app.py")
        create = {"FunctionName": "hello", "Runtime": args.runtime, "Handler": "app.handler",
                  "Role": "arn:aws:iam::123456789012:role/bench", "MemorySize": memory_mb,
                  "Code": {"ZipFile": base64.b64encode(archive.getvalue()).decode()}}  # fmt: skip
        post(http.client.HTTPConnection("127.0.0.1", port), "/2015-03-31/functions", json.dumps(create).encode())
        return measure(port, OUR_PATH, args.invokes, args.seconds, CLIENTS)
    finally:
        server.terminate()
        server.wait(30)


def rie_binary(cache: Path) -> Path | None:
    """The emulator, extracted once from the aws-sam-cli wheel (None when it cannot be had)."""
    binary = cache / "aws-lambda-rie-x86_64"
    if binary.exists():
        return binary
    cache.mkdir(parents=True, exist_ok=True)
    wheels = list(cache.glob("aws_sam_cli-*.whl"))
    if not wheels:
        fetched = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "aws-sam-cli", "-d", str(cache)],
                                 capture_output=True, text=True, check=False)  # fmt: skip
        wheels = list(cache.glob("aws_sam_cli-*.whl"))
        if fetched.returncode or not wheels:
            print(f"emulator unavailable: pip download failed: {fetched.stderr.strip()[-300:]}", file=sys.stderr)
            return None
    with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(RIE_MEMBER) as src, open(binary, "wb") as dst:
        shutil.copyfileobj(src, dst)
    binary.chmod(0o755)
    return binary


def run_rie(binary: Path, handler_dir: Path, args: argparse.Namespace, runtime: list[str]) -> dict[str, float]:
    """The emulator running ``runtime`` (its runtime client's command line, the handler last)."""
    port = free_port()
    command = [str(binary), "--log-level", "error", "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
               *runtime]  # fmt: skip
    emulator = subprocess.Popen(command, cwd=handler_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)  # fmt: skip
    try:
        wait_port(port, emulator)
        return measure(port, RIE_PATH, args.invokes, args.seconds, (1,))
    finally:
        os.killpg(emulator.pid, 15)
        emulator.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invokes", type=int, default=1000, help="warm invokes for p50/p99")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each throughput run")
    parser.add_argument("--runtime", default="python3.11", help="our function's runtime")
    parser.add_argument("--memory-size", type=int, default=1769, help="our function's MemorySize (1769: one vCPU)")
    parser.add_argument("--rie-python", default=sys.executable, help="interpreter with awslambdaric installed")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "lambdactl-bench")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        handler_dir = Path(tmp) / "handler"
        handler_dir.mkdir()
        (handler_dir / "app.py").write_text(SAMPLE.read_text() if SAMPLE.exists() else HELLO)
        ours = run_ours(handler_dir, Path(tmp) / "state", args, args.memory_size)
        small = run_ours(handler_dir, Path(tmp) / "state-128", args, 128) if args.memory_size != 128 else None
        binary = rie_binary(args.cache)
        rie = run_rie(binary, handler_dir, args, [args.rie_python, "-m", "awslambdaric", "app.handler"]) if binary else None
        # Like for like: the emulator with lambdactl's own Python runtime client, the one `serve` runs.
        rie_own = run_rie(binary, handler_dir, args, [args.rie_python, str(BOOTSTRAP), "app.handler"]) if binary else None
    rows = [("cold first invoke (ms)", "cold_ms"), ("warm p50 (ms)", "p50_ms"), ("warm p99 (ms)", "p99_ms")]
    rows += [(f"throughput, {n} client{'s' * (n > 1)} (inv/s)", f"rps_{n}") for n in CLIENTS]
    print(f"columns: A = lambdactl serve with lambdactl's Python bootstrap, MemorySize {args.memory_size}; "
          f"B = the emulator (RIE) with lambdactl's")
    print("bootstrap (same runtime client: compares the servers); C = RIE with awslambdaric (as AWS ships it)")
    print(f"{'':34} {'A serve+own':>12} {'B RIE+own':>10} {'A/B':>6} {'C RIE+ric':>10} {'A/C':>6}")
    for label, key in rows:
        cells = [(rie_own or {}).get(key), (rie or {}).get(key)]
        shown = [(f"{v:10.2f}", f"{ours[key] / v:6.2f}" if v else f"{'':6}") if v is not None else (f"{'n/a':>10}", f"{'':6}")
                 for v in cells]  # fmt: skip
        print(f"{label:34} {ours[key]:12.2f} {shown[0][0]} {shown[0][1]} {shown[1][0]} {shown[1][1]}")
    if rie:
        p50_ok = ours["p50_ms"] <= rie["p50_ms"]
        rps_ok = ours["rps_2"] >= 1.3 * rie["rps_1"]
        print(f"targets: warm p50 <= RIE: {'met' if p50_ok else 'MISSED'}; "
              f"2-client throughput >= 1.3x RIE 1-client: {'met' if rps_ok else 'MISSED'} "
              f"({ours['rps_2'] / rie['rps_1']:.2f}x)")  # fmt: skip
    if small:
        print(f"at MemorySize 128 (1/14 vCPU, as Lambda): warm p50 {small['p50_ms']:.2f} ms, p99 {small['p99_ms']:.2f} ms; "
              + ", ".join(f"{n} client{'s' * (n > 1)} {small[f'rps_{n}']:.0f}/s" for n in CLIENTS))


if __name__ == "__main__":
    main()
