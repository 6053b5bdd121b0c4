"""Invoke: validate the request, pick the version, run it in an execution environment, keep the log."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import threading
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from lambdactl import errors, settings
from lambdactl.control import logs
from lambdactl.control.aliases import route
from lambdactl.control.concurrency import on_demand_reserved, reserved_concurrency, unreserved_concurrency
from lambdactl.plane import ControlPlane, operation
from lambdactl.control.records import LATEST, function_not_found, load_version, parse_target, require_function
from lambdactl.control.stream_buffer import StreamBuffer
from lambdactl.model import validate
from lambdactl.spec import EnvironmentSpec, InvocationRequest, InvocationResult, LazySpec, request_id as new_request_id

SYNC_PAYLOAD_LIMIT = 6_291_456
ASYNC_PAYLOAD_LIMIT = 1_048_576
CLIENT_CONTEXT_LIMIT = 3583
INVOCATION_TYPES = ["Event", "RequestResponse", "DryRun"]


def _payload(params: dict[str, Any]) -> bytes:
    payload = params.get("Payload")
    if payload is None:
        return b"{}"
    if isinstance(payload, str):
        payload = payload.encode()
    if len(payload) > SYNC_PAYLOAD_LIMIT:
        raise errors.RequestEntityTooLargeException(
            f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction operation"
        )
    if not payload.strip():
        return b"{}"
    try:
        json.loads(payload)
    except ValueError as exc:
        raise errors.InvalidRequestContentException(
            f"Could not parse request body into json: Could not parse payload into json: {exc}"
        ) from None
    return payload


def _client_context(params: dict[str, Any]) -> str | None:
    raw = params.get("ClientContext")
    if not raw:
        return None
    if len(raw) > CLIENT_CONTEXT_LIMIT:
        raise errors.InvalidParameterValueException(
            f"Client context must be smaller than {CLIENT_CONTEXT_LIMIT} bytes."
        )
    try:
        decoded = base64.b64decode(raw, validate=True).decode()
        json.loads(decoded)
    except (binascii.Error, ValueError):
        raise errors.InvalidParameterValueException("Client context must be a valid Base64-encoded JSON object.") from None
    return decoded


def _work_dir(state_dir: Path) -> Path:
    """A work dir named for this process; what killed lambdactls left is swept on the first cold start."""
    from lambdactl.state import leftovers

    leftovers.sweep_run_dirs(state_dir)
    return leftovers.new_run_dir(state_dir)


def environment_spec(plane: ControlPlane, config: dict[str, Any]) -> EnvironmentSpec:
    """What an environment for this stored version needs (code unpacked once per CodeSha256)."""
    code_sha = config.get("_CodeSha")
    group = logs.log_group(config)
    # EnvironmentSpec.log_group is always /aws/lambda/<name>: another LoggingConfig.LogGroup reaches the
    # function's AWS_LAMBDA_LOG_GROUP_NAME through extra_env (which the environment applies last).
    custom_group = group != logs.default_log_group(config["FunctionName"])
    extra_env = {"AWS_LAMBDA_LOG_GROUP_NAME": group} if custom_group else {}
    return EnvironmentSpec(
        function_name=config["FunctionName"],
        function_arn=plane.settings.function_arn(config["FunctionName"]),
        version=config["Version"],
        runtime=config.get("Runtime"),
        handler=config.get("Handler"),
        code_dir=plane.code.unpack(code_sha) if code_sha else None,
        work_dir=_work_dir(plane.settings.state_dir),
        memory_mb=config["MemorySize"],
        timeout_s=config["Timeout"],
        ephemeral_storage_mb=config["EphemeralStorage"]["Size"],
        environment=dict((config.get("Environment") or {}).get("Variables") or {}),
        region=plane.settings.region,
        account_id=plane.settings.account_id,
        backend=config.get("LambdactlBackend", "subprocess"),
        image_uri=config.get("_ImageUri"),
        image_config=(config.get("ImageConfigResponse") or {}).get("ImageConfig"),
        opt_dir=_opt_dir(plane, config),
        revision_id=config["RevisionId"],
        extra_env=extra_env,
    )


def _opt_dir(plane: ControlPlane, config: dict[str, Any]) -> Path | None:
    if not config.get("_LayerShas"):
        return None
    from lambdactl.control.layers import opt_dir  # layers pull in policies and their regexes

    return opt_dir(plane, config)


class Target(NamedTuple):
    """What an invocation runs with: the version's configuration and the concurrency it may use."""

    config: dict[str, Any]
    reserved: int | None  # the function's reserved concurrency
    unreserved: int  # the account's unreserved concurrency (for functions without a reservation)


# (region dir, name, version) -> (generation, target); see _target.
_TARGETS: dict[tuple[str, str, str], tuple[int, Target]] = {}


