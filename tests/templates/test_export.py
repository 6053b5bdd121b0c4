"""`lambdactl export`: the state directory as a SAM template that cfn-lint accepts and deploy recreates."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import CLI
from templates.test_deploy import write_app

COMPARED = ("FunctionName", "Handler", "Runtime", "MemorySize", "Timeout", "Environment", "CodeSha256", "Architectures",
            "PackageType")  # fmt: skip


def snapshot(cli: CLI) -> dict:
    functions = sorted(f["FunctionName"] for f in cli("list-functions").json["Functions"])
    return {
        "functions": {name: {k: v for k, v in cli("get-function-configuration", "--function-name", name).json.items()
                             if k in COMPARED} for name in functions},
        "aliases": {name: [a["Name"] for a in cli("list-aliases", "--function-name", name).json["Aliases"]] for name in functions},
        "queues": cli("sqs", "list-queues", "--query", "QueueUrls").json,
        "buckets": cli("s3api", "list-buckets", "--query", "Buckets[].Name").json,
        "notifications": cli("s3api", "get-bucket-notification-configuration", "--bucket", "app-uploads",
                             "--query", "LambdaFunctionConfigurations[].[LambdaFunctionArn, Events]").json,
        "mappings": sorted((re.sub(r"/stream/.*", "/stream/<label>", m["EventSourceArn"]), m["FunctionArn"], m["BatchSize"])
                           for m in cli("list-event-source-mappings").json["EventSourceMappings"]),  # a new table's stream: a new label
        "urls": {name: [(c["FunctionArn"], c["AuthType"]) for c in cli("list-function-url-configs", "--function-name", name).json[
            "FunctionUrlConfigs"]] for name in functions},
        "streams": cli("dynamodbstreams", "list-streams", "--query", "Streams[].TableName").json,
        "rules": cli("events", "list-rules", "--query", "Rules[].[Name, ScheduleExpression, State]").json,
        "targets": cli("events", "list-targets-by-rule", "--rule", "app-WorkerNightly", "--query", "Targets[].Arn").json,
        "routes": cli("apigatewayv2", "get-routes", "--api-id",
                      cli("apigatewayv2", "get-apis", "--query", "Items[0].ApiId", "--output", "text").stdout.strip(),
                      "--query", "Items[].RouteKey").json,
        "rest": rest_apis(cli),
        "reserved": {name: cli("get-function", "--function-name", name).json.get("Concurrency") for name in functions},
        "invoke_configs": {name: [{k: v for k, v in c.items() if k != "LastModified"} for c in cli(
            "list-function-event-invoke-configs", "--function-name", name).json["FunctionEventInvokeConfigs"]]
            for name in functions},
        "provisioned": {name: [(c["FunctionArn"], c["RequestedProvisionedConcurrentExecutions"]) for c in cli(
            "list-provisioned-concurrency-configs", "--function-name", name).json["ProvisionedConcurrencyConfigs"]]
            for name in functions},
    }


REST = """
Transform: AWS::Serverless-2016-10-31
Resources:
  ItemsApi:
    Type: AWS::Serverless::Api
    Properties:
      Name: items
      StageName: dev
      Auth:
        Authorizers:
          TokenAuth:
            FunctionArn: !GetAtt Auth.Arn
  Auth:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: rest-auth
      CodeUri: src/rest
      Handler: app.handler
      Runtime: python3.12
  Items:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: rest-items
      CodeUri: src/rest
      Handler: app.handler
      Runtime: python3.12
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref ItemsApi
            Path: /items/{id}
            Method: get
            Auth:
              Authorizer: TokenAuth
        Post:
          Type: Api
          Properties:
            RestApiId: !Ref ItemsApi
            Path: /items
            Method: post
"""


STREAMS = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: orders
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification:
        StreamViewType: NEW_IMAGE
  OnOrder:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: on-order
      CodeUri: src/worker
      Handler: app.handler
      Runtime: python3.12
      AutoPublishAlias: live
      FunctionUrlConfig:
        AuthType: NONE
      Events:
        Stream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Orders.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 3
"""


def rest_apis(cli: CLI) -> list:
    """Each REST API: name, stages, and its methods (path, method, authorization, authorizer's name, function,
    and for a MOCK one, the parameters of its 200 integration response)."""
    out = []
    for api in cli("apigateway", "get-rest-apis").json["items"]:
        rest = ("--rest-api-id", api["id"])
        authorizers = {a["id"]: (a["name"], a["type"], a.get("identitySource"))
                       for a in cli("apigateway", "get-authorizers", *rest).json["items"]}
        methods = []
        for resource in cli("apigateway", "get-resources", *rest).json["items"]:
            for method in resource.get("resourceMethods") or {}:
                got = cli("apigateway", "get-method", *rest, "--resource-id", resource["id"], "--http-method", method).json
                integration = got["methodIntegration"]
                mocked = ((integration.get("integrationResponses") or {}).get("200") or {}).get("responseParameters") or {}
                methods.append((resource["path"], method, got["authorizationType"], authorizers.get(got.get("authorizerId"), [None])[0],
                                integration.get("uri"), sorted(mocked.items())))
        out.append((api["name"], sorted(s["stageName"] for s in cli("apigateway", "get-stages", *rest).json["item"]),
                    sorted(authorizers.values()), sorted(methods)))
    return out


