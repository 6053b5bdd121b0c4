"""serve against slow, broken and greedy clients, under the usual 1,024 open-file limit."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lambdactl.server.app import MAX_PLANES

from .conftest import PYTHON, create
from serving import LISTENING, Server, wait_until

FD_LIMIT = 1024
INVOKE_BOUND_S = 5  # a warm invoke past a thousand idle connections: a bound, not a measurement
SIGNED = (b"Host: 127.0.0.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, "
          b"SignedHeaders=host, Signature=00\r\n")


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory: pytest.TempPathFactory):
    """`lambdactl serve` whose open-file limit (soft and hard) is 1,024, as on a desktop."""
    root = tmp_path_factory.mktemp("tight")
    log = root / "serve.log"
    with open(log, "wb") as err:
        process = subprocess.Popen(
            [PYTHON, "-m", "lambdactl", "--state-dir", str(root / "state"), "serve", "--port", "0"],
            stdout=subprocess.DEVNULL, stderr=err, start_new_session=True, preexec_fn=_limited,
        )  # fmt: skip
    url = wait_until(lambda: (found := LISTENING.search(log.read_text())) and found.group(1), what="serve listening")
    server = Server(process, url, root / "state", log)
    yield server
    assert process.poll() is None, f"serve died: {log.read_text()[-2000:]}"
    assert server.stop() == 0
    assert "Traceback" not in log.read_text()


def _address(server: Server) -> tuple[str, int]:
    parts = urlsplit(server.url)
    return parts.hostname, parts.port


def _request(server: Server, raw: bytes, timeout: float = 30) -> bytes:
    with socket.create_connection(_address(server), timeout=timeout) as sock:
        sock.sendall(raw)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
            if b"\r\n\r\n" in b"".join(chunks) and b"Connection: close" not in b"".join(chunks):
                head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
                length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), b"0"))
                if len(body) >= length:
                    break
        return b"".join(chunks)


def _fds(server: Server) -> int:
    return len(os.listdir(f"/proc/{server.process.pid}/fd"))


def _settled(server: Server, quiet_s: float = 4.0):
    """A condition: serve's descriptor count has stopped growing (no new one for ``quiet_s``)."""
    import time

    seen = {"count": 0, "since": time.monotonic()}

    def settled() -> bool:
        count = _fds(server)
        if count > seen["count"]:
            seen.update(count=count, since=time.monotonic())
        return count > 400 and time.monotonic() - seen["since"] > quiet_s

    return settled


def _client(server: Server, timeout: float = 10):
    import boto3
    from botocore.config import Config

    return boto3.client("lambda", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test",
                        config=Config(retries={"total_max_attempts": 1}, connect_timeout=timeout, read_timeout=timeout))


@pytest.mark.slow
def test_a_thousand_idle_connections_lock_nobody_out(tight_server: Server) -> None:
    """1,100 connections whose handshakes completed (a serve that keeps them all reaches its open-file
    limit, spins on EMFILE and never accepts another) while an invoke is still answered at once."""
    client = _client(tight_server, timeout=INVOKE_BOUND_S)
    create(client, "idle-hello")
    client.invoke(FunctionName="idle-hello", Payload=b"{}")  # warm: the bound below is serve's, not a cold start's
    held = []
    try:
        for _ in range(1100):  # with serve's own descriptors, past the 1,024 limit
            held.append(socket.create_connection(_address(tight_server), timeout=30))  # returns once established
        wait_until(_settled(tight_server), timeout=60, what="serve taking no more of the idle connections")
        reply = client.invoke(FunctionName="idle-hello", Payload=b"{}")  # ReadTimeoutError past the bound
        assert reply["StatusCode"] == 200 and "FunctionError" not in reply
    finally:
        for sock in held:
            sock.close()


