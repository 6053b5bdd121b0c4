"""The Runtime API (``/2018-06-01/runtime/...``) that a runtime process long-polls.

One ``RuntimeAPI`` per execution environment, bound to ``127.0.0.1`` on a port the OS
picks, listening before the runtime is spawned (``AWS_LAMBDA_RUNTIME_API`` is host:port).

The server is a small HTTP/1.1 implementation on plain sockets (keep-alive, Content-Length
and chunked bodies read by ``lambdactl.http11``, as ``serve`` reads them, ``Expect: 100-continue``)
with a thread per connection: ``http.server``
would cost ~30 ms of imports on every CLI start and the API has only four routes.

A response posted with ``Lambda-Runtime-Function-Response-Mode: streaming`` is read chunk by chunk,
each handed to the invocation's ``on_chunk`` as it arrives (InvokeWithResponseStream, RESPONSE_STREAM
URLs), only as fast as ``on_chunk`` takes it; an error met mid-stream comes in its trailers.

The environment drives it from the other side with ``run()``, in the invoking thread. A connection
whose ``/next`` is parked is handed over by its thread (which ends): ``run()`` writes the event on it
and reads the runtime's answer from it itself, then leaves it with its next request (the following
``/next``) unread until the next ``run()``. So a warm invoke wakes no other thread: the invoking
thread blocks on the runtime's socket, as a client would. Answers on other connections (a runtime
that opens one per request), a runtime gone, and streamed invocations (whose chunks a thread feeds to
the reader) go through one condition instead, which ``wait()`` blocks on. No polling.
"""

from __future__ import annotations

import os
import re
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from lambdactl import http11
from lambdactl.runtime import error_types
from lambdactl.runtime.error_types import api_error

MAX_RESPONSE_BYTES = 6291556  # 6 MiB + 100 bytes, as Lambda and RIE
STREAM_SLICE = 1 << 16  # a streamed response is handed on in pieces of at most this many bytes
_PREFIX = "/2018-06-01/runtime/"
_ERROR_TYPE = re.compile(r"(Runtime|Function)\.[A-Z][a-zA-Z]+")
_REASONS = {100: b"Continue", 200: b"OK", 202: b"Accepted", 400: b"Bad Request", 403: b"Forbidden",
            404: b"Not Found", 405: b"Method Not Allowed", 413: b"Request Entity Too Large",
            500: b"Internal Server Error"}
_ACCEPTED = (202, b'{"status":"OK"}')
_PARKED = object()  # /next is answered later, by dispatch()
RESPONSE_MODE = b"lambda-runtime-function-response-mode"
ERROR_TYPE_TRAILER = "lambda-runtime-function-error-type"
ERROR_BODY_TRAILER = "lambda-runtime-function-error-body"


_INVALID_REQUEST_ID = api_error("InvalidRequestID")
_TOO_LARGE = api_error("RequestEntityTooLarge", limit=MAX_RESPONSE_BYTES)
_NOT_FOUND = api_error("NotFound")
_BAD_REQUEST = api_error("BadRequest")
_BAD_METHOD = api_error("MethodNotAllowed")


def _transition_error(current: str, target: str) -> tuple[int, bytes]:
    return api_error("InvalidStateTransition", current=current, target=target)


def error_type_from_header(value: str | None) -> str:
    """RIE keeps ``Lambda-Runtime-Function-Error-Type`` only if it looks like ``Runtime.X``/``Function.X``."""
    return value if value and _ERROR_TYPE.fullmatch(value) else error_types.UNKNOWN


