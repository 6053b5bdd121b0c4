"""Response streaming through serve: InvokeWithResponseStream (boto3's event stream, the CLI), Node.js
``awslambda.streamifyResponse`` / ``awslambda.HttpResponseStream.from``, and RESPONSE_STREAM function URLs.

Followed: botocore's model (InvokeWithResponseStreamResponseEvent: PayloadChunk, InvokeComplete; the
``application/vnd.amazon.eventstream`` framing botocore parses); AWS's "Response streaming" docs and
the Node.js runtime interface client (``Lambda-Runtime-Function-Response-Mode: streaming``, chunked,
error trailers, the HttpResponseStream prelude ended by 8 NUL bytes); and the URL responses recorded
from AWS in LocalStack's tests/aws/services/lambda_/test_lambda.snapshot.json
(test_function_url_with_response_streaming: 200 "Hello, world!" from lambda_response_streaming.js;
test_lambda_url_echo_invoke[RESPONSE_STREAM]: a function that does not stream has its whole return
value as the body, unmapped).

Streaming is shown, not timed: the function writes a chunk, then waits for a file the test creates
only after it has read that chunk.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from .conftest import PYTHON, ROLE, create

pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")

NODE_SOURCE = """
const fs = require('fs');
const until = async (file) => { while (file && !fs.existsSync(file)) await new Promise((r) => setTimeout(r, 10)); };

exports.chunks = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType('text/plain');
  responseStream.write('first,');
  await until(event.gate);
  responseStream.write(' second,');
  if (event.fail) throw new Error('midstream boom');
  responseStream.end(' last');
});

