"""REST APIs end to end: resources, methods, deployments and authorizers through the control plane,
requests over real HTTP to `serve`."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from apigw_helpers import ACCOUNT, AUTHORIZER, REGION, event_of, function, invocation_uri, request

from lambdactl import errors

pytestmark = pytest.mark.slow


def rest_api(plane: Any, *paths: str, **api: Any) -> tuple[str, dict[str, str]]:
    """An API with the resources ``paths`` (parents created on the way); (id, path -> resource id)."""
    created = plane.call("apigateway:CreateRestApi", {"name": "rest", **api})
    ids = {"/": created["rootResourceId"]}
    for path in paths:
        parent = "/"
        for part in path.strip("/").split("/"):
            here = parent.rstrip("/") + "/" + part
            if here not in ids:
                ids[here] = plane.call("apigateway:CreateResource", {
                    "restApiId": created["id"], "parentId": ids[parent], "pathPart": part})["id"]  # fmt: skip
            parent = here
    return created["id"], ids


def method(plane: Any, api_id: str, resource_id: str, http_method: str, function_arn: str, **extra: Any) -> None:
    plane.call("apigateway:PutMethod", {"restApiId": api_id, "resourceId": resource_id, "httpMethod": http_method,
                                        "authorizationType": extra.pop("authorizationType", "NONE"), **extra})  # fmt: skip
    plane.call("apigateway:PutIntegration", {
        "restApiId": api_id, "resourceId": resource_id, "httpMethod": http_method, "type": "AWS_PROXY",
        "integrationHttpMethod": "POST", "uri": invocation_uri(function_arn),
    })  # fmt: skip


def test_payload_1_0_event_field_by_field_and_stage_variables(served: Any, backend: str) -> None:
    server, plane = served
    api_id, ids = rest_api(plane, "/items/{id}")
    method(plane, api_id, ids["/items/{id}"], "GET", backend)
    deployment = plane.call("apigateway:CreateDeployment", {"restApiId": api_id, "stageName": "dev",
                                                            "variables": {"fn": "backend"}})  # fmt: skip
    status, _, data = request(server, "GET", f"/_aws/execute-api/{api_id}/dev/items/test%2Balias?p=10&p=20&q=a+b",
                              headers=[("tEsT-HEADeR", "aValUE"), ("X-Rep", "1"), ("X-Rep", "2")])  # fmt: skip
    assert status == 200, data
    event = event_of(data)
    assert event["resource"] == "/items/{id}" and event["path"] == "/items/test%2Balias" and event["httpMethod"] == "GET"
    assert event["headers"]["tEsT-HEADeR"] == "aValUE" and event["multiValueHeaders"]["tEsT-HEADeR"] == ["aValUE"]
    assert event["headers"]["X-Rep"] == "2" and event["multiValueHeaders"]["X-Rep"] == ["1", "2"]
    assert event["queryStringParameters"] == {"p": "20", "q": "a b"}
    assert event["multiValueQueryStringParameters"] == {"p": ["10", "20"], "q": ["a b"]}
    assert event["pathParameters"] == {"id": "test+alias"} and event["stageVariables"] == {"fn": "backend"}
    assert event["body"] is None and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["accountId"] == ACCOUNT and context["apiId"] == api_id and context["deploymentId"] == deployment["id"]
    assert context["path"] == "/dev/items/test%2Balias" and context["resourcePath"] == "/items/{id}"
    assert context["resourceId"] == ids["/items/{id}"] and context["stage"] == "dev" and context["httpMethod"] == "GET"
    assert context["protocol"] == "HTTP/1.1" and isinstance(context["requestTimeEpoch"], int)
    assert context["identity"]["sourceIp"] == "127.0.0.1" and context["identity"]["accessKey"] is None
    status, _, data = request(server, "GET", f"/_aws/execute-api/{api_id}/dev/items/1")
    assert event_of(data)["queryStringParameters"] is None


def test_resource_precedence_any_and_missing_authentication_token(served: Any, backend: str) -> None:
    server, plane = served
    api_id, ids = rest_api(plane, "/pets/dog", "/pets/{name}", "/{proxy+}")
    method(plane, api_id, ids["/pets/dog"], "GET", backend)
    method(plane, api_id, ids["/pets/{name}"], "GET", backend)
    method(plane, api_id, ids["/{proxy+}"], "ANY", backend)
    plane.call("apigateway:CreateDeployment", {"restApiId": api_id, "stageName": "prod"})

    def resource(http_method: str, path: str) -> Any:
        status, headers, data = request(server, http_method, f"/_aws/execute-api/{api_id}/prod{path}")
        if status != 200:
            return status, headers.get("x-amzn-errortype"), json.loads(data)
        event = event_of(data)
        return event["resource"], event["pathParameters"]

    assert resource("GET", "/pets/dog") == ("/pets/dog", None)
    assert resource("GET", "/pets/cat") == ("/pets/{name}", {"name": "cat"})
    assert resource("DELETE", "/a/b/c/") == ("/{proxy+}", {"proxy": "a/b/c"})
    missing = (403, "MissingAuthenticationTokenException", {"message": "Missing Authentication Token"})
    assert resource("POST", "/pets/dog") == missing  # a method the resource lacks
    assert request(server, "GET", f"/_aws/execute-api/{api_id}/nostage/pets/dog")[0] == 403
    assert resource("GET", "/") == missing


def test_gateway_errors_missing_permission_and_malformed_responses(served: Any, backend: str) -> None:
    server, plane = served
    unpermitted = function(plane, "rest-unpermitted", permit=False)
    api_id, ids = rest_api(plane, "/locked", "/open/{what}")
    method(plane, api_id, ids["/locked"], "GET", unpermitted)
    method(plane, api_id, ids["/open/{what}"], "GET", backend)
    plane.call("apigateway:CreateDeployment", {"restApiId": api_id, "stageName": "v1"})
    base = f"/_aws/execute-api/{api_id}/v1"

    def answer(path: str) -> tuple[int, Any]:
        status, _, data = request(server, "GET", base + path)
        return status, json.loads(data)

    assert answer("/locked") == (500, {"message": "Internal server error"})
    for bad in ("malformed", "extra-key", "fail", "inject"):  # the function decides by the last segment
        assert answer(f"/open/{bad}") == (502, {"message": "Internal server error"}), bad
    status, headers, data = request(server, "GET", f"{base}/open/multi")
    assert (status, headers["test-multi"], headers["flag"], data) == (201, "value-multi, value-solo", "true", b"")
    assert headers["content-type"] == "application/json"


def test_integration_timeout_is_504(served: Any, backend: str) -> None:
    server, plane = served
    api_id, ids = rest_api(plane, "/{proxy+}")
    plane.call("apigateway:PutMethod", {"restApiId": api_id, "resourceId": ids["/{proxy+}"], "httpMethod": "ANY",
                                        "authorizationType": "NONE"})  # fmt: skip
    plane.call("apigateway:PutIntegration", {
        "restApiId": api_id, "resourceId": ids["/{proxy+}"], "httpMethod": "ANY", "type": "AWS_PROXY",
        "integrationHttpMethod": "POST", "uri": invocation_uri(backend), "timeoutInMillis": 200,
    })  # fmt: skip
    plane.call("apigateway:CreateDeployment", {"restApiId": api_id, "stageName": "v1"})
    status, _, data = request(server, "GET", f"/_aws/execute-api/{api_id}/v1/sleep")
    assert (status, json.loads(data)) == (504, {"message": "Endpoint request timed out"})
    api_id, ids = rest_api(plane, "/fine")  # the sleeper holds its environment: another starts within 29 s
    method(plane, api_id, ids["/fine"], "GET", backend)
    plane.call("apigateway:CreateDeployment", {"restApiId": api_id, "stageName": "v1"})
    assert request(server, "GET", f"/_aws/execute-api/{api_id}/v1/fine")[0] == 200


def test_binary_media_types_in_and_out(served: Any, backend: str) -> None:
    server, plane = served
    api_id, ids = rest_api(plane, "/{proxy+}", binaryMediaTypes=["image/png"])
    method(plane, api_id, ids["/{proxy+}"], "ANY", backend)
    plane.call("apigateway:CreateDeployment", {"restApiId": api_id, "stageName": "v1"})
    base = f"/_aws/execute-api/{api_id}/v1"
    event = event_of(request(server, "POST", f"{base}/up", body=b"\x89PNG\x00", headers=[("Content-Type", "image/png")])[2])
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x89PNG\x00"
    event = event_of(request(server, "POST", f"{base}/up", body=b"text", headers=[("Content-Type", "text/plain")])[2])
    assert (event["isBase64Encoded"], event["body"]) == (False, "text")
    assert request(server, "GET", f"{base}/binary", headers=[("Accept", "image/png")])[2] == b"\x89PNG\x00\xff"
    encoded = base64.b64encode(b"\x89PNG\x00\xff")
    assert request(server, "GET", f"{base}/binary", headers=[("Accept", "application/json")])[2] == encoded


@pytest.fixture(scope="module")
def authorizer_arn(served: Any) -> str:
    return function(served[1], "rest-authz", AUTHORIZER)


def authorized(plane: Any, backend: str, authorizer_arn: str, **authorizer: Any) -> str:
    api_id, ids = rest_api(plane, "/secret")
    created = plane.call("apigateway:CreateAuthorizer", {"restApiId": api_id, "name": "auth",
                                                         "authorizerUri": invocation_uri(authorizer_arn), **authorizer})  # fmt: skip
    method(plane, api_id, ids["/secret"], "GET", backend, authorizationType="CUSTOM", authorizerId=created["id"])
    plane.call("apigateway:CreateDeployment", {"restApiId": api_id, "stageName": "dev"})
    return api_id


def test_token_authorizer_allow_deny_validation_and_cache(served: Any, backend: str, authorizer_arn: str) -> None:
    server, plane = served
    api_id = authorized(plane, backend, authorizer_arn, type="TOKEN", identityValidationExpression="^[a-z]+$")
    path = f"/_aws/execute-api/{api_id}/dev/secret"

    def call(token: str | None) -> tuple[int, Any]:
        status, _, data = request(server, "GET", path, headers=[("Authorization", token)] if token else [])
        return status, json.loads(data)

    assert call(None) == (401, {"message": "Unauthorized"})
    assert call("NOT-VALID") == (401, {"message": "Unauthorized"})
    assert call("deny") == (403, {"Message": "User is not authorized to access this resource with an explicit deny"})
    status, event = call("allow")
    authorizer = event["requestContext"]["authorizer"]
    assert status == 200 and authorizer["principalId"] == "user-1"
    assert authorizer["admin"] == "true" and authorizer["name"] == "ada" and isinstance(authorizer["calls"], str)
    assert call("allow")[1]["requestContext"]["authorizer"]["calls"] == authorizer["calls"]  # the default TTL caches
    assert call("throw") == (500, {"message": None})
    assert call("unauthorized") == (401, {"message": "Unauthorized"})


def test_request_authorizer_sees_the_request_and_is_not_cached_with_ttl_0(served: Any, backend: str, authorizer_arn: str) -> None:
    server, plane = served
    api_id = authorized(plane, backend, authorizer_arn, type="REQUEST",
                        identitySource="method.request.header.Authorization", authorizerResultTtlInSeconds=0)  # fmt: skip
    path = f"/_aws/execute-api/{api_id}/dev/secret"
    first = event_of(request(server, "GET", path, headers=[("Authorization", "allow")])[2])
    second = event_of(request(server, "GET", path, headers=[("Authorization", "allow")])[2])
    assert int(second["requestContext"]["authorizer"]["calls"]) > int(first["requestContext"]["authorizer"]["calls"])
    assert request(server, "GET", path)[0] == 401


def test_rest_api_validation_messages(served: Any, backend: str) -> None:
    plane = served[1]
    api_id, ids = rest_api(plane, "/x")
    plane.call("apigateway:PutMethod", {"restApiId": api_id, "resourceId": ids["/x"], "httpMethod": "GET",
                                        "authorizationType": "NONE"})  # fmt: skip
    base = {"restApiId": api_id, "resourceId": ids["/x"], "httpMethod": "GET", "type": "AWS_PROXY"}
    cases = [
        ({"integrationHttpMethod": "POST", "uri": backend}, "AWS ARN for integration must contain path or action"),
        ({"integrationHttpMethod": "POST", "uri": "bad-arn:x"}, "Invalid ARN specified in the request"),
        ({"uri": invocation_uri(backend)}, "Enumeration value for HttpMethod must be non-empty"),
        ({"integrationHttpMethod": "POST", "uri": f"arn:aws:apigateway:{REGION}:s3:path/bucket/key"},
         "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."),
    ]  # fmt: skip
    for extra, message in cases:
        with pytest.raises(errors.ServiceError) as raised:
            plane.call("apigateway:PutIntegration", {**base, **extra})
        assert (raised.value.code, raised.value.message) == ("BadRequestException", message)
    with pytest.raises(errors.ServiceError) as raised:
        plane.call("apigateway:GetResources", {"restApiId": "nope"})
    assert (raised.value.code, raised.value.message) == ("NotFoundException", f"Invalid API identifier specified {ACCOUNT}:nope")
    with pytest.raises(errors.ServiceError) as raised:
        plane.call("apigateway:CreateResource", {"restApiId": api_id, "parentId": ids["/x"], "pathPart": "{a+}x"})
    assert raised.value.code == "BadRequestException"


def test_boto3_manages_rest_apis_through_serve(served: Any, backend: str) -> None:
    import boto3
    from botocore.config import Config

    server, _ = served
    client = boto3.client("apigateway", endpoint_url=server.url, region_name=REGION, aws_access_key_id="test",
                          aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))  # fmt: skip
    api = client.create_rest_api(name="sdk", binaryMediaTypes=["image/png"])
    resource = client.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="{proxy+}")
    client.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY", authorizationType="NONE")
    integration = client.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY",
                                         type="AWS_PROXY", integrationHttpMethod="POST", uri=invocation_uri(backend))  # fmt: skip
    assert integration["httpMethod"] == "POST" and integration["timeoutInMillis"] == 29000
    client.create_deployment(restApiId=api["id"], stageName="dev", variables={"color": "red"})
    client.update_stage(restApiId=api["id"], stageName="dev",
                        patchOperations=[{"op": "replace", "path": "/variables/color", "value": "green"}])  # fmt: skip
    assert client.get_stage(restApiId=api["id"], stageName="dev")["variables"] == {"color": "green"}
    patched = client.update_rest_api(restApiId=api["id"], patchOperations=[
        {"op": "add", "path": "/binaryMediaTypes/application~1pdf"}, {"op": "remove", "path": "/binaryMediaTypes/image~1png"}])
    assert patched["binaryMediaTypes"] == ["application/pdf"]
    paths = [item["path"] for item in client.get_resources(restApiId=api["id"])["items"]]
    assert paths == ["/", "/{proxy+}"]
    status, _, data = request(server, "GET", f"/_aws/execute-api/{api['id']}/dev/anything/here")
    event = event_of(data)
    assert status == 200 and event["pathParameters"] == {"proxy": "anything/here"}
    assert event["stageVariables"] == {"color": "green"}  # stage variables apply at once, no redeploy
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_rest_api(restApiId="missing")
    with pytest.raises(client.exceptions.BadRequestException) as raised:
        client.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY", type="AWS_PROXY",
                               integrationHttpMethod="POST", uri=backend)  # fmt: skip
    assert raised.value.response["Error"]["Message"] == "AWS ARN for integration must contain path or action"


def test_stage_variables_pick_the_integration_function(served: Any, backend: str) -> None:
    server, plane = served
    api_id, ids = rest_api(plane, "/pick")
    plane.call("apigateway:PutMethod", {"restApiId": api_id, "resourceId": ids["/pick"], "httpMethod": "GET",
                                        "authorizationType": "NONE"})  # fmt: skip
    uri = invocation_uri(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{stageVariables.fn}}")
    plane.call("apigateway:PutIntegration", {"restApiId": api_id, "resourceId": ids["/pick"], "httpMethod": "GET",
                                             "type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": uri})  # fmt: skip
    plane.call("apigateway:CreateDeployment", {"restApiId": api_id, "stageName": "good", "variables": {"fn": "backend"}})
    deployment = plane.call("apigateway:GetDeployments", {"restApiId": api_id})["items"][0]["id"]
    plane.call("apigateway:CreateStage", {"restApiId": api_id, "stageName": "bad", "deploymentId": deployment,
                                          "variables": {"fn": "no-such-function"}})  # fmt: skip
    port = server.url.rsplit(":", 1)[1]
    assert plane.call("apigateway:GetStage", {"restApiId": api_id, "stageName": "good"})["lambdactlInvokeUrl"] == (
        f"http://{api_id}.execute-api.localhost:{port}/good/"
    )
    status, _, data = request(server, "GET", f"/_aws/execute-api/{api_id}/good/pick")
    assert status == 200 and event_of(data)["stageVariables"] == {"fn": "backend"}
    status, _, data = request(server, "GET", f"/_aws/execute-api/{api_id}/bad/pick")
    assert (status, json.loads(data)) == (500, {"message": "Internal server error"})


def test_mock_integration_answers_from_its_integration_response(served: Any, backend: str) -> None:
    """A MOCK integration (SAM's CORS preflight is one): the status its request template names selects the
    integration response, whose quoted literals become the headers and whose template the body."""
    server, plane = served
    api_id, ids = rest_api(plane, "/items")
    target = {"restApiId": api_id, "resourceId": ids["/items"], "httpMethod": "OPTIONS"}
    plane.call("apigateway:PutMethod", {**target, "authorizationType": "NONE"})
    plane.call("apigateway:PutIntegration", {**target, "type": "MOCK", "requestTemplates": {"application/json": '{"statusCode": 200}'}})
    header = "method.response.header.Access-Control-Allow-Origin"
    with pytest.raises(errors.ServiceError) as raised:  # no method response for 200 yet
        plane.call("apigateway:PutIntegrationResponse", {**target, "statusCode": "200", "responseParameters": {header: "'*'"}})
    assert (raised.value.code, raised.value.message) == ("NotFoundException", "Invalid Response status code specified")
    plane.call("apigateway:PutMethodResponse", {**target, "statusCode": "200", "responseParameters": {header: False}})
    with pytest.raises(errors.ServiceError) as raised:  # a literal is quoted: '*'
        plane.call("apigateway:PutIntegrationResponse", {**target, "statusCode": "200", "responseParameters": {header: "*"}})
    assert raised.value.message == ("Invalid mapping expression specified: Validation Result: warnings : [], errors : "
                                    "[Invalid mapping expression specified: *]")
    plane.call("apigateway:PutIntegrationResponse", {**target, "statusCode": "200", "responseParameters": {header: "'*'"},
                                                    "responseTemplates": {"application/json": "{}\n"}})
    assert plane.call("apigateway:GetIntegration", target)["integrationResponses"]["200"]["responseParameters"] == {header: "'*'"}
    plane.call("apigateway:CreateDeployment", {"restApiId": api_id, "stageName": "dev"})
    status, headers, body = request(server, "OPTIONS", f"/_aws/execute-api/{api_id}/dev/items")
    assert (status, body) == (200, b"{}\n")
    assert headers["access-control-allow-origin"] == "*"