def deploy_with_settings(cli, root: Path) -> dict:
    """The sample app, plus concurrency and an invoke config set by hand (export must carry them)."""
    write_app(root)
    cli("deploy", "--stack-name", "app")
    (root / "rest.yaml").write_text(REST)
    cli("deploy", "--template", "rest.yaml", "--stack-name", "rest")
    (root / "streams.yaml").write_text(STREAMS)
    cli("deploy", "--template", "streams.yaml", "--stack-name", "streams")
    jobs = cli("sqs", "get-queue-attributes", "--queue-url", cli("sqs", "get-queue-url", "--queue-name", "app-Jobs").json[
        "QueueUrl"], "--attribute-names", "QueueArn").json["Attributes"]["QueueArn"]
    cli("put-function-event-invoke-config", "--function-name", "app-Worker", "--maximum-retry-attempts", "1",
        "--destination-config", f'{{"OnFailure": {{"Destination": "{jobs}"}}}}')
    cli("put-function-concurrency", "--function-name", "app-Worker", "--reserved-concurrent-executions", "7")
    cli("put-function-event-invoke-config", "--function-name", "app-Web", "--qualifier", "live", "--maximum-retry-attempts", "0")
    cli("put-provisioned-concurrency-config", "--function-name", "app-Web", "--qualifier", "live",
        "--provisioned-concurrent-executions", "1")
    before = snapshot(cli)
    assert ("arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/<label>",
            "arn:aws:lambda:us-east-1:123456789012:function:on-order:live", 3) in before["mappings"]
    assert before["urls"]["on-order"] == [("arn:aws:lambda:us-east-1:123456789012:function:on-order:live", "NONE")]
    assert before["mappings"] and before["notifications"] and before["rules"] and before["routes"] == ["GET /hello"]
    assert before["invoke_configs"]["app-Worker"] and before["provisioned"]["app-Web"] and before["reserved"]["app-Worker"]
    [(name, stages, authorizers, methods)] = before["rest"]
    assert (name, stages, authorizers) == ("items", ["dev"], [("TokenAuth", "TOKEN", "method.request.header.Authorization")])
    assert [m[:4] for m in methods] == [("/items", "POST", "NONE", None), ("/items/{id}", "GET", "CUSTOM", "TokenAuth")]
    return before


@pytest.mark.slow
def test_export_lints_clean_and_deploys_to_the_same_state(cli, tmp_path: Path) -> None:
    before = deploy_with_settings(cli, tmp_path)

    cli("export", "--output-dir", "out")
    template = tmp_path / "out/template.yaml"
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), str(template)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr

    exported = yaml.safe_load(template.read_text())["Resources"]
    [table] = [body["Properties"] for body in exported.values() if body["Type"] == "AWS::DynamoDB::Table"]
    assert table["TableName"] == "orders" and table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    fresh = CLI(tmp_path / "fresh-state", tmp_path / "out")
    fresh("deploy", "--stack-name", "moved")
    assert snapshot(fresh) == before
    assert json.loads(fresh("deploy", "--stack-name", "moved", "--output", "json").stdout or "{}") == {}


@pytest.mark.slow
def test_cloudformation_export_lints_without_errors_and_deploys_to_the_same_state(cli, tmp_path: Path) -> None:
    before = deploy_with_settings(cli, tmp_path)
    cli("export", "--format", "cloudformation", "--output-dir", "cfn")
    template = yaml.safe_load((tmp_path / "cfn/template.yaml").read_text())
    assert "Transform" not in template
    kinds = {body["Type"] for body in template["Resources"].values()}
    assert {"AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::Permission",
            "AWS::Lambda::EventSourceMapping", "AWS::Lambda::EventInvokeConfig", "AWS::SQS::Queue", "AWS::S3::Bucket",
            "AWS::Events::Rule", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Route", "AWS::IAM::Role",
            "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Method", "AWS::ApiGateway::Authorizer", "AWS::ApiGateway::Stage"} <= kinds
    assert not any(kind.startswith("AWS::Serverless::") for kind in kinds)
    worker = next(body for body in template["Resources"].values()
                  if body["Type"] == "AWS::Lambda::Function" and body["Properties"]["FunctionName"] == "app-Worker")
    assert worker["Properties"]["Code"] == "code/app-Worker.zip"  # what aws cloudformation package uploads
    assert (tmp_path / "cfn" / worker["Properties"]["Code"]).is_file()
    [web_config] = [body for body in template["Resources"].values() if body["Type"] == "AWS::Lambda::EventInvokeConfig"
                    and body["Properties"].get("Qualifier") == "live"]
    assert [template["Resources"][lid]["Type"] for lid in web_config["DependsOn"]] == ["AWS::Lambda::Alias"]  # as SAM's
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), str(tmp_path / "cfn/template.yaml")],
                          capture_output=True, text=True)
    assert lint.returncode & 2 == 0, lint.stdout + lint.stderr  # bit 2: errors; W3002 (package's local paths) is expected
    assert not re.search(r"^E\d", lint.stdout, re.M), lint.stdout

    fresh = CLI(tmp_path / "fresh-state", tmp_path / "cfn")
    fresh("deploy", "--stack-name", "moved")
    assert snapshot(fresh) == before
    again = json.loads(fresh("deploy", "--stack-name", "moved", "--output", "json").stdout or "{}")
    assert {c["Action"] for c in again.get("Changes", [])} <= {"Skip (not run locally)"}


@pytest.mark.parametrize("target", ["a-file", "/proc/nope"])
def test_export_to_a_path_that_is_no_folder_fails_in_one_line(cli, tmp_path: Path, target: str) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    result = cli("export", "--output-dir", target, rc=255)
    assert result.stderr.strip().startswith(f"Cannot write the export to {target}: [Errno ")
    assert len(result.stderr.strip().splitlines()) == 1 and "Error:" not in result.stderr
    assert (tmp_path / "a-file").read_text() == "not a folder"
