"""The ``apigateway:*`` operations for REST APIs (botocore's apigateway shapes, lowerCamel).

A REST API is served only through its stages, each pointing at a deployment: CreateDeployment
freezes the resources (with their methods and integrations), the authorizers and the binary
media types as they are, and requests see that snapshot.
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
from lambdactl.services.apigateway.schema import MIGRATIONS

SERVICE = "apigateway"
NotFoundException = errors.service_error("NotFoundException", 404)
BadRequestException = errors.service_error("BadRequestException", 400)
ConflictException = errors.service_error("ConflictException", 409)
METHODS = ["ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
_PATH_PART = re.compile(r"[A-Za-z0-9._:@&=+$,;~!*'()-]+|\{[A-Za-z0-9._-]+\}|\{[A-Za-z0-9._-]+\+\}")
_TOKEN_SOURCE = re.compile(r"method\.request\.header\.[A-Za-z0-9_-]+")
_REQUEST_SOURCE = re.compile(r"(method\.request\.(header|querystring)\.[^\s,]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z.]+)")


def _page(items: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    """apigateway's paging: ``limit`` and an opaque ``position`` (an offset here)."""
    start = int(params["position"]) if str(params.get("position") or "").isdigit() else 0
    limit = params.get("limit") or 25
    page = items[start:start + limit]
    result: dict[str, Any] = {"items": page}
    if start + limit < len(items):
        result["position"] = str(start + limit)
    return result


RESOURCES = ApiResources(SERVICE, MIGRATIONS, "restApiId", NotFoundException, _page,
                         lambda plane, api_id, _item: f"{plane.settings.account_id}:{api_id}")
documents, _api, _child = RESOURCES.documents, RESOURCES.api, RESOURCES.child


def _patch(doc: dict[str, Any], operations: list[dict[str, Any]], allowed: dict[str, str]) -> dict[str, Any]:
    """JSON-patch operations on the paths API Gateway allows here (``allowed``: path prefix -> field)."""
    for op in operations or []:
        kind, path, value = op.get("op"), op.get("path") or "", op.get("value")
        prefix = next((p for p in allowed if path == p or path.startswith(p + "/")), None)
        if prefix is None or kind not in ("add", "remove", "replace"):
            raise BadRequestException(f"Invalid patch path {path}" if prefix is None else f"Invalid patch operation {kind}")
        field = allowed[prefix]
        key = path[len(prefix) + 1:].replace("~1", "/").replace("~0", "~")
        if field == "binaryMediaTypes":
            types = [t for t in doc.get(field, []) if t != key]
            doc[field] = types + ([key] if kind != "remove" else [])
        elif key:  # a map member: /variables/<name>
            mapping = doc.setdefault(field, {})
            if kind == "remove":
                mapping.pop(key, None)
            else:
                mapping[key] = value
        elif kind == "remove":
            doc.pop(field, None)
        else:
            doc[field] = value
    return doc


