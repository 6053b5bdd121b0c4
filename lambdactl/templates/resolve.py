"""From a template to CloudFormation resources: SAM's transform, parameters, conditions, intrinsics.

``expand`` turns each ``AWS::Serverless::*`` resource into the CloudFormation resources SAM's
transform generates (a function's events become event source mappings, rules, schedules, bucket
notifications and the ``AWS::Lambda::Permission`` each needs; ``Api``/``HttpApi`` events an implicit
API), with intrinsics still unevaluated. ``Resolver.value`` evaluates them once the resources they
name have been applied (their attributes come from ``attributes``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambdactl.templates import properties
from lambdactl.templates.loader import TemplateError

NO_VALUE = object()
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


@dataclass
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    depends_on: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- SAM's transform


def _merge_globals(globals_: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(globals_)
    for key, value in props.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key != "CodeUri":
            merged[key] = {**merged[key], **value}
            if key == "Environment" and isinstance(globals_[key].get("Variables"), dict):
                merged[key]["Variables"] = {**globals_[key]["Variables"], **value.get("Variables", {})}
        else:
            merged[key] = value
    return merged


def expand(template: dict[str, Any]) -> list[Resource]:
    """The template's resources with SAM's expanded, in template order."""
    globals_ = template.get("Globals") or {}
    out: list[Resource] = []
    implicit = {"HttpApi": "ServerlessHttpApi", "Api": "ServerlessRestApi"}
    routes: dict[str, list[dict[str, Any]]] = {  # an API's logical id -> the routes its functions' events add
        lid: [] for lid, body in template["Resources"].items()
        if isinstance(body, dict) and body.get("Type") in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi")}
    explicit = {lid: "Api" if template["Resources"][lid]["Type"] == "AWS::Serverless::Api" else "HttpApi" for lid in routes}
    routes.update({name: [] for name in implicit.values()})
    buckets: dict[str, Resource] = {}
    notifications: list[tuple[str, dict[str, Any], str]] = []
    for lid, body in template["Resources"].items():
        if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
            raise TemplateError(f"Template format error: resource {lid} has no Type")
        kind, props = body["Type"], dict(body.get("Properties") or {})
        depends = body.get("DependsOn") or []
        depends = [depends] if isinstance(depends, str) else list(depends)
        if "Condition" in body:
            props["__Condition"] = body["Condition"]
        if kind == "AWS::Serverless::Function":
            props = _merge_globals(globals_.get("Function") or {}, props)
            out.extend(_function(lid, props, depends, routes, explicit, notifications))
        elif kind in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi"):
            api_kind = kind.rsplit(":", 1)[1]
            props = _merge_globals(globals_.get(api_kind) or {}, props)
            out.extend(_api(lid, api_kind, props, routes[lid], depends))
        elif kind == "AWS::Serverless::LayerVersion":
            layer = {"LayerName": props.get("LayerName", lid), "Content": {"LocalUri": props.get("ContentUri")},
                     "CompatibleRuntimes": props.get("CompatibleRuntimes"), "Description": props.get("Description"),
                     "CompatibleArchitectures": props.get("CompatibleArchitectures")}
            out.append(Resource(lid, "AWS::Lambda::LayerVersion", _drop_none(layer), depends))
        elif kind in ("AWS::Lambda::Function", "AWS::Lambda::LayerVersion"):
            out.append(Resource(lid, kind, _local_code(lid, props, "Code" if kind == "AWS::Lambda::Function" else "Content"), depends))
        elif kind == "AWS::S3::Bucket":
            buckets[lid] = Resource(lid, kind, props, depends)
            out.append(buckets[lid])
        else:
            out.append(Resource(lid, kind, props, depends))
    for bucket_id, config, function_id in notifications:
        bucket = buckets.get(bucket_id)
        if bucket is None:
            raise TemplateError(f"Event source of type S3 in {function_id} must reference an AWS::S3::Bucket of this template")
        configs = bucket.properties.setdefault("NotificationConfiguration", {}).setdefault("LambdaConfigurations", [])
        configs.append(config)
        bucket.depends_on.append(f"{function_id}{config.pop('__Event')}Permission")
    if routes["ServerlessHttpApi"]:
        out.append(Resource("ServerlessHttpApi", "AWS::ApiGatewayV2::Api",
                            {"Name": {"Ref": "AWS::StackName"}, "ProtocolType": "HTTP", "__Routes": routes["ServerlessHttpApi"]}))
    if routes["ServerlessRestApi"]:
        api = {"Name": {"Ref": "AWS::StackName"}, "__Routes": routes["ServerlessRestApi"]}
        cors = (globals_.get("Api") or {}).get("Cors")  # SAM's Globals reach its implicit API too
        if cors is not None:
            api["__Cors"] = rest_cors("ServerlessRestApi", cors)
        out.append(Resource("ServerlessRestApi", "AWS::ApiGateway::RestApi", api))
    return out


def _api(lid: str, kind: str, props: dict[str, Any], routes: list[dict[str, Any]], depends: list[str]) -> list[Resource]:
    """An explicit ``AWS::Serverless::Api`` (REST, ``StageName`` required) or ``AWS::Serverless::HttpApi`` (stage
    ``$default`` unless named): its routes come from the functions' events naming it (``RestApiId``/``ApiId``),
    its Lambda authorizers from ``Auth`` (each with the permission SAM adds); HTTP APIs take ``CorsConfiguration``,
    REST APIs ``Cors`` (SAM's preflight methods)."""
    condition = {"__Condition": props["__Condition"]} if "__Condition" in props else {}
    stage = props.get("StageName", "$default" if kind == "HttpApi" else None)
    if not stage:
        raise TemplateError(f"Resource {lid}: property StageName is required for AWS::Serverless::Api")
    auth = props.get("Auth") or {}
    for name, authorizer in (auth.get("Authorizers") or {}).items():
        if "FunctionArn" not in authorizer:
            raise TemplateError(f"Resource {lid}: authorizer {name} is not a Lambda authorizer (FunctionArn): "
                                "lambdactl runs Lambda authorizers only (no Cognito user pools, no JWT issuers here)")
    api: dict[str, Any] = {"Name": props.get("Name") or {"Ref": "AWS::StackName"}, "__Routes": routes, "__Stage": stage,
                           "__Auth": auth, **condition}
    if kind == "HttpApi":
        api["ProtocolType"] = "HTTP"
        cors = props.get("CorsConfiguration")
        if cors is True:
            cors = {"AllowOrigins": ["*"], "AllowHeaders": ["*"], "AllowMethods": ["*"]}
        if cors:
            api["CorsConfiguration"] = cors
        if props.get("StageVariables"):
            api["__StageVariables"] = props["StageVariables"]
    else:
        if props.get("Variables"):
            api["__StageVariables"] = props["Variables"]
        if props.get("Cors") is not None:
            api["__Cors"] = rest_cors(lid, props["Cors"])
    out = [Resource(lid, "AWS::ApiGatewayV2::Api" if kind == "HttpApi" else "AWS::ApiGateway::RestApi", api, depends)]
    for name, authorizer in (auth.get("Authorizers") or {}).items():
        out.append(Resource(f"{lid}{name}AuthorizerPermission", "AWS::Lambda::Permission", {
            "Action": "lambda:InvokeFunction", "FunctionName": authorizer["FunctionArn"], "Principal": "apigateway.amazonaws.com",
            "SourceArn": {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${" + lid + "}/authorizers/*"},
            **condition}))
    return out


CORS_KEYS = ("AllowMethods", "AllowHeaders", "AllowOrigin", "MaxAge", "AllowCredentials")  # SAM's CorsProperties


def rest_cors(lid: str, cors: Any) -> dict[str, Any]:
    """A REST API's ``Cors`` as SAM reads it (a string is ``AllowOrigin``; values are API Gateway's quoted literals,
    ``"'*'"``): what its preflight ``OPTIONS`` methods answer (``resources.RestApi`` makes them)."""
    if isinstance(cors, str) or (isinstance(cors, dict) and len(cors) == 1 and next(iter(cors)).startswith(("Fn::", "Ref"))):
        cors = {"AllowOrigin": cors}
    if not isinstance(cors, dict):
        raise properties.invalid_resource(lid, "Invalid value for 'Cors' property")
    for key in cors:
        if key not in CORS_KEYS:
            raise properties.invalid_resource(lid, f"Invalid key '{key}' for 'Cors' property.")
    spec = {"AllowOrigin": "'*'", "AllowCredentials": False, **cors}
    if spec["AllowCredentials"] is True and spec["AllowOrigin"] == "'*'":
        raise properties.invalid_resource(lid, "Unable to add Cors configuration because 'AllowCredentials' can not be "
                                               "true when 'AllowOrigin' is \"'*'\" or not set")
    return spec


def _local_code(lid: str, props: dict[str, Any], key: str) -> dict[str, Any]:
    """CloudFormation's code as ``aws cloudformation package`` takes it: a local path (folder or zip) as
    ``Code``/``Content``, or inline ``ZipFile`` source; S3 locations are not reachable here."""
    code = props.get(key)
    if isinstance(code, str):
        return {**props, key: {"LocalUri": code}}
    if isinstance(code, dict) and "ZipFile" in code:
        return {**props, key: {"ZipInline": code["ZipFile"]}}
    if isinstance(code, dict) and ("S3Bucket" in code or "ImageUri" in code):
        raise TemplateError(f"Resource {lid}: {key} must be a local path or ZipFile here (S3 code is not reachable locally)")
    return props


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


FUNCTION_PROPERTIES = ("FunctionName", "Handler", "Runtime", "MemorySize", "Timeout", "Environment", "Layers",
                       "Architectures", "Description", "Role", "EphemeralStorage", "TracingConfig", "PackageType",
                       "ImageUri", "LoggingConfig", "ReservedConcurrentExecutions", "AutoPublishAlias",
                       "DeadLetterQueue", "ProvisionedConcurrencyConfig", "__Condition")  # fmt: skip
DESTINATION_TYPES = ("SQS", "SNS", "Lambda", "EventBridge", "S3Bucket")
# SAM event types lambdactl cannot run the way AWS does: the resource SAM would make for each, listed as
# skipped with the reason (the rest of the template deploys)
SKIP = "__Skip"  # the property naming why a resource is skipped (resources.is_skipped)
SKIPPED_EVENTS = {
    "SNS": ("AWS::SNS::Subscription", "no SNS here"),
    "CloudWatchLogs": ("AWS::Logs::SubscriptionFilter", "no CloudWatch Logs subscription filters here"),
    "IoTRule": ("AWS::IoT::TopicRule", "no AWS IoT here"),
    "AlexaSkill": ("AWS::Lambda::Permission", "no Alexa Skills Kit here"),
    "Cognito": ("AWS::Lambda::Permission", "no Cognito user pools here (their triggers never run)"),
    "MSK": ("AWS::Lambda::EventSourceMapping", "no Amazon MSK (Kafka) here"),
    "MQ": ("AWS::Lambda::EventSourceMapping", "no Amazon MQ here"),
    "SelfManagedKafka": ("AWS::Lambda::EventSourceMapping", "no Kafka poller here"),
    "DocumentDB": ("AWS::Lambda::EventSourceMapping", "no DocumentDB here"),
}


def _function(lid: str, props: dict[str, Any], depends: list[str], routes: dict[str, list[dict[str, Any]]],
              explicit: dict[str, str], notifications: list[tuple[str, dict[str, Any], str]]) -> list[Resource]:
    if "InlineCode" in props:
        code: dict[str, Any] = {"ZipInline": props["InlineCode"]}
    elif props.get("CodeUri") is not None:
        code = {"LocalUri": props["CodeUri"]}
    elif props.get("PackageType") == "Image":
        code = {}
    else:
        raise TemplateError(f"Resource {lid}: property CodeUri (or InlineCode) is required for AWS::Serverless::Function")
    function = {key: props[key] for key in FUNCTION_PROPERTIES if key in props}
    function["Code"] = code
    out = [Resource(lid, "AWS::Lambda::Function", function, depends)]
    condition = {"__Condition": props["__Condition"]} if "__Condition" in props else {}
    ref: dict[str, Any] = {"Ref": lid}
    arn: dict[str, Any] = {"Fn::GetAtt": [lid, "Arn"]}
    if props.get("AutoPublishAlias"):  # as SAM: every event source, permission and integration on the alias (its ARN)
        ref = arn = {"Fn::GetAtt": [lid, "Alias"]}

    def permission(name: str, principal: str, **extra: Any) -> Resource:
        return Resource(name, "AWS::Lambda::Permission", {"Action": "lambda:InvokeFunction", "FunctionName": ref,
                                                          "Principal": principal, **extra, **condition})

    if props.get("ProvisionedConcurrencyConfig") and not props.get("AutoPublishAlias"):
        raise TemplateError(f"Resource {lid}: To set ProvisionedConcurrencyConfig AutoPublishALias must be defined on the function")
    if props.get("EventInvokeConfig"):
        out.extend(_event_invoke_config(lid, props, condition))
    url = props.get("FunctionUrlConfig")
    if url:
        out.append(Resource(f"{lid}Url", "AWS::Lambda::Url", {"TargetFunctionArn": ref, **url, **condition}))
        if url.get("AuthType") == "NONE":
            out.append(permission(f"{lid}UrlPublicPermissions", "*", Action="lambda:InvokeFunctionUrl",
                                  FunctionUrlAuthType="NONE"))
    for name, event in (props.get("Events") or {}).items():
        kind, spec = event.get("Type"), dict(event.get("Properties") or {})
        eid = f"{lid}{name}"
        if kind in SKIPPED_EVENTS:
            made, reason = SKIPPED_EVENTS[kind]
            out.append(Resource(eid, made, {**spec, SKIP: reason, **condition}))
        elif kind in ("SQS", "Kinesis", "DynamoDB"):
            source = spec.pop("Queue", None) or spec.pop("Stream", None)
            mapping = {"FunctionName": ref, "EventSourceArn": source, **spec, **condition}
            out.append(Resource(eid, "AWS::Lambda::EventSourceMapping", mapping))
        elif kind in ("Schedule", "EventBridgeRule", "CloudWatchEvent"):
            rule = {"State": "ENABLED" if spec.get("Enabled", True) is not False else "DISABLED", **condition}
            for key in ("Schedule", "Pattern", "EventBusName", "Name", "Description"):
                if key in spec:
                    rule[{"Schedule": "ScheduleExpression", "Pattern": "EventPattern"}.get(key, key)] = spec[key]
            if "State" in spec:
                rule["State"] = spec["State"]
            target = {"Id": f"{eid}LambdaTarget", "Arn": arn, **({"Input": spec["Input"]} if "Input" in spec else {}),
                      **({"InputPath": spec["InputPath"]} if "InputPath" in spec else {})}
            rule["Targets"] = [target]
            out.append(Resource(eid, "AWS::Events::Rule", rule))
            out.append(permission(f"{eid}Permission", "events.amazonaws.com", SourceArn={"Fn::GetAtt": [eid, "Arn"]}))
        elif kind == "ScheduleV2":
            schedule = {"ScheduleExpression": spec.get("ScheduleExpression"),
                        "FlexibleTimeWindow": spec.get("FlexibleTimeWindow") or {"Mode": "OFF"},
                        "State": spec.get("State", "ENABLED"),
                        "Target": {"Arn": arn, "RoleArn": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/" + eid + "Role"},
                                   **({"Input": spec["Input"]} if "Input" in spec else {})}, **condition}
            for key in ("Name", "GroupName", "ScheduleExpressionTimezone", "StartDate", "EndDate", "Description"):
                if key in spec:
                    schedule[key] = spec[key]
            out.append(Resource(eid, "AWS::Scheduler::Schedule", _drop_none(schedule)))
        elif kind == "S3":
            bucket = spec.get("Bucket")
            if not (isinstance(bucket, dict) and "Ref" in bucket):
                raise TemplateError(f"Event {name} of {lid}: S3 events need Bucket: !Ref <an AWS::S3::Bucket of this template>")
            events = spec.get("Events")
            for one in events if isinstance(events, list) else [events]:
                config = {"Event": one, "Function": arn, "__Event": name}
                if "Filter" in spec:
                    config["Filter"] = spec["Filter"]
                notifications.append((bucket["Ref"], config, lid))
            out.append(permission(f"{eid}Permission", "s3.amazonaws.com", SourceAccount={"Ref": "AWS::AccountId"}))
        elif kind in ("HttpApi", "Api"):
            method = str(spec.get("Method", "ANY" if kind == "HttpApi" else "")).upper()
            path = spec.get("Path")
            if kind == "Api" and (not method or not path):
                raise TemplateError(f"Event {name} of {lid}: Api events need Path and Method")
            key = "ApiId" if kind == "HttpApi" else "RestApiId"
            named = spec.get(key)
            api = "ServerlessHttpApi" if kind == "HttpApi" else "ServerlessRestApi"
            if named is not None:
                if not (isinstance(named, dict) and explicit.get(str(named.get("Ref"))) == kind):
                    raise TemplateError(f"Event {name} of {lid}: {key} must be a !Ref to an AWS::Serverless::{kind} of this template")
                api = named["Ref"]
            routes[api].append({"Method": method, "Path": path, "FunctionArn": arn,
                                **({"Authorizer": spec["Auth"].get("Authorizer")} if isinstance(spec.get("Auth"), dict) else {})})
            out.append(permission(f"{eid}Permission", "apigateway.amazonaws.com",
                                  SourceArn={"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${" + api + "}/*"}))
        else:
            raise TemplateError(f"Event {name} of {lid}: unsupported event source type {kind!r}")
    return out


def _event_invoke_config(lid: str, props: dict[str, Any], condition: dict[str, Any]) -> list[Resource]:
    """SAM's ``EventInvokeConfig``: ``<Fn>EventInvokeConfig`` on the alias (else ``$LATEST``); an SQS or SNS
    destination without ``Destination`` gets a queue of its own, ``<Fn>EventInvokeConfig<OnX>Queue``."""
    spec = dict(props["EventInvokeConfig"])
    out: list[Resource] = []
    destinations: dict[str, Any] = {}
    for when, target in (spec.pop("DestinationConfig", None) or {}).items():
        kind = target.get("Type")
        if kind not in DESTINATION_TYPES:
            raise TemplateError(f"Resource {lid}: EventInvokeConfig DestinationConfig {when} Type must be one of {list(DESTINATION_TYPES)}")
        destination = target.get("Destination")
        if destination is None:
            if kind != "SQS":
                raise TemplateError(f"Resource {lid}: Destination is required for {when} Type {kind}")
            queue = f"{lid}EventInvokeConfig{when}Queue"
            out.append(Resource(queue, "AWS::SQS::Queue", {**condition}))
            destination = {"Fn::GetAtt": [queue, "Arn"]}
        destinations[when] = {"Destination": destination}
    config = {"FunctionName": {"Ref": lid}, "Qualifier": props.get("AutoPublishAlias") or "$LATEST", **spec, **condition}
    if destinations:
        config["DestinationConfig"] = destinations
    out.append(Resource(f"{lid}EventInvokeConfig", "AWS::Lambda::EventInvokeConfig", config))
    return out


# ---------------------------------------------------------------- intrinsic functions


PSEUDO = ("AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::StackId", "AWS::Partition", "AWS::URLSuffix",
          "AWS::NotificationARNs", "AWS::NoValue")  # fmt: skip


class Resolver:
    """Evaluates intrinsics against parameters, conditions and the attributes of applied resources."""

    def __init__(self, template: dict[str, Any], overrides: dict[str, str], stack: str, region: str, account: str,
                 attributes: Callable[[str], dict[str, Any]]) -> None:
        self.template = template
        self.attributes = attributes
        self.pseudo = {"AWS::Region": region, "AWS::AccountId": account, "AWS::StackName": stack,
                       "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{stack}/lambdactl",
                       "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NotificationARNs": []}
        self.parameters = self._parameters(template.get("Parameters") or {}, overrides)
        self._conditions: dict[str, bool] = {}

    @staticmethod
    def _parameters(declared: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
        unknown = sorted(set(overrides) - set(declared))
        if unknown:
            raise TemplateError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")  # CloudFormation's words
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in overrides:
                value: Any = overrides[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                raise TemplateError(f"Parameters: [{name}] must have values")
            allowed = spec.get("AllowedValues")
            if allowed and str(value) not in [str(v) for v in allowed]:
                raise TemplateError(f"Parameter '{name}' must be one of AllowedValues")
            kind = spec.get("Type", "String")
            values[name] = [v.strip() for v in str(value).split(",")] if kind in ("CommaDelimitedList", "List<Number>") else (
                str(value) if not isinstance(value, (int, float)) or kind == "String" else value)
        return values

    def condition(self, name: str, seen: tuple[str, ...] = ()) -> bool:
        if name not in self._conditions:
            conditions = self.template.get("Conditions") or {}
            if name not in conditions:
                raise TemplateError(f"Template format error: Unresolved dependencies [{name}] in the Conditions block")
            if name in seen:
                raise TemplateError(f"Template error: circular dependency between conditions {list(seen)}")
            self._conditions[name] = bool(self.value(conditions[name], seen + (name,)))
        return self._conditions[name]

    def value(self, node: Any, seen: tuple[str, ...] = ()) -> Any:
        """``node`` with every intrinsic evaluated (``AWS::NoValue`` members removed)."""
        if isinstance(node, list):
            return [v for v in (self.value(item, seen) for item in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Condition" and isinstance(arg, str):
                return self.condition(arg, seen)
            if key.startswith("Fn::"):
                return self.function(key[4:], arg, seen)
        out = {}
        for key, item in node.items():
            value = self.value(item, seen)
            if value is not NO_VALUE:
                out[key] = value
        return out

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.attributes(name)["Ref"]

    def get_att(self, logical_id: str, attribute: str) -> Any:
        attributes = self.attributes(logical_id)
        if attribute not in attributes:
            raise TemplateError(f"Template error: resource {logical_id} does not support attribute {attribute} in Fn::GetAtt")
        return attributes[attribute]

    def function(self, name: str, arg: Any, seen: tuple[str, ...]) -> Any:
        if name == "GetAtt":
            parts = arg.split(".", 1) if isinstance(arg, str) else self.value(arg, seen)
            return self.get_att(parts[0], parts[1])
        if name == "Sub":
            text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], self.value(arg[1], seen))
            return self._sub(text, extra)
        if name == "If":
            condition, yes, no = arg
            return self.value(yes if self.condition(condition, seen) else no, seen)
        values = self.value(arg, seen)
        if name == "Join":
            return str(values[0]).join(str(v) for v in values[1])
        if name == "Select":
            return values[1][int(values[0])]
        if name == "Split":
            return str(values[1]).split(values[0])
        if name == "Equals":
            return str(values[0]) == str(values[1])
        if name == "And":
            return all(values)
        if name == "Or":
            return any(values)
        if name == "Not":
            return not values[0]
        if name == "FindInMap":
            try:
                return self.template["Mappings"][values[0]][values[1]][values[2]]
            except (KeyError, TypeError):
                raise TemplateError(f"Template error: Fn::FindInMap {values} names no value of Mappings") from None
        if name == "Base64":
            import base64

            return base64.b64encode(str(values).encode()).decode()
        if name == "GetAZs":
            return [f"{self.pseudo['AWS::Region']}{zone}" for zone in "abc"]
        if name == "ToJsonString":
            import json

            return json.dumps(values, separators=(",", ":"))
        raise TemplateError(f"Template error: Fn::{name} is not supported")

    def _sub(self, text: str, extra: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match[1]
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in extra:
                return str(extra[name])
            if "." in name and name.split(".", 1)[0] not in self.parameters:
                resource, attribute = name.split(".", 1)
                return str(self.get_att(resource, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)


def references(node: Any) -> set[str]:
    """The logical ids ``node`` names through Ref, Fn::GetAtt and Fn::Sub (before evaluation)."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= references(item)
    elif isinstance(node, dict):
        for key, arg in node.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg.split(".", 1)[0] if isinstance(arg, str) else str(arg[0]))
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                local = set() if isinstance(arg, str) else set(arg[1])
                found |= {m.split(".", 1)[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", str(text))} - local
                if not isinstance(arg, str):
                    found |= references(arg[1])
            else:
                found |= references(arg)
    return found


def order(resources: list[Resource], parameters: set[str]) -> list[Resource]:
    """``resources`` sorted so each comes after those it references (template order otherwise);
    a circular reference is CloudFormation's "Circular dependency between resources" error."""
    by_id = {r.logical_id: r for r in resources}
    needs: dict[str, set[str]] = {}
    for resource in resources:
        named = references(resource.properties) | set(resource.depends_on)
        named -= set(PSEUDO) | parameters
        missing = sorted(n for n in named if n not in by_id)
        if missing:
            raise TemplateError(f"Template format error: Unresolved resource dependencies {missing} in the Resources block of the template")
        needs[resource.logical_id] = named
    done: list[Resource] = []
    placed: set[str] = set()
    pending = [r.logical_id for r in resources]
    while pending:
        ready = [lid for lid in pending if needs[lid] <= placed]
        if not ready:
            raise TemplateError(f"Circular dependency between resources: {sorted(pending)}")
        for lid in ready:
            done.append(by_id[lid])
            placed.add(lid)
        pending = [lid for lid in pending if lid not in placed]
    return done
