"""The AWS wire protocols, one module each, chosen by a service model's ``metadata.protocol``.

A protocol module defines ``Codec(service)``, which turns an HTTP request into the
``(operation, params)`` that ``ControlPlane.call`` takes and a result or a
``lambdactl.errors.ServiceError`` back into ``(status, headers, body)``, exactly as the
SDKs' parsers read them (server side, ``serve``). Codecs that ``RemotePlane`` uses also
do the reverse (client side). Params and results are the model's shapes as plain dicts,
blobs as bytes, timestamps as ``datetime`` or epoch numbers.

    rest-json  rest_json.py  Lambda, Scheduler, API Gateway v1/v2
    json       aws_json.py   SQS, Kinesis, DynamoDB Streams, CloudWatch Logs, EventBridge
    query      query.py      SQS's legacy protocol (older SDKs)
    rest-xml   rest_xml.py   S3

An event-stream output (InvokeWithResponseStream's) is framed by ``eventstream.py``: its body is an
iterator of messages, which ``serve`` sends chunked as they come.

A new protocol is a module here with a ``Codec`` class (see ``Codec`` below) and a line in
``MODULES``. Which service a request is for is ``lambdactl.server.services``' business.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from lambdactl import errors

MODULES = {"rest-json": "rest_json", "json": "aws_json", "query": "query", "rest-xml": "rest_xml"}

Response = tuple[int, dict[str, str], bytes]  # status, headers, body


@dataclass
class Request:
    """One HTTP request as the server read it."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]  # parsed query string (blank values kept)
    headers: Any  # case-insensitive ``get(name)``
    body: bytes
    endpoint: str = ""  # the server's own URL (for protocols that answer with URLs)


class Codec(Protocol):
    """One protocol bound to one service model."""

    service: str

    def parse_request(self, request: Request) -> tuple[str, dict[str, Any]]:
        """The model operation name and its params; UnknownOperationException when nothing matches,
        a 400 of the protocol's kind when the body cannot be read."""
        ...

    def serialize_result(self, op_name: str, result: dict[str, Any]) -> Response: ...

    def serialize_error(self, exc: errors.ServiceError) -> Response: ...


class ClientCodec(Codec, Protocol):
    """The client side, for ``RemotePlane`` (rest-json and json have it)."""

    def build_request(self, op_name: str, params: dict[str, Any]) -> tuple[str, str, dict[str, str], bytes]:
        """(method, path?query, headers, body)."""
        ...

    def parse_response(self, op_name: str, status: int, headers: Any, body: bytes) -> dict[str, Any]: ...

    def parse_error(self, status: int, headers: Any, body: bytes) -> errors.ServiceError: ...


class UnknownOperationException(errors.ServiceError):
    """No operation of the service matches the request (Lambda answers these with a 404 of this code)."""

    code = "UnknownOperationException"
    status = 404
    message_key = "message"


@cache
def codec(service: str, protocol: str | None = None) -> Any:
    """The codec of ``service`` for ``protocol`` (default: its model's own protocol)."""
    from lambdactl import model

    name = protocol or model.metadata(service)["protocol"]
    module = importlib.import_module(f"{__name__}.{MODULES[name]}")
    return module.Codec(service)
