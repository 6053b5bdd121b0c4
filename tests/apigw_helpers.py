"""A real `serve` and functions for the API Gateway tests (REST and HTTP APIs), plus a raw HTTP client.

Management goes through the control plane on the served state directory (the same operations the
CLI and serve's management API call); requests go over real HTTP to the serve process.
"""

from __future__ import annotations

import http.client
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from serving import Server, start_server

ACCOUNT = "123456789012"
REGION = "us-east-1"

# One function answers every integration test: its behaviour is picked by the request path's last segment.
BACKEND = '''
import base64, json, os, time

def handler(event, context):
    path = event.get("rawPath") or event.get("path") or ""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if last == "fail":
        raise ValueError("boom")
    if last == "malformed":
        return {"statusCode": "not-a-status"}
    if last == "extra-key":
        return {"statusCode": 200, "body": "x", "unexpected": 1}
    if last == "inject":
        return {"statusCode": 200, "headers": {"x-ok": "v\\r\\nSet-Cookie: evil=1"}, "body": "x"}
    if last == "plain":
        return "Hello from Lambda!"
    if last == "sleep":
        time.sleep(2)
    if last == "binary":
        return {"statusCode": 200, "headers": {"content-type": "image/png"}, "isBase64Encoded": True,
                "body": base64.b64encode(b"\\x89PNG\\x00\\xff").decode()}
    if last == "multi":
        return {"statusCode": "201", "headers": {"test-multi": "value-solo", "flag": True},
                "multiValueHeaders": {"test-multi": ["value-multi"]}}
    print("handled", path)
    return {"statusCode": 200, "headers": {"content-type": "application/json", "access-control-allow-origin": "https://evil.example"},
            "cookies": ["k=v; Max-Age=60"], "body": json.dumps(event)}
'''

# Authorizers: the answer depends on the identity ("allow", "deny", "throw", "unauthorized", "garbage");
# a module-level counter shows whether a result came from the cache (warm environments keep it).
AUTHORIZER = '''
import os
CALLS = [0]

def identity(event):
    if event.get("type") == "TOKEN":
        return event["authorizationToken"]
    if event.get("version") == "2.0":
        return (event.get("identitySource") or [""])[0]
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    return headers.get("authorization", "")

def handler(event, context):
    CALLS[0] += 1
    token = identity(event)
    if token == "throw":
        raise RuntimeError("authorizer crashed")
    if token == "unauthorized":
        raise Exception("Unauthorized")
    if token == "garbage":
        return {"nonsense": True}
    if os.environ.get("SIMPLE") == "1":
        return {"isAuthorized": token == "allow", "context": {"calls": CALLS[0], "user": "u1", "nested": {"a": 1}}}
    effect = "Allow" if token == "allow" else "Deny"
    arn = event.get("methodArn") or event.get("routeArn")
    return {"principalId": "user-1",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": arn.split("/")[0] + "/*"}]},
            "context": {"calls": CALLS[0], "admin": True, "name": "ada"}}
'''


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def serve(root: Path) -> Iterator[tuple[Server, Any]]:
    """A served state directory and a control plane on it."""
    from lambdactl.plane import ControlPlane, Settings

    server = start_server(root / "state", root / "serve.log")
    plane = ControlPlane(Settings(state_dir=root / "state", region=REGION, account_id=ACCOUNT))
    try:
        yield server, plane
        assert server.process.poll() is None, "serve died during the tests"
    finally:
        plane.close()
        assert server.stop() == 0


def function(plane: Any, name: str, source: str = BACKEND, *, permit: bool = True, **extra: Any) -> str:
    """Create a function (and, with ``permit``, API Gateway's permission to invoke it); its ARN."""
    config = plane.call("CreateFunction", {
        "FunctionName": name, "Runtime": "python3.12", "Handler": "app.handler",
        "Role": f"arn:aws:iam::{ACCOUNT}:role/r", "Code": {"ZipFile": zip_of(source)}, **extra,
    })  # fmt: skip
    if permit:
        plane.call("AddPermission", {"FunctionName": name, "StatementId": "apigw", "Action": "lambda:InvokeFunction",
                                     "Principal": "apigateway.amazonaws.com"})  # fmt: skip
    return config["FunctionArn"]


def invocation_uri(function_arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def request(server: Server, method: str, path: str, body: bytes | None = None,
            headers: list[tuple[str, str]] = ()) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    """One HTTP request to serve (``path`` as sent); (status, headers lower-cased and comma-joined, body)."""
    connection = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=30)
    connection.putrequest(method, path, skip_accept_encoding=True,
                          skip_host=any(name.lower() == "host" for name, _ in headers))  # fmt: skip
    for name, value in headers:
        connection.putheader(name, value)
    if body is not None:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    data = response.read()
    merged: dict[str, str] = {}
    for name, value in response.getheaders():
        merged[name.lower()] = f"{merged[name.lower()]}, {value}" if name.lower() in merged else value
    connection.close()
    return response.status, merged, data


def event_of(data: bytes) -> dict[str, Any]:
    return json.loads(data)
