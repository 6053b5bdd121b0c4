"""SAM's own API resources: `AWS::Serverless::Api` and `AWS::Serverless::HttpApi` that functions' events name
(`RestApiId`/`ApiId`), with their stage, CORS and Lambda authorizers, served for real; `SimpleTable` is skipped
with its reason. Shapes as in SAM's translator inputs (api_with_auth_all_minimum, http_api_lambda_auth)."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from templates.test_deploy import changes

APP = '''
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"path": event.get("path") or event.get("rawPath"),
                                                   "stage": event["requestContext"]["stage"]})}
'''
AUTH = '''
def handler(event, context):
    if event.get("type") == "TOKEN":  # REST TOKEN authorizer: a policy
        effect = "Allow" if event["authorizationToken"] == "let-me-in" else "Deny"
        return {"principalId": "user", "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
    return {"isAuthorized": event["headers"].get("authorization") == "let-me-in"}  # HTTP API simple response
'''
TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Auth:
        DefaultAuthorizer: MyLambdaTokenAuth
        Authorizers:
          MyLambdaTokenAuth:
            FunctionArn: !GetAtt MyAuthFn.Arn
  MyHttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: [https://example.com]
        AllowMethods: [GET]
      Auth:
        DefaultAuthorizer: LambdaAuth
        Authorizers:
          LambdaAuth:
            FunctionArn: !GetAtt MyAuthFn.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              Headers: [Authorization]
  MyAuthFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: auth
  MyFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: app
      Events:
        LambdaToken:
          Type: Api
          Properties:
            RestApiId: !Ref MyApi
            Method: get
            Path: /lambda-token
        Open:
          Type: Api
          Properties:
            RestApiId: !Ref MyApi
            Method: get
            Path: /open
            Auth:
              Authorizer: NONE
        Hello:
          Type: HttpApi
          Properties:
            ApiId: !Ref MyHttpApi
            Method: get
            Path: /hello
  Table:
    Type: AWS::Serverless::SimpleTable
"""


