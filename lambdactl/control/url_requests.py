"""Serving function URLs on serve's HTTP port, as Lambda's payload format 2.0.

Local URL forms (both answer every method):
  * ``http://127.0.0.1:PORT/lambda-url/<url-id>/<path>?<query>`` (what FunctionUrl shows);
  * any path on a ``Host: <url-id>.lambda-url.<region>.<anything>`` request, e.g.
    ``curl http://<url-id>.lambda-url.us-east-1.localhost:PORT/<path>`` (curl resolves ``*.localhost``).

As Lambda: ``AuthType AWS_IAM`` wants a SigV4-signed request (an ``Authorization:
AWS4-HMAC-SHA256 …`` header or a presigned ``X-Amz-Signature``; signatures are not
verified) else 403; CORS preflights are answered from the config without invoking and
its Access-Control-* headers replace the function's; a function error or a malformed
response is 502 (a header or cookie that is not a valid HTTP field, e.g. one carrying CR/LF, included:
it never reaches the wire). InvokeMode RESPONSE_STREAM is streamed: bytes reach the client as the
function writes them (``stream_response``).
"""

from __future__ import annotations

import base64
import json
import re
import sys
import time
import traceback
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl

from lambdactl import errors
from lambdactl.control.function_urls import URL_PREFIX, lookup
from lambdactl.control.invoke import Piece, StreamStart, stream
from lambdactl.control.records import LATEST
from lambdactl.spec import InvocationResult

Headers = list[tuple[str, str]]
Response = tuple[int, Headers, bytes]
StreamedResponse = tuple[int, Headers, "bytes | Iterator[bytes]"]
HTTP_INTEGRATION_TYPE = "application/vnd.awslambda.http-integration-response"
PRELUDE_END = b"\0" * 8  # after the JSON prelude of awslambda.HttpResponseStream

