"""A SAM template as plain CloudFormation (no Transform), for ``export --format cloudformation``.

SAM's transform is ``resolve.expand`` (the one deploy uses); this turns its few internal shapes into
CloudFormation's own: code as the local paths ``aws cloudformation package`` uploads, AutoPublishAlias
as ``AWS::Lambda::Version`` + ``AWS::Lambda::Alias`` (provisioned concurrency on the alias), the implicit
APIs' routes as ``AWS::ApiGatewayV2::Integration/Route/Stage`` and ``AWS::ApiGateway::Resource/Method/
Deployment/Stage``, and the IAM roles CloudFormation requires (a function's execution role, a schedule's
role), which deploy lists as skipped here.
"""

from __future__ import annotations

import json
from typing import Any

from lambdactl.templates.resolve import Resource, expand, references
from lambdactl.templates.resources import cors_preflight

LAMBDA_TRUST: dict[str, Any] = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": "lambda.amazonaws.com"}}]}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
QUEUE_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"


def _role(service: str, managed: list[str], policy: dict[str, Any] | None = None) -> dict[str, Any]:
    trust = {**LAMBDA_TRUST, "Statement": [{**LAMBDA_TRUST["Statement"][0], "Principal": {"Service": service}}]}
    props: dict[str, Any] = {"AssumeRolePolicyDocument": trust}
    if managed:
        props["ManagedPolicyArns"] = managed
    if policy:
        props["Policies"] = [policy]
    return {"Type": "AWS::IAM::Role", "Properties": props}


def _code(code: dict[str, Any]) -> Any:
    if "LocalUri" in code:
        return code["LocalUri"]
    if "ZipInline" in code:
        return {"ZipFile": code["ZipInline"]}
    return code


