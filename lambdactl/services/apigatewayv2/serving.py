"""``serve`` answering HTTP APIs: stage and route selection, Lambda authorizers, CORS, and the
payload 1.0/2.0 proxy events and response mapping (2.0 shares function URLs' helpers).

Precedence (as API Gateway): the stage named by the first path segment, else ``$default``;
then the route: full method+path matches (literals before ``{params}``), then greedy
``{proxy+}`` ones (a specific method before ``ANY``), then ``$default``; else 404.
"""

from __future__ import annotations

import json
from typing import Any

from lambdactl.control import url_requests as urls
from lambdactl.services.apigateway_common import gateway
from lambdactl.services.apigateway_common.gateway import CACHE, Api, Outcome, Request, Response, answer
from lambdactl.services.apigatewayv2 import operations

NOT_FOUND = answer(404, "Not Found")
UNAUTHORIZED = answer(401, "Unauthorized")
FORBIDDEN = answer(403, "Forbidden")
SERVER_ERROR = answer(500, "Internal Server Error")
UNAVAILABLE = answer(503, "Service Unavailable")


def respond(planes: Any, api: Api, request: Request) -> Response:
    api_id, account, region = api.id, api.account, api.region
    stages = {stage["StageName"]: stage for stage in api.docs.get("stage", ())}
    first, _, rest = request.stage_path[1:].partition("/")
    stage = stages.get(first) if first != "$default" else None
    if stage is not None:
        request.path = "/" + rest
    else:
        stage = stages.get("$default")
    if stage is None:
        return NOT_FOUND
    if stage.get("AutoDeploy"):
        config = {kind: api.docs.get(kind, []) for kind in operations.SNAPSHOT_KINDS}
    else:
        deployment = api.deployment(planes, stage.get("DeploymentId"))
        config = deployment["_snapshot"] if deployment else {kind: [] for kind in operations.SNAPSHOT_KINDS}
    cors = api.config.get("CorsConfiguration")
    origin = request.header("Origin")
    if cors and request.method == "OPTIONS" and origin and request.header("Access-Control-Request-Method"):
        return 204, urls.cors_headers(cors, origin, preflight=True), b""
    found = select_route(config["route"], request.method, request.path)
    if found is None:
        return NOT_FOUND
    route, path_parameters = found
    integration_id = (route.get("Target") or "").removeprefix("integrations/")
    integration = next((i for i in config["integration"] if i["IntegrationId"] == integration_id), None)
    if integration is None:
        return NOT_FOUND
    variables = stage.get("StageVariables") or None
    stage_name = stage["StageName"]
    authorizer_context: dict[str, Any] | None = None
    if route.get("AuthorizationType") == "CUSTOM":
        authorizer = next((a for a in config["authorizer"] if a["AuthorizerId"] == route.get("AuthorizerId")), None)
        denial, authorizer_context = _authorize(planes, api_id, authorizer, route, request, path_parameters,
                                                stage_name, variables, account, region)  # fmt: skip
        if denial is not None:
            return denial
    event = _event(integration["PayloadFormatVersion"], api_id, route, request, path_parameters, stage,
                   account, region, authorizer_context)  # fmt: skip
    tail = "$default" if route["RouteKey"] == "$default" else f"{request.method}{request.path}"
    source_arn = f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage_name}/{tail}"
    outcome = gateway.invoke(planes, integration["IntegrationUri"], event, source_arn,
                             integration["TimeoutInMillis"] / 1000, variables)  # fmt: skip
    response = _map(outcome, integration["PayloadFormatVersion"])
    if cors and origin:
        status, headers, body = response
        headers = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
        response = status, headers + urls.cors_headers(cors, origin, preflight=False), body
    return response


def select_route(routes: list[dict[str, Any]], method: str, path: str) -> tuple[dict[str, Any], dict[str, str]] | None:
    best: tuple[Any, ...] | None = None
    chosen = None
    default = None
    for route in routes:
        key = route["RouteKey"]
        if key == "$default":
            default = route
            continue
        route_method, _, template = key.partition(" ")
        if route_method not in (method, "ANY"):
            continue
        matched = gateway.match_path(template, path)
        if matched is None:
            continue
        rank = (*matched[0], route_method == "ANY")
        if best is None or rank < best:
            best, chosen = rank, (route, matched[1])
    if chosen is None and default is not None:
        return default, {}
    return chosen


