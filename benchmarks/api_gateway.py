"""Warm request latency through an HTTP API route and through a function URL, from one `serve`.

The same function (the Python hello handler) sits behind both: a function URL and a quick-created
HTTP API with a ``GET /hello`` route (payload 2.0). Each path is measured on its own keep-alive
connection, in alternating rounds so both see the same machine load. Target: the route's p50
<= 1.3x the function URL's (API Gateway adds routing, a stage lookup and the permission check).

``sam local start-api`` is not measured: it is not installed here, and although the SAM CLI wheel is on
PyPI it cannot run here, since it runs functions in the ``public.ecr.aws/lambda/*`` images, which must be
pulled from a registry, and this machine reaches only PyPI, Debian and npm.

    python benchmarks/api_gateway.py [--requests 2000] [--rounds 10]
"""

from __future__ import annotations

import argparse
import http.client
import io
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HELLO = '''
def handler(event, context):
    return {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "Hello from Lambda!"}
'''
LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")


def start(state_dir: Path, log: Path) -> tuple[subprocess.Popen, int]:
    err = open(log, "wb")  # noqa: SIM115 - kept open for the server's life
    process = subprocess.Popen([sys.executable, "-m", "lambdactl", "--state-dir", str(state_dir), "serve", "--port", "0"],
                               stdout=subprocess.DEVNULL, stderr=err)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = LISTENING.search(log.read_text())
        if found:
            return process, int(found.group(1))
        if process.poll() is not None:
            raise SystemExit(f"serve exited: {log.read_text()}")
        time.sleep(0.05)
    raise SystemExit("serve did not start")


def setup(state_dir: Path) -> tuple[str, str]:
    """(function URL path, HTTP API host) for the hello function."""
    from lambdactl.plane import ControlPlane, Settings

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HELLO)
    plane = ControlPlane(Settings(state_dir=state_dir))
    try:
        arn = plane.call("CreateFunction", {
            "FunctionName": "hello", "Runtime": "python3.12", "Handler": "app.handler",
            "Role": "arn:aws:iam::123456789012:role/r", "Code": {"ZipFile": buffer.getvalue()},
        })["FunctionArn"]  # fmt: skip
        plane.call("AddPermission", {"FunctionName": "hello", "StatementId": "apigw", "Action": "lambda:InvokeFunction",
                                     "Principal": "apigateway.amazonaws.com"})  # fmt: skip
        url = plane.call("CreateFunctionUrlConfig", {"FunctionName": "hello", "AuthType": "NONE"})["FunctionUrl"]
        api = plane.call("apigatewayv2:CreateApi", {"Name": "bench", "ProtocolType": "HTTP", "Target": arn,
                                                    "RouteKey": "GET /hello"})  # fmt: skip
    finally:
        plane.close()
    url_path = "/lambda-url/" + url.rstrip("/").rsplit("/", 1)[1] + "/hello"
    return url_path, f"{api['ApiId']}.execute-api.localhost"


def timed(connection: http.client.HTTPConnection, path: str, host: str | None, count: int) -> list[float]:
    headers = {"Host": host} if host else {}
    out = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        out.append(time.perf_counter() - started)
        if response.status != 200 or body != b"Hello from Lambda!":
            raise SystemExit(f"{host or path}: HTTP {response.status} {body[:200]!r}")
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per path (after 100 warm-up ones)")
    parser.add_argument("--rounds", type=int, default=10, help="alternating rounds the requests are split into")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lambdactl-apigw-bench-") as scratch:
        state_dir = Path(scratch) / "state"
        url_path, api_host = setup(state_dir)
        process, port = start(state_dir, Path(scratch) / "serve.log")
        try:
            url_conn = http.client.HTTPConnection("127.0.0.1", port)
            api_conn = http.client.HTTPConnection("127.0.0.1", port)
            timed(url_conn, url_path, None, 100)
            timed(api_conn, "/hello", api_host, 100)
            url_times: list[float] = []
            api_times: list[float] = []
            per_round = max(1, args.requests // args.rounds)
            for _ in range(args.rounds):
                url_times += timed(url_conn, url_path, None, per_round)
                api_times += timed(api_conn, "/hello", api_host, per_round)
        finally:
            process.terminate()
            process.wait(30)
    url_p50, api_p50 = statistics.median(url_times) * 1000, statistics.median(api_times) * 1000
    print(f"warm GET, {len(url_times)} requests each, one keep-alive connection per path, one serve")
    print(f"  function URL      p50 {url_p50:.3f} ms  p99 {percentile(url_times, 0.99):.3f} ms")
    print(f"  HTTP API route    p50 {api_p50:.3f} ms  p99 {percentile(api_times, 0.99):.3f} ms")
    ratio = api_p50 / url_p50
    print(f"  route / URL p50 ratio {ratio:.2f} (target <= 1.30): {'ok' if ratio <= 1.3 else 'MISSED'}")
    print("  sam local start-api: not measured (not installed; its public.ecr.aws/lambda images need a registry)")


if __name__ == "__main__":
    main()