def request(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return request_method("GET", url, **headers)


@pytest.mark.slow
def test_explicit_apis_with_stage_cors_and_authorizers_answer_through_serve(cli, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from serving import start_server

    for folder, code in (("app", APP), ("auth", AUTH)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "app.py").write_text(code)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    result = cli("deploy", "--stack-name", "apis", "--output", "json")
    plan = {c["LogicalResourceId"]: c for c in json.loads(result.stdout)["Changes"]}
    assert plan["Table"]["Action"] == "Skip (not run locally)" and "no DynamoDB here" in plan["Table"]["Reason"]
    assert "Table (AWS::Serverless::SimpleTable): no DynamoDB here" in result.stderr
    assert {lid: c["Action"] for lid, c in plan.items() if c["Action"] != "Skip (not run locally)"} == {
        "MyApi": "Add", "MyApiMyLambdaTokenAuthAuthorizerPermission": "Add", "MyHttpApi": "Add",
        "MyHttpApiLambdaAuthAuthorizerPermission": "Add", "MyAuthFn": "Add", "MyFn": "Add",
        "MyFnLambdaTokenPermission": "Add", "MyFnOpenPermission": "Add", "MyFnHelloPermission": "Add"}
    rest = plan["MyApi"]["PhysicalResourceId"]
    http = plan["MyHttpApi"]["PhysicalResourceId"]
    assert cli("apigateway", "get-stages", "--rest-api-id", rest, "--query", "item[].stageName").json == ["dev"]
    assert cli("apigatewayv2", "get-api", "--api-id", http, "--query", "CorsConfiguration.AllowOrigins").json == [
        "https://example.com"]
    assert changes(cli("deploy", "--stack-name", "apis", "--output", "json")) == {"Table": "Skip (not run locally)"}

    server = start_server(cli.state_dir, tmp_path / "serve.log")
    try:
        base = f"{server.url}/_aws/execute-api"
        status, _, body = request(f"{base}/{rest}/dev/lambda-token", Authorization="let-me-in")
        assert (status, json.loads(body)) == (200, {"path": "/lambda-token", "stage": "dev"})
        assert request(f"{base}/{rest}/dev/lambda-token", Authorization="nope")[0] == 403
        assert request(f"{base}/{rest}/dev/lambda-token")[0] == 401
        assert request(f"{base}/{rest}/dev/open")[0] == 200  # Auth: Authorizer: NONE

        status, headers, body = request(f"{base}/{http}/hello", Authorization="let-me-in", Origin="https://example.com")
        assert (status, json.loads(body)["path"]) == (200, "/hello")
        assert headers.get("access-control-allow-origin") == "https://example.com"
        assert request(f"{base}/{http}/hello", Authorization="nope")[0] == 403
    finally:
        server.stop()


def test_api_event_must_name_an_api_of_the_template(cli, tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app/app.py").write_text(APP)
    bad = TEMPLATE.replace("RestApiId: !Ref MyApi\n            Method: get\n            Path: /open",
                           "RestApiId: !Ref MyHttpApi\n            Method: get\n            Path: /open")
    (tmp_path / "template.yaml").write_text(bad)
    failed = cli("deploy", "--stack-name", "apis", rc=255)
    assert "Event Open of MyFn: RestApiId must be a !Ref to an AWS::Serverless::Api of this template" in failed.stderr
    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("      StageName: dev\n", ""))
    assert "MyApi: property StageName is required" in cli("deploy", "--stack-name", "apis", rc=255).stderr


def http_apis(cli) -> list:
    """Each HTTP API: name, CORS, stages, authorizers and routes (key, authorization, authorizer's name)."""
    out = []
    for api in cli("apigatewayv2", "get-apis").json["Items"]:
        api_id = ("--api-id", api["ApiId"])
        authorizers = {a["AuthorizerId"]: (a["Name"], a["AuthorizerType"], a["AuthorizerPayloadFormatVersion"],
                                           a.get("EnableSimpleResponses"), a.get("IdentitySource"))
                       for a in cli("apigatewayv2", "get-authorizers", *api_id).json["Items"]}
        routes = sorted((r["RouteKey"], r.get("AuthorizationType"), authorizers.get(r.get("AuthorizerId"), [None])[0])
                        for r in cli("apigatewayv2", "get-routes", *api_id).json["Items"])
        stages = sorted(s["StageName"] for s in cli("apigatewayv2", "get-stages", *api_id).json["Items"])
        out.append((api["Name"], api.get("CorsConfiguration"), stages, sorted(authorizers.values()), routes))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sam", "cloudformation"])
def test_explicit_apis_survive_export_and_redeploy(cli, tmp_path: Path, dialect: str) -> None:
    from tests.conftest import CLI
    from templates.test_export import rest_apis

    for folder, code in (("app", APP), ("auth", AUTH)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "app.py").write_text(code)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    cli("deploy", "--stack-name", "apis")
    before = (http_apis(cli), rest_apis(cli))
    [(_, cors, stages, authorizers, routes)] = before[0]
    assert cors["AllowOrigins"] == ["https://example.com"] and stages == ["$default"]
    assert [a[:2] for a in authorizers] == [("LambdaAuth", "REQUEST")] and routes == [("GET /hello", "CUSTOM", "LambdaAuth")]

    cli("export", "--format", dialect, "--output-dir", "out")
    fresh = CLI(tmp_path / "fresh-state", tmp_path / "out")
    fresh("deploy", "--stack-name", "moved")
    assert (http_apis(fresh), rest_apis(fresh)) == before


CORS_APP = '''
import json
def handler(event, context):
    return {"statusCode": 200, "headers": {"X-From": "fn"}, "body": json.dumps({"path": event["path"]})}
'''
CORS_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
    CodeUri: app
  Api:
    Cors: "'*'"
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Cors:
        AllowOrigin: %s
        AllowHeaders: "'Content-Type,Authorization'"
        MaxAge: "'600'"
        AllowCredentials: true
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref MyApi, Path: /items, Method: get}
        Post:
          Type: Api
          Properties: {RestApiId: !Ref MyApi, Path: /items, Method: post}
        Any:
          Type: Api
          Properties: {RestApiId: !Ref MyApi, Path: /any, Method: any}
        Implicit:
          Type: Api
          Properties: {Path: /hello, Method: get}
"""


def cors_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.startswith("access-control-")}


@pytest.mark.slow
def test_rest_api_cors_answers_preflights_as_sams_mock_options_methods(cli, tmp_path: Path) -> None:
    """SAM's ``Cors`` on a REST API (and ``Globals: Api: Cors`` on the implicit one) adds to each path an OPTIONS
    method whose MOCK integration answers 200 with the configured headers, whatever the request's Origin; the
    functions' own responses pass as they are (SAM's add_cors: proxy responses are the function's to set)."""
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from serving import start_server

    (tmp_path / "app").mkdir()
    (tmp_path / "app/app.py").write_text(CORS_APP)
    (tmp_path / "template.yaml").write_text(CORS_TEMPLATE % "\"'https://example.com'\"")
    plan = {c["LogicalResourceId"]: c for c in json.loads(cli("deploy", "--stack-name", "cors", "--output", "json").stdout)["Changes"]}
    rest, implicit = plan["MyApi"]["PhysicalResourceId"], plan["ServerlessRestApi"]["PhysicalResourceId"]
    items = next(r["id"] for r in cli("apigateway", "get-resources", "--rest-api-id", rest).json["items"] if r["path"] == "/items")
    options = cli("apigateway", "get-method", "--rest-api-id", rest, "--resource-id", items, "--http-method", "OPTIONS").json
    assert options["methodIntegration"]["type"] == "MOCK"
    assert options["methodIntegration"]["integrationResponses"]["200"]["responseParameters"][
        "method.response.header.Access-Control-Allow-Origin"] == "'https://example.com'"

    server = start_server(cli.state_dir, tmp_path / "serve.log")
    try:
        base = f"{server.url}/_aws/execute-api"
        preflight = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}
        status, headers, body = request_method("OPTIONS", f"{base}/{rest}/dev/items", **preflight)
        assert (status, body, headers["content-type"]) == (200, b"{}\n", "application/json")
        assert cors_headers(headers) == {
            "access-control-allow-origin": "https://example.com", "access-control-allow-headers": "Content-Type,Authorization",
            "access-control-allow-methods": "GET,OPTIONS,POST", "access-control-max-age": "600",
            "access-control-allow-credentials": "true"}
        status, headers, _ = request_method("OPTIONS", f"{base}/{rest}/dev/any")
        assert (status, headers["access-control-allow-methods"]) == (200, "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT")
        status, headers, _ = request_method("OPTIONS", f"{base}/{implicit}/Prod/hello", **preflight)
        assert (status, cors_headers(headers)) == (200, {"access-control-allow-origin": "*",
                                                          "access-control-allow-methods": "GET,OPTIONS"})
        status, headers, body = request(f"{base}/{rest}/dev/items", Origin="https://example.com")
        assert (status, json.loads(body), headers["x-from"]) == (200, {"path": "/items"}, "fn")
        assert cors_headers(headers) == {}
    finally:
        server.stop()

    apis = cli("apigateway", "get-rest-apis", "--query", "sort(items[].id)").json
    (tmp_path / "template.yaml").write_text(CORS_TEMPLATE % "https://example.com")  # not a quoted literal: API Gateway refuses it
    failed = cli("deploy", "--stack-name", "cors", rc=255)
    assert ("resource MyApi (AWS::ApiGateway::RestApi) failed: An error occurred (BadRequestException) when calling the "
            "PutIntegrationResponse operation: Invalid mapping expression specified: Validation Result: warnings : [], "
            "errors : [Invalid mapping expression specified: https://example.com]") in failed.stderr
    remaining = cli("apigateway", "get-rest-apis", "--query", "sort(items[].id)").json
    assert set(remaining) <= set(apis) and implicit in remaining  # the half-made API is gone, the replaced one too
    (tmp_path / "template.yaml").write_text(CORS_TEMPLATE % "\"'*'\"")
    assert cli("deploy", "--stack-name", "cors", rc=255).stderr.endswith(
        "Resource with id [MyApi] is invalid. Unable to add Cors configuration because 'AllowCredentials' can not be "
        "true when 'AllowOrigin' is \"'*'\" or not set\n")


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sam", "cloudformation"])
def test_rest_api_cors_survives_export_and_redeploy(cli, tmp_path: Path, dialect: str) -> None:
    from tests.conftest import CLI
    from templates.test_export import rest_apis

    (tmp_path / "app").mkdir()
    (tmp_path / "app/app.py").write_text(CORS_APP)
    (tmp_path / "template.yaml").write_text(CORS_TEMPLATE % "\"'https://example.com'\"")
    cli("deploy", "--stack-name", "cors")
    before = rest_apis(cli)
    preflights = sorted((path, dict(mocked)["method.response.header.Access-Control-Allow-Methods"])
                        for _, _, _, methods in before for path, method, _, _, _, mocked in methods if method == "OPTIONS")
    assert preflights == [("/any", "'DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT'"), ("/hello", "'GET,OPTIONS'"),
                          ("/items", "'GET,OPTIONS,POST'")]
    cli("export", "--format", dialect, "--output-dir", "out")
    fresh = CLI(tmp_path / "fresh-state", tmp_path / "out")
    fresh("deploy", "--stack-name", "moved")
    assert rest_apis(fresh) == before


def request_method(method: str, url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers, method=method), timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()