class Invocation:
    """One event handed to the runtime, and what the runtime answered."""

    __slots__ = ("request_id", "payload", "headers", "outcome", "body", "error_type", "on_chunk", "on_start",
                 "streamed", "content_type", "stream_limit", "limit")

    def __init__(self, request_id: str, payload: bytes, headers: dict[str, str | None],
                 on_chunk: Callable[[bytes], None] | None = None,
                 on_start: Callable[[str | None], None] | None = None,
                 stream_limit: int | None = None) -> None:  # fmt: skip
        self.request_id = request_id
        self.payload = payload
        self.on_chunk = on_chunk  # where a streamed response's bytes go as they arrive (else: into body)
        self.on_start = on_start  # told a streamed response's Content-Type before its first byte
        self.stream_limit = stream_limit  # the most bytes on_chunk is given (None: no limit)
        self.streamed = False
        self.content_type: str | None = None
        self.headers = b"".join(
            b"%s: %s\r\n" % (k.encode(), v.replace("\r", "").replace("\n", "").encode())
            for k, v in headers.items() if v
        )
        self.outcome: str | None = None  # "response" | "error" | "too_large"
        self.limit = MAX_RESPONSE_BYTES  # the size the response was too large for
        self.body = b""
        self.error_type: str | None = None


class _Reader:
    """A socket's bytes through ``readline``/``read`` (what ``http11`` reads with), with the buffer in
    sight: run() waits on the socket only when nothing is buffered (a file object's buffer is hidden)."""

    __slots__ = ("sock", "buf", "deadline", "_poll")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock  # blocking, as the threads that serve it want it
        self.buf = bytearray()
        self.deadline: float | None = None  # time.monotonic() after which a read raises TimeoutError
        self._poll: select.poll | None = None

    def _fill(self) -> bool:
        if self.deadline is None:
            data = self.sock.recv(65536)
        else:  # without a socket timeout, whose every call polls first: poll only when there is nothing
            while True:
                try:
                    data = self.sock.recv(65536, socket.MSG_DONTWAIT)
                    break
                except BlockingIOError:
                    if self._poll is None:
                        self._poll = select.poll()
                        self._poll.register(self.sock, select.POLLIN)
                    left = self.deadline - time.monotonic()
                    if left <= 0 or not self._poll.poll(left * 1000):
                        raise TimeoutError("the runtime stopped sending mid-request") from None
        self.buf += data
        return bool(data)

    def readline(self, limit: int = -1) -> bytes:
        start = 0
        while (end := self.buf.find(b"\n", start) + 1) == 0:
            if 0 <= limit <= len(self.buf):
                break
            start = len(self.buf)
            if not self._fill():
                break
        if end == 0 or 0 <= limit < end:
            end = len(self.buf) if limit < 0 else min(limit, len(self.buf))
        line = bytes(self.buf[:end])
        del self.buf[:end]
        return line

    def peek(self, size: int) -> bytes:
        """What is buffered (a read first only if nothing is), as ``BufferedReader.peek``."""
        if not self.buf:
            self._fill()
        return bytes(self.buf)

    def read(self, size: int) -> bytes:
        while len(self.buf) < size and self._fill():
            pass
        data = bytes(self.buf[:size])
        del self.buf[:size]
        return data


class _Conn:
    """A runtime's connection, read by one thread at a time: its own, or (handed over) an invoker's."""

    __slots__ = ("sock", "rfile", "keep_alive", "parked", "poller")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.rfile = _Reader(sock)
        self.keep_alive = True
        self.parked = False  # a /next was read and waits for its event; else its next request is unread
        self.poller: select.poll | None = None  # its socket and the API's wake-up, for run()

    def close(self) -> None:
        self.sock.close()


_MORE, _HANDED, _CLOSED = "more", "handed", "closed"  # what serving one request left the connection in