@operation("apigateway:CreateRestApi")
def create_rest_api(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id, root_id = new_id(), new_id()
    api: dict[str, Any] = {
        "id": api_id, "name": params["name"], "createdDate": now(),
        "apiKeySource": params.get("apiKeySource") or "HEADER",
        "endpointConfiguration": params.get("endpointConfiguration") or {"types": ["EDGE"], "ipAddressType": "ipv4"},
        "disableExecuteApiEndpoint": bool(params.get("disableExecuteApiEndpoint")), "rootResourceId": root_id,
    }  # fmt: skip
    for key in ("description", "version", "binaryMediaTypes", "tags"):
        if params.get(key):
            api[key] = params[key]
    store = documents(plane)
    store.put(api_id, "api", api_id, api)
    store.put(api_id, "resource", root_id, {"id": root_id, "path": "/"})
    return public(api)


@operation("apigateway:GetRestApi")
def get_rest_api(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return public(_api(plane, params["restApiId"]))


@operation("apigateway:GetRestApis")
def get_rest_apis(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _page([public(api) for api in documents(plane).list(None, "api")], params)


@operation("apigateway:UpdateRestApi")
def update_rest_api(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api = _api(plane, params["restApiId"])
    allowed = {"/name": "name", "/description": "description", "/binaryMediaTypes": "binaryMediaTypes"}
    api = _patch(api, params.get("patchOperations") or [], allowed)
    return public(documents(plane).put(api["id"], "api", api["id"], api))


@operation("apigateway:DeleteRestApi")
def delete_rest_api(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    _api(plane, params["restApiId"])
    documents(plane).delete(params["restApiId"])
    return {}


def _show_resource(resource: dict[str, Any], embed: bool) -> dict[str, Any]:
    shown = public(resource)
    if "resourceMethods" in shown and not embed:
        shown["resourceMethods"] = {method: {} for method in shown["resourceMethods"]}
    return shown


@operation("apigateway:GetResources")
def get_resources(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    _api(plane, params["restApiId"])
    embed = "methods" in (params.get("embed") or [])
    items = [_show_resource(r, embed) for r in documents(plane).list(params["restApiId"], "resource")]
    return _page(items, params)


@operation("apigateway:GetResource")
def get_resource(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    resource = _child(plane, params["restApiId"], "resource", params["resourceId"], "Resource")
    return _show_resource(resource, "methods" in (params.get("embed") or []))


@operation("apigateway:CreateResource")
def create_resource(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id, part = params["restApiId"], params["pathPart"]
    parent = _child(plane, api_id, "resource", params["parentId"], "Resource")
    if not _PATH_PART.fullmatch(part):
        raise BadRequestException(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end "
            "and an optional plus sign before the closing brace."
        )
    if parent.get("pathPart", "").endswith("+}"):
        raise BadRequestException(f"Cannot create a child of a resource with a greedy path variable: {parent['path']}")
    siblings = [r for r in documents(plane).list(api_id, "resource") if r.get("parentId") == parent["id"]]
    if any(r["pathPart"] == part for r in siblings):
        raise ConflictException(f"Another resource with the same parent already has this name: {part}")
    if part.startswith("{") and any(r["pathPart"].startswith("{") for r in siblings):
        raise BadRequestException(
            "A sibling ({}) of this resource already has a variable path part -- only one is allowed".format(
                next(r["pathPart"] for r in siblings if r["pathPart"].startswith("{")))
        )
    resource = {"id": new_id(), "parentId": parent["id"], "pathPart": part,
                "path": parent["path"].rstrip("/") + "/" + part}  # fmt: skip
    return public(documents(plane).put(api_id, "resource", resource["id"], resource))


@operation("apigateway:DeleteResource")
def delete_resource(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["restApiId"]
    resource = _child(plane, api_id, "resource", params["resourceId"], "Resource")
    if "parentId" not in resource:
        raise BadRequestException("Cannot delete the root resource.")
    doomed = [r["id"] for r in documents(plane).list(api_id, "resource")
              if r["path"] == resource["path"] or r["path"].startswith(resource["path"] + "/")]  # fmt: skip
    for resource_id in doomed:
        documents(plane).delete(api_id, "resource", resource_id)
    return {}


def _method(plane: ControlPlane, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    resource = _child(plane, params["restApiId"], "resource", params["resourceId"], "Resource")
    method = (resource.get("resourceMethods") or {}).get(params["httpMethod"])
    if method is None:
        raise NotFoundException("Invalid Method identifier specified")
    return resource, method


@operation("apigateway:PutMethod")
def put_method(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["restApiId"]
    resource = _child(plane, api_id, "resource", params["resourceId"], "Resource")
    http_method = params["httpMethod"]
    validate.check_enum(http_method, "httpMethod", METHODS)
    validate.check_enum(params["authorizationType"], "authorizationType", ["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"])
    if http_method in (resource.get("resourceMethods") or {}):
        raise ConflictException("Method already exists for this resource")
    method: dict[str, Any] = {"httpMethod": http_method, "authorizationType": params["authorizationType"],
                              "apiKeyRequired": bool(params.get("apiKeyRequired"))}  # fmt: skip
    if params["authorizationType"] == "CUSTOM":
        authorizer_id = params.get("authorizerId")
        if not authorizer_id or documents(plane).get(api_id, "authorizer", authorizer_id) is None:
            raise BadRequestException("Invalid authorizer ID specified")
        method["authorizerId"] = authorizer_id
    for key in ("operationName", "requestParameters"):
        if params.get(key) is not None:
            method[key] = params[key]
    resource.setdefault("resourceMethods", {})[http_method] = method
    documents(plane).put(api_id, "resource", resource["id"], resource)
    return method


@operation("apigateway:GetMethod")
def get_method(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _method(plane, params)[1]


@operation("apigateway:DeleteMethod")
def delete_method(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    resource, _ = _method(plane, params)
    del resource["resourceMethods"][params["httpMethod"]]
    documents(plane).put(params["restApiId"], "resource", resource["id"], resource)
    return {}


@operation("apigateway:PutIntegration")
def put_integration(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    resource, method = _method(plane, params)
    validate.check_enum(params["type"], "type", ["HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"])
    if params["type"] == "MOCK":  # answered from its integration responses (SAM's CORS preflight is one)
        integration = {"type": "MOCK", "passthroughBehavior": params.get("passthroughBehavior") or "WHEN_NO_MATCH",
                       "timeoutInMillis": params.get("timeoutInMillis", 29000), "cacheNamespace": params.get("cacheNamespace") or resource["id"],
                       "cacheKeyParameters": params.get("cacheKeyParameters") or []}  # fmt: skip
        if params.get("requestTemplates"):
            integration["requestTemplates"] = params["requestTemplates"]
        method["methodIntegration"] = integration
        documents(plane).put(params["restApiId"], "resource", resource["id"], resource)
        return integration
    if params["type"] != "AWS_PROXY":
        raise BadRequestException("lambdactl serves AWS_PROXY (Lambda proxy) and MOCK integrations only.")
    if not params.get("integrationHttpMethod"):
        raise BadRequestException("Enumeration value for HttpMethod must be non-empty")
    uri = params.get("uri") or ""
    if not uri:
        raise BadRequestException("Integrations of type 'AWS_PROXY' require a uri.")
    if uri.startswith("arn:") and gateway.FUNCTION_ARN.fullmatch(uri):
        raise BadRequestException("AWS ARN for integration must contain path or action")
    gateway.lambda_target(uri, BadRequestException)
    timeout = params.get("timeoutInMillis", 29000)
    if not 50 <= timeout <= 29000:
        raise BadRequestException("Timeout should be between 50 ms and 29000 ms")
    integration = {
        "type": "AWS_PROXY", "httpMethod": params["integrationHttpMethod"], "uri": uri,
        "passthroughBehavior": params.get("passthroughBehavior") or "WHEN_NO_MATCH", "timeoutInMillis": timeout,
        "cacheNamespace": params.get("cacheNamespace") or resource["id"], "cacheKeyParameters": params.get("cacheKeyParameters") or [],
    }  # fmt: skip
    method["methodIntegration"] = integration
    documents(plane).put(params["restApiId"], "resource", resource["id"], resource)
    return integration


_STATUS_CODE = re.compile(r"[1-5]\d\d")
# what a response parameter may be mapped from: a quoted literal or one of API Gateway's mapping expressions
_RESPONSE_SOURCE = re.compile(r"'[^']*'|(integration\.response\.(header|multivalueheader|body)|method\.request\.(header|querystring|"
                              r"path|multivalueheader|multivaluequerystring)|stageVariables|context)\.[^\s]+|integration\.response\.body")


@operation("apigateway:PutMethodResponse")
def put_method_response(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    resource, method = _method(plane, params)
    if not _STATUS_CODE.fullmatch(params["statusCode"]):
        raise BadRequestException("Invalid status code specified")
    response = {"statusCode": params["statusCode"]}
    for key in ("responseParameters", "responseModels"):
        if params.get(key):
            response[key] = params[key]
    method.setdefault("methodResponses", {})[params["statusCode"]] = response
    documents(plane).put(params["restApiId"], "resource", resource["id"], resource)
    return response


@operation("apigateway:PutIntegrationResponse")
def put_integration_response(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """One of an integration's responses; its ``responseParameters`` map ``method.response.header.X`` (a header
    the method response declares) from a quoted literal (``"'*'"``) or a mapping expression."""
    resource, method = _method(plane, params)
    integration = method.get("methodIntegration")
    if integration is None:
        raise NotFoundException("Invalid Integration identifier specified")
    declared = ((method.get("methodResponses") or {}).get(params["statusCode"]) or {})
    if not declared:
        raise NotFoundException("Invalid Response status code specified")
    allowed = declared.get("responseParameters") or {}
    for target, source in (params.get("responseParameters") or {}).items():
        error = (f"Invalid mapping expression parameter specified: {target}" if target not in allowed else
                 None if _RESPONSE_SOURCE.fullmatch(str(source)) else f"Invalid mapping expression specified: {source}")
        if error:
            raise BadRequestException(f"Invalid mapping expression specified: Validation Result: warnings : [], errors : [{error}]")
    response = {"statusCode": params["statusCode"]}
    for key in ("selectionPattern", "responseParameters", "responseTemplates", "contentHandling"):
        if params.get(key) is not None:
            response[key] = params[key]
    integration.setdefault("integrationResponses", {})[params["statusCode"]] = response
    documents(plane).put(params["restApiId"], "resource", resource["id"], resource)
    return response


@operation("apigateway:GetIntegration")
def get_integration(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    integration = _method(plane, params)[1].get("methodIntegration")
    if integration is None:
        raise NotFoundException("Invalid Integration identifier specified")
    return integration


@operation("apigateway:DeleteIntegration")
def delete_integration(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    resource, method = _method(plane, params)
    if method.pop("methodIntegration", None) is None:
        raise NotFoundException("Invalid Integration identifier specified")
    documents(plane).put(params["restApiId"], "resource", resource["id"], resource)
    return {}


@operation("apigateway:CreateDeployment")
def create_deployment(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["restApiId"]
    api = _api(plane, api_id)
    store = documents(plane)
    resources = store.list(api_id, "resource")
    if not any(r.get("resourceMethods") for r in resources):
        raise BadRequestException("The REST API doesn't contain any methods")
    deployment: dict[str, Any] = {"id": new_id(6), "createdDate": now()}
    if params.get("description") is not None:
        deployment["description"] = params["description"]
    deployment["_snapshot"] = {"resources": resources, "authorizers": store.list(api_id, "authorizer"),
                               "binaryMediaTypes": api.get("binaryMediaTypes") or []}  # fmt: skip
    store.put(api_id, "deployment", deployment["id"], deployment)
    if params.get("stageName"):
        stage = store.get(api_id, "stage", params["stageName"])
        if stage is None:
            stage = _new_stage(params["stageName"], deployment["id"], params.get("stageDescription"), params.get("variables"))
        else:
            stage.update(deploymentId=deployment["id"], lastUpdatedDate=now())
            stage["variables"] = {**stage.get("variables", {}), **(params.get("variables") or {})}
        store.put(api_id, "stage", stage["stageName"], stage)
    return public(deployment)


get_deployment = operation("apigateway:GetDeployment")(RESOURCES.getter("deployment", "deploymentId", "Deployment"))


get_deployments = operation("apigateway:GetDeployments")(RESOURCES.lister("deployment"))


def _show_stage(plane: ControlPlane, api_id: str, stage: dict[str, Any]) -> dict[str, Any]:
    """A stage as returned, plus lambdactl's ``lambdactlInvokeUrl`` (where serve answers it)."""
    return {**public(stage), "lambdactlInvokeUrl": gateway.stage_url(plane, api_id, stage["stageName"])}


def _new_stage(name: str, deployment_id: str, description: str | None, variables: dict[str, str] | None) -> dict[str, Any]:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", name):
        raise BadRequestException("Stage name only allows a-zA-Z0-9_-")
    stamp = now()
    stage: dict[str, Any] = {
        "deploymentId": deployment_id, "stageName": name, "cacheClusterEnabled": False,
        "cacheClusterStatus": "NOT_AVAILABLE", "methodSettings": {}, "tracingEnabled": False,
        "createdDate": stamp, "lastUpdatedDate": stamp,
    }  # fmt: skip
    if description:
        stage["description"] = description
    if variables:
        stage["variables"] = variables
    return stage


@operation("apigateway:CreateStage")
def create_stage(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["restApiId"]
    _child(plane, api_id, "deployment", params["deploymentId"], "Deployment")
    if documents(plane).get(api_id, "stage", params["stageName"]) is not None:
        raise ConflictException("Stage already exists")
    stage = _new_stage(params["stageName"], params["deploymentId"], params.get("description"), params.get("variables"))
    return _show_stage(plane, api_id, documents(plane).put(api_id, "stage", stage["stageName"], stage))


get_stage = operation("apigateway:GetStage")(RESOURCES.getter("stage", "stageName", "Stage", show=_show_stage))


@operation("apigateway:GetStages")
def get_stages(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    _api(plane, params["restApiId"])
    stages = [_show_stage(plane, params["restApiId"], s) for s in documents(plane).list(params["restApiId"], "stage")]
    if params.get("deploymentId"):
        stages = [s for s in stages if s["deploymentId"] == params["deploymentId"]]
    return {"item": stages}


@operation("apigateway:UpdateStage")
def update_stage(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["restApiId"]
    stage = _child(plane, api_id, "stage", params["stageName"], "Stage")
    allowed = {"/variables": "variables", "/description": "description", "/deploymentId": "deploymentId"}
    stage = _patch(stage, params.get("patchOperations") or [], allowed)
    _child(plane, api_id, "deployment", stage["deploymentId"], "Deployment")
    stage["lastUpdatedDate"] = now()
    return _show_stage(plane, api_id, documents(plane).put(api_id, "stage", stage["stageName"], stage))


delete_stage = operation("apigateway:DeleteStage")(RESOURCES.deleter("stage", "stageName", "Stage"))


@operation("apigateway:CreateAuthorizer")
def create_authorizer(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["restApiId"]
    _api(plane, api_id)
    validate.check_enum(params["type"], "type", ["TOKEN", "REQUEST", "COGNITO_USER_POOLS"])
    if params["type"] == "COGNITO_USER_POOLS":
        raise BadRequestException("lambdactl serves Lambda (TOKEN / REQUEST) authorizers only.")
    if not params.get("authorizerUri"):
        raise BadRequestException("Authorizer URI is required for a Lambda authorizer.")
    gateway.lambda_target(params["authorizerUri"], BadRequestException)
    ttl = params.get("authorizerResultTtlInSeconds", 300)
    if not 0 <= ttl <= 3600:
        raise BadRequestException("Invalid TTL: Authorizer TTL must be between 0 and 3600 seconds.")
    source = params.get("identitySource")
    if params["type"] == "TOKEN":
        source = source or "method.request.header.Authorization"
        if not _TOKEN_SOURCE.fullmatch(source):
            raise BadRequestException(f"Invalid identity source for TOKEN authorizer: {source}")
        if params.get("identityValidationExpression"):
            try:
                re.compile(params["identityValidationExpression"])
            except re.error:
                raise BadRequestException("Invalid identity validation expression") from None
    else:
        parts = [part.strip() for part in (source or "").split(",") if part.strip()]
        if ttl and not parts:
            raise BadRequestException("Identity source is required when authorizer caching is enabled.")
        if any(not _REQUEST_SOURCE.fullmatch(part) for part in parts):
            raise BadRequestException(f"Invalid identity source: {source}")
    authorizer: dict[str, Any] = {"id": new_id(6), "name": params["name"], "type": params["type"],
                                  "authType": params.get("authType") or "custom", "authorizerUri": params["authorizerUri"],
                                  "authorizerResultTtlInSeconds": ttl}  # fmt: skip
    if source:
        authorizer["identitySource"] = source
    if params.get("identityValidationExpression"):
        authorizer["identityValidationExpression"] = params["identityValidationExpression"]
    return documents(plane).put(api_id, "authorizer", authorizer["id"], authorizer)


get_authorizer = operation("apigateway:GetAuthorizer")(RESOURCES.getter("authorizer", "authorizerId", "Authorizer"))


get_authorizers = operation("apigateway:GetAuthorizers")(RESOURCES.lister("authorizer"))


@operation("apigateway:DeleteAuthorizer")
def delete_authorizer(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    api_id = params["restApiId"]
    _child(plane, api_id, "authorizer", params["authorizerId"], "Authorizer")
    for resource in documents(plane).list(api_id, "resource"):
        if any(m.get("authorizerId") == params["authorizerId"] for m in (resource.get("resourceMethods") or {}).values()):
            raise ConflictException("Cannot delete authorizer, is referenced in method")
    documents(plane).delete(api_id, "authorizer", params["authorizerId"])
    return {}
