"""What REST and HTTP APIs share when ``serve`` answers them.

Local invoke URLs (printed by ``serve`` at start; ``ApiEndpoint`` shows the host form):
  * path form ``http://127.0.0.1:PORT/_aws/execute-api/<api-id>/<stage>/<path>`` (LocalStack's);
  * host form ``http://<api-id>.execute-api.localhost:PORT/<stage>/<path>`` (curl resolves ``*.localhost``).
An HTTP API's ``$default`` stage has no stage segment, as on AWS.

Functions are invoked through the control plane's ``Invoke`` (the same warm pools as every
other caller) after the ``may_invoke`` resource-policy check for ``apigateway.amazonaws.com``;
the gateway stops waiting after the integration timeout while the function runs on.
"""

from __future__ import annotations

import base64
import contextvars
import fnmatch
import json
import queue
import re
import sys
import threading
import traceback
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, unquote

from lambdactl import errors
from lambdactl.plane import ControlPlane
from lambdactl.control.policies import may_invoke
from lambdactl.control import url_requests as urls

PATH_PREFIX = "/_aws/execute-api/"
PRINCIPAL = "apigateway.amazonaws.com"
MAX_REQUEST = 10 * 1024 * 1024  # API Gateway's payload limit
AUTHORIZER_TIMEOUT_S = 10.0
_HOST_RE = re.compile(r"([a-z0-9]{10})\.execute-api\.")
FUNCTION_ARN = re.compile(r"arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?")
_INVOKE_PATH = re.compile(r"arn:aws[a-zA-Z-]*:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/(.+)/invocations")
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
IDENTITY_SOURCE_V2 = re.compile(r"\$(request\.(header|querystring)\.[^\s,]+|context\.[A-Za-z.]+|stageVariables\.[A-Za-z0-9_]+)")

Headers = list[tuple[str, str]]
Response = tuple[int, Headers, bytes]


def answer(status: int, message: str | None, key: str = "message", error_type: str | None = None) -> Response:
    """One of API Gateway's own JSON answers (``{"message": ...}``)."""
    headers = [("Content-Type", "application/json")]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return status, headers, json.dumps({key: message}, separators=(",", ":")).encode()


TOO_LARGE = answer(413, "Request Entity Too Large")


def route(target: str, headers: Any) -> tuple[str, str] | None:
    """(api id, the path?query after it) when ``target`` is an execute-api request, else None."""
    return urls.route(target, headers, PATH_PREFIX, _HOST_RE)


def api_endpoint(plane: ControlPlane, api_id: str) -> str:
    """The host-form URL of an API on the ``serve`` of this state directory (its default port if none runs)."""
    from lambdactl.control.function_urls import DEFAULT_BASE

    base = plane.settings.endpoint_url
    if not base:
        from lambdactl.state import discovery

        running = discovery.find(plane.settings.state_dir)
        base = running["url"] if running else DEFAULT_BASE
    port = base.rstrip("/").rsplit(":", 1)[-1]
    return f"http://{api_id}.execute-api.localhost:{port}"


def stage_url(plane: ControlPlane, api_id: str, stage: str) -> str:
    """A stage's local invoke URL (host form); ``$default`` has no stage segment."""
    return f"{api_endpoint(plane, api_id)}/" + ("" if stage == "$default" else f"{stage}/")


def lambda_target(uri: str, error: type[errors.ServiceError]) -> tuple[str, str | None] | None:
    """(function name, qualifier) an integration or authorizer URI names: a Lambda function ARN or
    API Gateway's ``…:lambda:path/2015-03-31/functions/<arn>/invocations``; None while it holds stage
    variables (resolved per request). Anything else is ``error``."""
    if _STAGE_VARIABLE.search(uri):
        return None
    found = _INVOKE_PATH.fullmatch(uri)
    arn = found.group(1) if found else uri
    function = FUNCTION_ARN.fullmatch(arn)
    if function is None:
        if not uri.startswith("arn:"):
            raise error("Invalid ARN specified in the request")
        raise error("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.")
    return function.group(1), function.group(2)


def with_stage_variables(uri: str, variables: dict[str, str] | None) -> str:
    return _STAGE_VARIABLE.sub(lambda m: (variables or {}).get(m.group(1), ""), uri)


@dataclass
class Outcome:
    """How an integration or authorizer call ended."""

    kind: str  # "ok", "error" (the function failed), "denied" (no permission / no function), "timeout", "failed"
    payload: bytes = b""
    error_message: str | None = None