def from_sam(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` (SAM, as export writes it) as CloudFormation with the same resources."""
    out: dict[str, Any] = {}
    expanded = expand(template)
    mappings = set().union(*(references(r.properties["FunctionName"]) for r in expanded if r.type == "AWS::Lambda::EventSourceMapping"))
    aliases = {r.logical_id: f"{r.logical_id}Alias{r.properties['AutoPublishAlias']}" for r in expanded
               if r.type == "AWS::Lambda::Function" and r.properties.get("AutoPublishAlias")}
    for resource in expanded:
        lid, props = resource.logical_id, _to_alias_refs(dict(resource.properties), aliases)
        body: dict[str, Any] = {"Type": resource.type}
        depends = list(resource.depends_on)
        if resource.type == "AWS::Lambda::EventInvokeConfig":
            alias = aliases.get(str((props.get("FunctionName") or {}).get("Ref")))
            if alias and alias.endswith(f"Alias{props.get('Qualifier')}"):
                depends.append(alias)  # as SAM's transform: the alias its Qualifier names exists first
        if resource.type == "AWS::Lambda::Function":
            _function(lid, props, out, lid in mappings)
        elif resource.type == "AWS::Lambda::LayerVersion":
            props["Content"] = _code(props["Content"])
        elif resource.type == "AWS::Scheduler::Schedule":
            role = f"{lid}Role"
            out[role] = _role("scheduler.amazonaws.com", [], {"PolicyName": f"{lid}LambdaPolicy", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction",
                                                        "Resource": props["Target"]["Arn"]}]}})
            props["Target"] = {**props["Target"], "RoleArn": {"Fn::GetAtt": [role, "Arn"]}}
        elif resource.type == "AWS::ApiGatewayV2::Api" and "__Routes" in props:
            _http_api(lid, props.pop("__Routes"), props.pop("__Stage", "$default"), props.pop("__Auth", None) or {}, out)
        elif resource.type == "AWS::ApiGateway::RestApi" and "__Routes" in props:
            _rest_api(lid, props.pop("__Routes"), props.pop("__Stage", "Prod"), props.pop("__Auth", None) or {}, out,
                      props.pop("__Cors", None))
        props.pop("__StageVariables", None)
        if depends:
            body["DependsOn"] = depends
        body["Properties"] = props
        out[lid] = body if props or depends else {"Type": resource.type}
        _after_function(resource, out)
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Description": "Exported by lambdactl export --format cloudformation",
                "Resources": _ordered(out, [r.logical_id for r in expanded])}
    return json.loads(json.dumps(template))  # no shared nodes: YAML aliases are rejected by CloudFormation


def _to_alias_refs(node: Any, aliases: dict[str, str]) -> Any:
    """``node`` with each function's ``Alias`` attribute (deploy's AutoPublishAlias) as a ``Ref`` to the
    ``AWS::Lambda::Alias`` this export writes for it (a Ref to an alias is its ARN)."""
    if isinstance(node, list):
        return [_to_alias_refs(item, aliases) for item in node]
    if not isinstance(node, dict):
        return node
    target = node.get("Fn::GetAtt")
    if len(node) == 1 and isinstance(target, list) and target[1:] == ["Alias"] and target[0] in aliases:
        return {"Ref": aliases[target[0]]}
    return {key: _to_alias_refs(value, aliases) for key, value in node.items()}


def _function(lid: str, props: dict[str, Any], out: dict[str, Any], polls_queue: bool) -> None:
    props["Code"] = _code(props["Code"])
    role = f"{lid}Role"
    out[role] = _role("lambda.amazonaws.com", [BASIC_EXECUTION] + ([QUEUE_EXECUTION] if polls_queue else []))
    props.setdefault("Role", {"Fn::GetAtt": [role, "Arn"]})
    if "DeadLetterQueue" in props:
        props["DeadLetterConfig"] = {"TargetArn": props.pop("DeadLetterQueue")["TargetArn"]}
    alias = props.pop("AutoPublishAlias", None)
    provisioned = props.pop("ProvisionedConcurrencyConfig", None)
    if alias:
        props["__Alias"] = (alias, provisioned)


def _after_function(resource: Resource, out: dict[str, Any]) -> None:
    """A function's AutoPublishAlias: its version and alias, right after it."""
    body = out[resource.logical_id]
    alias = body.get("Properties", {}).pop("__Alias", None)
    if not alias:
        return
    name, provisioned = alias
    lid = resource.logical_id
    out[f"{lid}Version"] = {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": lid}}}
    alias_props: dict[str, Any] = {"FunctionName": {"Ref": lid}, "FunctionVersion": {"Fn::GetAtt": [f"{lid}Version", "Version"]},
                                   "Name": name}
    if provisioned:
        alias_props["ProvisionedConcurrencyConfig"] = provisioned
    out[f"{lid}Alias{name}"] = {"Type": "AWS::Lambda::Alias", "Properties": alias_props}


def _http_api(lid: str, routes: list[dict[str, Any]], stage: str, auth: dict[str, Any], out: dict[str, Any]) -> None:
    authorizers = {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        identity = spec.get("Identity") or {}
        authorizers[name] = f"{lid}{name}Authorizer"
        out[authorizers[name]] = {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
            "ApiId": {"Ref": lid}, "Name": name, "AuthorizerType": "REQUEST", "AuthorizerUri": _invocation_uri(spec["FunctionArn"]),
            "AuthorizerPayloadFormatVersion": str(spec.get("AuthorizerPayloadFormatVersion", "2.0")),
            "EnableSimpleResponses": bool(spec.get("EnableSimpleResponses", False)),
            "IdentitySource": [f"$request.header.{header}" for header in identity.get("Headers") or []],
            "AuthorizerResultTtlInSeconds": int(identity.get("ReauthorizeEvery", 0))}}
    route_ids = []
    for n, route in enumerate(routes, 1):
        integration, route_id = f"{lid}Integration{n}", f"{lid}Route{n}"
        out[integration] = {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": {"Ref": lid}, "IntegrationType": "AWS_PROXY", "IntegrationUri": route["FunctionArn"],
            "PayloadFormatVersion": "2.0"}}
        key = "$default" if not route.get("Path") else f"{route['Method']} {route['Path']}"
        route_props = {"ApiId": {"Ref": lid}, "RouteKey": key, "Target": {"Fn::Sub": f"integrations/${{{integration}}}"}}
        authorizer = route.get("Authorizer") or auth.get("DefaultAuthorizer")
        if authorizer in authorizers:
            route_props.update(AuthorizationType="CUSTOM", AuthorizerId={"Ref": authorizers[authorizer]})
        out[route_id] = {"Type": "AWS::ApiGatewayV2::Route", "Properties": route_props}
        route_ids.append(route_id)
    name = "ApiGatewayDefaultStage" if stage == "$default" else f"{stage}Stage"
    out[f"{lid}{name}"] = {"Type": "AWS::ApiGatewayV2::Stage", "DependsOn": route_ids, "Properties": {
        "ApiId": {"Ref": lid}, "StageName": stage, "AutoDeploy": True}}


def _invocation_uri(function_arn: Any) -> dict[str, Any]:
    return {"Fn::Sub": ["arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Arn}/invocations",
                        {"Arn": function_arn}]}


def _rest_api(lid: str, routes: list[dict[str, Any]], stage: str, auth: dict[str, Any], out: dict[str, Any],
              cors: dict[str, Any] | None) -> None:
    resources: dict[str, Any] = {"/": {"Fn::GetAtt": [lid, "RootResourceId"]}}
    on_path: dict[str, set[str]] = {}  # a path -> its methods (for the CORS preflights)
    authorizers = {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        kind, identity = str(spec.get("FunctionPayloadType", "TOKEN")).upper(), spec.get("Identity") or {}
        props = {"RestApiId": {"Ref": lid}, "Name": name, "Type": kind, "AuthorizerUri": _invocation_uri(spec["FunctionArn"]),
                 "AuthorizerResultTtlInSeconds": int(identity.get("ReauthorizeEvery", 300))}
        if kind == "TOKEN":
            props["IdentitySource"] = f"method.request.header.{identity.get('Header', 'Authorization')}"
        else:
            sources = [f"method.request.header.{h}" for h in identity.get("Headers") or []] + [
                f"method.request.querystring.{q}" for q in identity.get("QueryStrings") or []]
            if sources:
                props["IdentitySource"] = ", ".join(sources)
        authorizers[name] = f"{lid}{name}Authorizer"
        out[authorizers[name]] = {"Type": "AWS::ApiGateway::Authorizer", "Properties": props}
    methods: list[str] = []
    for route in routes:
        parts = [p for p in str(route["Path"]).strip("/").split("/") if p]
        for depth, part in enumerate(parts):
            path = "/" + "/".join(parts[: depth + 1])
            if path not in resources:
                name = f"{lid}Resource" + "".join(c for c in path.title() if c.isalnum())
                out[name] = {"Type": "AWS::ApiGateway::Resource", "Properties": {
                    "RestApiId": {"Ref": lid}, "ParentId": resources["/" + "/".join(parts[:depth])], "PathPart": part}}
                resources[path] = {"Ref": name}
        method = "ANY" if route["Method"] in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else route["Method"]
        on_path.setdefault("/" + "/".join(parts), set()).add(method)
        method_id = f"{lid}Method{len(methods) + 1}"
        authorizer = route.get("Authorizer") or auth.get("DefaultAuthorizer")
        method_props = {"RestApiId": {"Ref": lid}, "ResourceId": resources["/" + "/".join(parts)], "HttpMethod": method,
                        "AuthorizationType": "NONE", "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
                                                                     "Uri": _invocation_uri(route["FunctionArn"])}}
        if authorizer in authorizers:
            method_props.update(AuthorizationType="CUSTOM", AuthorizerId={"Ref": authorizers[authorizer]})
        out[method_id] = {"Type": "AWS::ApiGateway::Method", "Properties": method_props}
        methods.append(method_id)
    if cors:  # SAM's preflights, as resources.RestApi makes them
        preflight = None if auth.get("AddDefaultAuthorizerToCorsPreflight", True) is False else auth.get("DefaultAuthorizer")
        for path, has in on_path.items():
            if "OPTIONS" not in has:
                methods.append(f"{lid}Method{len(methods) + 1}")
                out[methods[-1]] = {"Type": "AWS::ApiGateway::Method", "Properties": cors_preflight(
                    {"Ref": lid}, resources[path], has, cors, {"Ref": authorizers[preflight]} if preflight in authorizers else None)}
    out[f"{lid}Deployment"] = {"Type": "AWS::ApiGateway::Deployment", "DependsOn": methods,
                               "Properties": {"RestApiId": {"Ref": lid}}}
    out[f"{lid}{stage}Stage"] = {"Type": "AWS::ApiGateway::Stage", "Properties": {
        "RestApiId": {"Ref": lid}, "DeploymentId": {"Ref": f"{lid}Deployment"}, "StageName": stage}}


def _ordered(out: dict[str, Any], order: list[str]) -> dict[str, Any]:
    """The resources in the expansion's order, each one's helpers (roles, routes, alias) right after it."""
    return dict(sorted(out.items(), key=lambda item: next((n for n, lid in enumerate(order) if item[0].startswith(lid)), len(order))))