def _target(plane: ControlPlane, ref: Any, qualifier: str | None) -> Target:
    """The configuration and concurrency an invocation runs with.

    An alias is routed on every call; a plain version's reads are kept while the state's
    configuration generation (bumped by triggers on every change) stands still, which a
    long-running process (serve, the worker) learns from shared memory (``state/generation.py``):
    no query at all.
    """
    if qualifier is not None and qualifier != LATEST and not qualifier.isdigit():
        version = route(plane, ref.name, qualifier)
        return Target(require_function(plane, ref, version), reserved_concurrency(plane, ref.name),
                      unreserved_concurrency(plane))  # fmt: skip
    version = qualifier or LATEST
    key = (str(plane.settings.region_dir), ref.name, version)
    cached = _TARGETS.get(key)
    if cached is not None and cached[0] == plane.store.generation_hint():
        return cached[1]
    generation = plane.store.generation()
    config = load_version(plane, ref.name, version)
    if config is None:  # Invoke names the version even when none was given (recorded: invoke_function_doesnotexist)
        raise function_not_found(plane, ref.name, version)
    target = Target(config, reserved_concurrency(plane, ref.name), unreserved_concurrency(plane))
    _TARGETS[key] = (generation, target)
    return target


def prewarm(plane: ControlPlane, name: str, qualifier: str | None) -> None:
    """Start an environment of the function (version or alias) into the plane's warm pool."""
    ref, qualifier = parse_target(plane, {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})})
    config = _target(plane, ref, qualifier).config
    from lambdactl.runtime.pool import EnvironmentPool

    pool = plane.environments
    if isinstance(pool, EnvironmentPool):  # a one-shot provider keeps nothing to warm
        pool.prewarm(_lazy_spec(plane, config))


def _lazy_spec(plane: ControlPlane, config: dict[str, Any]) -> LazySpec:
    return LazySpec(config["FunctionName"], config["Version"], config["RevisionId"], lambda: environment_spec(plane, config))


class Prepared(NamedTuple):
    """A validated synchronous invocation, ready to run."""

    name: str
    config: dict[str, Any]
    reserved: int | None
    unreserved: int
    request: InvocationRequest


def _prepare(plane: ControlPlane, params: dict[str, Any], target: Target, ref: Any, qualifier: str | None,
             payload: bytes, client_context: str | None) -> Prepared:  # fmt: skip
    config, reserved, unreserved = target
    request = InvocationRequest(
        payload=payload,
        request_id=params.get("_RequestId") or new_request_id(),  # an async event keeps its id
        invoked_function_arn=plane.settings.function_arn(ref.name, qualifier),
        client_context=client_context,
    )
    reserved = on_demand_reserved(plane, ref.name, (qualifier or LATEST, config["Version"]), reserved)
    if reserved == 0:
        raise errors.throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
    return Prepared(ref.name, config, reserved, unreserved, request)


def _run(plane: ControlPlane, prepared: Prepared) -> InvocationResult:
    """Run it in an environment and keep its log."""
    config = prepared.config
    with plane.without_store():  # the function may run for minutes: its plane's connection serves others
        result = plane.environments.run(_lazy_spec(plane, config), prepared.request, reserved=prepared.reserved,
                                        unreserved=prepared.unreserved)  # fmt: skip
    logs.append(plane, logs.log_group(config), result.log_stream, result.log)
    return result


def _checked(
    plane: ControlPlane, params: dict[str, Any], invocation_types: list[str],
) -> tuple[str, Any, str | None, Target, bytes, str | None]:
    """Invoke's and InvokeWithResponseStream's checks, in Lambda's order: (invocation type, function ref,
    qualifier, target, payload, client context)."""
    ref, qualifier = parse_target(plane, params)
    invocation_type = params.get("InvocationType") or "RequestResponse"
    validate.check_enum(invocation_type, "invocationType", invocation_types)
    validate.check_enum(params.get("LogType"), "logType", ["None", "Tail"])
    target = _target(plane, ref, qualifier)
    return invocation_type, ref, qualifier, target, _payload(params), _client_context(params)


