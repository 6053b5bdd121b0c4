"""HTTP APIs end to end: management through the control plane, requests over real HTTP to `serve`."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from apigw_helpers import ACCOUNT, AUTHORIZER, REGION, event_of, function, request
from serving import wait_until

pytestmark = pytest.mark.slow


def quick_api(plane: Any, target: str, **extra: Any) -> str:
    return plane.call("apigatewayv2:CreateApi", {"Name": "web", "ProtocolType": "HTTP", "Target": target, **extra})["ApiId"]


def api_with_routes(plane: Any, backend: str, *route_keys: str, version: str = "2.0", **api: Any) -> tuple[str, str]:
    api_id = plane.call("apigatewayv2:CreateApi", {"Name": "routes", "ProtocolType": "HTTP", **api})["ApiId"]
    integration = plane.call("apigatewayv2:CreateIntegration", {
        "ApiId": api_id, "IntegrationType": "AWS_PROXY", "IntegrationUri": backend, "PayloadFormatVersion": version,
    })["IntegrationId"]  # fmt: skip
    for key in route_keys:
        plane.call("apigatewayv2:CreateRoute", {"ApiId": api_id, "RouteKey": key, "Target": f"integrations/{integration}"})
    return api_id, integration


def test_quick_create_serves_the_payload_2_0_event_at_both_url_forms(served: Any, backend: str) -> None:
    server, plane = served
    api_id = quick_api(plane, backend)
    assert plane.call("apigatewayv2:GetApi", {"ApiId": api_id})["ApiEndpoint"] == (
        f"http://{api_id}.execute-api.localhost:{server.url.rsplit(':', 1)[1]}"
    )
    status, headers, data = request(server, "GET", f"/_aws/execute-api/{api_id}/items/42?a=1&a=2&b=x%20y",
                                    headers=[("Cookie", "c1=v1; c2=v2"), ("X-Multi", "v1"), ("X-Multi", "v2")])  # fmt: skip
    assert status == 200, data
    event = event_of(data)
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/items/42" and event["rawQueryString"] == "a=1&a=2&b=x%20y"
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert event["headers"]["x-multi"] == "v1,v2" and "cookie" not in event["headers"]
    assert all(name == name.lower() for name in event["headers"])
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y"}
    assert event["isBase64Encoded"] is False and "body" not in event
    for absent in ("pathParameters", "stageVariables"):  # HTTP APIs leave empty ones out
        assert absent not in event
    context = event["requestContext"]
    assert context["accountId"] == ACCOUNT and context["apiId"] == api_id and context["stage"] == "$default"
    assert context["routeKey"] == "$default" and context["domainPrefix"] == api_id
    assert context["http"] == {"method": "GET", "path": "/items/42", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                               "userAgent": ""}  # fmt: skip
    assert len(context["requestId"]) == 36 and isinstance(context["timeEpoch"], int)
    assert headers["set-cookie"] == "k=v; Max-Age=60"
    # serve's request log (written once the response is sent): the request's line, then what the function printed
    line = rf"GET /_aws/execute-api/{api_id}/items/42 200 [\d.]+ ms backend:\$LATEST (warm|cold)"
    log = wait_until(lambda: re.search(line, text := server.log.read_text()) and text, what="the request line")
    assert "  backend | handled /items/42" in log
    # the host form answers the same API
    status, _, data = request(server, "POST", "/upload", body=b"\x89PNG\x00\xff",
                              headers=[("Host", f"{api_id}.execute-api.localhost"), ("Content-Type", "image/png")])  # fmt: skip
    event = event_of(data)
    assert status == 200 and event["requestContext"]["http"]["method"] == "POST"
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x89PNG\x00\xff"


def test_a_function_without_permission_for_api_gateway_is_500_until_add_permission(served: Any) -> None:
    server, plane = served
    arn = function(plane, "unpermitted", permit=False)
    api_id = quick_api(plane, arn)
    status, _, data = request(server, "GET", f"/_aws/execute-api/{api_id}/x")
    assert (status, json.loads(data)) == (500, {"message": "Internal Server Error"})
    plane.call("AddPermission", {
        "FunctionName": "unpermitted", "StatementId": "apigw", "Action": "lambda:InvokeFunction",
        "Principal": "apigateway.amazonaws.com", "SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/$default",
    })  # fmt: skip
    assert request(server, "GET", f"/_aws/execute-api/{api_id}/x")[0] == 200


def test_route_precedence_literals_then_params_then_greedy_then_default(served: Any, backend: str) -> None:
    server, plane = served
    api_id, _ = api_with_routes(plane, backend, "GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}",
                                "ANY /{proxy+}")  # fmt: skip
    plane.call("apigatewayv2:CreateStage", {"ApiId": api_id, "StageName": "$default", "AutoDeploy": True})

    def routed(method: str, path: str) -> tuple[str, Any]:
        status, _, data = request(server, method, f"/_aws/execute-api/{api_id}{path}")
        assert status == 200, data
        event = event_of(data)
        return event["routeKey"], event.get("pathParameters")

    assert routed("GET", "/pets/dog/1") == ("GET /pets/dog/1", None)
    assert routed("GET", "/pets/dog/2") == ("GET /pets/dog/{id}", {"id": "2"})
    assert routed("GET", "/pets/cat/1") == ("GET /pets/{proxy+}", {"proxy": "cat/1"})
    assert routed("POST", "/test/5") == ("ANY /{proxy+}", {"proxy": "test/5"})
    status, _, data = request(server, "GET", f"/_aws/execute-api/{api_id}/")
    assert (status, json.loads(data)) == (404, {"message": "Not Found"})


def test_a_named_stage_serves_its_deployment_with_stage_variables(served: Any, backend: str) -> None:
    server, plane = served
    api_id, integration = api_with_routes(plane, backend, "GET /items/{id}")
    deployment = plane.call("apigatewayv2:CreateDeployment", {"ApiId": api_id})["DeploymentId"]
    plane.call("apigatewayv2:CreateStage", {"ApiId": api_id, "StageName": "dev", "DeploymentId": deployment,
                                            "StageVariables": {"color": "blue"}})  # fmt: skip
    plane.call("apigatewayv2:CreateRoute", {"ApiId": api_id, "RouteKey": "GET /later", "Target": f"integrations/{integration}"})
    status, _, data = request(server, "GET", f"/_aws/execute-api/{api_id}/dev/items/7")
    event = event_of(data)
    assert status == 200 and event["stageVariables"] == {"color": "blue"}
    assert event["requestContext"]["stage"] == "dev" and event["rawPath"] == "/dev/items/7"
    assert event["pathParameters"] == {"id": "7"}
    assert request(server, "GET", f"/_aws/execute-api/{api_id}/dev/later")[0] == 404  # not deployed yet
    plane.call("apigatewayv2:CreateDeployment", {"ApiId": api_id, "StageName": "dev"})
    assert request(server, "GET", f"/_aws/execute-api/{api_id}/dev/later")[0] == 200
    assert request(server, "GET", f"/_aws/execute-api/{api_id}/items/7")[0] == 404  # no $default stage


def test_payload_1_0_integration_event(served: Any, backend: str) -> None:
    server, plane = served
    api_id, _ = api_with_routes(plane, backend, "ANY /things/{id}", version="1.0")
    plane.call("apigatewayv2:CreateStage", {"ApiId": api_id, "StageName": "$default", "AutoDeploy": True})
    status, _, data = request(server, "PUT", f"/_aws/execute-api/{api_id}/things/9?p=10&p=20", body=b"hi",
                              headers=[("X-Case", "One"), ("X-Case", "Two"), ("Content-Type", "text/plain")])  # fmt: skip
    assert status == 200, data
    event = event_of(data)
    assert event["version"] == "1.0" and event["resource"] == "/things/{id}" and event["path"] == "/things/9"
    assert event["httpMethod"] == "PUT" and event["pathParameters"] == {"id": "9"}
    assert event["headers"]["X-Case"] == "Two" and event["multiValueHeaders"]["X-Case"] == ["One", "Two"]
    assert event["queryStringParameters"] == {"p": "20"} and event["multiValueQueryStringParameters"] == {"p": ["10", "20"]}
    assert event["stageVariables"] is None and event["body"] == "hi" and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["httpMethod"] == "PUT" and context["stage"] == "$default" and context["identity"]["sourceIp"] == "127.0.0.1"


def test_response_mapping_and_gateway_errors(served: Any, backend: str) -> None:
    server, plane = served
    api_id = quick_api(plane, backend)
    base = f"/_aws/execute-api/{api_id}"
    status, headers, data = request(server, "GET", f"{base}/plain")
    # a returned string is the body as its text: the HTTP API docs' "Hello from Lambda!" example, and what
    # function URLs answer as recorded (LocalStack's test_lambda.snapshot.json, test_lambda_url_invocation[string])
    assert (status, headers["content-type"], data) == (200, "application/json", b"Hello from Lambda!")
    status, headers, data = request(server, "GET", f"{base}/binary")
    assert (status, headers["content-type"], data) == (200, "image/png", b"\x89PNG\x00\xff")
    for failing in ("fail", "malformed", "inject"):
        status, _, data = request(server, "GET", f"{base}/{failing}")
        assert (status, json.loads(data)) == (500, {"message": "Internal Server Error"}), failing
    status, _, data = request(server, "POST", f"{base}/big", body=b"x" * (10 * 1024 * 1024 + 1))
    assert (status, json.loads(data)) == (413, {"message": "Request Entity Too Large"})
    assert request(server, "GET", f"{base}/still-serving")[0] == 200


def test_integration_timeout_answers_503_and_the_server_keeps_serving(served: Any, backend: str) -> None:
    server, plane = served
    api_id, integration = api_with_routes(plane, backend, "$default")
    plane.call("apigatewayv2:UpdateIntegration", {"ApiId": api_id, "IntegrationId": integration, "TimeoutInMillis": 200})
    plane.call("apigatewayv2:CreateStage", {"ApiId": api_id, "StageName": "$default", "AutoDeploy": True})
    status, _, data = request(server, "GET", f"/_aws/execute-api/{api_id}/sleep")
    assert (status, json.loads(data)) == (503, {"message": "Service Unavailable"})
    # the sleeper still holds its environment: another one starts, within the default 30 s
    assert request(server, "GET", f"/_aws/execute-api/{quick_api(plane, backend)}/ok")[0] == 200


def test_cors_preflight_is_answered_by_the_gateway_and_its_headers_replace_the_functions(served: Any, backend: str) -> None:
    server, plane = served
    cors = {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["x-custom"],
            "ExposeHeaders": ["x-echo"], "MaxAge": 300, "AllowCredentials": True}  # fmt: skip
    api_id, _ = api_with_routes(plane, backend, "GET /data", CorsConfiguration=cors)
    plane.call("apigatewayv2:CreateStage", {"ApiId": api_id, "StageName": "$default", "AutoDeploy": True})
    status, headers, data = request(server, "OPTIONS", f"/_aws/execute-api/{api_id}/data", headers=[
        ("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")])  # fmt: skip
    assert status == 204 and data == b""
    assert headers["access-control-allow-origin"] == "https://app.example"
    assert headers["access-control-allow-methods"] == "GET, POST" and headers["access-control-max-age"] == "300"
    status, headers, _ = request(server, "GET", f"/_aws/execute-api/{api_id}/data", headers=[("Origin", "https://app.example")])
    assert status == 200 and headers["access-control-allow-origin"] == "https://app.example"
    assert headers["access-control-expose-headers"] == "x-echo"


@pytest.fixture(scope="module")
def authorizers(served: Any) -> dict[str, str]:
    plane = served[1]
    return {"policy": function(plane, "authz-policy", AUTHORIZER),
            "simple": function(plane, "authz-simple", AUTHORIZER, Environment={"Variables": {"SIMPLE": "1"}})}  # fmt: skip


def authorized_api(plane: Any, backend: str, authorizer_arn: str, *, simple: bool, ttl: int) -> str:
    api_id, integration = api_with_routes(plane, backend)
    authorizer = plane.call("apigatewayv2:CreateAuthorizer", {
        "ApiId": api_id, "Name": "auth", "AuthorizerType": "REQUEST", "AuthorizerUri": authorizer_arn,
        "AuthorizerPayloadFormatVersion": "2.0", "EnableSimpleResponses": simple,
        "IdentitySource": ["$request.header.Authorization"], "AuthorizerResultTtlInSeconds": ttl,
    })["AuthorizerId"]  # fmt: skip
    plane.call("apigatewayv2:CreateRoute", {"ApiId": api_id, "RouteKey": "GET /secret", "AuthorizationType": "CUSTOM",
                                            "AuthorizerId": authorizer, "Target": f"integrations/{integration}"})  # fmt: skip
    plane.call("apigatewayv2:CreateStage", {"ApiId": api_id, "StageName": "$default", "AutoDeploy": True})
    return api_id


def test_simple_response_authorizer_allows_denies_and_caches(served: Any, backend: str, authorizers: dict[str, str]) -> None:
    server, plane = served
    api_id = authorized_api(plane, backend, authorizers["simple"], simple=True, ttl=300)
    path = f"/_aws/execute-api/{api_id}/secret"

    def call(token: str | None) -> tuple[int, Any]:
        status, _, data = request(server, "GET", path, headers=[("Authorization", token)] if token else [])
        return status, json.loads(data)

    assert call(None) == (401, {"message": "Unauthorized"})
    assert call("deny") == (403, {"message": "Forbidden"})
    status, event = call("allow")
    assert status == 200
    lambda_context = event["requestContext"]["authorizer"]["lambda"]
    assert lambda_context["user"] == "u1" and lambda_context["nested"] == {"a": 1}
    assert call("allow")[1]["requestContext"]["authorizer"]["lambda"]["calls"] == lambda_context["calls"]  # cached
    assert call("throw") == (500, {"message": "Internal Server Error"})
    assert call("unauthorized") == (401, {"message": "Unauthorized"})


def test_iam_policy_authorizer_without_cache_is_called_each_time(served: Any, backend: str, authorizers: dict[str, str]) -> None:
    server, plane = served
    api_id = authorized_api(plane, backend, authorizers["policy"], simple=False, ttl=0)
    path = f"/_aws/execute-api/{api_id}/secret"
    first = json.loads(request(server, "GET", path, headers=[("Authorization", "allow")])[2])
    second = json.loads(request(server, "GET", path, headers=[("Authorization", "allow")])[2])
    assert first["requestContext"]["authorizer"]["lambda"]["principalId"] == "user-1"
    assert first["requestContext"]["authorizer"]["lambda"]["admin"] is True
    assert second["requestContext"]["authorizer"]["lambda"]["calls"] > first["requestContext"]["authorizer"]["lambda"]["calls"]
    status, _, data = request(server, "GET", path, headers=[("Authorization", "deny")])
    assert (status, json.loads(data)) == (403, {"message": "Forbidden"})
    status, _, data = request(server, "GET", path, headers=[("Authorization", "garbage")])
    assert (status, json.loads(data)) == (500, {"message": "Internal Server Error"})


def test_boto3_and_the_aws_cli_manage_http_apis_through_serve(served: Any, backend: str) -> None:
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import boto3
    from botocore.config import Config

    server, _ = served
    client = boto3.client("apigatewayv2", endpoint_url=server.url, region_name=REGION, aws_access_key_id="test",
                          aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))  # fmt: skip
    api = client.create_api(Name="sdk", ProtocolType="HTTP", CorsConfiguration={"AllowOrigins": ["*"]})
    integration = client.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY", IntegrationUri=backend,
                                            PayloadFormatVersion="2.0")  # fmt: skip
    route = client.create_route(ApiId=api["ApiId"], RouteKey="GET /sdk/{id}", Target=f"integrations/{integration['IntegrationId']}")
    client.create_stage(ApiId=api["ApiId"], StageName="live", AutoDeploy=True, StageVariables={"v": "1"})
    assert client.get_route(ApiId=api["ApiId"], RouteId=route["RouteId"])["RouteKey"] == "GET /sdk/{id}"
    assert client.get_api(ApiId=api["ApiId"])["CorsConfiguration"] == {"AllowOrigins": ["*"]}
    status, _, data = request(server, "GET", f"/_aws/execute-api/{api['ApiId']}/live/sdk/5")
    assert status == 200 and event_of(data)["stageVariables"] == {"v": "1"}
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_api(ApiId="missing")
    with pytest.raises(client.exceptions.BadRequestException):
        client.create_route(ApiId=api["ApiId"], RouteKey="FETCH /x")
    aws = Path(sys.executable).with_name("aws")
    aws_path = str(aws) if aws.exists() else shutil.which("aws")
    if aws_path:  # the aws CLI v1 against serve, as --endpoint-url users run it
        env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": REGION, "PATH": "/usr/bin:/bin"}
        done = subprocess.run([aws_path, "apigatewayv2", "get-routes", "--api-id", api["ApiId"], "--endpoint-url", server.url],
                              capture_output=True, text=True, env=env, timeout=60, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert [r["RouteKey"] for r in json.loads(done.stdout)["Items"]] == ["GET /sdk/{id}"]