class Runner:
    """Runs calls on idle daemon threads, starting one more when all are busy: a function hanging past
    its integration timeout never delays another request, and the warm path pays no thread start."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle = 0
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    def run(self, job: Callable[[], None]) -> None:
        """Run ``job`` in the caller's context (serve's request log files the invocation under its request)."""
        with self._lock:
            spawn = not self._idle
            if not spawn:
                self._idle -= 1
        context = contextvars.copy_context()
        self._jobs.put(lambda: context.run(job))
        if spawn:
            threading.Thread(target=self._work, name="lambdactl-apigw-invoke", daemon=True).start()

    def _work(self) -> None:
        while True:
            self._jobs.get()()
            with self._lock:
                self._idle += 1


RUNNER = Runner()


def invoke(planes: Any, uri: str, event: dict[str, Any], source_arn: str, timeout_s: float,
           stage_variables: dict[str, str] | None = None) -> Outcome:  # fmt: skip
    """Invoke the function behind ``uri`` synchronously, giving up after ``timeout_s`` (it runs on)."""
    try:
        target = lambda_target(with_stage_variables(uri, stage_variables), errors.InvalidParameterValueException)
    except errors.ServiceError:
        return Outcome("denied")
    assert target is not None
    name, qualifier = target
    box: list[Outcome] = []
    done = threading.Event()

    def run() -> None:
        try:
            box.append(_call(planes, name, qualifier, event, source_arn))
        except Exception:  # noqa: BLE001 - the gateway's 5xx; the server lives on
            traceback.print_exc(file=sys.stderr)
            box.append(Outcome("failed"))
        finally:
            done.set()

    RUNNER.run(run)
    if not done.wait(timeout_s):
        return Outcome("timeout")
    return box[0]


def _call(planes: Any, name: str, qualifier: str | None, event: dict[str, Any], source_arn: str) -> Outcome:
    with planes.lease() as plane:
        if not may_invoke(plane, name, qualifier, PRINCIPAL, source_arn, plane.settings.account_id):
            return Outcome("denied")
        params: dict[str, Any] = {"FunctionName": name, "Payload": json.dumps(event).encode()}
        if qualifier:
            params["Qualifier"] = qualifier
        try:
            result = plane.call("Invoke", params)
        except errors.ResourceNotFoundException:
            return Outcome("denied")
        except errors.ServiceError:
            return Outcome("failed")
    payload = result.get("Payload") or b""
    if result.get("FunctionError"):
        try:
            message = json.loads(payload).get("errorMessage")
        except (ValueError, AttributeError):
            message = None
        return Outcome("error", payload, message)
    return Outcome("ok", payload)


# --- request parts -------------------------------------------------------------------------------


@dataclass
class Api:
    """One API as a request sees it: its documents by kind (shared by requests while unchanged: read-only),
    deployments read on demand."""

    id: str
    docs: dict[str, Any]  # kind -> documents, and the deployments read so far under "_deployments"
    account: str
    region: str
    documents: Callable[[ControlPlane], Any]  # the flavour's Documents on a plane

    @property
    def config(self) -> dict[str, Any]:
        return self.docs["api"][0]

    def deployment(self, planes: Any, deployment_id: str | None) -> dict[str, Any] | None:
        """A deployment (its snapshot is what a stage serves), read once per configuration generation."""
        if not deployment_id:
            return None
        known = self.docs["_deployments"]
        if deployment_id not in known:
            with planes.lease() as plane:
                known[deployment_id] = self.documents(plane).get(self.id, "deployment", deployment_id)
        return known[deployment_id]


@dataclass
class Request:
    """One execute-api request, split as both payload formats need it."""

    method: str
    target: str  # path?query after the api id (stage segment included)
    headers: Any
    body: bytes
    source_ip: str
    protocol: str
    path: str = ""  # raw path after the stage segment
    stage_path: str = ""  # raw path as the client sent it (stage included)
    query: str = ""
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def __post_init__(self) -> None:
        self.stage_path, _, self.query = self.target.partition("?")
        self.path = self.stage_path

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True)

    @property
    def time_text(self) -> str:
        return self.started.strftime("%d/%b/%Y:%H:%M:%S +0000")

    @property
    def epoch_ms(self) -> int:
        return int(self.started.timestamp() * 1000)


def segments(path: str) -> list[str]:
    return path.split("/")[1:] if path.startswith("/") else [path]


def match_path(template: str, path: str) -> tuple[tuple[Any, ...], dict[str, str]] | None:
    """(precedence rank, path parameters) when the resource/route path ``template`` matches ``path``.

    Lower ranks win: exact matches before greedy ``{proxy+}`` ones, then longer literal
    prefixes, then literal segments before ``{param}`` ones, position by position."""
    wanted, given = segments(template), segments(path)
    greedy = bool(wanted) and wanted[-1].startswith("{") and wanted[-1].endswith("+}")
    fixed = wanted[:-1] if greedy else wanted
    if greedy:
        rest = given[len(fixed):]
        if len(given) <= len(fixed) or not "/".join(rest).strip("/"):
            return None
    elif len(given) != len(fixed):
        return None
    params: dict[str, str] = {}
    kinds = []
    for want, got in zip(fixed, given):
        if want.startswith("{") and want.endswith("}"):
            if not got:
                return None
            params[want[1:-1]] = unquote(got)
            kinds.append(1)
        elif want != got:
            return None
        else:
            kinds.append(0)
    if greedy:
        params[wanted[-1][1:-2]] = unquote("/".join(given[len(fixed):]).rstrip("/"))
    return (greedy, -len(fixed), kinds), params


# --- payload format 1.0 --------------------------------------------------------------------------


def event_v1(request: Request, *, resource: str, path_parameters: dict[str, str],
             stage_variables: dict[str, str] | None, context: dict[str, Any], binary: bool) -> dict[str, Any]:  # fmt: skip
    """The payload 1.0 event (REST AWS_PROXY; HTTP APIs add ``version``)."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in request.query_pairs():
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    body: str | None = None
    if request.body:
        body = base64.b64encode(request.body).decode() if binary else request.body.decode("utf-8", "replace")
    return {
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": stage_variables or None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": binary,
    }