@pytest.mark.slow
def test_six_hundred_concurrent_requests_no_500_no_leak(tight_server: Server) -> None:
    """600 writes at once, all waiting on the database (another lambdactl holds its write lock)."""
    import sqlite3

    arn = create(_client(tight_server), "many")["FunctionArn"]
    tag = (f"POST /2017-03-31/tags/{arn} HTTP/1.1\r\n".encode() + SIGNED
           + b"Content-Type: application/json\r\nContent-Length: 21\r\nConnection: close\r\n\r\n"
           + b'{"Tags": {"k": "v1"}}')
    _request(tight_server, tag)
    baseline = _fds(tight_server) + 2 * MAX_PLANES  # the pool keeps at most that many planes (db, wal) open
    barrier = threading.Barrier(601)

    def one(_: int) -> bytes:
        barrier.wait()
        with socket.create_connection(_address(tight_server), timeout=90) as sock:
            sock.sendall(tag)
            return b"".join(iter(lambda: sock.recv(65536), b""))

    blocker = sqlite3.connect(tight_server.state_dir / "lambdactl.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with ThreadPoolExecutor(600) as pool:
            replies = pool.map(one, range(600))
            barrier.wait()
            wait_until(lambda: _fds(tight_server) > 600, what="the requests waiting in serve")
            blocker.execute("COMMIT")
            replies = list(replies)
    finally:
        blocker.close()
    statuses = sorted({reply.split(b" ", 2)[1] for reply in replies if reply})
    assert statuses == [b"204"] and all(replies), statuses
    try:
        wait_until(lambda: _fds(tight_server) <= baseline, what=f"descriptors back to {baseline}")
    except AssertionError:
        import collections
        fd_dir = f"/proc/{tight_server.process.pid}/fd"
        kinds = collections.Counter(os.readlink(f"{fd_dir}/{f}").split("[")[0] for f in os.listdir(fd_dir))
        raise AssertionError(f"descriptors: {kinds}") from None


def test_a_request_cut_off_in_its_headers_is_not_executed(tight_server: Server) -> None:
    client = _client(tight_server)
    create(client, "keep-me")
    with socket.create_connection(_address(tight_server), timeout=30) as sock:
        sock.sendall(b"DELETE /2015-03-31/functions/keep-me HTTP/1.1\r\n" + SIGNED)
        sock.shutdown(socket.SHUT_WR)  # no blank line: the request never ended
        assert sock.recv(65536) == b""
    assert client.get_function(FunctionName="keep-me")["Configuration"]["FunctionName"] == "keep-me"
    with socket.create_connection(_address(tight_server), timeout=30) as sock:  # a body cut short, too
        sock.sendall(b"DELETE /2015-03-31/functions/keep-me HTTP/1.1\r\n" + SIGNED
                     + b"Content-Length: 10\r\n\r\n{}")
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(65536) == b""
    assert client.get_function(FunctionName="keep-me")["Configuration"]["FunctionName"] == "keep-me"


def test_a_body_over_the_limit_is_answered_413_not_dropped(tight_server: Server) -> None:
    size = 80 << 20
    head = (b"POST /2015-03-31/functions HTTP/1.1\r\n" + SIGNED
            + f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode())
    with socket.create_connection(_address(tight_server), timeout=30) as sock:
        try:  # as an SDK does: the whole body first, then the answer
            sock.sendall(head)
            block = b"x" * (1 << 20)
            for _ in range(size >> 20):
                sock.sendall(block)
        except OSError:
            pass
        try:
            reply = sock.recv(65536)
        except OSError as exc:
            reply = repr(exc).encode()
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:200]
    assert b"RequestEntityTooLargeException" in reply


def test_an_invoke_over_its_payload_limit_is_refused_before_its_body_is_sent(tight_server: Server) -> None:
    """Invoke's limit (6 MB) is known from the head: a 60 MB body (under CreateFunction's limit) is
    answered 413 while the client has sent a few bytes of it, and nothing is executed."""
    client = _client(tight_server)
    create(client, "not-fed")
    head = (b"POST /2015-03-31/functions/not-fed/invocations HTTP/1.1\r\n" + SIGNED
            + f"Content-Length: {60 << 20}\r\n\r\n".encode())
    with socket.create_connection(_address(tight_server), timeout=30) as sock:
        sock.sendall(head + b'{"a": "')  # the rest never comes: only an answer from the head ends this read
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 413 "), reply[:200]
    assert b"RequestEntityTooLargeException" in reply
    assert b"Request must be smaller than 6291456 bytes for the InvokeFunction operation" in reply


def test_framing_the_runtime_api_and_serve_read_alike(tight_server: Server) -> None:
    """One reader: what the Runtime API refuses, serve refuses (and the other way round)."""
    for framing in (b"Content-Length: -1\r\n\r\n", b"Content-Length: +5\r\n\r\n{}",
                    b"Transfer-Encoding: chunked\r\n\r\n-1\r\n\r\n", b"Transfer-Encoding: chunked\r\n\r\n0x2\r\n{}\r\n0\r\n\r\n"):
        reply = _request(tight_server, b"POST /2015-03-31/functions HTTP/1.1\r\n" + SIGNED
                         + b"Content-Type: application/json\r\n" + framing)
        assert reply.startswith(b"HTTP/1.1 400 "), (framing, reply[:200])
        from lambdactl.runtime.api import RuntimeAPI

        with RuntimeAPI() as api:
            host, port = api.address.split(":")
            with socket.create_connection((host, int(port)), timeout=10) as sock:
                sock.sendall(b"POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\n" + framing)
                answer = sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 400 "), (framing, answer[:200])
            assert api.init_error is None