@operation("Invoke")
def invoke(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    invocation_type, ref, qualifier, target, payload, client_context = _checked(plane, params, INVOCATION_TYPES)
    if invocation_type == "DryRun":
        return {"StatusCode": 204}
    if invocation_type == "Event":
        if len(payload) > ASYNC_PAYLOAD_LIMIT:
            raise errors.RequestEntityTooLargeException(
                f"{len(payload)} byte payload is too large for the Event invocation type (limit {ASYNC_PAYLOAD_LIMIT} bytes)"
            )
        with plane.store.write() as conn:
            plane.async_work.enqueue(conn, ref.name, qualifier, payload, str(uuid.uuid4()))
        plane.async_work.start_worker()
        return {"StatusCode": 202}
    prepared = _prepare(plane, params, target, ref, qualifier, payload, client_context)
    result = _run(plane, prepared)
    if plane.settings.observer is not None:
        plane.settings.observer(prepared.config, result)
    response: dict[str, Any] = {"StatusCode": 200}
    if result.function_error:
        response["FunctionError"] = result.function_error
    if params.get("LogType") == "Tail":
        response["LogResult"] = logs.tail_base64(result.log)
    response["ExecutedVersion"] = prepared.config["Version"]
    response["Payload"] = result.payload
    return response


STREAM_INVOCATION_TYPES = ["RequestResponse", "DryRun"]  # the model's ResponseStreamingInvocationType
STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"


class StreamStart(NamedTuple):
    """A streaming runtime began its response, with this Content-Type."""

    content_type: str | None


# What a running stream yields: its start, its bytes as they come, and last its result.
Piece = StreamStart | bytes | InvocationResult


def stream(plane: ControlPlane, params: dict[str, Any]) -> tuple[dict[str, Any], Iterator[Piece]] | None:
    """Start a synchronous invocation whose response is read as it comes: (the version's configuration,
    its pieces), or None for a DryRun. Validation, a missing function and throttling are raised here;
    the invocation runs in a thread of its own and this returns once its first piece is known.
    (A buffered runtime's response is its result's payload.)"""
    invocation_type, ref, qualifier, target, payload, client_context = _checked(plane, params, STREAM_INVOCATION_TYPES)
    if invocation_type == "DryRun":
        return None
    pieces = StreamBuffer()
    prepared = _prepare(plane, params, target, ref, qualifier, payload, client_context)

    def started(content_type: str | None) -> None:
        pieces.put(StreamStart(content_type))

    prepared = prepared._replace(request=dataclasses.replace(
        prepared.request, on_chunk=pieces.put_bytes, max_stream_bytes=settings.STREAM_RESPONSE_MAX_BYTES.get(),
        on_stream_start=started))

    # The invocation outlives this call (and, under serve, the request's plane): it gets a plane of its own.
    own = ControlPlane(plane.settings)
    own.environments = plane.environments

    def run() -> None:
        try:
            result = _run(own, prepared)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised in its thread
            pieces.put(exc, last=True)
        else:
            if not pieces.put(result, last=True) and plane.settings.observer is not None:
                plane.settings.observer(prepared.config, result)  # its client is gone: reported on its own
        finally:
            own.close()

    threading.Thread(target=run, name=f"stream-{prepared.request.request_id}", daemon=True).start()
    first = pieces.get()
    if isinstance(first, BaseException):
        raise first

    def rest() -> Iterator[Piece]:
        item = first
        while not isinstance(item, InvocationResult):
            if isinstance(item, BaseException):
                raise item
            yield item
            item = pieces.get()
        if plane.settings.observer is not None:
            plane.settings.observer(prepared.config, item)
        yield item

    iterator = rest()
    # Dropped (the client gone, whether or not it was read from): the function runs on, unheard.
    weakref.finalize(iterator, pieces.close)
    return prepared.config, iterator


@operation("InvokeWithResponseStream")
def invoke_with_response_stream(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """The function's response as an event stream: a PayloadChunk per piece a streaming runtime sends,
    as it sends it (a buffered runtime's whole response is one chunk, as on AWS), then InvokeComplete
    (``ErrorCode``/``ErrorDetails`` when the function failed, ``LogResult`` with LogType Tail).
    ``EventStream`` yields the events as they come."""
    started = stream(plane, params)
    if started is None:
        return {"StatusCode": 204}
    config, pieces = started
    return {
        "StatusCode": 200,
        "ExecutedVersion": config["Version"],
        "ResponseStreamContentType": STREAM_CONTENT_TYPE,
        "EventStream": _events(pieces, params.get("LogType") == "Tail"),
    }


def _events(pieces: Iterator[Piece], tail: bool) -> Iterator[dict[str, Any]]:
    result: InvocationResult | None = None
    try:
        for piece in pieces:
            if isinstance(piece, bytes):
                yield {"PayloadChunk": {"Payload": piece}}
            elif isinstance(piece, InvocationResult):
                result = piece
    except Exception as exc:  # noqa: BLE001 - a bug past the start: the status is sent, end the stream with it
        yield {"InvokeComplete": {"ErrorCode": "ServiceException", "ErrorDetails": str(exc)}}
        return
    assert result is not None
    complete: dict[str, Any] = {}
    if result.function_error:
        complete.update(_error_fields(result.payload))
    elif not result.streamed and result.payload:  # a buffered runtime: its whole response, one chunk
        yield {"PayloadChunk": {"Payload": result.payload}}
    if tail:
        complete["LogResult"] = logs.tail_base64(result.log)
    yield {"InvokeComplete": complete}


def _error_fields(payload: bytes) -> dict[str, str]:
    """InvokeComplete's ErrorCode (the error type) and ErrorDetails (its message) from an error payload."""
    try:
        error = json.loads(payload)
    except ValueError:
        error = None
    if not isinstance(error, dict):
        return {"ErrorCode": "Unhandled", "ErrorDetails": payload.decode("utf-8", "replace")}
    return {"ErrorCode": str(error.get("errorType") or "Unhandled"), "ErrorDetails": str(error.get("errorMessage") or "")}