def identity_v1(request: Request) -> dict[str, Any]:
    keys = ("accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
            "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId")  # fmt: skip
    return {**dict.fromkeys(keys), "sourceIp": request.source_ip, "user": None,
            "userAgent": request.header("User-Agent") or "", "userArn": None}  # fmt: skip


_V1_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded", "cookies"})


def map_response_v1(payload: bytes, decode_base64: bool) -> Response | None:
    """A payload 1.0 result as an HTTP response, None when API Gateway would answer 502."""
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(value, dict) or not value or set(value) - _V1_KEYS:
        return None
    status = value.get("statusCode", 200)
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return None
    multi = value.get("multiValueHeaders") or {}
    single = value.get("headers") or {}
    if not isinstance(multi, dict) or not isinstance(single, dict):
        return None
    merged: dict[str, list[str]] = {}
    for name, values in multi.items():
        if not isinstance(values, list):
            return None
        merged.setdefault(str(name), []).extend(_text(v) for v in values)
    for name, single_value in single.items():
        merged.setdefault(str(name), []).append(_text(single_value))
    headers = [(name, ", ".join(values)) for name, values in merged.items()
               if name.lower() not in ("content-length", "transfer-encoding", "connection")]  # fmt: skip
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    if not urls.valid_fields(headers):
        return None
    body = value.get("body")
    data = b"" if body is None else (body if isinstance(body, str) else json.dumps(body)).encode()
    if value.get("isBase64Encoded") and decode_base64 and data:
        try:
            data = base64.b64decode(data, validate=True)
        except ValueError:
            return None
    return status, headers, data


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def context_strings(context: Any) -> dict[str, str]:
    """An authorizer's context as a payload 1.0 integration sees it: every value a string."""
    if not isinstance(context, dict):
        return {}
    return {str(k): _text(v) for k, v in context.items() if v is not None and not isinstance(v, (dict, list))}


# --- authorizers ---------------------------------------------------------------------------------


class AuthorizerCache:
    """Authorizer results per (api, authorizer, identity) for their TTL, in this server process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, ...], tuple[float, Any]] = {}

    def get(self, key: tuple[str, ...]) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] < time.monotonic():
                self._entries.pop(key, None)
                return None
            return entry[1]

    def put(self, key: tuple[str, ...], ttl: int, value: Any) -> None:
        if ttl > 0:
            with self._lock:
                self._entries[key] = (time.monotonic() + ttl, value)


CACHE = AuthorizerCache()


def policy_effect(policy: Any, method_arn: str) -> str | None:
    """``Deny`` if any statement denies ``execute-api:Invoke`` on ``method_arn``, else ``Allow`` if one
    allows it, else None; a malformed document raises ValueError."""
    if not isinstance(policy, dict) or not isinstance(policy.get("Statement"), (list, dict)):
        raise ValueError("policyDocument has no Statement")
    statements = policy["Statement"]
    effect = None
    for statement in [statements] if isinstance(statements, dict) else statements:
        actions = statement.get("Action")
        resources = statement.get("Resource")
        actions = [actions] if isinstance(actions, str) else actions or []
        resources = [resources] if isinstance(resources, str) else resources or []
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions):
            continue
        if not any(fnmatch.fnmatchcase(method_arn, r) for r in resources):
            continue
        if statement.get("Effect") == "Deny":
            return "Deny"
        if statement.get("Effect") == "Allow":
            effect = "Allow"
    return effect


# --- the serve hook ------------------------------------------------------------------------------