def _event(version: str, api_id: str, route: dict[str, Any], request: Request, path_parameters: dict[str, str],
           stage: dict[str, Any], account: str, region: str, authorizer: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    domain = f"{api_id}.execute-api.{region}.localhost"
    variables = stage.get("StageVariables") or None
    if version == "1.0":
        binary = bool(request.body) and not urls.is_text(request.header("Content-Type") or "", request.body)
        context = {
            "accountId": account, "apiId": api_id, "domainName": domain, "domainPrefix": api_id,
            "extendedRequestId": request.request_id, "httpMethod": request.method, "identity": gateway.identity_v1(request),
            "path": request.stage_path, "protocol": request.protocol, "requestId": request.request_id,
            "requestTime": request.time_text, "requestTimeEpoch": request.epoch_ms, "resourceId": route["RouteKey"],
            "resourcePath": route["RouteKey"].partition(" ")[2] or "$default", "stage": stage["StageName"],
        }  # fmt: skip
        if authorizer is not None:
            context["authorizer"] = authorizer
        event = {"version": "1.0", **gateway.event_v1(
            request, resource=context["resourcePath"], path_parameters=path_parameters,
            stage_variables=variables, context=context, binary=binary)}  # fmt: skip
        return event
    event = urls.build_event(api_id, request.method, request.target, request.headers, request.body,
                             request.source_ip, request.protocol, account_id=account, region=region, access_key=None)  # fmt: skip
    context = event["requestContext"]
    context.update(accountId=account, domainName=domain, routeKey=route["RouteKey"], stage=stage["StageName"],
                   requestId=request.request_id, time=request.time_text, timeEpoch=request.epoch_ms)  # fmt: skip
    if authorizer is not None:
        context["authorizer"] = authorizer
    event["routeKey"] = route["RouteKey"]
    event["pathParameters"] = path_parameters
    event["stageVariables"] = variables
    for key in ("pathParameters", "stageVariables"):  # HTTP APIs leave empty ones out
        if not event[key]:
            del event[key]
    return event


def _map(outcome: Outcome, version: str) -> Response:
    if outcome.kind == "timeout":
        return UNAVAILABLE
    if outcome.kind != "ok":
        return SERVER_ERROR
    if version == "1.0":
        return gateway.map_response_v1(outcome.payload, decode_base64=True) or SERVER_ERROR
    response = urls.map_response(outcome.payload)
    return SERVER_ERROR if response is urls.BAD_GATEWAY else response


def _identity(sources: list[str], request: Request, route: dict[str, Any], variables: dict[str, str] | None) -> list[str] | None:
    """The identity source values (all present), else None."""
    values = []
    query = dict(request.query_pairs())
    for source in sources:
        kind, _, name = source[1:].partition(".")
        if kind == "request":
            where, _, name = name.partition(".")
            value = request.header(name) if where == "header" else query.get(name)
        elif kind == "context":
            value = {"routeKey": route["RouteKey"], "httpMethod": request.method}.get(name)
        else:
            value = (variables or {}).get(name.partition(".")[2])
        if not value:
            return None
        values.append(value)
    return values


def _authorize(planes: Any, api_id: str, authorizer: dict[str, Any] | None, route: dict[str, Any], request: Request,
               path_parameters: dict[str, str], stage: str, variables: dict[str, str] | None, account: str,
               region: str) -> tuple[Response | None, dict[str, Any] | None]:  # fmt: skip
    """(a denial to answer, or None with the context the integration sees)."""
    if authorizer is None:
        return SERVER_ERROR, None
    sources = authorizer.get("IdentitySource") or []
    identity = _identity(sources, request, route, variables)
    if sources and identity is None:
        return UNAUTHORIZED, None
    tail = "$default" if route["RouteKey"] == "$default" else f"{request.method}{request.path}"
    route_arn = f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{tail}"
    ttl = authorizer.get("AuthorizerResultTtlInSeconds") or 0
    key = (api_id, authorizer["AuthorizerId"], *(identity or ()))
    result = CACHE.get(key) if ttl else None
    if result is None:
        version = authorizer["AuthorizerPayloadFormatVersion"]
        if version == "2.0":
            event = _event("2.0", api_id, route, request, path_parameters, {"StageName": stage, "StageVariables": variables},
                           account, region, None)  # fmt: skip
            event = {"version": "2.0", "type": "REQUEST", "routeArn": route_arn, "identitySource": identity or [],
                     **{k: v for k, v in event.items() if k != "version"}}  # fmt: skip
        else:
            event = {"type": "REQUEST", "methodArn": route_arn, **_event(
                "1.0", api_id, route, request, path_parameters, {"StageName": stage, "StageVariables": variables},
                account, region, None)}  # fmt: skip
        source_arn = f"arn:aws:execute-api:{region}:{account}:{api_id}/authorizers/{authorizer['AuthorizerId']}"
        outcome = gateway.invoke(planes, authorizer["AuthorizerUri"], event, source_arn, gateway.AUTHORIZER_TIMEOUT_S, variables)
        if outcome.kind == "error" and outcome.error_message == "Unauthorized":
            return UNAUTHORIZED, None
        if outcome.kind != "ok":
            return SERVER_ERROR, None
        try:
            result = json.loads(outcome.payload)
        except ValueError:
            return SERVER_ERROR, None
        CACHE.put(key, ttl, result)
    if not isinstance(result, dict):
        return SERVER_ERROR, None
    if authorizer.get("EnableSimpleResponses"):
        if result.get("isAuthorized") is not True:
            return (FORBIDDEN, None) if result.get("isAuthorized") is False else (SERVER_ERROR, None)
        context = result.get("context")
        return None, {"lambda": context if isinstance(context, dict) else {}}
    try:
        effect = gateway.policy_effect(result.get("policyDocument"), route_arn)
    except ValueError:
        return SERVER_ERROR, None
    if effect != "Allow":
        return FORBIDDEN, None
    context = result.get("context")
    lambda_context = dict(context) if isinstance(context, dict) else {}
    if "principalId" in result:
        lambda_context.setdefault("principalId", result["principalId"])
    return None, {"lambda": lambda_context}
