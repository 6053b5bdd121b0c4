"""rest-json (Lambda, Scheduler, API Gateway v1/v2), both ways, from a service model's http bindings.

Server side: an HTTP request becomes ``(op_name, params)`` and a result or error
becomes ``(status, headers, body)``. Client side (``RemotePlane``): the reverse.
Params and results are the model's input/output shapes as plain dicts, blobs as
bytes, exactly what ``ControlPlane.call`` takes and returns. Routes and per-shape
bindings are compiled once per process and service.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

from lambdactl import errors, model
from lambdactl.protocols import Request, Response, UnknownOperationException
from lambdactl.protocols.json_values import decode_blobs, dump_json, load_json, wire_names

# Where Lambda's status differs from the model's responseCode (reference §8 item 2).
STATUS_OVERRIDES = {("lambda", "DeleteFunction"): 204}
NO_BODY_STATUSES = {204, 304}
SEEN_PATHS = 4096  # query-less request paths a Router remembers the match of (then it starts over)
JSON_TYPE = "application/json"


@dataclass
class Binding:
    """How one operation's input and output shapes sit on the wire."""

    op_name: str
    service: str
    method: str
    path: str  # the requestUri's path part, with {Label} / {Label+}
    literal_query: dict[str, str]  # e.g. ?find=LayerVersion
    status: int
    uri: dict[str, tuple[str, str]] = field(default_factory=dict)  # label -> (member, type)
    query: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (member, type)
    headers: dict[str, tuple[str, str]] = field(default_factory=dict)  # lower-case name -> (member, type)
    payload: tuple[str, str] | None = None  # (member, type) sent as the whole body
    input_shape: str | None = None
    out_headers: dict[str, str] = field(default_factory=dict)  # member -> header name
    out_status: str | None = None  # member carrying the HTTP status
    out_payload: tuple[str, str] | None = None
    out_events: str | None = None  # the payload's event-stream union shape (InvokeWithResponseStream)
    output_shape: str | None = None
    out_order: list[str] = field(default_factory=list)


@cache
def binding(op_name: str, service: str = model.LAMBDA) -> Binding:
    op = model.operation(op_name, service)
    http = op["http"]
    path, _, literal = http["requestUri"].partition("?")
    shapes = model.shapes(service)
    found = Binding(
        op_name=op_name,
        service=service,
        method=http["method"],
        path=path,
        literal_query={k: v[0] for k, v in parse_qs(literal, keep_blank_values=True).items()},
        status=STATUS_OVERRIDES.get((service, op_name), http.get("responseCode", 200)),
    )
    if op.get("input"):
        found.input_shape = op["input"]["shape"]
        shape = shapes[found.input_shape]
        for name, ref in shape.get("members", {}).items():
            kind = shapes[ref["shape"]]["type"]
            where, wire = ref.get("location"), ref.get("locationName", name)
            if where == "uri":
                found.uri[wire] = (name, kind)
            elif where == "querystring":
                found.query[wire] = (name, kind)
            elif where == "header":
                found.headers[wire.lower()] = (name, kind)
        if shape.get("payload"):
            found.payload = (shape["payload"], shapes[shape["members"][shape["payload"]]["shape"]]["type"])
    if op.get("output"):
        found.output_shape = op["output"]["shape"]
        shape = shapes[found.output_shape]
        found.out_order = list(shape.get("members", {}))
        for name, ref in shape.get("members", {}).items():
            if ref.get("location") == "header":
                found.out_headers[name] = ref.get("locationName", name)
            elif ref.get("location") == "statusCode":
                found.out_status = name
        if shape.get("payload"):
            member = shape["payload"]
            payload_shape = shape["members"][member]["shape"]
            found.out_payload = (member, shapes[payload_shape]["type"])
            if shapes[payload_shape].get("eventstream"):
                found.out_events = payload_shape
    return found


# ---------------------------------------------------------------- routing (server)


@dataclass
class Route:
    binding: Binding
    pattern: re.Pattern[str]