_HOST_RE = re.compile(r"([a-z0-9]{32})\.lambda-url\.(?:([a-z]{2}(?:-[a-z]+)+-\d+)\.)?")
_TEXT_TYPES = ("text/", "json", "xml", "javascript", "yaml")
_HOP_HEADERS = {"content-length", "transfer-encoding", "connection"}
_FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")  # visible, space, tab, obs-text: no CR, LF, NUL
FORBIDDEN: Response = (403, [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")],
                       b'{"Message":"Forbidden"}')  # fmt: skip
NOT_FOUND: Response = (404, [("Content-Type", "application/json")], b'{"Message":"Not Found"}')
BAD_GATEWAY: Response = (502, [("Content-Type", "application/json")], b"Internal Server Error")


def route(target: str, headers: Any, prefix: str = URL_PREFIX,
          host: re.Pattern[str] = _HOST_RE) -> tuple[str, str] | None:  # fmt: skip
    """(url id, the request's own path?query) when ``target`` is a function URL request, else None;
    API Gateway's requests are told the same way, by its ``prefix`` and ``host`` name."""
    if target.startswith(prefix):
        url_id, slash, rest = target[len(prefix):].partition("/")
        url_id, question, query = url_id.partition("?")
        return url_id, "/" + (rest if slash else "") + (question + query if question else "")
    found = host.match((headers.get("Host") or "").lower())
    return (found.group(1), target) if found else None


def respond(planes: Any, url_id: str, method: str, target: str, headers: Any, body: bytes,
            source_ip: str, protocol: str) -> StreamedResponse:  # fmt: skip
    """Answer one function URL request (``planes`` lends a control plane, as for the API)."""
    try:
        return _respond(planes, url_id, method, target, headers, body, source_ip, protocol)
    except errors.ServiceError as exc:  # e.g. the alias behind the URL is gone
        return exc.status, [("Content-Type", "application/json")], json.dumps({"Message": exc.message}).encode()
    except Exception:  # noqa: BLE001 - the HTTP edge: a bug becomes a 500, the server lives on
        traceback.print_exc(file=sys.stderr)
        return 500, [("Content-Type", "application/json")], b'{"Message":"Internal Server Error"}'


def _regional(planes: Any, url_id: str, headers: Any) -> Any:
    """The planes of the region whose function has the URL: the region its host names
    (``<url-id>.lambda-url.<region>.``), else the first region of the state directory that has it."""
    found = _HOST_RE.match((headers.get("Host") or "").lower())
    named = found.group(2) if found else None
    for candidate in planes.regions():  # only regions with state: a public request creates none
        if named and candidate.settings.region != named:
            continue
        with candidate.lease() as plane:
            if lookup(plane, url_id) is not None:
                return candidate
    return planes


def _respond(planes: Any, url_id: str, method: str, target: str, headers: Any, body: bytes,
             source_ip: str, protocol: str) -> StreamedResponse:  # fmt: skip
    with _regional(planes, url_id, headers).lease() as plane:
        found = lookup(plane, url_id)
        if found is None:
            return NOT_FOUND
        name, qualifier, config = found
        signed = _signature(headers, target)
        if config["AuthType"] == "AWS_IAM" and signed is None:
            return FORBIDDEN
        cors = config.get("Cors")
        origin = headers.get("Origin")
        if cors and method == "OPTIONS" and origin and headers.get("Access-Control-Request-Method"):
            return 200, cors_headers(cors, origin, preflight=True), b""
        event = build_event(
            url_id, method, target, headers, body, source_ip, protocol,
            account_id=plane.settings.account_id, region=plane.settings.region, access_key=signed,
        )  # fmt: skip
        params: dict[str, Any] = {"FunctionName": name, "Payload": json.dumps(event).encode()}
        if qualifier != LATEST:
            params["Qualifier"] = qualifier
        streaming = config.get("InvokeMode") == "RESPONSE_STREAM"
        try:
            if streaming:
                started = stream(plane, params)
                assert started is not None  # not a DryRun
                pieces = started[1]
            else:
                result = plane.call("Invoke", params)
        except errors.TooManyRequestsException:
            return 429, [("Content-Type", "application/json")], b'{"Message":"Rate Exceeded."}'
        except errors.RequestEntityTooLargeException:
            return 413, [("Content-Type", "application/json")], b'{"Message":"Request Entity Too Large"}'
    if streaming:
        status, out_headers, payload = stream_response(pieces)
    else:
        status, out_headers, payload = BAD_GATEWAY if result.get("FunctionError") else map_response(result["Payload"])
    if cors and origin:
        out_headers = [(k, v) for k, v in out_headers if not k.lower().startswith("access-control-")]
        out_headers += cors_headers(cors, origin, preflight=False)
    return status, out_headers, payload


def stream_response(pieces: Iterator[Piece]) -> StreamedResponse:
    """A RESPONSE_STREAM URL's answer, its body sent as the function writes it.

    A function using ``awslambda.HttpResponseStream.from`` (Content-Type
    ``application/vnd.awslambda.http-integration-response``) gives its status, headers and cookies in a
    JSON prelude ended by 8 NUL bytes; the body follows. Another streamed Content-Type is the response's
    own, status 200. A function that does not stream has its payload sent as it is, unmapped (recorded:
    test_lambda.snapshot.json test_lambda_url_echo_invoke[RESPONSE_STREAM], whose body is the
    function's whole return value; test_function_url_with_response_streaming: 200, "Hello, world!").
    A failure before the first byte is 502; after it, the connection is cut (``StreamCut``).
    """
    content_type = None
    for piece in pieces:
        if isinstance(piece, InvocationResult):  # a buffered runtime, or a failure before any byte
            if piece.function_error:
                return BAD_GATEWAY
            return 200, [("Content-Type", "application/octet-stream")], piece.payload
        if isinstance(piece, StreamStart):
            content_type = piece.content_type
            break
    head = b""
    for piece in pieces:  # until the prelude is complete (or, without one, the first byte) is known
        if isinstance(piece, InvocationResult):
            if piece.function_error and not head:
                return BAD_GATEWAY
            break
        assert isinstance(piece, bytes)  # the one StreamStart came first
        head += piece
        if content_type != HTTP_INTEGRATION_TYPE or PRELUDE_END in head:
            break
    if content_type != HTTP_INTEGRATION_TYPE:
        return 200, [("Content-Type", content_type or "application/octet-stream")], _bytes_of(pieces, head)
    prelude, _, rest = head.partition(PRELUDE_END)
    try:
        metadata = json.loads(prelude or b"{}")
    except ValueError:
        return BAD_GATEWAY
    status = metadata.get("statusCode", 200) if isinstance(metadata, dict) else None
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return BAD_GATEWAY
    headers = [(str(k), _header_value(v)) for k, v in (metadata.get("headers") or {}).items()
               if str(k).lower() not in _HOP_HEADERS]  # fmt: skip
    headers += [("Set-Cookie", str(cookie)) for cookie in metadata.get("cookies") or []]
    if not valid_fields(headers):
        return BAD_GATEWAY
    return status, headers, _bytes_of(pieces, rest)


class StreamCut(Exception):
    """A streamed response failed after its first bytes: its connection is cut, not ended, the one way
    an HTTP client learns the body is incomplete (Lambda's URLs cut it, e.g. past the 200 MB limit)."""


def _bytes_of(pieces: Iterator[Piece], first: bytes = b"") -> Iterator[bytes]:
    if first:
        yield first
    for piece in pieces:
        if isinstance(piece, bytes):
            yield piece
        elif isinstance(piece, InvocationResult) and piece.function_error:
            raise StreamCut(piece.payload.decode("utf-8", "replace"))


def build_event(url_id: str, method: str, target: str, headers: Any, body: bytes, source_ip: str,
                protocol: str, *, account_id: str, region: str, access_key: str | None) -> dict[str, Any]:  # fmt: skip
    """The payload format 2.0 event Lambda sends for a function URL request."""
    raw_path, _, raw_query = target.partition("?")
    merged: dict[str, str] = {}
    for key, value in headers.items():
        key = key.lower()
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    cookies = [c.strip() for c in merged.pop("cookie", "").split(";") if c.strip()]
    host = merged.get("host", "").rsplit(":", 1)[0]
    domain = host if _HOST_RE.match(host) else f"{url_id}.lambda-url.{region}.localhost"
    merged.setdefault("x-forwarded-for", source_ip)
    merged.setdefault("x-forwarded-proto", "http")
    merged.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}")
    now = datetime.now(timezone.utc)
    context: dict[str, Any] = {
        "accountId": account_id if access_key else "anonymous",
        "apiId": url_id,
        "domainName": domain,
        "domainPrefix": url_id,
        "http": {"method": method, "path": raw_path, "protocol": protocol, "sourceIp": source_ip,
                 "userAgent": merged.get("user-agent", "")},
        "requestId": str(uuid.uuid4()),
        "routeKey": "$default",
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }  # fmt: skip
    if access_key:
        context["authorizer"] = {"iam": {
            "accessKey": access_key, "accountId": account_id, "callerId": access_key,
            "cognitoIdentity": None, "principalOrgId": None,
            "userArn": f"arn:aws:iam::{account_id}:user/lambdactl", "userId": access_key,
        }}  # fmt: skip
    event: dict[str, Any] = {"version": "2.0", "routeKey": "$default", "rawPath": raw_path, "rawQueryString": raw_query}
    if cookies:
        event["cookies"] = cookies
    event["headers"] = merged
    if raw_query:
        query: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            query[key] = f"{query[key]},{value}" if key in query else value
        event["queryStringParameters"] = query
    event["requestContext"] = context
    binary = bool(body) and not is_text(merged.get("content-type", ""), body)
    if body:
        event["body"] = base64.b64encode(body).decode() if binary else body.decode()
    event.update(pathParameters=None, isBase64Encoded=binary, stageVariables=None)
    return event