class RuntimeAPI:
    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=16)
        self.address = "127.0.0.1:%d" % self._listener.getsockname()[1]
        self._cond = threading.Condition()
        self._pending: Invocation | None = None  # dispatched, not yet taken by /next
        self._handed: _Conn | None = None  # no thread reads it: its /next is parked, or its next request unread
        self._reading: _Conn | None = None  # the handed-over connection run() reads the answer from
        self._wake: int | None = None  # an eventfd that interrupts run()'s wait on ``_reading``
        self._current: Invocation | None = None  # taken by /next, not yet answered
        self._conns: set[socket.socket] = set()
        self.initialized = False  # the runtime has called /next once: init is over
        self.init_error: tuple[str, bytes] | None = None  # (error type, body) from /init/error
        self.gone = False  # the runtime process is gone or the server closed
        self._listeners = [self._listener]
        threading.Thread(target=self._accept, args=(self._listener,), name=f"runtime-api-{self.address}",
                         daemon=True).start()

    def also_listen(self, listener: socket.socket) -> None:
        """Serve on one more listening socket too (one a backend made in a container's network namespace)."""
        with self._cond:
            if self.gone:
                listener.close()
                return
            self._listeners.append(listener)
        threading.Thread(target=self._accept, args=(listener,), name=f"runtime-api-{self.address}+",
                         daemon=True).start()

    # -- environment side -------------------------------------------------------------

    def run(self, invocation: Invocation, timeout: float) -> bool:
        """Hand the invocation to the runtime and wait for its answer; False on timeout or a runtime gone
        first. With a handed-over connection (and no stream to feed) the answer is read here."""
        with self._cond:
            conn, self._handed = self._handed, None
            if conn is not None and conn.parked:
                self._current = invocation
            else:
                self._pending = invocation  # the runtime's next /next takes it
            if conn is not None and invocation.on_chunk is None:
                self._reading = conn
        if conn is None:
            return self.wait(lambda: invocation.outcome is not None, timeout)
        if conn.parked:
            conn.parked = False
            try:
                conn.sock.sendall(_reply(200, invocation.payload, invocation.headers, conn.keep_alive))
            except OSError:  # the runtime hung up: its exit is reported by the process watcher
                pass
        if invocation.on_chunk is not None:  # a thread feeds the stream to its reader meanwhile
            self._give_thread(conn)
            return self.wait(lambda: invocation.outcome is not None, timeout)
        try:
            return self._read_answer(conn, invocation, timeout)
        finally:
            with self._cond:
                self._reading = None

    def _read_answer(self, conn: _Conn, invocation: Invocation, timeout: float) -> bool:
        """run()'s wait: serve the handed-over connection's requests here until the invocation is answered.
        It waits on the socket and the wake-up that an answer on another connection (or the runtime
        gone) signals, so those end the wait at once."""
        if self._wake is None:
            self._wake = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        wake = self._wake
        if conn.poller is None:
            conn.poller = select.poll()
            conn.poller.register(conn.sock, select.POLLIN)
            conn.poller.register(wake, select.POLLIN)
        deadline = conn.rfile.deadline = time.monotonic() + timeout  # bounds a request sent in part, too
        while invocation.outcome is None and not self.gone:
            left = deadline - time.monotonic()
            if not conn.rfile.buf:  # nothing buffered: wait for the socket (a closed one polls readable)
                ready = conn.poller.poll(max(left * 1000, 0))
                if not ready:
                    self._drop(conn)
                    return False
                if any(fd == wake for fd, _ in ready):
                    _drain(wake)
                    continue
            try:
                after = self._serve_one(conn)
            except (OSError, ValueError):  # a TimeoutError too: the connection is mid-request, so done with
                after = _CLOSED
            if after != _MORE:  # closed, or its /next parked again (the invocation went elsewhere)
                if after == _CLOSED:
                    self._drop(conn)
                return self.wait(lambda: invocation.outcome is not None, max(deadline - time.monotonic(), 0))
        if invocation.outcome is None:  # gone
            self._drop(conn)
            return False
        conn.rfile.deadline = None
        with self._cond:  # its next request (the runtime's next /next) is read by the next run()
            if self.gone or self._handed is not None:
                after = _CLOSED
            elif self._pending is None:
                self._handed, after = conn, _HANDED
            else:  # an invocation came meanwhile (another thread's run()): a thread reads its /next
                after = _MORE
        if after == _MORE:
            self._give_thread(conn)
        elif after == _CLOSED:
            self._drop(conn)
        return True

    def wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Block until ``done()`` or the runtime is gone; False on timeout or gone-before-done."""
        with self._cond:
            self._cond.wait_for(lambda: done() or self.gone, timeout)
            return done()

    def runtime_gone(self) -> None:
        """The process exited (or was killed): wake every waiter and parked /next."""
        with self._cond:
            self.gone = True
            self._cond.notify_all()
            self._wake_reader(None)

    def close(self) -> None:
        self.runtime_gone()
        with self._cond:
            conns, self._conns = self._conns, set()
            listeners = list(self._listeners)
            handed, self._handed = self._handed, None
        for listener in listeners:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
            except OSError:
                pass
            listener.close()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if handed is not None:  # no thread of its own to close it
            handed.close()
        with self._cond:
            wake, self._wake = self._wake, None
        if wake is not None:
            os.close(wake)

    def __enter__(self) -> RuntimeAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- runtime side ---------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._cond:
                if self.gone:
                    conn.close()
                    continue
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        self._serve_conn(_Conn(sock))

    def _give_thread(self, conn: _Conn) -> None:
        conn.rfile.deadline = None
        threading.Thread(target=self._serve_conn, args=(conn,), daemon=True).start()

    def _serve_conn(self, conn: _Conn) -> None:
        """Serve a connection's requests until it closes or is handed over (its /next parked)."""
        try:
            while (after := self._serve_one(conn)) == _MORE:
                pass
        except (OSError, ValueError):  # http11.Incomplete is an OSError: the runtime hung up
            after = _CLOSED
        if after == _CLOSED:
            self._drop(conn)

    def _serve_one(self, conn: _Conn) -> str:
        """Read one request and answer it, unless it is a /next that parks (handing the connection over)."""
        rfile = conn.rfile
        line = b"\r\n"
        while line in (b"\r\n", b"\n"):
            line = rfile.readline(http11.MAX_LINE)
            if not line:
                return _CLOSED
        try:
            method, target, version = line.split()
            headers = {name.lower().encode("latin-1"): value.encode("latin-1")
                       for name, value in http11.read_headers(rfile)}
        except (ValueError, http11.Malformed):  # http11.Malformed is a ValueError too
            conn.sock.sendall(_reply(*_BAD_REQUEST, b"", False))
            return _CLOSED
        connection = headers.get(b"connection", b"").lower()
        keep_alive = connection != b"close" if version == b"HTTP/1.1" else connection == b"keep-alive"
        reply = self._route(method, target.decode("latin-1"), headers, rfile, conn, keep_alive)
        if reply is _PARKED:
            return _HANDED  # another thread owns it now: not a byte more from this one
        status, body, extra, *unread = reply if len(reply) >= 3 else (*reply, b"")
        # a body we didn't read may follow
        keep_alive = keep_alive and status not in (400, 404, 405) and not unread
        conn.sock.sendall(_reply(status, body, extra, keep_alive))
        return _MORE if keep_alive else _CLOSED

    def _wake_reader(self, answered_on: _Conn | None) -> None:
        """(Lock held.) End run()'s wait on its connection: the answer came on another one, or none will."""
        if self._reading is not None and self._reading is not answered_on and self._wake is not None:
            os.eventfd_write(self._wake, 1)

    def _drop(self, conn: _Conn) -> None:
        with self._cond:
            self._conns.discard(conn.sock)
        conn.close()

    def _route(
        self, method: bytes, target: str, headers: dict[bytes, bytes], rfile, conn: _Conn, keep_alive: bool
    ) -> Any:  # (status, body[, extra header lines[, "unread": close, a body was left unread]]), or _PARKED
        path = target.split("?", 1)[0]
        if not path.startswith(_PREFIX):
            return _NOT_FOUND
        parts = path[len(_PREFIX):].split("/")
        if parts == ["invocation", "next"]:
            return self._next(conn, keep_alive) if method == b"GET" else _BAD_METHOD
        is_answer = len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error")
        if not is_answer and parts != ["init", "error"]:
            return _NOT_FOUND
        if method != b"POST":
            return _BAD_METHOD
        if parts[2:] == ["response"] and headers.get(RESPONSE_MODE, b"").lower() == b"streaming":
            return self._stream(parts[1], rfile, conn, headers)
        try:
            body = _read_body(rfile, conn, headers)
        except http11.Malformed:
            return _BAD_REQUEST
        error_type = headers.get(b"lambda-runtime-function-error-type", b"").decode("latin-1") or None
        if is_answer:
            return self._answer(parts[1], parts[2], body, error_type, conn)
        return self._init_error(body, error_type)

    def _next(self, conn: _Conn, keep_alive: bool) -> tuple | object:
        replaced = None
        with self._cond:
            if self.init_error is not None:
                return _transition_error("InitError", "Ready")
            if self._current is not None:
                return _transition_error("Invoking", "Ready")
            if not self.initialized:
                self.initialized = True
                self._cond.notify_all()
            if self._pending is None:
                conn.keep_alive, conn.parked = keep_alive, True
                replaced, self._handed = self._handed, conn
                invocation = None
            else:
                invocation, self._pending = self._pending, None
                self._current = invocation
        if invocation is not None:
            return 200, invocation.payload, invocation.headers
        if replaced is not None and replaced is not conn:  # a second connection's /next: the first gets a thread back
            self._give_thread(replaced)
        return _PARKED

    def _answer(self, request_id: str, kind: str, body: bytes | None, error_type: str | None, conn: _Conn) -> tuple:
        with self._cond:
            invocation = self._current
            if invocation is None:
                return _transition_error("Ready" if self.initialized else "Init", "ResponseSent")
            if invocation.request_id != request_id:
                return _INVALID_REQUEST_ID
            self._current = None
            if body is None:
                invocation.outcome = "too_large"
            else:
                invocation.outcome, invocation.body = kind, body
                invocation.error_type = error_type_from_header(error_type) if kind == "error" else None
            self._cond.notify_all()
            self._wake_reader(conn)
        return _TOO_LARGE if body is None else _ACCEPTED

    def _stream(self, request_id: str, rfile, conn: _Conn, headers: dict[bytes, bytes]) -> tuple:
        """A streamed response (``Lambda-Runtime-Function-Response-Mode: streaming``, chunked): each chunk
        goes to the invocation's ``on_chunk`` as it arrives (which may wait for the client: this thread
        then stops reading, and TCP holds the runtime back); an error the runtime meets mid-stream comes in
        the trailers ``Lambda-Runtime-Function-Error-Type`` / ``-Error-Body`` (base64 JSON), as the Node.js
        runtime interface client sends them. Past the invocation's ``stream_limit`` (Lambda's 200 MB)
        nothing more is read: the invocation fails with ``Function.ResponseSizeTooLarge``."""
        with self._cond:
            invocation = self._current
            if invocation is None:
                return (*_transition_error("Ready" if self.initialized else "Init", "ResponseSent"), b"", "unread")
            if invocation.request_id != request_id:
                return (*_INVALID_REQUEST_ID, b"", "unread")
            invocation.streamed = True
        if headers.get(b"expect", b"").lower() == b"100-continue":
            conn.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        content_type = headers.get(b"content-type", b"").decode("latin-1") or None
        if invocation.on_start is not None:
            invocation.on_start(content_type)
        sink, total, limit = invocation.on_chunk, 0, invocation.stream_limit
        kept: list[bytes] = []
        trailers: dict[str, str] = {}
        try:
            for data in _streamed_body(rfile, headers, trailers):
                total += len(data)
                if sink is None:  # collected for the payload (Invoke), while within MAX_RESPONSE_BYTES
                    if total <= MAX_RESPONSE_BYTES:
                        kept.append(data)
                elif limit is not None and total > limit:  # the bytes up to the limit are sent, then the error
                    sink(data[:len(data) - (total - limit)])
                    break
                else:
                    sink(data)
        except http11.Malformed:
            return (*_BAD_REQUEST, b"", "unread")
        over = sink is not None and limit is not None and total > limit  # no more was read: the runtime is hung up on
        error_type = trailers.get(ERROR_TYPE_TRAILER)
        with self._cond:
            if self._current is not invocation:  # the invocation ended (timed out) while it streamed
                return _transition_error("Ready", "ResponseSent")
            self._current = None
            invocation.content_type = content_type
            if over and limit is not None:
                invocation.outcome, invocation.limit = "too_large", limit
            elif error_type:
                invocation.outcome, invocation.error_type = "error", error_type_from_header(error_type)
                invocation.body = _trailer_body(trailers.get(ERROR_BODY_TRAILER, ""))
            elif sink is None and total > MAX_RESPONSE_BYTES:
                invocation.outcome = "too_large"
            else:
                invocation.outcome, invocation.body = "response", b"".join(kept)
            self._cond.notify_all()
            self._wake_reader(conn)
        return (*api_error("RequestEntityTooLarge", limit=limit), b"", "unread") if over else _ACCEPTED

    def _init_error(self, body: bytes | None, error_type: str | None) -> tuple:
        with self._cond:
            if self.initialized or self.init_error is not None:
                return _transition_error("Ready" if self.initialized else "InitError", "InitError")
            self.init_error = (error_type_from_header(error_type), body or b"")
            self._cond.notify_all()
        return _ACCEPTED


