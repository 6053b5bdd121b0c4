"""``lambdactl export``: the state directory as a SAM template, for ``sam deploy`` to AWS Lambda.

Everything is read through the control plane (``plane.call``): functions (code written next to the
template as zips their ``CodeUri`` names), layers, queues, tables with streams, buckets, and each function's event
sources as SAM events — SQS/Kinesis/DynamoDB mappings, S3 notifications, EventBridge rules
(schedules and patterns), Scheduler schedules, HTTP and REST APIs (``AWS::Serverless::HttpApi``/``Api``
with their stage, CORS and Lambda authorizers, each route an event of its function) — plus reserved and provisioned
concurrency, event invoke configs, function URLs and AutoPublishAlias for a function with exactly one alias. Names are kept (``FunctionName``,
``QueueName``, ``BucketName``) so a deploy of the export recreates the same state.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

from lambdactl import errors


def _all(plane: Any, op: str, params: dict[str, Any], key: str, marker: str = "Marker", next_key: str = "NextMarker") -> list[Any]:
    items: list[Any] = []
    token = None
    while True:
        page = plane.call(op, {**params, **({marker: token} if token else {})})
        items.extend(page.get(key) or [])
        token = page.get(next_key)
        if not token:
            return items


def _logical_id(prefix: str, name: str, taken: set[str]) -> str:
    base = prefix + "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)
    lid, n = base, 2
    while lid in taken:
        lid, n = f"{base}{n}", n + 1
    taken.add(lid)
    return lid


def _download(location: str) -> bytes:
    if location.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return Path(unquote(urlparse(location).path)).read_bytes()
    with urllib.request.urlopen(location, timeout=60) as response:  # noqa: S310 - serve's own code link
        return response.read()


def _event_invoke_config(config: dict[str, Any], arn_refs: dict[str, Any]) -> dict[str, Any]:
    """A function's event invoke configuration as SAM's ``EventInvokeConfig``."""
    out: dict[str, Any] = {key: config[key] for key in ("MaximumEventAgeInSeconds", "MaximumRetryAttempts") if key in config}
    destinations = {}
    for when, target in (config.get("DestinationConfig") or {}).items():
        arn = target.get("Destination")
        if arn:
            kind = {"sqs": "SQS", "sns": "SNS", "lambda": "Lambda", "events": "EventBridge", "s3": "S3Bucket"}[arn.split(":")[2]]
            destinations[when] = {"Type": kind, "Destination": arn_refs.get(arn, arn)}
    if destinations:
        out["DestinationConfig"] = destinations
    return out


def _table(plane: Any, stream: dict[str, Any], resources: dict[str, Any], taken: set[str]) -> dict[str, Any]:
    """A table's stream as the ``AWS::DynamoDB::Table`` whose ``StreamSpecification`` made it (no table is kept
    here, so its key schema is the minimal valid one, a string ``id``); its ``StreamArn`` is what events name."""
    name = stream["TableName"]
    view = plane.call("dynamodbstreams:DescribeStream", {"StreamArn": stream["StreamArn"]})["StreamDescription"]["StreamViewType"]
    lid = next((lid for lid, body in resources.items() if body["Type"] == "AWS::DynamoDB::Table"
                and body["Properties"]["TableName"] == name), None) or _logical_id("Table", name, taken)
    resources[lid] = {"Type": "AWS::DynamoDB::Table", "Properties": {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}], "StreamSpecification": {"StreamViewType": view}}}
    return {"Fn::GetAtt": [lid, "StreamArn"]}


def _rest_api(plane: Any, api: dict[str, Any], resources: dict[str, Any], taken: set[str], arn_refs: dict[str, Any],
              events_of: Any) -> None:
    """A REST API with a stage as an ``AWS::Serverless::Api`` (its first stage, its Lambda authorizers) and each
    Lambda proxy method as an ``Api`` event of its function naming it (``RestApiId``)."""
    api_id = api["id"]
    stages = plane.call("apigateway:GetStages", {"restApiId": api_id}).get("item") or []
    if not stages:
        return  # never deployed: nothing serves it
    lid = _logical_id("Api", api["name"], taken)
    props: dict[str, Any] = {"Name": api["name"], "StageName": stages[0]["stageName"]}
    names: dict[str, str] = {}
    authorizers: dict[str, Any] = {}
    for authorizer in _all(plane, "apigateway:GetAuthorizers", {"restApiId": api_id}, "items", "position", "position"):
        function = _function_of(authorizer.get("authorizerUri", ""))
        sources = [part.strip() for part in (authorizer.get("identitySource") or "").split(",") if part.strip()]
        identity: dict[str, Any] = {"ReauthorizeEvery": authorizer.get("authorizerResultTtlInSeconds", 300)}
        if authorizer["type"] == "TOKEN":
            identity["Header"] = sources[0].rsplit(".", 1)[1] if sources else "Authorization"
        else:
            headers = [p.rsplit(".", 1)[1] for p in sources if ".header." in p]
            queries = [p.rsplit(".", 1)[1] for p in sources if ".querystring." in p]
            identity.update({"Headers": headers} if headers else {}, **({"QueryStrings": queries} if queries else {}))
        authorizers[authorizer["name"]] = {"FunctionArn": arn_refs.get(function, function),
                                           "FunctionPayloadType": authorizer["type"], "Identity": identity}
        names[authorizer["id"]] = authorizer["name"]
    if authorizers:
        props["Auth"] = {"Authorizers": authorizers}
    resources[lid] = {"Type": "AWS::Serverless::Api", "Properties": props}
    preflights = []
    for resource in _all(plane, "apigateway:GetResources", {"restApiId": api_id}, "items", "position", "position"):
        for method in resource.get("resourceMethods") or {}:
            got = plane.call("apigateway:GetMethod", {"restApiId": api_id, "resourceId": resource["id"], "httpMethod": method})
            integration = got.get("methodIntegration") or {}
            if method == "OPTIONS" and integration.get("type") == "MOCK":
                preflights.append(((integration.get("integrationResponses") or {}).get("200") or {}).get("responseParameters") or {})
            events = events_of(_function_of(integration.get("uri", "")))
            if events is None:
                continue
            spec: dict[str, Any] = {"RestApiId": {"Ref": lid}, "Path": resource["path"], "Method": method.lower()}
            if got.get("authorizationType") == "CUSTOM" and got.get("authorizerId") in names:
                spec["Auth"] = {"Authorizer": names[got["authorizerId"]]}
            events[f"ApiEvent{len(events) + 1}"] = {"Type": "Api", "Properties": spec}
    cors = _cors(preflights)
    if cors:
        props["Cors"] = cors


def _cors(preflights: list[dict[str, str]]) -> dict[str, Any] | None:
    """SAM's ``Cors`` that makes these preflights (``resources.cors_preflight``): the headers of the first, and
    ``AllowMethods`` only when every path allows the same (else each path's own, which SAM derives)."""
    origin = "method.response.header.Access-Control-Allow-"
    first = next((p for p in preflights if f"{origin}Origin" in p), None)
    if first is None:
        return None
    cors: dict[str, Any] = {key: first[f"{origin}{header}"] for key, header in (
        ("AllowOrigin", "Origin"), ("AllowHeaders", "Headers")) if f"{origin}{header}" in first}
    if "method.response.header.Access-Control-Max-Age" in first:
        cors["MaxAge"] = first["method.response.header.Access-Control-Max-Age"]
    if f"{origin}Credentials" in first:
        cors["AllowCredentials"] = True
    if len({p.get(f"{origin}Methods") for p in preflights}) == 1 and f"{origin}Methods" in first:
        cors["AllowMethods"] = first[f"{origin}Methods"]
    return cors


def _http_api(plane: Any, api: dict[str, Any], resources: dict[str, Any], taken: set[str], arn_refs: dict[str, Any],
              events_of: Any) -> None:
    """An HTTP API as an ``AWS::Serverless::HttpApi`` (its stage, CORS and Lambda authorizers) and each Lambda proxy
    route as an ``HttpApi`` event of its function naming it (``ApiId``)."""
    api_id = api["ApiId"]
    pages = ("Items", "NextToken", "NextToken")
    lid = _logical_id("HttpApi", api["Name"], taken)
    props: dict[str, Any] = {"Name": api["Name"]}
    stages = [s["StageName"] for s in _all(plane, "apigatewayv2:GetStages", {"ApiId": api_id}, *pages)]
    if stages and "$default" not in stages:
        props["StageName"] = stages[0]
    if api.get("CorsConfiguration"):
        props["CorsConfiguration"] = api["CorsConfiguration"]
    names: dict[str, str] = {}
    authorizers: dict[str, Any] = {}
    for authorizer in _all(plane, "apigatewayv2:GetAuthorizers", {"ApiId": api_id}, *pages):
        function = _function_of(authorizer.get("AuthorizerUri", ""))
        spec: dict[str, Any] = {"FunctionArn": arn_refs.get(function, function),
                                "AuthorizerPayloadFormatVersion": authorizer["AuthorizerPayloadFormatVersion"],
                                "EnableSimpleResponses": bool(authorizer.get("EnableSimpleResponses"))}
        headers = [source.removeprefix("$request.header.") for source in authorizer.get("IdentitySource") or []
                   if source.startswith("$request.header.")]
        identity = {**({"Headers": headers} if headers else {}),
                    **({"ReauthorizeEvery": authorizer["AuthorizerResultTtlInSeconds"]}
                       if authorizer.get("AuthorizerResultTtlInSeconds") else {})}
        if identity:
            spec["Identity"] = identity
        authorizers[authorizer["Name"]] = spec
        names[authorizer["AuthorizerId"]] = authorizer["Name"]
    if authorizers:
        props["Auth"] = {"Authorizers": authorizers}
    resources[lid] = {"Type": "AWS::Serverless::HttpApi", "Properties": props}
    integrations = {i["IntegrationId"]: i for i in _all(plane, "apigatewayv2:GetIntegrations", {"ApiId": api_id}, *pages)}
    for route in _all(plane, "apigatewayv2:GetRoutes", {"ApiId": api_id}, *pages):
        integration = integrations.get(str(route.get("Target", "")).removeprefix("integrations/"), {})
        events = events_of(str(integration.get("IntegrationUri", "")))
        if events is None:
            continue
        method, _, path = route["RouteKey"].partition(" ")
        event: dict[str, Any] = {"ApiId": {"Ref": lid}, **({"Path": path, "Method": method.lower()} if path else {})}
        if route.get("AuthorizationType") == "CUSTOM" and route.get("AuthorizerId") in names:
            event["Auth"] = {"Authorizer": names[route["AuthorizerId"]]}
        events[f"HttpApiEvent{len(events) + 1}"] = {"Type": "HttpApi", "Properties": event}


def _function_of(uri: str) -> str:
    """The function ARN of an API Gateway Lambda invocation URI (``...:lambda:path/2015-03-31/functions/<arn>/invocations``)."""
    return uri.partition("/functions/")[2].removesuffix("/invocations")


def export(plane: Any, out_dir: Path) -> dict[str, Any]:
    """The state directory as a SAM template (a dict); code zips are written under ``out_dir``."""
    taken: set[str] = set()
    resources: dict[str, Any] = {}
    arn_refs: dict[str, Any] = {}  # an exported resource's ARN -> the intrinsic that names it
    (out_dir / "code").mkdir(parents=True, exist_ok=True)

    for url in plane.call("sqs:ListQueues", {}).get("QueueUrls") or []:
        attributes = plane.call("sqs:GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})["Attributes"]
        name = attributes["QueueArn"].rsplit(":", 1)[1]
        lid = _logical_id("Queue", name, taken)
        props: dict[str, Any] = {"QueueName": name}
        for key in ("VisibilityTimeout", "DelaySeconds", "MessageRetentionPeriod", "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds"):
            if key in attributes:
                props[key] = int(attributes[key])
        if attributes.get("FifoQueue") == "true":
            props["FifoQueue"] = True
        resources[lid] = {"Type": "AWS::SQS::Queue", "Properties": props}
        arn_refs[attributes["QueueArn"]] = {"Fn::GetAtt": [lid, "Arn"]}

    for stream in _all(plane, "dynamodbstreams:ListStreams", {}, "Streams", "ExclusiveStartStreamArn", "LastEvaluatedStreamArn"):
        arn_refs[stream["StreamArn"]] = _table(plane, stream, resources, taken)  # a later stream of a table replaces it

    bucket_ids: dict[str, str] = {}
    for bucket in plane.call("s3:ListBuckets", {}).get("Buckets") or []:
        lid = _logical_id("Bucket", bucket["Name"], taken)
        bucket_ids[bucket["Name"]] = lid
        resources[lid] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": bucket["Name"]}}

    layer_ids: dict[str, str] = {}
    for layer in _all(plane, "ListLayers", {}, "Layers"):
        latest = layer["LatestMatchingVersion"]
        version = plane.call("GetLayerVersion", {"LayerName": layer["LayerName"], "VersionNumber": latest["Version"]})
        path = out_dir / "code" / f"layer-{layer['LayerName']}.zip"
        path.write_bytes(_download(version["Content"]["Location"]))
        lid = _logical_id("Layer", layer["LayerName"], taken)
        props = {"LayerName": layer["LayerName"], "ContentUri": str(path.relative_to(out_dir))}
        for key in ("CompatibleRuntimes", "CompatibleArchitectures", "Description"):
            if latest.get(key):
                props[key] = latest[key]
        resources[lid] = {"Type": "AWS::Serverless::LayerVersion", "Properties": props}
        layer_ids[latest["LayerVersionArn"]] = lid

    functions: dict[str, dict[str, Any]] = {}
    for summary in _all(plane, "ListFunctions", {}, "Functions"):
        name = summary["FunctionName"]
        got = plane.call("GetFunction", {"FunctionName": name})
        config = got["Configuration"]
        if config.get("PackageType") == "Image":
            raise errors.LambdactlError(f"Function {name} is an image function: export writes zip functions only")
        path = out_dir / "code" / f"{name}.zip"
        path.write_bytes(_download(got["Code"]["Location"]))
        lid = _logical_id("Function", name, taken)
        props = {"FunctionName": name, "CodeUri": str(path.relative_to(out_dir)), "Handler": config["Handler"],
                 "Runtime": config["Runtime"], "MemorySize": config["MemorySize"], "Timeout": config["Timeout"],
                 "Architectures": config.get("Architectures") or ["x86_64"]}
        if config.get("Description"):
            props["Description"] = config["Description"]
        variables = (config.get("Environment") or {}).get("Variables")
        if variables:
            props["Environment"] = {"Variables": variables}
        if config.get("Layers"):
            props["Layers"] = [{"Ref": layer_ids[layer["Arn"]]} if layer["Arn"] in layer_ids else layer["Arn"]
                               for layer in config["Layers"]]
        reserved = (got.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
        if reserved is not None:
            props["ReservedConcurrentExecutions"] = reserved
        aliases = _all(plane, "ListAliases", {"FunctionName": name}, "Aliases")
        if len(aliases) == 1:
            props["AutoPublishAlias"] = aliases[0]["Name"]
        for provisioned in _all(plane, "ListProvisionedConcurrencyConfigs", {"FunctionName": name}, "ProvisionedConcurrencyConfigs"):
            if provisioned["FunctionArn"].rsplit(":", 1)[1] == props.get("AutoPublishAlias"):
                props["ProvisionedConcurrencyConfig"] = {
                    "ProvisionedConcurrentExecutions": provisioned["RequestedProvisionedConcurrentExecutions"]}
        for invoke in _all(plane, "ListFunctionEventInvokeConfigs", {"FunctionName": name}, "FunctionEventInvokeConfigs"):
            qualifier = (invoke["FunctionArn"].split(":")[7:] or ["$LATEST"])[0]
            if qualifier == (props.get("AutoPublishAlias") or "$LATEST"):  # where SAM's EventInvokeConfig puts it
                props["EventInvokeConfig"] = invoke  # written once every exported ARN is known (below)
        urls = _all(plane, "ListFunctionUrlConfigs", {"FunctionName": name}, "FunctionUrlConfigs")
        for url in sorted(urls, key=lambda url: url["FunctionArn"].endswith(f":{props.get('AutoPublishAlias')}")):
            # SAM's is on the AutoPublishAlias (else the function): that one if there is one
            props["FunctionUrlConfig"] = {"AuthType": url["AuthType"], **({"Cors": url["Cors"]} if url.get("Cors") else {})}
        resources[lid] = {"Type": "AWS::Serverless::Function", "Properties": props}
        functions[config["FunctionArn"]] = props
        arn_refs[config["FunctionArn"]] = {"Fn::GetAtt": [lid, "Arn"]}

    for props in functions.values():
        if "EventInvokeConfig" in props:
            props["EventInvokeConfig"] = _event_invoke_config(props["EventInvokeConfig"], arn_refs)

    def events_of(function_arn: str) -> dict[str, Any] | None:
        base = function_arn.split(":")
        props = functions.get(":".join(base[:7]))
        return None if props is None else props.setdefault("Events", {})

    for mapping in _all(plane, "ListEventSourceMappings", {}, "EventSourceMappings"):
        events = events_of(mapping["FunctionArn"])
        source = mapping.get("EventSourceArn", "")
        kind = {"sqs": "SQS", "kinesis": "Kinesis", "dynamodb": "DynamoDB"}.get(source.split(":")[2] if source.count(":") > 2 else "")
        if events is None or kind is None:
            continue
        spec: dict[str, Any] = {"Queue" if kind == "SQS" else "Stream": arn_refs.get(source, source),
                                "BatchSize": mapping["BatchSize"]}
        if mapping.get("State") in ("Disabled", "Disabling"):
            spec["Enabled"] = False
        if kind != "SQS":
            spec["StartingPosition"] = mapping.get("StartingPosition", "LATEST")
        events[f"{kind}Event{len(events) + 1}"] = {"Type": kind, "Properties": spec}

    for bucket, lid in bucket_ids.items():
        notification = plane.call("s3:GetBucketNotificationConfiguration", {"Bucket": bucket})
        for config in notification.get("LambdaFunctionConfigurations") or []:
            events = events_of(config["LambdaFunctionArn"])
            if events is None:
                continue
            for event in config["Events"]:
                spec = {"Bucket": {"Ref": lid}, "Events": event}
                rules = ((config.get("Filter") or {}).get("Key") or {}).get("FilterRules")
                if rules:
                    spec["Filter"] = {"S3Key": {"Rules": [{"Name": r["Name"].lower(), "Value": r["Value"]} for r in rules]}}
                events[f"S3Event{len(events) + 1}"] = {"Type": "S3", "Properties": spec}

    for rule in _all(plane, "events:ListRules", {}, "Rules", "NextToken", "NextToken"):
        for target in plane.call("events:ListTargetsByRule", {"Rule": rule["Name"]}).get("Targets") or []:
            events = events_of(target["Arn"])
            if events is None:
                continue
            spec = {"Name": rule["Name"], **({"Input": target["Input"]} if target.get("Input") else {})}
            if rule.get("State") == "DISABLED":
                spec["State"] = "DISABLED"
            if rule.get("ScheduleExpression"):
                events[f"Schedule{len(events) + 1}"] = {"Type": "Schedule", "Properties": {"Schedule": rule["ScheduleExpression"], **spec}}
            else:
                events[f"Rule{len(events) + 1}"] = {"Type": "EventBridgeRule",
                                                     "Properties": {"Pattern": json.loads(rule["EventPattern"]), **spec}}

    for summary in _all(plane, "scheduler:ListSchedules", {}, "Schedules", "NextToken", "NextToken"):
        schedule = plane.call("scheduler:GetSchedule", {"Name": summary["Name"], "GroupName": summary.get("GroupName", "default")})
        events = events_of(schedule["Target"]["Arn"])
        if events is None:
            continue
        spec = {"Name": schedule["Name"], "ScheduleExpression": schedule["ScheduleExpression"],
                "State": schedule.get("State", "ENABLED")}
        for key in ("ScheduleExpressionTimezone", "Description"):
            if schedule.get(key):
                spec[key] = schedule[key]
        if schedule["Target"].get("Input"):
            spec["Input"] = schedule["Target"]["Input"]
        if schedule.get("GroupName", "default") != "default":
            spec["GroupName"] = schedule["GroupName"]
        events[f"ScheduleV2Event{len(events) + 1}"] = {"Type": "ScheduleV2", "Properties": spec}

    for api in _all(plane, "apigateway:GetRestApis", {}, "items", "position", "position"):
        _rest_api(plane, api, resources, taken, arn_refs, events_of)

    for api in _all(plane, "apigatewayv2:GetApis", {}, "Items", "NextToken", "NextToken"):
        if api.get("ProtocolType") == "HTTP":
            _http_api(plane, api, resources, taken, arn_refs, events_of)

    return {"AWSTemplateFormatVersion": "2010-09-09", "Transform": "AWS::Serverless-2016-10-31",
            "Description": "Exported by lambdactl export", "Resources": resources}
