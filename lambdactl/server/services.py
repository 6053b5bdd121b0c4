"""Which embedded service a request to ``serve`` is for, and which services ``serve`` serves.

A service is served when lambdactl has its model (``lambdactl/model/<service>.json``), its
operations (the package ``lambdactl/services/<service>``, or, for Lambda and until they move
there, control-plane modules named in ``plane/index.py``) and its model's wire protocol (a
module in ``lambdactl/protocols``): a new service needs nothing here.

A request names its service the way the SDKs sign it: ``X-Amz-Target: <targetPrefix>.<Op>`` for
the ``json`` protocol, else the SigV4 credential scope (``Credential=AKID/date/region/<signing
name>/aws4_request``, in ``Authorization`` or the ``X-Amz-Credential`` query parameter); an
unsigned request without a target is Lambda's (curl, function URLs). A signing name can be
shared (``apigateway`` signs both API Gateway versions): each candidate's routes are tried.
A service lambdactl does not serve gets a ``NotImplemented`` error naming it, in the error format
its SDK reads, so a function calling, say, DynamoDB fails with that line instead of reaching AWS.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from typing import Any

from lambdactl import errors, model
from lambdactl.protocols import Request, Response

LAMBDA = model.LAMBDA
FORM_TYPE = "application/x-www-form-urlencoded"
_REGION = re.compile(r"Credential=[^/,\s]*/\d{8}/([^/,\s]+)/[^/,\s]+/aws4_request")
_SCOPE = re.compile(r"Credential=[^/,\s]*/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request")
# AWS services that speak rest-xml (their errors are XML even when lambdactl does not serve them).
REST_XML_SIGNING_NAMES = frozenset({"s3", "s3-outposts", "s3-object-lambda", "route53", "cloudfront"})


class NotServed(errors.ServiceError):
    """A request for an AWS service lambdactl does not emulate (501: SDKs do not retry it)."""

    code = "NotImplemented"
    status = 501
    message_key = "message"


@cache
def served() -> tuple[str, ...]:
    """The botocore names of the services ``serve`` answers, Lambda first."""
    from lambdactl.plane.index import OPERATION_MODULES
    from lambdactl.protocols import MODULES

    in_control = {op.partition(":")[0] for op in OPERATION_MODULES if ":" in op}
    names = [
        name
        for name in model.names()
        if name != LAMBDA
        and (name in in_control or importlib.util.find_spec(f"lambdactl.services.{name}") is not None)
        and importlib.util.find_spec(f"lambdactl.protocols.{MODULES[model.metadata(name)['protocol']]}") is not None
    ]
    return (LAMBDA, *names)


@cache
def implemented(service: str) -> frozenset[str]:
    """The model operations of ``service`` that lambdactl implements (their modules imported)."""
    from lambdactl.plane import OPERATIONS
    from lambdactl.plane.index import OPERATION_MODULES, supported_operations

    if service == LAMBDA:
        return frozenset(supported_operations())
    if importlib.util.find_spec(f"lambdactl.services.{service}") is not None:
        importlib.import_module(f"lambdactl.services.{service}.operations")
    for op, module in OPERATION_MODULES.items():
        if op.startswith(f"{service}:"):
            importlib.import_module(f"lambdactl.control.{module}")
    return frozenset(op.partition(":")[2] for op in OPERATIONS if op.startswith(f"{service}:"))


def signing_name(service: str) -> str:
    meta = model.metadata(service)
    return str(meta.get("signingName") or meta["endpointPrefix"])


def endpoint_variable(service: str) -> str:
    """The SDKs' per-service endpoint variable: ``AWS_ENDPOINT_URL_`` + the model's serviceId,
    spaces as ``_``, upper-cased (``DynamoDB Streams`` -> ``AWS_ENDPOINT_URL_DYNAMODB_STREAMS``)."""
    return "AWS_ENDPOINT_URL_" + model.metadata(service)["serviceId"].replace(" ", "_").upper()


def endpoint_variables(url: str) -> dict[str, str]:
    """What points an environment's SDK at ``url``: every served service's own variable, and
    ``AWS_ENDPOINT_URL`` for all others, so a call to a service lambdactl does not serve gets
    lambdactl's ``NotImplemented`` error naming it instead of reaching AWS. (A function that must
    reach AWS sets ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true``; its own variables win over these.)"""
    found = {endpoint_variable(name): url for name in served()}
    return {**found, "AWS_ENDPOINT_URL": url, "LAMBDACTL_ENDPOINT_URL": url}


@cache
def _by_target_prefix() -> dict[str, str]:
    return {prefix: name for name in served() if (prefix := model.metadata(name).get("targetPrefix"))}


@cache
def _by_signing_name() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for name in served():
        found.setdefault(signing_name(name), []).append(name)
    return {key: tuple(names) for key, names in found.items()}


def credential_scope(headers: Any, query: dict[str, list[str]]) -> str | None:
    """The signing name in the request's SigV4 credential scope, or None when it is unsigned."""
    found = _SCOPE.search(headers.get("Authorization") or "")
    if found:
        return found.group(1)
    credential = (query.get("X-Amz-Credential") or [""])[0]
    parts = credential.split("/")
    return parts[3] if len(parts) == 5 and parts[4] == "aws4_request" else None


def signed_region(headers: Any, query: dict[str, list[str]]) -> str | None:
    """The region in the request's SigV4 credential scope (what the caller's SDK is configured for),
    or None when it is unsigned (the server's own region answers)."""
    found = _REGION.search(headers.get("Authorization") or "")
    if found:
        return found.group(1)
    parts = (query.get("X-Amz-Credential") or [""])[0].split("/")
    return parts[2] if len(parts) == 5 and parts[4] == "aws4_request" else None


def candidates(headers: Any, query: dict[str, list[str]]) -> tuple[str, ...]:
    """The served services the request may be for, or NotServed naming the one it is for."""
    target = headers.get("X-Amz-Target")
    scope = credential_scope(headers, query)
    if target:
        prefix = target.partition(".")[0]
        if prefix in _by_target_prefix():
            return (_by_target_prefix()[prefix],)
        raise not_served(scope or prefix)
    if scope is None:
        return (LAMBDA,)
    if scope in _by_signing_name():
        return _by_signing_name()[scope]
    raise not_served(scope)


def not_served(name: str) -> NotServed:
    return NotServed(
        f"lambdactl does not serve the AWS service {name!r} (it serves {', '.join(served())}); "
        "nothing was sent to AWS"
    )


def protocol_of(service: str, request: Request) -> str | None:
    """The protocol a request for ``service`` speaks: the model's, or the legacy ``query`` one that
    older SDKs send to a ``json`` service that has query traits (SQS): a form with ``Action``."""
    if request.headers.get("X-Amz-Target") is None and model.query_traits(service) is not None:
        media = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if "Action" in request.query or media == FORM_TYPE:
            return "query"
    return None


def error_response(exc: errors.ServiceError, headers: Any) -> Response:
    """An error for a request whose service is unknown or not served, in the format its SDK reads:
    ``json`` with an ``X-Amz-Target``, XML for a form (``query``) or a rest-xml service, else rest-json."""
    from lambdactl.protocols import aws_json, query, rest_json

    scope = credential_scope(headers, {})
    media = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if headers.get("X-Amz-Target"):
        return aws_json.error_response(exc, media if media.startswith("application/x-amz-json") else None)
    if media == FORM_TYPE or scope in REST_XML_SIGNING_NAMES:
        return query.error_response(exc)
    return rest_json.serialize_error(exc)
