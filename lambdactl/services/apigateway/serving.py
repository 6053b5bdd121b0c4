"""``serve`` answering REST APIs: stage, resource and method selection, TOKEN/REQUEST Lambda
authorizers returning IAM policies, binary media types, the payload 1.0 proxy event, and MOCK integrations
(SAM's CORS preflight ``OPTIONS`` methods).

Precedence (as API Gateway): exact resource paths before greedy ``{proxy+}`` ones, literal
segments before ``{params}``; a method the resource lacks falls back to its ``ANY``. An
unknown stage, path or method is 403 ``Missing Authentication Token``.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

from lambdactl.services.apigateway_common import gateway
from lambdactl.services.apigateway_common.gateway import CACHE, Api, Request, Response, answer

MISSING_TOKEN = answer(403, "Missing Authentication Token", error_type="MissingAuthenticationTokenException")
UNAUTHORIZED = answer(401, "Unauthorized")
DENIED = answer(403, "User is not authorized to access this resource with an explicit deny", key="Message")
NOT_ALLOWED = answer(403, "User is not authorized to access this resource", key="Message")
AUTHORIZER_FAILED = answer(500, None)
SERVER_ERROR = answer(500, "Internal server error")
BAD_GATEWAY = answer(502, "Internal server error")
TIMED_OUT = answer(504, "Endpoint request timed out")


def respond(planes: Any, api: Api, request: Request) -> Response:
    api_id, account, region = api.id, api.account, api.region
    stage_name, _, rest = request.stage_path[1:].partition("/")
    stage = next((s for s in api.docs.get("stage", ()) if s["stageName"] == stage_name), None)
    deployment = api.deployment(planes, stage["deploymentId"]) if stage else None
    if deployment is None:
        return MISSING_TOKEN
    request.path = "/" + rest
    snapshot = deployment["_snapshot"]
    found = select_resource(snapshot["resources"], request.path)
    if found is None:
        return MISSING_TOKEN
    resource, path_parameters = found
    methods = resource.get("resourceMethods") or {}
    method = methods.get(request.method) or methods.get("ANY")
    integration = (method or {}).get("methodIntegration")
    if method is None or integration is None:
        return MISSING_TOKEN
    variables = (stage or {}).get("variables") or None  # a stage: it has a deployment
    method_arn = f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage_name}/{request.method}{request.path}"
    context: dict[str, Any] = {
        "accountId": account, "apiId": api_id, "deploymentId": deployment["id"],
        "domainName": f"{api_id}.execute-api.{region}.localhost", "domainPrefix": api_id,
        "extendedRequestId": request.request_id, "httpMethod": request.method, "identity": gateway.identity_v1(request),
        "path": request.stage_path, "protocol": request.protocol, "requestId": request.request_id,
        "requestTime": request.time_text, "requestTimeEpoch": request.epoch_ms, "resourceId": resource["id"],
        "resourcePath": resource["path"], "stage": stage_name,
    }  # fmt: skip
    binary_types = snapshot.get("binaryMediaTypes") or []
    binary = bool(request.body) and media_matches(request.header("Content-Type"), binary_types)
    event = gateway.event_v1(request, resource=resource["path"], path_parameters=path_parameters,
                             stage_variables=variables, context=context, binary=binary)  # fmt: skip
    if method.get("authorizationType") == "CUSTOM":
        authorizer = next((a for a in snapshot["authorizers"] if a["id"] == method.get("authorizerId")), None)
        denial, authorized = _authorize(planes, api_id, authorizer, event, request, method_arn, variables, account, region)
        if denial is not None:
            return denial
        context["authorizer"] = authorized
    if integration["type"] == "MOCK":
        return mock(integration)
    outcome = gateway.invoke(planes, integration["uri"], event, method_arn, integration["timeoutInMillis"] / 1000, variables)
    if outcome.kind == "timeout":
        return TIMED_OUT
    if outcome.kind == "denied":
        return SERVER_ERROR
    if outcome.kind != "ok":
        return BAD_GATEWAY
    accept = (request.header("Accept") or "").split(",")[0].strip()
    return gateway.map_response_v1(outcome.payload, media_matches(accept, binary_types)) or BAD_GATEWAY


def mock(integration: dict[str, Any]) -> Response:
    """A MOCK integration's answer: the status its request template names (``{"statusCode": 200}``, else 200)
    selects the integration response (``selectionPattern`` matching it, else the one without), whose literal
    ``method.response.header.*`` parameters are the headers and whose template (static here) is the body."""
    template = (integration.get("requestTemplates") or {}).get("application/json") or ""
    try:
        status = str(json.loads(template).get("statusCode", 200)) if template.strip() else "200"
    except (ValueError, AttributeError):
        return SERVER_ERROR
    responses = list((integration.get("integrationResponses") or {}).values())
    chosen = next((r for r in responses if r.get("selectionPattern") and re.fullmatch(r["selectionPattern"], status)), None)
    chosen = chosen or next((r for r in responses if not r.get("selectionPattern")), None)
    if chosen is None:
        return SERVER_ERROR
    headers = [("Content-Type", "application/json")]
    for target, source in (chosen.get("responseParameters") or {}).items():
        name = target.removeprefix("method.response.header.")
        if name != target and len(source) >= 2 and source[0] == source[-1] == "'":
            headers.append((name, source[1:-1]))
    body = str((chosen.get("responseTemplates") or {}).get("application/json") or "")
    return int(chosen["statusCode"]), headers, body.encode()


def select_resource(resources: list[dict[str, Any]], path: str) -> tuple[dict[str, Any], dict[str, str]] | None:
    best = None
    chosen = None
    for resource in resources:
        matched = gateway.match_path(resource["path"], path)
        if matched is not None and (best is None or matched[0] < best):
            best, chosen = matched[0], (resource, matched[1])
    return chosen


def media_matches(content_type: str | None, patterns: list[str]) -> bool:
    """Whether a media type matches one of the API's binaryMediaTypes (``*/*``, ``image/*`` allowed)."""
    media = (content_type or "").split(";")[0].strip().lower()
    return bool(media) and any(fnmatch.fnmatchcase(media, p.lower()) for p in patterns)


