"""The ``json`` protocol (SQS, Kinesis, DynamoDB Streams, CloudWatch Logs, EventBridge), both ways.

``POST /`` with ``X-Amz-Target: <targetPrefix>.<Operation>`` and an ``application/x-amz-json-1.0``
(or 1.1) body holding the input shape; the answer is the output shape as JSON. Errors are
``{"__type": ..., "message": ...}``, which botocore reads for the code. A service marked
``awsQueryCompatible`` (SQS) names the error shape in ``__type`` and sends its query-era code
(``AWS.SimpleQueueService.NonExistentQueue``) in ``x-amzn-query-error``, as AWS does.
"""

from __future__ import annotations

import json
from typing import Any

from lambdactl import errors, model
from lambdactl.protocols import Request, Response, UnknownOperationException
from lambdactl.protocols.json_values import decode_blobs, dump_json, load_json
from lambdactl.protocols.rest_json import error_from

SerializationException = errors.service_error("SerializationException", 400)


class Codec:
    def __init__(self, service: str) -> None:
        self.service = service
        meta = model.service(service)["metadata"]
        self.target_prefix: str = meta["targetPrefix"]
        self.content_type = f"application/x-amz-json-{meta.get('jsonVersion', '1.0')}"
        self.query_compatible = "awsQueryCompatible" in meta
        self.operations = model.service(service)["operations"]
        self.shapes = model.shapes(service)

    def parse_request(self, request: Request) -> tuple[str, dict[str, Any]]:
        prefix, _, op_name = (request.headers.get("X-Amz-Target") or "").partition(".")
        if request.method != "POST" or prefix != self.target_prefix or op_name not in self.operations:
            raise UnknownOperationException(f"Unknown operation: {request.headers.get('X-Amz-Target') or '(no X-Amz-Target)'}")
        try:
            params = load_json(request.body) if request.body.strip() else {}
        except errors.ServiceError:
            raise SerializationException("Start of structure or map found where not expected.") from None
        if not isinstance(params, dict):
            raise SerializationException("Start of structure or map found where not expected.")
        shape = self.operations[op_name].get("input", {}).get("shape")
        return op_name, decode_blobs(params, shape, self.service) if shape else params

    def serialize_result(self, op_name: str, result: dict[str, Any]) -> Response:
        return 200, {"Content-Type": self.content_type}, dump_json(result)

    def serialize_error(self, exc: errors.ServiceError) -> Response:
        shape_name = type(exc).__name__
        if self.query_compatible and shape_name != exc.code and shape_name in self.shapes:
            return error_response(exc, self.content_type, f"com.amazonaws.{self.service}#{shape_name}")
        return error_response(exc, self.content_type)

    # ---------------------------------------------------------------- client side

    def build_request(self, op_name: str, params: dict[str, Any]) -> tuple[str, str, dict[str, str], bytes]:
        headers = {"X-Amz-Target": f"{self.target_prefix}.{op_name}", "Content-Type": self.content_type}
        return "POST", "/", headers, dump_json(params)

    def parse_response(self, op_name: str, status: int, headers: Any, body: bytes) -> dict[str, Any]:
        loaded = json.loads(body) if body else {}
        shape = self.operations[op_name].get("output", {}).get("shape")
        return decode_blobs(loaded, shape, self.service) if shape else loaded

    def parse_error(self, status: int, headers: Any, body: bytes) -> errors.ServiceError:
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            data = {"message": body.decode(errors="replace")}
        data = data if isinstance(data, dict) else {}
        code = (headers.get("x-amzn-query-error") or "").split(";")[0]
        code = code or str(data.get("__type") or "").rsplit("#", 1)[-1]
        return error_from(code, status, data)


def error_response(exc: errors.ServiceError, content_type: str | None = None, shape: str | None = None) -> Response:
    """``{"__type", "message"}``; with the error's model ``shape`` (query-compatible services) the
    code travels in ``x-amzn-query-error``, where botocore looks for it first."""
    headers = {"Content-Type": content_type or "application/x-amz-json-1.1"}
    if shape:
        headers["x-amzn-query-error"] = f"{exc.code};{'Sender' if exc.status < 500 else 'Receiver'}"
    body = {"__type": shape or exc.code, **{k: v for k, v in exc.body().items() if k != "Type"}}
    return exc.status, headers, dump_json(body)
