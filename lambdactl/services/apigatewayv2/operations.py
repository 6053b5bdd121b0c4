"""The ``apigatewayv2:*`` operations for HTTP APIs (botocore's apigatewayv2 shapes, PascalCase).

An HTTP API is served from its stages: an ``AutoDeploy`` stage serves the API as it is now,
any other stage the snapshot its deployment took (CreateDeployment). ``ApiEndpoint`` is the
local host-form URL of the ``serve`` answering this state directory (see ``apigateway_common/gateway.py``).
"""

from __future__ import annotations

import re
from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane, operation
from lambdactl.model import validate
from lambdactl.services.apigateway_common import gateway
from lambdactl.services.apigateway_common.documents import new_id, now, public
from lambdactl.services.apigateway_common.resources import ApiResources
from lambdactl.services.apigatewayv2.schema import MIGRATIONS

SERVICE = "apigatewayv2"
NotFoundException = errors.service_error("NotFoundException", 404, name="V2NotFoundException")
BadRequestException = errors.service_error("BadRequestException", 400, name="V2BadRequestException")
ConflictException = errors.service_error("ConflictException", 409, name="V2ConflictException")
METHODS = ("ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_SEGMENT = re.compile(r"[^{}/]+|\{[A-Za-z0-9._:-]+\}|\{[A-Za-z0-9._:-]+\+\}")
SNAPSHOT_KINDS = ("route", "integration", "authorizer")


def _page(items: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    """apigatewayv2's paging: MaxResults (a string in the model) and an opaque NextToken (an offset)."""
    start = int(params["NextToken"]) if str(params.get("NextToken") or "").isdigit() else 0
    limit = int(params["MaxResults"]) if str(params.get("MaxResults") or "").isdigit() else None
    page = items[start:start + limit] if limit else items[start:]
    result: dict[str, Any] = {"Items": page}
    if limit and start + limit < len(items):
        result["NextToken"] = str(start + limit)
    return result


RESOURCES = ApiResources(SERVICE, MIGRATIONS, "ApiId", NotFoundException, _page, lambda _plane, _api_id, item: item)
documents, _api, _child = RESOURCES.documents, RESOURCES.api, RESOURCES.child


def _show_api(plane: ControlPlane, api: dict[str, Any]) -> dict[str, Any]:
    return {**public(api), "ApiEndpoint": gateway.api_endpoint(plane, api["ApiId"])}


def _show_stage(plane: ControlPlane, api_id: str, stage: dict[str, Any]) -> dict[str, Any]:
    """A stage as returned, plus lambdactl's ``LambdactlInvokeUrl`` (where serve answers it)."""
    return {**public(stage), "LambdactlInvokeUrl": gateway.stage_url(plane, api_id, stage["StageName"])}


def check_route_key(route_key: str) -> None:
    """API Gateway's rules: ``$default`` or ``METHOD /path`` with ``{param}`` / a last ``{proxy+}``."""
    if route_key == "$default":
        return
    method, _, path = route_key.partition(" ")
    segments = path.split("/")[1:] if path.startswith("/") else None
    ok = method in METHODS and segments is not None and (path == "/" or all(_SEGMENT.fullmatch(s) for s in segments))
    if ok and segments is not None and any(s.endswith("+}") for s in segments[:-1]):
        ok = False
    if not ok:
        raise BadRequestException(
            f"Invalid route key: {route_key}. Route keys must be '$default' or of the form '<HTTP method> <path>', "
            "where a greedy path variable such as {proxy+} may only be the last path segment."
        )


def _check_target(plane: ControlPlane, api_id: str, target: str | None) -> None:
    if target is None:
        return
    found = re.fullmatch(r"integrations/([a-z0-9]+)", target)
    if not found or documents(plane).get(api_id, "integration", found.group(1)) is None:
        raise BadRequestException(f"Invalid Target specified: {target}. Target must be of the form integrations/<IntegrationId>.")


def _conflict(plane: ControlPlane, api_id: str, route_key: str, route_id: str | None = None) -> None:
    for route in documents(plane).list(api_id, "route"):
        if route["RouteKey"] == route_key and route["RouteId"] != route_id:
            raise ConflictException(f"Unable to create route {route_key}. Route key already exists for this API.")


def _route(plane: ControlPlane, api_id: str, params: dict[str, Any], route_id: str | None = None) -> dict[str, Any]:
    route = {"ApiKeyRequired": False, "AuthorizationType": "NONE"} if route_id is None else {}
    for key in ("ApiKeyRequired", "AuthorizationScopes", "AuthorizationType", "AuthorizerId", "OperationName",
                "RequestParameters", "RouteKey", "Target"):  # fmt: skip
        if params.get(key) is not None:
            route[key] = params[key]
    return route


def _check_route(plane: ControlPlane, api_id: str, route: dict[str, Any]) -> None:
    check_route_key(route["RouteKey"])
    validate.check_enum(route.get("AuthorizationType"), "authorizationType", ["NONE", "AWS_IAM", "CUSTOM", "JWT"])
    _check_target(plane, api_id, route.get("Target"))
    if route.get("AuthorizationType") == "CUSTOM":
        if not route.get("AuthorizerId") or documents(plane).get(api_id, "authorizer", route["AuthorizerId"]) is None:
            raise BadRequestException(f"Invalid authorizer ID specified: {route.get('AuthorizerId')}")


@operation("apigatewayv2:CreateApi")
def create_api(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    validate.check_enum(params["ProtocolType"], "protocolType", ["HTTP", "WEBSOCKET"])
    if params["ProtocolType"] != "HTTP":
        raise BadRequestException("lambdactl serves HTTP APIs only (protocolType HTTP); WebSocket APIs are not supported.")
    if params.get("RouteKey") is not None and params.get("Target") is None:
        raise BadRequestException("RouteKey may only be specified with Target (quick create).")
    if params.get("RouteKey") is not None:
        check_route_key(params["RouteKey"])
    target = gateway.lambda_target(params["Target"], BadRequestException) if params.get("Target") else None
    api_id = new_id()
    api: dict[str, Any] = {
        "ApiId": api_id,
        "ApiKeySelectionExpression": params.get("ApiKeySelectionExpression") or "$request.header.x-api-key",
        "CreatedDate": now(),
        "DisableExecuteApiEndpoint": bool(params.get("DisableExecuteApiEndpoint")),
        "IpAddressType": params.get("IpAddressType") or "ipv4",
        "Name": params["Name"],
        "ProtocolType": "HTTP",
        "RouteSelectionExpression": params.get("RouteSelectionExpression") or "$request.method $request.path",
        "Tags": params.get("Tags") or {},
    }
    for key in ("CorsConfiguration", "Description", "Version"):
        if params.get(key) is not None:
            api[key] = params[key]
    store = documents(plane)
    store.put(api_id, "api", api_id, api)
    if target is not None:  # quick create: a 2.0 proxy integration, one route, an auto-deployed $default stage
        integration = _new_integration({"IntegrationType": "AWS_PROXY", "IntegrationUri": params["Target"],
                                         "PayloadFormatVersion": "2.0"}, managed=True)  # fmt: skip
        store.put(api_id, "integration", integration["IntegrationId"], integration)
        route_id = new_id(7)
        store.put(api_id, "route", route_id, {
            "ApiGatewayManaged": True, "ApiKeyRequired": False, "AuthorizationType": "NONE", "RouteId": route_id,
            "RouteKey": params.get("RouteKey") or "$default", "Target": f"integrations/{integration['IntegrationId']}",
        })  # fmt: skip
        store.put(api_id, "stage", "$default", _new_stage({"StageName": "$default", "AutoDeploy": True}, managed=True))
    return _show_api(plane, api)


@operation("apigatewayv2:GetApi")
def get_api(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _show_api(plane, _api(plane, params["ApiId"]))


@operation("apigatewayv2:GetApis")
def get_apis(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _page([_show_api(plane, api) for api in documents(plane).list(None, "api")], params)


@operation("apigatewayv2:UpdateApi")
def update_api(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api = _api(plane, params["ApiId"])
    for key in ("ApiKeySelectionExpression", "CorsConfiguration", "Description", "DisableExecuteApiEndpoint",
                "IpAddressType", "Name", "RouteSelectionExpression", "Version"):  # fmt: skip
        if params.get(key) is not None:
            api[key] = params[key]
    documents(plane).put(api["ApiId"], "api", api["ApiId"], api)
    return _show_api(plane, api)


@operation("apigatewayv2:DeleteApi")
def delete_api(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    _api(plane, params["ApiId"])
    documents(plane).delete(params["ApiId"])
    return {}


@operation("apigatewayv2:DeleteCorsConfiguration")
def delete_cors_configuration(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api = _api(plane, params["ApiId"])
    api.pop("CorsConfiguration", None)
    documents(plane).put(api["ApiId"], "api", api["ApiId"], api)
    return {}


@operation("apigatewayv2:CreateRoute")
def create_route(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["ApiId"]
    _api(plane, api_id)
    route = _route(plane, api_id, params)
    _check_route(plane, api_id, route)
    _conflict(plane, api_id, route["RouteKey"])
    route["RouteId"] = new_id(7)
    return public(documents(plane).put(api_id, "route", route["RouteId"], route))


get_route = operation("apigatewayv2:GetRoute")(RESOURCES.getter("route", "RouteId", "Route"))


get_routes = operation("apigatewayv2:GetRoutes")(RESOURCES.lister("route"))


@operation("apigatewayv2:UpdateRoute")
def update_route(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["ApiId"]
    route = {**_child(plane, api_id, "route", params["RouteId"], "Route"), **_route(plane, api_id, params, params["RouteId"])}
    _check_route(plane, api_id, route)
    _conflict(plane, api_id, route["RouteKey"], route["RouteId"])
    return public(documents(plane).put(api_id, "route", route["RouteId"], route))


delete_route = operation("apigatewayv2:DeleteRoute")(RESOURCES.deleter("route", "RouteId", "Route"))


def _new_integration(params: dict[str, Any], managed: bool = False) -> dict[str, Any]:
    validate.check_enum(params["IntegrationType"], "integrationType", ["AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK"])
    if params["IntegrationType"] != "AWS_PROXY":
        raise BadRequestException("lambdactl serves AWS_PROXY (Lambda) integrations only.")
    if not params.get("IntegrationUri"):
        raise BadRequestException("IntegrationUri is required for an AWS_PROXY integration.")
    gateway.lambda_target(params["IntegrationUri"], BadRequestException)
    version = params.get("PayloadFormatVersion")
    if version not in ("1.0", "2.0"):
        raise BadRequestException(
            "PayloadFormatVersion is required for a Lambda proxy integration and must be 1.0 or 2.0."
            if version is None else f"Invalid PayloadFormatVersion {version}: must be 1.0 or 2.0."
        )
    timeout = params.get("TimeoutInMillis", 30000)
    if not 50 <= timeout <= 30000:
        raise BadRequestException("Timeout must be between 50 milliseconds and 30 seconds.")
    integration: dict[str, Any] = {
        "ConnectionType": "INTERNET",
        "IntegrationId": new_id(7),
        "IntegrationMethod": params.get("IntegrationMethod") or "POST",
        "IntegrationType": "AWS_PROXY",
        "IntegrationUri": params["IntegrationUri"],
        "PayloadFormatVersion": version,
        "TimeoutInMillis": timeout,
    }
    if managed:
        integration["ApiGatewayManaged"] = True
    if params.get("Description") is not None:
        integration["Description"] = params["Description"]
    return integration


@operation("apigatewayv2:CreateIntegration")
def create_integration(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    _api(plane, params["ApiId"])
    integration = _new_integration(params)
    return public(documents(plane).put(params["ApiId"], "integration", integration["IntegrationId"], integration))


get_integration = operation("apigatewayv2:GetIntegration")(RESOURCES.getter("integration", "IntegrationId", "Integration"))


get_integrations = operation("apigatewayv2:GetIntegrations")(RESOURCES.lister("integration"))


@operation("apigatewayv2:UpdateIntegration")
def update_integration(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    current = _child(plane, params["ApiId"], "integration", params["IntegrationId"], "Integration")
    merged = {**current, **{k: v for k, v in params.items() if v is not None and k not in ("ApiId", "IntegrationId")}}
    integration = {**_new_integration(merged), "IntegrationId": current["IntegrationId"]}
    return public(documents(plane).put(params["ApiId"], "integration", integration["IntegrationId"], integration))


@operation("apigatewayv2:DeleteIntegration")
def delete_integration(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    _child(plane, params["ApiId"], "integration", params["IntegrationId"], "Integration")
    target = f"integrations/{params['IntegrationId']}"
    if any(route.get("Target") == target for route in documents(plane).list(params["ApiId"], "route")):
        raise ConflictException(f"Integration {params['IntegrationId']} is used as a route target.")
    documents(plane).delete(params["ApiId"], "integration", params["IntegrationId"])
    return {}


def _new_stage(params: dict[str, Any], managed: bool = False) -> dict[str, Any]:
    stamp = now()
    stage: dict[str, Any] = {
        "AutoDeploy": bool(params.get("AutoDeploy")),
        "CreatedDate": stamp,
        "DefaultRouteSettings": {"DetailedMetricsEnabled": False},
        "LastUpdatedDate": stamp,
        "RouteSettings": {},
        "StageName": params["StageName"],
        "StageVariables": params.get("StageVariables") or {},
        "Tags": params.get("Tags") or {},
    }
    if managed:
        stage["ApiGatewayManaged"] = True
    for key in ("DeploymentId", "Description"):
        if params.get(key) is not None:
            stage[key] = params[key]
    return stage


def _check_stage_name(name: str) -> None:
    if name != "$default" and not re.fullmatch(r"[A-Za-z0-9_\-]{1,128}", name):
        raise BadRequestException(f"Stage name only allows a-zA-Z0-9_- or $default: {name}")


@operation("apigatewayv2:CreateStage")
def create_stage(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["ApiId"]
    _api(plane, api_id)
    _check_stage_name(params["StageName"])
    if documents(plane).get(api_id, "stage", params["StageName"]) is not None:
        raise ConflictException(f"Stage {params['StageName']} already exists")
    if params.get("DeploymentId") is not None:
        _child(plane, api_id, "deployment", params["DeploymentId"], "Deployment")
    stage = _new_stage(params)
    if stage["AutoDeploy"]:
        stage["DeploymentId"] = _deploy(plane, api_id, auto=True)["DeploymentId"]
    return _show_stage(plane, api_id, documents(plane).put(api_id, "stage", stage["StageName"], stage))


get_stage = operation("apigatewayv2:GetStage")(RESOURCES.getter("stage", "StageName", "Stage", show=_show_stage))


get_stages = operation("apigatewayv2:GetStages")(RESOURCES.lister("stage", show=_show_stage))


@operation("apigatewayv2:UpdateStage")
def update_stage(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["ApiId"]
    stage = _child(plane, api_id, "stage", params["StageName"], "Stage")
    if params.get("DeploymentId") is not None:
        _child(plane, api_id, "deployment", params["DeploymentId"], "Deployment")
    for key in ("AutoDeploy", "DeploymentId", "Description", "StageVariables"):
        if params.get(key) is not None:
            stage[key] = params[key]
    stage["LastUpdatedDate"] = now()
    return _show_stage(plane, api_id, documents(plane).put(api_id, "stage", stage["StageName"], stage))


delete_stage = operation("apigatewayv2:DeleteStage")(RESOURCES.deleter("stage", "StageName", "Stage"))


def _deploy(plane: ControlPlane, api_id: str, *, auto: bool = False, description: str | None = None) -> dict[str, Any]:
    store = documents(plane)
    deployment: dict[str, Any] = {
        "AutoDeployed": auto, "CreatedDate": now(), "DeploymentId": new_id(6), "DeploymentStatus": "DEPLOYED",
        "_snapshot": {kind: store.list(api_id, kind) for kind in SNAPSHOT_KINDS},
    }  # fmt: skip
    if description is not None:
        deployment["Description"] = description
    return store.put(api_id, "deployment", deployment["DeploymentId"], deployment)


@operation("apigatewayv2:CreateDeployment")
def create_deployment(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["ApiId"]
    _api(plane, api_id)
    stage = None
    if params.get("StageName") is not None:
        stage = _child(plane, api_id, "stage", params["StageName"], "Stage")
        if stage["AutoDeploy"]:
            raise BadRequestException(f"Stage {stage['StageName']} has AutoDeploy enabled: it deploys itself.")
    deployment = _deploy(plane, api_id, description=params.get("Description"))
    if stage is not None:
        stage.update(DeploymentId=deployment["DeploymentId"], LastUpdatedDate=now())
        documents(plane).put(api_id, "stage", stage["StageName"], stage)
    return public(deployment)


get_deployment = operation("apigatewayv2:GetDeployment")(RESOURCES.getter("deployment", "DeploymentId", "Deployment"))


get_deployments = operation("apigatewayv2:GetDeployments")(RESOURCES.lister("deployment"))


def _authorizer(params: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    authorizer = dict(current or {})
    for key in ("AuthorizerPayloadFormatVersion", "AuthorizerResultTtlInSeconds", "AuthorizerType", "AuthorizerUri",
                "EnableSimpleResponses", "IdentitySource", "IdentityValidationExpression", "Name"):  # fmt: skip
        if params.get(key) is not None:
            authorizer[key] = params[key]
    validate.check_enum(authorizer["AuthorizerType"], "authorizerType", ["REQUEST", "JWT"])
    if authorizer["AuthorizerType"] != "REQUEST":
        raise BadRequestException("lambdactl serves Lambda (REQUEST) authorizers only.")
    if not authorizer.get("AuthorizerUri"):
        raise BadRequestException("AuthorizerUri is required for a REQUEST authorizer.")
    gateway.lambda_target(authorizer["AuthorizerUri"], BadRequestException)
    version = authorizer.get("AuthorizerPayloadFormatVersion")
    if version not in ("1.0", "2.0"):
        raise BadRequestException("AuthorizerPayloadFormatVersion is required for a REQUEST authorizer: 1.0 or 2.0.")
    if authorizer.get("EnableSimpleResponses") and version != "2.0":
        raise BadRequestException("Simple responses are supported only for payload format version 2.0.")
    ttl = authorizer.setdefault("AuthorizerResultTtlInSeconds", 0)
    if not 0 <= ttl <= 3600:
        raise BadRequestException("AuthorizerResultTtlInSeconds must be between 0 and 3600.")
    if ttl and not authorizer.get("IdentitySource"):
        raise BadRequestException("IdentitySource is required when authorizer caching is enabled.")
    for source in authorizer.get("IdentitySource") or []:
        if not gateway.IDENTITY_SOURCE_V2.fullmatch(source):
            raise BadRequestException(f"Invalid identity source: {source}")
    return authorizer


@operation("apigatewayv2:CreateAuthorizer")
def create_authorizer(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    _api(plane, params["ApiId"])
    authorizer = {**_authorizer(params), "AuthorizerId": new_id(6)}
    return public(documents(plane).put(params["ApiId"], "authorizer", authorizer["AuthorizerId"], authorizer))


get_authorizer = operation("apigatewayv2:GetAuthorizer")(RESOURCES.getter("authorizer", "AuthorizerId", "Authorizer"))


get_authorizers = operation("apigatewayv2:GetAuthorizers")(RESOURCES.lister("authorizer"))


@operation("apigatewayv2:UpdateAuthorizer")
def update_authorizer(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    current = _child(plane, params["ApiId"], "authorizer", params["AuthorizerId"], "Authorizer")
    authorizer = _authorizer(params, current)
    return public(documents(plane).put(params["ApiId"], "authorizer", authorizer["AuthorizerId"], authorizer))


@operation("apigatewayv2:DeleteAuthorizer")
def delete_authorizer(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    _child(plane, params["ApiId"], "authorizer", params["AuthorizerId"], "Authorizer")
    if any(r.get("AuthorizerId") == params["AuthorizerId"] for r in documents(plane).list(params["ApiId"], "route")):
        raise ConflictException(f"Authorizer {params['AuthorizerId']} is used by a route.")
    documents(plane).delete(params["ApiId"], "authorizer", params["AuthorizerId"])
    return {}