class Router:
    """Method + path (+ the literal query some operations carry) -> operation, from the model alone."""

    def __init__(self, op_names: list[str], service: str = model.LAMBDA) -> None:
        self.routes: dict[str, list[Route]] = {}
        for op_name in op_names:
            bound = binding(op_name, service)
            self.routes.setdefault(bound.method, []).append(Route(bound, _compile(bound.path)))
        for routes in self.routes.values():  # most specific first: literal query, then more literal text
            routes.sort(key=lambda r: (-len(r.binding.literal_query), -len(re.sub(r"\{[^}]*\}", "", r.binding.path))))
        self._seen: dict[tuple[str, str], tuple[Binding, dict[str, str]]] = {}  # matches of query-less requests

    def match(self, method: str, path: str, query: dict[str, list[str]]) -> tuple[Binding, dict[str, str]]:
        if query:
            return self._match(method, path, query)
        known = self._seen.get((method, path))  # a warm path asks again and again: one lookup, not ~13 regexes
        if known is None:
            if len(self._seen) >= SEEN_PATHS:
                self._seen.clear()
            known = self._seen[(method, path)] = self._match(method, path, query)
        return known[0], dict(known[1])

    def _match(self, method: str, path: str, query: dict[str, list[str]]) -> tuple[Binding, dict[str, str]]:
        for route in self.routes.get(method, ()):
            found = route.pattern.fullmatch(path)
            if found and all(query.get(k, [None])[0] == v for k, v in route.binding.literal_query.items()):
                return route.binding, {k: unquote(v) for k, v in found.groupdict().items()}
        raise UnknownOperationException(f"Unknown operation: {method} {path}")


def _compile(template: str) -> re.Pattern[str]:
    parts, last = [], 0
    for label in re.finditer(r"\{(\w+)(\+?)\}", template):
        parts.append(re.escape(template[last : label.start()]))
        parts.append(f"(?P<{label.group(1)}>{'.+' if label.group(2) else '[^/]+'})")
        last = label.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts))


# ---------------------------------------------------------------- server side


def parse_request(
    bound: Binding, labels: dict[str, str], query: dict[str, list[str]], headers: Any, body: bytes
) -> dict[str, Any]:
    """The operation's params from a matched request (headers: any case-insensitive mapping)."""
    params: dict[str, Any] = {}
    if bound.payload:
        member, kind = bound.payload
        if kind == "blob":
            if body:
                params[member] = body
        elif body:
            params[member] = load_json(body)
    elif body:
        loaded = load_json(body)
        if not isinstance(loaded, dict):
            raise errors.InvalidRequestContentException("Could not parse request body into json: expected an object")
        if bound.input_shape:
            loaded = decode_blobs(wire_names(loaded, bound.input_shape, bound.service, to_wire=False),
                                  bound.input_shape, bound.service)  # fmt: skip
        params.update(loaded)
    for label, (member, kind) in bound.uri.items():
        if label in labels:
            params[member] = _scalar(labels[label], kind, member)
    for name, (member, kind) in bound.query.items():
        if name in query:
            values = query[name]
            params[member] = values if kind == "list" else _scalar(values[0], kind, member)
    for name, (member, kind) in bound.headers.items():
        value = headers.get(name)
        if value is not None:
            params[member] = _scalar(value, kind, member)
    return params