def _drain(fd: int) -> None:
    try:
        os.eventfd_read(fd)
    except BlockingIOError:
        pass


def _streamed_body(rfile, headers: dict[bytes, bytes], trailers: dict[str, str]) -> Iterator[bytes]:
    """A streamed response's bytes as they arrive, in pieces of at most STREAM_SLICE (a runtime's one
    huge chunk is never held whole); a chunked body's trailer fields go into ``trailers``."""
    if http11.is_chunked(headers.get(b"transfer-encoding", b"").decode("latin-1")):
        for size in http11.chunk_sizes(rfile):
            yield from _slices(rfile, size)
        trailers.update((name.lower(), value) for name, value in http11.read_headers(rfile))
    else:
        yield from _slices(rfile, http11.content_length(headers.get(b"content-length", b"").decode("latin-1")))


def _slices(rfile, size: int) -> Iterator[bytes]:
    while size > 0:
        data = http11.read_exactly(rfile, min(size, STREAM_SLICE))
        size -= len(data)
        yield data


def _trailer_body(value: str) -> bytes:
    import base64
    import binascii

    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value.encode()


def _reply(status: int, body: bytes, extra: bytes, keep_alive: bool) -> bytes:
    return b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s%s\r\n%s" % (
        status, _REASONS.get(status, b"Error"), len(body), extra, b"" if keep_alive else b"Connection: close\r\n", body
    )


def _read_body(rfile, conn: _Conn, headers: dict[bytes, bytes]) -> bytes | None:
    """The request body, or None (read and dropped) when it exceeds MAX_RESPONSE_BYTES."""
    if headers.get(b"expect", b"").lower() == b"100-continue":
        conn.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    chunked = http11.is_chunked(headers.get(b"transfer-encoding", b"").decode("latin-1"))
    length = 0 if chunked else http11.content_length(headers.get(b"content-length", b"").decode("latin-1"))
    try:
        return http11.read_body(rfile, chunked, length, MAX_RESPONSE_BYTES, drain=True)
    except http11.TooLarge:
        return None
