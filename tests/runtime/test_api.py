"""The Runtime API on the wire: routes, status codes, error shapes, keep-alive."""

from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from lambdactl.runtime.api import MAX_RESPONSE_BYTES, Invocation, RuntimeAPI, error_type_from_header

BASE = "/2018-06-01/runtime"


@pytest.fixture
def api():
    with RuntimeAPI() as server:
        yield server


@pytest.fixture
def connect():
    made: list[http.client.HTTPConnection] = []

    def connect(api: RuntimeAPI) -> http.client.HTTPConnection:
        host, port = api.address.split(":")
        made.append(http.client.HTTPConnection(host, int(port), timeout=10))
        return made[-1]

    yield connect
    for conn in made:
        conn.close()


def call(conn, method, path, body=None, headers=None):
    conn.request(method, BASE + path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return resp.status, resp.read(), resp


def start_invocation(api: RuntimeAPI, conn, request_id="r-1", **headers):
    """Park a /next on ``conn``, run the invocation (in a thread), and return the /next response."""
    inv = Invocation(request_id, b'{"k":1}', {"Lambda-Runtime-Aws-Request-Id": request_id, **headers})
    threading.Thread(target=lambda: (api.wait(lambda: api.initialized, 5), api.run(inv, 10))).start()
    return call(conn, "GET", "/invocation/next"), inv


def test_listens_on_loopback_port_before_anything(api, connect):
    host, port = api.address.split(":")
    assert host == "127.0.0.1" and int(port) > 0


def test_next_response_keepalive(api, connect):
    conn = connect(api)
    (status, body, resp), inv = start_invocation(
        api, conn, **{"Lambda-Runtime-Trace-Id": "Root=1-x", "Lambda-Runtime-Client-Context": None})
    assert status == 200 and body == b'{"k":1}'
    assert resp.getheader("Lambda-Runtime-Aws-Request-Id") == "r-1"
    assert resp.getheader("Lambda-Runtime-Trace-Id") == "Root=1-x"
    assert resp.getheader("Lambda-Runtime-Client-Context") is None
    sock = conn.sock
    status, body, _ = call(conn, "POST", "/invocation/r-1/response", b'"done"')
    assert (status, json.loads(body)) == (202, {"status": "OK"})
    assert conn.sock is sock  # same connection: keep-alive
    assert (inv.outcome, inv.body) == ("response", b'"done"')


def test_wrong_and_repeated_request_ids(api, connect):
    conn = connect(api)
    start_invocation(api, conn)
    status, body, _ = call(conn, "POST", "/invocation/nope/response", b"{}")
    assert (status, json.loads(body)) == (400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"})
    assert call(conn, "POST", "/invocation/r-1/response", b"{}")[0] == 202
    status, body, _ = call(conn, "POST", "/invocation/r-1/response", b"{}")
    assert status == 403 and json.loads(body)["errorType"] == "InvalidStateTransition"


def test_error_post_validates_type(api, connect):
    conn = connect(api)
    _, inv = start_invocation(api, conn)
    headers = {"Lambda-Runtime-Function-Error-Type": "not a type"}
    assert call(conn, "POST", "/invocation/r-1/error", b'{"errorMessage":"x"}', headers)[0] == 202
    assert (inv.outcome, inv.error_type) == ("error", "Runtime.Unknown")
    assert error_type_from_header("Function.MyError") == "Function.MyError"
    assert error_type_from_header("Runtime.ImportModuleError") == "Runtime.ImportModuleError"
    assert error_type_from_header("ValueError") == "Runtime.Unknown"


def test_init_error_only_before_first_next(api, connect):
    conn = connect(api)
    headers = {"Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError"}
    assert call(conn, "POST", "/init/error", b'{"errorMessage":"m"}', headers)[0] == 202
    assert api.init_error == ("Runtime.ImportModuleError", b'{"errorMessage":"m"}')
    assert call(conn, "POST", "/init/error", b"{}")[0] == 403
    assert call(conn, "GET", "/invocation/next")[0] == 403


def test_response_before_any_invocation_is_forbidden(api, connect):
    status, body, _ = call(connect(api), "POST", "/invocation/r-1/response", b"{}")
    assert status == 403 and json.loads(body)["errorType"] == "InvalidStateTransition"


def test_too_large_response(api, connect):
    conn = connect(api)
    _, inv = start_invocation(api, conn)
    status, body, _ = call(conn, "POST", "/invocation/r-1/response", b"x" * (MAX_RESPONSE_BYTES + 1))
    assert (status, json.loads(body)) == (413, {
        "errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).",
        "errorType": "RequestEntityTooLarge"})
    assert inv.outcome == "too_large"


def test_exactly_max_is_accepted(api, connect):
    conn = connect(api)
    _, inv = start_invocation(api, conn)
    assert call(conn, "POST", "/invocation/r-1/response", b"x" * MAX_RESPONSE_BYTES)[0] == 202
    assert len(inv.body) == MAX_RESPONSE_BYTES


def test_chunked_body_and_expect_continue(api, connect):
    conn = connect(api)
    _, inv = start_invocation(api, conn)
    raw = socket.create_connection(tuple(api.address.split(":")[:1]) + (int(api.address.split(":")[1]),))
    raw.sendall(b"POST " + BASE.encode() + b"/invocation/r-1/response HTTP/1.1\r\nHost: x\r\n"
                b"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
    assert raw.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    raw.sendall(b"3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n")
    reply = b""
    while b'{"status":"OK"}' not in reply:
        chunk = raw.recv(1000)
        assert chunk
        reply += chunk
    raw.close()
    assert inv.body == b'{"a":1}'


def test_unknown_routes(api, connect):
    conn = connect(api)
    assert call(conn, "GET", "/nothing/here")[0] == 404
    assert call(conn, "POST", "/invocation/next")[0] == 405


def test_close_releases_parked_next(api, connect):
    conn = connect(api)
    result = []
    t = threading.Thread(target=lambda: result.append(_try(lambda: call(conn, "GET", "/invocation/next"))))
    t.start()
    api.wait(lambda: api.initialized, 5)
    api.close()
    t.join(5)
    assert not t.is_alive() and isinstance(result[0], Exception)


def _try(fn):
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the test inspects it
        return exc


def _post_streaming(api: RuntimeAPI, request_id: str, chunks: list[bytes], trailers: dict[str, str]) -> bytes:
    """A streamed /response as the Node.js runtime interface client sends it: chunked, trailers last."""
    host, port = api.address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (f"POST {BASE}/invocation/{request_id}/response HTTP/1.1\r\nHost: x\r\n"
                "Lambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
                "Content-Type: text/plain\r\nTrailer: Lambda-Runtime-Function-Error-Type, "
                "Lambda-Runtime-Function-Error-Body\r\n\r\n")  # fmt: skip
        body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n"
        body += "".join(f"{k}: {v}\r\n" for k, v in trailers.items()).encode() + b"\r\n"
        sock.sendall(head.encode() + body)
        return sock.recv(4096)


def test_streamed_response_reaches_the_sink_chunk_by_chunk(api, connect):
    """Lambda-Runtime-Function-Response-Mode: streaming (AWS docs, "Response streaming for custom
    runtimes"; the Node.js runtime interface client's ResponseStream): each chunk goes to on_chunk."""
    conn = connect(api)
    got: list[bytes] = []
    started: list[str | None] = []
    inv = Invocation("r-s", b"{}", {"Lambda-Runtime-Aws-Request-Id": "r-s"}, on_chunk=got.append,
                     on_start=started.append)  # fmt: skip
    threading.Thread(target=lambda: (api.wait(lambda: api.initialized, 5), api.run(inv, 10))).start()
    assert call(conn, "GET", "/invocation/next")[0] == 200
    answer = _post_streaming(api, "r-s", [b"one,", b"two"], {})
    assert answer.startswith(b"HTTP/1.1 202")
    assert api.wait(lambda: inv.outcome is not None, 5)
    assert (got, started, inv.outcome, inv.body, inv.streamed, inv.content_type) == (
        [b"one,", b"two"], ["text/plain"], "response", b"", True, "text/plain")


def test_streamed_response_error_trailers_and_collected_body(api, connect):
    """An error met mid-stream arrives in the trailers (type, base64 JSON body); without a sink the
    streamed bytes are collected as the payload."""
    import base64

    conn = connect(api)
    inv = Invocation("r-t", b"{}", {"Lambda-Runtime-Aws-Request-Id": "r-t"})
    threading.Thread(target=lambda: (api.wait(lambda: api.initialized, 5), api.run(inv, 10))).start()
    assert call(conn, "GET", "/invocation/next")[0] == 200
    error = json.dumps({"errorType": "Error", "errorMessage": "boom"}).encode()
    _post_streaming(api, "r-t", [b"partial"], {"Lambda-Runtime-Function-Error-Type": "Function.Boom",
                                               "Lambda-Runtime-Function-Error-Body": base64.b64encode(error).decode()})
    assert api.wait(lambda: inv.outcome is not None, 5)
    assert (inv.outcome, inv.error_type, inv.body) == ("error", "Function.Boom", error)
    inv2 = Invocation("r-u", b"{}", {"Lambda-Runtime-Aws-Request-Id": "r-u"})
    threading.Thread(target=lambda: api.run(inv2, 10)).start()
    assert call(conn, "GET", "/invocation/next")[0] == 200
    _post_streaming(api, "r-u", [b"all ", b"of it"], {})
    assert api.wait(lambda: inv2.outcome is not None, 5)
    assert (inv2.outcome, inv2.body) == ("response", b"all of it")


def _serving_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.endswith("(_serve)") or t.name.endswith("(_serve_conn)")]


def test_a_parked_next_holds_no_thread_and_the_invoker_reads_the_answer(api, connect):
    """A warm environment's connection has no thread of its own (1,000 warm environments: no 1,000
    blocked threads); run() writes the event and reads the answer in the invoking thread."""
    conn = connect(api)
    answered = []

    def runtime() -> None:
        status, body, _ = call(conn, "GET", "/invocation/next")
        answered.append(call(conn, "POST", "/invocation/r-1/response", b'"pong:' + body + b'"')[0])

    client = threading.Thread(target=runtime)
    client.start()
    assert api.wait(lambda: api.initialized, 5)
    for _ in range(500):  # its thread hands the connection over and ends, right after parking
        if not _serving_threads():
            break
        threading.Event().wait(0.01)
    assert not _serving_threads()
    inv = Invocation("r-1", b"ping", {"Lambda-Runtime-Aws-Request-Id": "r-1"})
    assert api.run(inv, 5)
    client.join(5)
    assert (inv.outcome, inv.body, answered) == ("response", b'"pong:ping"', [202])
    assert not _serving_threads()


def test_an_answer_on_another_connection_ends_the_wait_and_keeps_the_first(api, connect):
    """A runtime that posts its answer on a second connection: run() returns at once (not at its
    timeout), and the first connection, idle meanwhile, still carries the next /next."""
    first, second = connect(api), connect(api)
    threading.Thread(target=lambda: call(first, "GET", "/invocation/next")).start()
    assert api.wait(lambda: api.initialized, 5)
    inv = Invocation("r-1", b"{}", {"Lambda-Runtime-Aws-Request-Id": "r-1"})
    poster = threading.Thread(target=lambda: (threading.Event().wait(0.2),
                                              call(second, "POST", "/invocation/r-1/response", b'"two"')))
    poster.start()
    assert api.run(inv, 60)  # a 60 s timeout: returning at all (the test's own limit) shows the wake-up
    poster.join(5)
    assert (inv.outcome, inv.body) == ("response", b'"two"')
    inv2 = Invocation("r-2", b'{"n":2}', {"Lambda-Runtime-Aws-Request-Id": "r-2"})
    got = []
    runtime = threading.Thread(target=lambda: (got.append(call(first, "GET", "/invocation/next")[1]),
                                               got.append(call(first, "POST", "/invocation/r-2/response", b'"again"')[0])))
    runtime.start()
    assert api.run(inv2, 5)
    runtime.join(5)
    assert (got, inv2.body) == ([b'{"n":2}', 202], b'"again"')


def test_a_runtime_that_stalls_mid_request_times_the_invocation_out(api):
    """Half an answer's head, then nothing: run() gives up at the invocation's timeout, not never."""
    host, port = api.address.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {BASE}/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert api.wait(lambda: api.initialized, 5)
        inv = Invocation("r-1", b"{}", {"Lambda-Runtime-Aws-Request-Id": "r-1"})
        result: list[bool] = []
        runner = threading.Thread(target=lambda: result.append(api.run(inv, 0.5)))
        runner.start()
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.sendall(f"POST {BASE}/invocation/r-1/response HTTP/1.1\r\nContent-Le".encode())
        runner.join(10)
        assert result == [False] and inv.outcome is None