def _identity(authorizer: dict[str, Any], event: dict[str, Any], variables: dict[str, str] | None) -> list[str] | None:
    """The values of an authorizer's identity sources (None when one is missing)."""
    headers = {k.lower(): v for k, v in (event["headers"] or {}).items()}
    query = event["queryStringParameters"] or {}
    values = []
    for source in [s.strip() for s in (authorizer.get("identitySource") or "").split(",") if s.strip()]:
        if source.startswith("method.request.header."):
            value = headers.get(source.rsplit(".", 1)[1].lower())
        elif source.startswith("method.request.querystring."):
            value = query.get(source.split(".", 3)[3])
        elif source.startswith("stageVariables."):
            value = (variables or {}).get(source.split(".", 1)[1])
        else:
            value = {"httpMethod": event["httpMethod"], "resourcePath": event["resource"]}.get(source.split(".", 1)[1])
        if not value:
            return None
        values.append(value)
    return values


def _authorize(planes: Any, api_id: str, authorizer: dict[str, Any] | None, event: dict[str, Any], request: Request,
               method_arn: str, variables: dict[str, str] | None, account: str,
               region: str) -> tuple[Response | None, dict[str, Any]]:  # fmt: skip
    if authorizer is None:
        return AUTHORIZER_FAILED, {}
    identity = _identity(authorizer, event, variables)
    if authorizer["type"] == "TOKEN":
        expression = authorizer.get("identityValidationExpression")
        if not identity or (expression and not re.fullmatch(expression, identity[0])):
            return UNAUTHORIZED, {}
        call = {"type": "TOKEN", "authorizationToken": identity[0], "methodArn": method_arn}
    else:
        if authorizer.get("identitySource") and identity is None:
            return UNAUTHORIZED, {}
        call = {"type": "REQUEST", "methodArn": method_arn, **{k: v for k, v in event.items() if k not in ("body", "isBase64Encoded")}}
    ttl = authorizer.get("authorizerResultTtlInSeconds", 300)
    key = (api_id, authorizer["id"], *(identity or ()))
    result = CACHE.get(key) if ttl and identity else None
    if result is None:
        source_arn = f"arn:aws:execute-api:{region}:{account}:{api_id}/authorizers/{authorizer['id']}"
        outcome = gateway.invoke(planes, authorizer["authorizerUri"], call, source_arn, gateway.AUTHORIZER_TIMEOUT_S, variables)
        if outcome.kind == "error" and outcome.error_message == "Unauthorized":
            return UNAUTHORIZED, {}
        if outcome.kind != "ok":
            return AUTHORIZER_FAILED, {}
        try:
            result = json.loads(outcome.payload)
            effect = gateway.policy_effect(result.get("policyDocument"), method_arn)
        except (ValueError, AttributeError):
            return AUTHORIZER_FAILED, {}
        if not result.get("principalId"):
            return AUTHORIZER_FAILED, {}
        if identity:
            CACHE.put(key, ttl, result)
    effect = gateway.policy_effect(result["policyDocument"], method_arn)  # a cached policy is checked per methodArn
    if effect == "Deny":
        return DENIED, {}
    if effect != "Allow":
        return NOT_ALLOWED, {}
    return None, {"principalId": result["principalId"], "integrationLatency": 0, **gateway.context_strings(result.get("context"))}
