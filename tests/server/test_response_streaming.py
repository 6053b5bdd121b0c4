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
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from .conftest import PYTHON, ROLE, create, make_client, start_server, wait_until

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

// `size` bytes, written as fast as the stream takes them (awaiting 'drain'); `progress` tells how many
// were taken so far, `done` is written once all were
exports.big = awslambda.streamifyResponse(async (event, responseStream) => {
  if (event.body) event = JSON.parse(event.body); // through a function URL
  const block = Buffer.alloc(65536, 120);
  let sent = 0;
  while (sent < event.size) {
    const piece = block.subarray(0, Math.min(block.length, event.size - sent));
    if (!responseStream.write(piece)) await new Promise((r) => responseStream.once('drain', r));
    sent += piece.length;
    if (event.progress) fs.writeFileSync(event.progress, String(sent));
  }
  await new Promise((r) => responseStream.end(r));
  if (event.done) fs.writeFileSync(event.done, String(sent));
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


def node_function(client, handler: str, **extra) -> str:  # type: ignore[no-untyped-def]
    name = f"stream-{uuid.uuid4().hex[:8]}"
    client.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler=f"index.{handler}",
                           Code={"ZipFile": node_zip()}, **extra)  # fmt: skip
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
    data, ended = _chunks(body)
    assert ended, "the chunked body has no last chunk"
    return data


def _chunks(body: bytes) -> tuple[bytes, bool]:
    """The data of a chunked body, as far as it goes, and whether its last (empty) chunk came."""
    out = []
    while b"\r\n" in body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if not size:
            return b"".join(out), True
        out.append(body[:size])
        body = body[size + 2:]
    return b"".join(out), False


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


# -- bounds: a slow client, a client gone, the size limit ---------------------------------------------------

MIB = 1 << 20
GROWTH_BOUND_MB = 25  # serve's memory while 50-64 MB stream through it: a few MB of buffers, far below the stream


def _status(pid: int, field: str) -> int:
    """A field of /proc/<pid>/status (VmRSS and VmHWM in kB, Threads a count)."""
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


@pytest.fixture
def fresh(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A serve of the test's own (with a client): its peak memory is this test's."""
    running = start_server(tmp_path / "state", tmp_path / "serve.log")
    yield running, make_client(running)
    assert running.stop() == 0


def _body_and_end(events) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    """How many payload bytes an event stream carried (all b"x"), and its InvokeComplete."""
    size, complete = 0, None
    for event in events:
        if "PayloadChunk" in event:
            payload = event["PayloadChunk"]["Payload"]
            assert payload.count(b"x") == len(payload)
            size += len(payload)
        else:
            complete = event["InvokeComplete"]
    return size, complete


def _taken(progress: Path) -> int:
    text = progress.read_text() if progress.exists() else ""
    return int(text) if text else 0


def _until_held_back(progress: Path, size: int) -> int:
    """How far the function got while nothing was read: once it sent all, or once it has made no
    progress for a second (held back). Which it was is for the caller to assert."""
    last, since = -1, time.monotonic()
    while (taken := _taken(progress)) < size:
        if taken != last:
            last, since = taken, time.monotonic()
        elif taken and time.monotonic() - since > 1.0:
            break
        time.sleep(0.05)
    return taken


@pytest.mark.slow
def test_a_client_that_does_not_read_holds_the_function_back(fresh, tmp_path: Path) -> None:
    """50 MB streamed to a client that reads nothing for a while: the function gets only as far as a
    few MB of buffers let it (the Runtime API reads its POST as fast as the client takes the stream),
    serve's memory stays bounded, and then every byte arrives."""
    server, client = fresh
    pid, size, progress = server.process.pid, 50 * MIB, tmp_path / "progress"
    name = node_function(client, "big", Timeout=120)
    assert _body_and_end(client.invoke_with_response_stream(FunctionName=name, Payload=b'{"size": 1}')["EventStream"]) == (1, {})
    before_kb = _status(pid, "VmRSS")
    response = client.invoke_with_response_stream(FunctionName=name,
                                                  Payload=json.dumps({"size": size, "progress": str(progress)}))  # fmt: skip
    held = _until_held_back(progress, size)
    assert 0 < held < size / 2, f"the function sent {held} of {size} bytes to a client that read none"
    assert _body_and_end(response["EventStream"]) == (size, {})
    grown_mb = (_status(pid, "VmHWM") - before_kb) / 1024
    assert grown_mb < GROWTH_BOUND_MB, f"serve grew {grown_mb:.0f} MB streaming {size >> 20} MB"


@pytest.mark.slow
def test_a_client_gone_mid_stream_leaves_the_function_to_finish(fresh, tmp_path: Path) -> None:
    """The client takes one chunk and hangs up: the function runs on to its end, what it sends dropped
    (as Lambda runs it on, its client gone); serve's memory stays bounded, its threads go back to what
    they were, its log still reports the invocation, and the same (warm) environment serves the next call."""
    server, client = fresh
    pid, size, done = server.process.pid, 64 * MIB, tmp_path / "done"
    name = node_function(client, "big", Timeout=120)
    assert _body_and_end(client.invoke_with_response_stream(FunctionName=name, Payload=b'{"size": 1}')["EventStream"]) == (1, {})
    before_kb, threads = _status(pid, "VmRSS"), _status(pid, "Threads")
    response = client.invoke_with_response_stream(FunctionName=name, Payload=json.dumps({"size": size, "done": str(done)}))
    assert "PayloadChunk" in next(iter(response["EventStream"]))
    response["EventStream"].close()
    assert wait_until(lambda: done.exists() and done.read_text(), timeout=60, what="the function's end") == str(size)
    wait_until(lambda: _status(pid, "Threads") <= threads, what=f"serve's threads back to {threads}")
    reports = lambda: server.log.read_text().count("| REPORT RequestId")  # noqa: E731
    wait_until(lambda: reports() == 2, what="serve's log reporting the invocation its client left")
    again = client.invoke_with_response_stream(FunctionName=name, Payload=b'{"size": 3}', LogType="Tail")
    events = list(again["EventStream"])
    assert events[0] == {"PayloadChunk": {"Payload": b"xxx"}}
    assert "Init Duration" not in __import__("base64").b64decode(events[-1]["InvokeComplete"]["LogResult"]).decode()
    grown_mb = (_status(pid, "VmHWM") - before_kb) / 1024
    assert grown_mb < GROWTH_BOUND_MB, f"serve grew {grown_mb:.0f} MB for a client gone"


LIMIT = MIB  # LAMBDACTL_STREAM_RESPONSE_MAX_BYTES of the `limited` serve (Lambda's: 200 MB)


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A serve whose streamed responses may be LIMIT bytes, and a client of it."""
    root = tmp_path_factory.mktemp("limited")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAMBDACTL_STREAM_RESPONSE_MAX_BYTES", str(LIMIT))
        running = start_server(root / "state", root / "serve.log")
    yield running, make_client(running)
    assert running.stop() == 0


def test_a_stream_past_the_limit_ends_with_response_size_too_large(limited) -> None:
    """The client gets the bytes up to the limit, then InvokeComplete with Function.ResponseSizeTooLarge
    (the buffered limit's error type and message, with the streaming limit); a response of exactly the
    limit is whole, and the function serves on."""
    _, client = limited
    name = node_function(client, "big", Timeout=60)
    over = client.invoke_with_response_stream(FunctionName=name, Payload=json.dumps({"size": 3 * LIMIT}))
    assert _body_and_end(over["EventStream"]) == (LIMIT, {
        "ErrorCode": "Function.ResponseSizeTooLarge",
        "ErrorDetails": f"Response payload size exceeded maximum allowed payload size ({LIMIT} bytes).",
    })  # fmt: skip
    whole = client.invoke_with_response_stream(FunctionName=name, Payload=json.dumps({"size": LIMIT}))
    assert _body_and_end(whole["EventStream"]) == (LIMIT, {})


def test_a_url_stream_past_the_limit_is_cut(limited) -> None:
    """Through a RESPONSE_STREAM URL: the bytes up to the limit, then the connection is cut (no last
    chunk: the client can tell the body is incomplete); within the limit the response ends properly."""
    _, client = limited
    name = node_function(client, "big", Timeout=60)
    url = client.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM")
    for size, ended in ((3 * LIMIT, False), (LIMIT, True)):
        sock, received = _open_url(url["FunctionUrl"], json.dumps({"size": size}).encode())
        with sock:  # read to the last chunk, or to the end of the connection
            while not received.endswith(b"\r\n0\r\n\r\n") and (data := sock.recv(1 << 16)):
                received += data
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
        assert _chunks(body) == (b"x" * LIMIT, ended)