// LocalStack's functions/lambda_response_streaming.js, recorded on AWS (with a gate before the body's end)
exports.http = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 201, headers: { 'Content-Type': 'text/html', 'Cache-Control': 'no-cache' }, cookies: ['a=b'],
  });
  responseStream.write('Hello,');
  const body = event.body ? JSON.parse(event.body) : {};
  await until(body.gate);
  responseStream.write(' world!');
  responseStream.end();
});
"""


def node_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("index.js", NODE_SOURCE)
    return buf.getvalue()


def node_function(client, handler: str) -> str:  # type: ignore[no-untyped-def]
    name = f"stream-{uuid.uuid4().hex[:8]}"
    client.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler=f"index.{handler}",
                           Code={"ZipFile": node_zip()})  # fmt: skip
    return name


def test_node_stream_arrives_chunk_by_chunk(client, tmp_path: Path) -> None:
    """Several PayloadChunks, the first read while the function still waits, then InvokeComplete."""
    name = node_function(client, "chunks")
    gate = tmp_path / "gate"
    response = client.invoke_with_response_stream(FunctionName=name, Payload=json.dumps({"gate": str(gate)}))
    assert response["StatusCode"] == 200 and response["ExecutedVersion"] == "$LATEST"
    assert response["ResponseStreamContentType"] == "application/vnd.amazon.eventstream"
    events = iter(response["EventStream"])
    assert next(events) == {"PayloadChunk": {"Payload": b"first,"}}  # the function is still waiting on the gate
    gate.touch()
    rest = list(events)
    assert [e["PayloadChunk"]["Payload"] for e in rest[:-1]] == [b" second,", b" last"]
    assert rest[-1] == {"InvokeComplete": {}}


def test_node_stream_error_midway(client) -> None:
    """A failure after the first bytes: the chunks sent stand, InvokeComplete carries the error."""
    name = node_function(client, "chunks")
    response = client.invoke_with_response_stream(FunctionName=name, Payload=json.dumps({"fail": True}),
                                                   LogType="Tail")  # fmt: skip
    events = list(response["EventStream"])
    assert [e["PayloadChunk"]["Payload"] for e in events[:-1]] == [b"first,", b" second,"]
    complete = events[-1]["InvokeComplete"]
    assert (complete["ErrorCode"], complete["ErrorDetails"]) == ("Error", "midstream boom")
    assert "Invoke Error" in __import__("base64").b64decode(complete["LogResult"]).decode()


def test_buffered_function_is_one_chunk(client) -> None:
    """A runtime that doesn't stream (Python): its whole response is one PayloadChunk, as on AWS."""
    name = f"buffered-{uuid.uuid4().hex[:8]}"
    create(client, name)
    response = client.invoke_with_response_stream(FunctionName=name, Payload=b'{"k": 1}')
    events = list(response["EventStream"])
    assert len(events) == 2 and events[1] == {"InvokeComplete": {}}
    assert json.loads(events[0]["PayloadChunk"]["Payload"])["echo"] == {"k": 1}
    failed = list(client.invoke_with_response_stream(FunctionName=name, Payload=b'{"fail": true}')["EventStream"])
    assert failed == [{"InvokeComplete": {"ErrorCode": "ValueError", "ErrorDetails": "boom"}}]
    assert client.invoke_with_response_stream(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(ClientError) as missing:  # as Invoke (recorded: invoke_function_doesnotexist)
        client.invoke_with_response_stream(FunctionName=f"{name}-nope")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.value.response["Error"]["Message"].endswith(f"function:{name}-nope:$LATEST")


def _open_url(url: str, body: bytes = b"") -> tuple[socket.socket, bytes]:
    """POST to a function URL on a raw socket; returns it and what arrived up to the end of the head."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=20)
    sock.sendall(b"POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                 % (parts.path.encode(), parts.hostname.encode(), parts.port, len(body), body))  # fmt: skip
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(4096)
    return sock, received


def _read_until(sock: socket.socket, received: bytes, wanted: bytes) -> bytes:
    while wanted not in received:
        data = sock.recv(4096)
        assert data, f"connection closed before {wanted!r}: {received!r}"
        received += data
    return received


def test_response_stream_url_sends_bytes_before_the_function_returns(client, tmp_path: Path) -> None:
    """HttpResponseStream.from: the prelude's status, headers and cookies; the body chunked, its first
    piece on the wire while the function still waits (recorded body: "Hello, world!")."""
    name = node_function(client, "http")
    url = client.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM")
    gate = tmp_path / "gate"
    sock, head = _open_url(url["FunctionUrl"], json.dumps({"gate": str(gate)}).encode())
    with sock:
        received = _read_until(sock, head, b"Hello,")  # before the gate exists: streamed, not buffered
        assert not gate.exists()
        status_line, _, rest = received.partition(b"\r\n")
        assert status_line == b"HTTP/1.1 201 Created"
        headers = rest.split(b"\r\n\r\n")[0].lower()
        assert b"transfer-encoding: chunked" in headers and b"content-type: text/html" in headers
        assert b"set-cookie: a=b" in headers and b"cache-control: no-cache" in headers
        gate.touch()
        received = _read_until(sock, received, b"0\r\n\r\n")
    body = received.split(b"\r\n\r\n", 1)[1]
    assert _dechunk(body) == b"Hello, world!"


def _dechunk(body: bytes) -> bytes:
    out = b""
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if not size:
            return out
        out, body = out + body[:size], body[size + 2:]


def test_response_stream_url_of_a_buffered_function(client) -> None:
    """A Python function behind a RESPONSE_STREAM URL: its return value is the body as it is."""
    name = f"url-{uuid.uuid4().hex[:8]}"
    create(client, name)
    url = client.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM")
    sock, head = _open_url(url["FunctionUrl"], b"text")
    with sock:
        received = _read_until(sock, head, b"0\r\n\r\n") if b"chunked" in head.lower() else head
        if b"content-length" in head.lower():
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            while len(received.split(b"\r\n\r\n", 1)[1]) < length:
                received += sock.recv(4096)
    assert received.startswith(b"HTTP/1.1 200")
    body = received.split(b"\r\n\r\n", 1)[1]
    returned = json.loads(body if b"content-length" in head.lower() else _dechunk(body))
    assert returned["echo"]["body"] == "text" and returned["echo"]["requestContext"]["http"]["method"] == "POST"


def test_cli_invoke_with_response_stream(tmp_path: Path) -> None:
    """``invoke-with-response-stream OUTFILE``: the chunks in the file, the rest printed."""
    env = {**os.environ, "LAMBDACTL_STATE_DIR": str(tmp_path / "state")}
    (tmp_path / "n.zip").write_bytes(node_zip())
    run = lambda *args: subprocess.run([PYTHON, "-m", "lambdactl", *args], capture_output=True, text=True,  # noqa: E731
                                       timeout=60, env=env, check=False)  # fmt: skip
    made = run("create-function", "--function-name", "n", "--runtime", "nodejs20.x", "--role", ROLE, "--handler",
               "index.chunks", "--zip-file", f"fileb://{tmp_path / 'n.zip'}")  # fmt: skip
    assert made.returncode == 0, made.stderr
    out = tmp_path / "out.txt"
    ok = run("invoke-with-response-stream", "--function-name", "n", str(out))
    assert ok.returncode == 0, ok.stderr
    assert out.read_bytes() == b"first, second, last"
    assert json.loads(ok.stdout) == {"StatusCode": 200, "ExecutedVersion": "$LATEST",
                                     "ResponseStreamContentType": "application/vnd.amazon.eventstream",
                                     "InvokeComplete": {}}  # fmt: skip
    failed = run("invoke-with-response-stream", "--function-name", "n", "--cli-binary-format", "raw-in-base64-out",
                 "--payload", '{"fail": true}', str(out), "--query", "InvokeComplete.ErrorCode", "--output", "text")  # fmt: skip
    assert (failed.returncode, failed.stdout.strip(), out.read_bytes()) == (0, "Error", b"first, second,")
    missing = run("invoke-with-response-stream", "--function-name", "nope", str(out))
    assert missing.returncode == 254
    assert "(ResourceNotFoundException) when calling the InvokeWithResponseStream operation" in missing.stderr
    no_outfile = run("invoke-with-response-stream", "--function-name", "n")
    assert no_outfile.returncode == 252 and "outfile" in no_outfile.stderr


def test_cli_against_serve_decodes_the_event_stream(client, server, tmp_path: Path) -> None:
    """``--endpoint-url``: the CLI reads serve's event stream (protocols/eventstream.py's decoder)."""
    name = node_function(client, "chunks")
    out = tmp_path / "out.txt"
    done = subprocess.run([PYTHON, "-m", "lambdactl", "--endpoint-url", server.url, "invoke-with-response-stream",
                           "--function-name", name, "--cli-binary-format", "raw-in-base64-out", "--payload",
                           '{"fail": true}', str(out)], capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["InvokeComplete"] == {"ErrorCode": "Error", "ErrorDetails": "midstream boom"}
    assert out.read_bytes() == b"first, second,"