def serialize_result(bound: Binding, result: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    status = bound.status
    headers: dict[str, str] = {}
    body_members = dict(result)
    if bound.out_status and bound.out_status in body_members:
        status = int(body_members.pop(bound.out_status))
    for member, header in bound.out_headers.items():
        value = body_members.pop(member, None)
        if value is not None:
            headers[header] = str(value)
    if bound.out_events:  # an iterator of events, each framed as it comes: the server writes it chunked
        from lambdactl.protocols import eventstream

        events = body_members.pop(bound.out_payload[0], None) or ()  # type: ignore[index]
        headers["Content-Type"] = eventstream.CONTENT_TYPE
        return status, headers, eventstream.encode_events(events, bound.out_events, model.shapes(bound.service))  # type: ignore[return-value]
    if bound.out_payload:
        member, kind = bound.out_payload
        value = body_members.pop(member, None)
        body = (value or b"") if kind == "blob" else dump_json(value) if value is not None else b""
    else:
        if bound.output_shape:
            body_members = wire_names(body_members, bound.output_shape, bound.service, to_wire=True)
        body = dump_json(body_members)
    if status in NO_BODY_STATUSES:
        body = b""
    elif body or not bound.out_payload:
        headers["Content-Type"] = JSON_TYPE
    return status, headers, body


def serialize_error(exc: errors.ServiceError) -> tuple[int, dict[str, str], bytes]:
    return exc.status, {**exc.headers(), "Content-Type": JSON_TYPE}, dump_json(exc.body())


# ---------------------------------------------------------------- client side


def build_request(
    op_name: str, params: dict[str, Any], service: str = model.LAMBDA
) -> tuple[str, str, dict[str, str], bytes]:
    """(method, path?query, headers, body) for one call."""
    bound = binding(op_name, service)
    rest = dict(params)
    path = bound.path
    for label, (member, _) in bound.uri.items():
        greedy = "{" + label + "+}" in path
        value = quote(str(rest.pop(member, "")), safe="/~" if greedy else "~")
        path = path.replace("{" + label + ("+}" if greedy else "}"), value)
    query: list[tuple[str, str]] = list(bound.literal_query.items())
    for name, (member, _) in bound.query.items():
        if member in rest:
            value = rest.pop(member)
            query.extend((name, _text(item)) for item in (value if isinstance(value, list) else [value]))
    headers: dict[str, str] = {}
    for name, (member, _) in bound.headers.items():
        if member in rest:
            headers[name] = _text(rest.pop(member))
    if bound.payload:
        payload = rest.get(bound.payload[0])
        if isinstance(payload, str):
            payload = payload.encode()
        body = b"" if payload is None else bytes(payload) if isinstance(payload, (bytes, bytearray)) else dump_json(payload)
    else:
        if bound.input_shape:
            rest = wire_names(rest, bound.input_shape, service, to_wire=True)
        body = dump_json(rest) if rest or bound.method in ("POST", "PUT") else b""
    if body and not bound.payload:
        headers["Content-Type"] = JSON_TYPE
    return bound.method, path + ("?" + urlencode(query) if query else ""), headers, body


def parse_response(op_name: str, status: int, headers: Any, body: bytes, service: str = model.LAMBDA) -> dict[str, Any]:
    """The result dict from a 2xx response (headers: a case-insensitive mapping)."""
    bound = binding(op_name, service)
    out: dict[str, Any] = {}
    if bound.out_events:
        from lambdactl.protocols import eventstream

        out[bound.out_payload[0]] = eventstream.decode_events(body, bound.out_events, model.shapes(service))  # type: ignore[index]
    elif bound.out_payload:
        member, kind = bound.out_payload
        if kind == "blob":
            out[member] = body
        elif body:
            out[member] = json.loads(body)
    elif body:
        loaded = json.loads(body)
        if bound.output_shape:
            loaded = decode_blobs(wire_names(loaded, bound.output_shape, service, to_wire=False), bound.output_shape, service)
        out.update(loaded)
    for member, header in bound.out_headers.items():
        value = headers.get(header)
        if value is not None:
            out[member] = value
    if bound.out_status:
        out[bound.out_status] = status
    if bound.out_payload or bound.out_headers:  # members from several places: keep the shape's order
        out = {key: out[key] for key in bound.out_order if key in out} | out
    return out


def parse_error(status: int, headers: Any, body: bytes) -> errors.ServiceError:
    """The lambdactl.errors class for a wire error (code from ``x-amzn-ErrorType``, as botocore reads it)."""
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        data = {"Message": body.decode(errors="replace")}
    if not isinstance(data, dict):
        data = {}
    code = (headers.get("x-amzn-ErrorType") or data.get("__type") or data.get("code") or "").split(":")[0]
    return error_from(code.rsplit("#", 1)[-1], status, data)


def error_from(code: str, status: int, data: dict[str, Any]) -> errors.ServiceError:
    """A wire error's code, status and JSON body as the matching ``lambdactl.errors`` class."""
    code = code or ("ServiceException" if status >= 500 else f"HTTP{status}")
    message = data.get("Message", data.get("message")) or ""
    extra = {k: v for k, v in data.items() if k not in ("Type", "Message", "message", "__type", "code")}
    cls = errors.SERVICE_ERRORS.get(code)
    if cls is None:
        cls = errors.service_error(code, status)
    return cls(message, **extra)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def _scalar(raw: str, kind: str, member: str) -> Any:
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            raise errors.validation_error(raw, member[:1].lower() + member[1:], "Member must be a number") from None
    if kind == "boolean":
        return raw.lower() == "true"
    return raw


class Codec:
    """rest-json for one service: routes from the model's ``http`` traits, errors as ``x-amzn-ErrorType``."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.router = Router(list(model.service(service)["operations"]), service)

    def parse_request(self, request: Request) -> tuple[str, dict[str, Any]]:
        bound, labels = self.router.match(request.method, request.path, request.query)
        return bound.op_name, parse_request(bound, labels, request.query, request.headers, request.body)

    def serialize_result(self, op_name: str, result: dict[str, Any]) -> Response:
        return serialize_result(binding(op_name, self.service), result)

    def serialize_error(self, exc: errors.ServiceError) -> Response:
        return serialize_error(exc)

    def build_request(self, op_name: str, params: dict[str, Any]) -> tuple[str, str, dict[str, str], bytes]:
        return build_request(op_name, params, self.service)

    def parse_response(self, op_name: str, status: int, headers: Any, body: bytes) -> dict[str, Any]:
        return parse_response(op_name, status, headers, body, self.service)

    def parse_error(self, status: int, headers: Any, body: bytes) -> errors.ServiceError:
        return parse_error(status, headers, body)
