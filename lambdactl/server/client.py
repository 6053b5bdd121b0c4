"""``RemotePlane``: ``ControlPlane.call`` over HTTP, so every command works against a server.

Each operation travels in its service's protocol (``lambdactl.protocols``): Lambda's rest-json,
``sqs:``/``kinesis:``/... as ``json``. Wire errors come back as the same ``lambdactl.errors``
classes the local plane raises.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from lambdactl import errors

RETRYABLE = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class EndpointConnectionError(errors.LambdactlError):
    """The endpoint did not answer; ``sent`` tells whether the request may have reached it."""

    def __init__(self, message: str, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class RemotePlane:
    def __init__(self, endpoint_url: str, timeout: float | None = None) -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise errors.UsageError(f"Invalid endpoint: {endpoint_url}")
        self.endpoint_url = endpoint_url.rstrip("/")
        self._scheme, self._host, self._port = parts.scheme, str(parts.hostname), parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._conn: Any = None

    def call(self, op_name: str, params: dict[str, Any]) -> dict[str, Any]:
        from lambdactl import model, protocols

        service, colon, name = op_name.rpartition(":")
        codec = protocols.codec(service if colon else model.LAMBDA)
        method, target, headers, body = codec.build_request(name, params)
        status, response_headers, data = self._send(method, self._prefix + target, headers, body)
        if status >= 300:
            raise codec.parse_error(status, response_headers, data)
        return codec.parse_response(name, status, response_headers, data)

    def _send(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, Any, bytes]:
        import http.client  # only commands that talk to a server pay for it

        for attempt in (1, 2):
            fresh = self._conn is None
            conn = self._connection()
            try:
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except ConnectionRefusedError:
                self.close()
                message = f'Could not connect to the endpoint URL: "{self.endpoint_url}{target}"'
                raise EndpointConnectionError(message, sent=False) from None
            except (http.client.RemoteDisconnected, *RETRYABLE):
                self.close()
                if fresh or attempt == 2:  # a kept-alive connection may have been closed by the server: once more
                    message = f'Connection was closed by "{self.endpoint_url}{target}"'
                    raise EndpointConnectionError(message, sent=True) from None
                continue
            if response.will_close:
                self.close()
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def _connection(self) -> Any:
        if self._conn is None:
            import http.client

            cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
