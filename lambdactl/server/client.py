"""``RemotePlane``: ``ControlPlane.call`` over HTTP, so every command works against a server.

Each operation travels in its service's protocol (``lambdactl.protocols``): Lambda's rest-json,
``sqs:``/``kinesis:``/... as ``json``. Wire errors come back as the same ``lambdactl.errors``
classes the local plane raises.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from lambdactl import errors

TYPE_CHECKING = False  # typing's, without importing typing: each warm `invoke` loads this module (cli/fast_invoke.py)
if TYPE_CHECKING:
    from typing import Any

RETRYABLE = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
DEFAULT_TIMEOUT = 60.0  # the aws CLI's connect and read timeouts (--cli-connect-timeout, --cli-read-timeout)


def timeout_option(value: str | None) -> float | None:
    """A ``--cli-read-timeout`` / ``--cli-connect-timeout`` value in seconds, as the aws CLI takes it:
    absent is 60 s, 0 is no timeout (a socket timeout of 0 would be a non-blocking socket).
    Raises ValueError for a value that is not a number."""
    return DEFAULT_TIMEOUT if value is None else float(value) or None


class EndpointConnectionError(errors.LambdactlError):
    """The endpoint did not answer; ``sent`` tells whether the request may have reached it."""

    def __init__(self, message: str, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class RemotePlane:
    """``region``: the region the requests are for, named as SDKs name it, in a SigV4 credential scope
    (a lambdactl server reads it and verifies no signature); None: the server's own region."""

    def __init__(self, endpoint_url: str, timeout: float | None = DEFAULT_TIMEOUT, region: str | None = None,
                 connect_timeout: float | None = DEFAULT_TIMEOUT) -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise errors.UsageError(f"Invalid endpoint: {endpoint_url}")
        self.endpoint_url = endpoint_url.rstrip("/")
        self._scheme, self._host, self._port = parts.scheme, str(parts.hostname), parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout, self._connect_timeout = timeout, connect_timeout
        self._region = region
        self._conn: Any = None

    def call(self, op_name: str, params: dict[str, Any]) -> dict[str, Any]:
        from lambdactl import model, protocols

        service, colon, name = op_name.rpartition(":")
        codec = protocols.codec(service if colon else model.LAMBDA)
        method, target, headers, body = codec.build_request(name, params)
        if self._region:
            import time

            meta = model.metadata(service if colon else model.LAMBDA)
            scope = f"{time.strftime('%Y%m%d', time.gmtime())}/{self._region}/{meta.get('signingName') or meta['endpointPrefix']}"
            headers = {**headers, "Authorization": f"AWS4-HMAC-SHA256 Credential=lambdactl/{scope}/aws4_request, "
                                                   "SignedHeaders=host, Signature=unverified"}
        status, response_headers, data = self.send(method, target, headers, body)
        if status >= 300:
            raise codec.parse_error(status, response_headers, data)
        return codec.parse_response(name, status, response_headers, data)

    def send(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, bytes]:
        """One request as built (``target``: path and query under the endpoint) -> (status, headers, body)."""
        target = self._prefix + target
        for attempt in (1, 2):
            fresh = self._conn is None
            conn = self._connection()
            try:
                status, response_headers, data, will_close = conn.exchange(method, target, headers, body)
            except ConnectionRefusedError:
                self.close()
                message = f'Could not connect to the endpoint URL: "{self.endpoint_url}{target}"'
                raise EndpointConnectionError(message, sent=False) from None
            except ConnectTimeout:
                self.close()
                raise EndpointConnectionError(f'Connect timeout on endpoint URL: "{self.endpoint_url}{target}"',
                                              sent=False) from None
            except TimeoutError:  # the endpoint took the request and did not answer in time, as botocore says it
                self.close()
                raise EndpointConnectionError(f'Read timeout on endpoint URL: "{self.endpoint_url}{target}"',
                                              sent=True) from None
            except (Disconnected, *RETRYABLE):
                self.close()
                if fresh or attempt == 2:  # a kept-alive connection may have been closed by the server: once more
                    message = f'Connection was closed by "{self.endpoint_url}{target}"'
                    raise EndpointConnectionError(message, sent=True) from None
                continue
            if will_close:
                self.close()
            return status, response_headers, data
        raise AssertionError("unreachable")

    def _connection(self) -> Any:
        if self._conn is None:
            factory = _TlsConnection if self._scheme == "https" else _PlainConnection
            self._conn = factory(self._host, self._port, self._timeout, self._connect_timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class Disconnected(ConnectionError):
    """The server closed the connection before answering."""


class ConnectTimeout(Exception):
    """The endpoint did not accept the connection in time (nothing was sent)."""


class Headers(dict):
    """Response headers by lower-cased name; ``get`` takes any case."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


class _PlainConnection:
    """HTTP/1.1 with keep-alive over a plain socket. ``http.client`` would cost a CLI invoke ~10 ms
    of imports (``email``, ``ssl``) before its first byte; a local endpoint needs none of it."""

    def __init__(self, host: str, port: int | None, timeout: float | None, connect_timeout: float | None) -> None:
        self._address = (host, port or 80)
        self._timeout, self._connect_timeout = timeout, connect_timeout
        self._sock: Any = None
        self._file: Any = None

    def exchange(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, Headers, bytes, bool]:
        if self._sock is None:
            self._sock = self._connect()
            self._file = io.BufferedReader(_Receiver(self._sock))
        host = self._address[0] if ":" not in self._address[0] else f"[{self._address[0]}]"
        head = [f"{method} {target} HTTP/1.1", f"Host: {host}:{self._address[1]}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "content-length"]
        self._sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        line = self._file.readline(65537)
        if not line:
            raise Disconnected("no status line")
        status = int(line.split()[1])
        received = Headers()
        while (line := self._file.readline(65537)) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            received[name.strip().lower()] = value.strip()
        will_close = received.get("connection", "").lower() == "close"
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            data = b""
        elif "chunked" in received.get("transfer-encoding", "").lower():
            data = self._read_chunked()
        elif "content-length" in received:
            data = self._read_exactly(int(received["content-length"]))
        else:
            data, will_close = self._file.read(), True
        return status, received, data, will_close

    def _connect(self) -> Any:
        """A connected socket, without Nagle's delay. For an IPv4 literal (every local endpoint) the C
        module itself: ``socket`` (its wrapper: makefile, enums, the resolver's helpers) would cost each
        warm CLI invoke 2 ms of imports (cli/fast_invoke.py); a name needs the resolver, so ``socket``."""
        import _socket

        sock: Any
        try:
            if not self._address[0].replace(".", "").isdigit():
                import socket

                sock = socket.create_connection(self._address, self._connect_timeout)
            else:
                sock = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
                sock.settimeout(self._connect_timeout)
                try:
                    sock.connect(self._address)
                except OSError:
                    sock.close()
                    raise
        except TimeoutError:
            raise ConnectTimeout() from None
        sock.settimeout(self._timeout)
        sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        return sock

    def _read_exactly(self, size: int) -> bytes:
        data = self._file.read(size)
        if len(data) < size:
            raise Disconnected("truncated body")
        return data

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self._file.readline(65537).split(b";")[0], 16):
            chunks.append(self._read_exactly(size))
            self._file.readline(65537)
        while self._file.readline(65537) not in (b"\r\n", b"\n", b""):  # trailers
            pass
        return b"".join(chunks)

    def close(self) -> None:
        if self._sock is not None:
            self._file.close()
            self._sock.close()
            self._sock = self._file = None


class _Receiver(io.RawIOBase):
    """A socket's receiving side as a raw stream for ``io.BufferedReader`` (``makefile("rb")``'s job)."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)


class _TlsConnection:
    """https endpoints: the standard library's client."""

    def __init__(self, host: str, port: int | None, timeout: float | None, connect_timeout: float | None) -> None:
        import http.client

        self._conn = http.client.HTTPSConnection(host, port, timeout=timeout)

    def exchange(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, bytes, bool]:
        import http.client

        try:
            self._conn.request(method, target, body=body, headers=headers)
            response = self._conn.getresponse()
            data = response.read()
        except http.client.RemoteDisconnected as exc:
            raise Disconnected(str(exc)) from None
        return response.status, response.headers, data, response.will_close

    def close(self) -> None:
        self._conn.close()