def map_response(payload: bytes) -> Response:
    """The function's result as an HTTP response (format 2.0 rules, plain-return shortcut)."""
    try:
        value = json.loads(payload)
    except ValueError:
        return BAD_GATEWAY
    if not (isinstance(value, dict) and "statusCode" in value):
        # re-serialised compactly, a string as its text (recorded: test_lambda.snapshot.json
        # test_lambda_url_invocation[dict] 17 bytes for {"hello": "world"}, [string] "hello")
        data = value.encode() if isinstance(value, str) else _compact(value)
        return 200, [("Content-Type", "application/json")], data
    status = value["statusCode"]
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return BAD_GATEWAY
    headers = [(str(k), _header_value(v)) for k, v in (value.get("headers") or {}).items()
               if str(k).lower() not in _HOP_HEADERS]  # fmt: skip
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    headers += [("Set-Cookie", str(cookie)) for cookie in value.get("cookies") or []]
    if not valid_fields(headers):
        return BAD_GATEWAY  # header injection (CR/LF) or a field no HTTP client could read
    body = value.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        data = _compact(body)
    elif value.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body)
        except ValueError:
            return BAD_GATEWAY
    else:
        data = body.encode()
    return status, headers, data


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def valid_fields(headers: Headers) -> bool:
    """Whether every header a function returned is a valid HTTP field (a CR/LF in one is an injection)."""
    return all(_FIELD_NAME.fullmatch(k) and _FIELD_VALUE.fullmatch(v) for k, v in headers)


def _header_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def is_text(content_type: str, body: bytes) -> bool:
    content_type = content_type.lower()
    if content_type and not any(marker in content_type for marker in _TEXT_TYPES):
        return False
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True


def _signature(headers: Any, target: str) -> str | None:
    """The access key of a SigV4-signed request (signature not checked), else None."""
    authorization = headers.get("Authorization") or ""
    if authorization.startswith("AWS4-HMAC-SHA256"):
        found = re.search(r"Credential=([^/,\s]+)", authorization)
        return found.group(1) if found else "unknown"
    query = dict(parse_qsl(target.partition("?")[2]))
    if query.get("X-Amz-Signature"):
        return query.get("X-Amz-Credential", "unknown").split("/")[0]
    return None


def cors_headers(cors: dict[str, Any], origin: str, *, preflight: bool) -> Headers:
    allowed = cors.get("AllowOrigins") or []
    if "*" in allowed:
        out: Headers = [("Access-Control-Allow-Origin", "*")]
    elif origin in allowed:
        out = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    else:
        return []
    if cors.get("AllowCredentials"):
        out.append(("Access-Control-Allow-Credentials", "true"))
    if preflight:
        if cors.get("AllowMethods"):
            out.append(("Access-Control-Allow-Methods", ", ".join(cors["AllowMethods"])))
        if cors.get("AllowHeaders"):
            out.append(("Access-Control-Allow-Headers", ", ".join(cors["AllowHeaders"])))
        if cors.get("MaxAge") is not None:
            out.append(("Access-Control-Max-Age", str(cors["MaxAge"])))
    elif cors.get("ExposeHeaders"):
        out.append(("Access-Control-Expose-Headers", ", ".join(cors["ExposeHeaders"])))
    return out
