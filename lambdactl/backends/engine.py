"""A Docker Engine API client: the dozen calls the docker backend makes, over the engine's socket.

The docker SDK for Python costs ~270 ms to import (requests, urllib3, ssl), as much as a whole
``docker run --rm IMAGE python3 -c pass``: too much for a cold CLI invoke. The Engine API is
plain HTTP/1.1 with JSON bodies, so this speaks it directly, one short connection per call
(a unix socket connects in microseconds), reading replies with ``http11``'s framing rules.

``DOCKER_HOST``: ``unix:///path`` (default ``/var/run/docker.sock``) or ``tcp://host:port``
without TLS; a TLS or ssh engine is one clear error (forward its socket to a local one, e.g.
``ssh -L /tmp/docker.sock:/var/run/docker.sock host``). Paths carry no API version: the engine
answers in its own, and every field used here has been stable since API 1.25.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from lambdactl import http11

DEFAULT_HOST = "unix:///var/run/docker.sock"
_MAX_BODY = 256 << 20


class EngineError(Exception):
    """The engine answered an error (``status_code``, its ``explanation``), or could not be reached (0)."""

    def __init__(self, status_code: int, explanation: str) -> None:
        super().__init__(f"{status_code} {explanation}" if status_code else explanation)
        self.status_code = status_code
        self.explanation = explanation


def host() -> str:
    return os.environ.get("DOCKER_HOST") or DEFAULT_HOST


class Engine:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or host()
        parts = urlsplit(self.url)
        if parts.scheme == "unix":
            self._address: Any = parts.path
            self._family = socket.AF_UNIX
        elif parts.scheme == "tcp" and not os.environ.get("DOCKER_TLS_VERIFY"):
            self._address = (parts.hostname or "127.0.0.1", parts.port or 2375)
            self._family = socket.AF_INET6 if ":" in self._address[0] else socket.AF_INET
        else:
            raise EngineError(0, f"DOCKER_HOST={self.url} is not supported: lambdactl talks to a unix socket or "
                                 f"plain tcp:// (forward a TLS or ssh engine's socket to a local one)")

    # -- the calls ------------------------------------------------------------------

    def ping(self) -> None:
        self.call("GET", "/_ping")

    def version(self) -> dict[str, Any]:
        return self.call("GET", "/version")

    def inspect_image(self, image: str) -> dict[str, Any]:
        return self.call("GET", f"/images/{quote(image, safe='/:@')}/json")

    def pull(self, repository: str, tag: str | None) -> Iterator[dict[str, Any]]:
        """The pull's progress events, as the engine streams them."""
        query = {"fromImage": repository, **({"tag": tag} if tag else {})}
        sock, rfile, headers = self._send("POST", "/images/create", query, None, None)
        try:
            for line in _chunks_by_line(rfile, headers):
                if line.strip():
                    yield json.loads(line)
        finally:
            rfile.close()
            sock.close()

    def create_container(self, config: dict[str, Any], name: str | None = None) -> dict[str, Any]:
        return self.call("POST", "/containers/create", {"name": name} if name else None, config)

    def start(self, container: str) -> None:
        self.call("POST", f"/containers/{container}/start")

    def inspect_container(self, container: str) -> dict[str, Any]:
        return self.call("GET", f"/containers/{container}/json")

    def wait_for_exit(self, container: str) -> Pending:
        """Start waiting for the container's next exit (``Pending.result()`` blocks until then).

        Returns once the engine has registered the wait (it sends the reply's headers then), so
        a wait begun before ``start`` can't miss an exit, even of a container it auto-removes."""
        return Pending(*self._send("POST", f"/containers/{container}/wait", {"condition": "next-exit"}, None, None))

    def kill(self, container: str) -> None:
        self.call("POST", f"/containers/{container}/kill")

    def update_container(self, container: str, **resources: Any) -> None:
        self.call("POST", f"/containers/{container}/update", body=resources)

    def stats(self, container: str) -> dict[str, Any]:
        return self.call("GET", f"/containers/{container}/stats", {"stream": "false", "one-shot": "true"})

    def remove_container(self, container: str, force: bool = False) -> None:
        self.call("DELETE", f"/containers/{container}", {"force": "true"} if force else None)

    def has_network(self, name: str) -> bool:
        try:
            self.call("GET", f"/networks/{quote(name, safe='')}")
        except EngineError as exc:
            if exc.status_code == 404:
                return False
            raise
        return True

    def containers(self, labels: list[str]) -> list[dict[str, Any]]:
        return self.call("GET", "/containers/json", {"all": "true", "filters": json.dumps({"label": labels})})

    # -- HTTP over the socket ---------------------------------------------------------

    def call(self, method: str, path: str, query: dict[str, str] | None = None, body: Any = None,
             timeout: float | None = 60) -> Any:
        """One request; the reply's JSON (None if empty). Errors: EngineError with the engine's message."""
        sock, rfile, headers = self._send(method, path, query, body, timeout)
        try:
            return self._body(rfile, headers)
        finally:
            rfile.close()
            sock.close()

    @staticmethod
    def _body(rfile: Any, headers: dict[str, str]) -> Any:
        try:
            data = http11.read_body(rfile, http11.is_chunked(headers.get("transfer-encoding")),
                                    http11.content_length(headers.get("content-length")), _MAX_BODY)
        except (OSError, ValueError, http11.TooLarge) as exc:
            raise EngineError(0, f"the Docker engine's reply was cut off: {exc}") from None
        return json.loads(data) if data and headers.get("content-type", "").startswith("application/json") else None

    def _send(self, method: str, path: str, query: dict[str, str] | None, body: Any,
              timeout: float | None) -> tuple[socket.socket, Any, dict[str, str]]:
        payload = b"" if body is None else json.dumps(body).encode()
        target = path + (f"?{urlencode(query)}" if query else "")
        head = (f"{method} {target} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
        sock = socket.socket(self._family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(self._address)
            sock.sendall(head + payload)
            rfile = sock.makefile("rb")
            status_line = rfile.readline(http11.MAX_LINE)
            headers = {name.lower(): value for name, value in http11.read_headers(rfile)}
        except (OSError, ValueError) as exc:
            sock.close()
            raise EngineError(0, f"no Docker engine answers at {self.url} ({exc})") from None
        try:
            status = int(status_line.split()[1])
        except (IndexError, ValueError):
            rfile.close()
            sock.close()
            raise EngineError(0, f"the Docker engine at {self.url} answered {status_line[:80]!r}") from None
        if status >= 400:
            try:
                data = http11.read_body(rfile, http11.is_chunked(headers.get("transfer-encoding")),
                                        http11.content_length(headers.get("content-length")), 1 << 20)
                message = json.loads(data).get("message") or data.decode(errors="replace")
            except (OSError, ValueError, AttributeError, http11.TooLarge):
                message = ""
            finally:
                rfile.close()
                sock.close()
            raise EngineError(status, str(message).strip())
        return sock, rfile, headers


class Pending:
    """A reply whose headers have arrived and whose body comes later."""

    def __init__(self, sock: socket.socket, rfile: Any, headers: dict[str, str]) -> None:
        self._sock, self._rfile, self._headers = sock, rfile, headers

    def result(self) -> Any:
        try:
            return Engine._body(self._rfile, self._headers)
        finally:
            self.close()

    def close(self) -> None:
        self._rfile.close()
        self._sock.close()


def _chunks_by_line(rfile: Any, headers: dict[str, str]) -> Iterator[bytes]:
    """A streamed body's lines as they arrive (chunked, or to EOF)."""
    if not http11.is_chunked(headers.get("transfer-encoding")):
        yield from rfile
        return
    pending = b""
    while True:
        size = int(rfile.readline(http11.MAX_LINE).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        pending += rfile.read(size)
        rfile.readline(http11.MAX_LINE)  # the CRLF after the chunk
        *lines, pending = pending.split(b"\n")
        yield from lines
    if pending:
        yield pending
