"""`lambdactl deploy`: a SAM template in, every event source wired for real, idempotent redeploys."""

from __future__ import annotations

import json
import os
import re
import sys
import textwrap
from pathlib import Path

import pytest

WORKER = '''
import os
def handler(event, context):
    records = event.get("Records") or [{}]
    kind = records[0].get("eventSource") or event.get("source", "other")
    print(f"WORKER {os.environ.get('STAGE')} {kind}")
    return {"kind": kind}
'''
WEB = '''
def handler(event, context):
    return {"statusCode": 200, "body": "hello from " + event.get("rawPath", "?")}
'''
REST = '''
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"id": event["pathParameters"]["id"], "resource": event["resource"]})}
'''

TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
    Environment:
      Variables:
        STAGE: !Ref Stage
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-uploads"
  Role:
    Type: AWS::IAM::Role
    Properties: {}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/worker
      Handler: app.handler
      MemorySize: !If [IsProd, 1024, 256]
      Environment:
        Variables:
          QUEUE_URL: !Ref Jobs
          ROLE: !GetAtt Role.Arn
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
            BatchSize: 5
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
        Nightly:
          Type: Schedule
          Properties:
            Schedule: cron(0 2 * * ? *)
%(web)s
"""
WEB_FUNCTION = """
  Web:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/web
      Handler: app.handler
      AutoPublishAlias: live
      Events:
        Hello:
          Type: HttpApi
          Properties:
            Path: /hello
            Method: get
"""


def write_app(root: Path, web: bool = True) -> Path:
    (root / "src/worker").mkdir(parents=True, exist_ok=True)
    (root / "src/web").mkdir(parents=True, exist_ok=True)
    (root / "src/worker/app.py").write_text(WORKER)
    (root / "src/web/app.py").write_text(WEB)
    (root / "src/rest").mkdir(parents=True, exist_ok=True)
    (root / "src/rest/app.py").write_text(REST)
    template = root / "template.yaml"
    template.write_text(TEMPLATE % {"web": WEB_FUNCTION if web else ""})
    return template


def changes(result) -> dict[str, str]:
    return {c["LogicalResourceId"]: c["Action"] for c in json.loads(result.stdout or "{}").get("Changes", [])}


def deploy(cli, *args: str, rc: int = 0):
    return cli("deploy", "--stack-name", "app", "--output", "json", *args, rc=rc)


@pytest.mark.slow
def test_deploy_wires_sqs_s3_and_schedules_to_the_function(cli, tmp_path: Path) -> None:
    write_app(tmp_path)
    first = deploy(cli)
    actions = changes(first)
    assert actions["Role"] == "Skip (not run locally)"  # listed, never silently dropped
    assert {actions[k] for k in ("Jobs", "Uploads", "Worker", "Web", "WorkerQueue", "WorkerUploadPermission",
                                 "WorkerNightly", "WorkerNightlyPermission", "ServerlessHttpApi")} == {"Add"}
    assert "Successfully deployed stack app" in first.stderr
    config = cli("get-function-configuration", "--function-name", "app-Worker").json
    assert config["MemorySize"] == 256 and config["Timeout"] == 10
    assert config["Environment"]["Variables"]["STAGE"] == "dev"
    assert config["Environment"]["Variables"]["QUEUE_URL"].endswith("/123456789012/app-Jobs")
    assert cli("get-alias", "--function-name", "app-Web", "--name", "live").json["FunctionVersion"] == "1"

    queue = cli("sqs", "get-queue-url", "--queue-name", "app-Jobs").json["QueueUrl"]
    cli("sqs", "send-message", "--queue-url", queue, "--message-body", "job")
    (tmp_path / "f.txt").write_text("x\n")
    cli("s3", "cp", "f.txt", "s3://app-uploads/f.txt")
    assert cli("advance-clock", "--by", "1d", "--query", "Firings[].Count", "--output", "text").stdout.split() == ["1"]
    cli("drain", "--timeout", "60")
    logs = cli("logs", "tail", "/aws/lambda/app-Worker", "--format", "short").stdout
    assert sorted(re.findall(r"WORKER dev (\S+)", logs)) == ["aws.events", "aws:s3", "aws:sqs"]


@pytest.mark.slow
def test_second_deploy_is_a_no_op_and_changes_apply_in_place(cli, tmp_path: Path) -> None:
    write_app(tmp_path)
    deploy(cli)
    again = deploy(cli)
    assert changes(again) == {"Role": "Skip (not run locally)"}
    assert "No changes to deploy. Stack app is up to date" in again.stderr

    (tmp_path / "src/worker/app.py").write_text(WORKER.replace("WORKER", "WORKER2"))
    edited = changes(deploy(cli, "--parameter-overrides", "Stage=prod"))
    assert edited == {"Role": "Skip (not run locally)", "Worker": "Modify", "Web": "Modify"}  # Globals: STAGE
    assert cli("get-alias", "--function-name", "app-Web", "--name", "live").json["FunctionVersion"] == "2"
    config = cli("get-function-configuration", "--function-name", "app-Worker").json
    assert config["MemorySize"] == 1024 and config["Environment"]["Variables"]["STAGE"] == "prod"
    assert config["LastUpdateStatus"] == "Successful"
    out = cli("invoke", "--function-name", "app-Worker", "--log-type", "Tail", "--query", "LogResult",
              "--output", "text", str(tmp_path / "out.json")).stdout
    import base64

    assert "WORKER2 prod" in base64.b64decode(out).decode()


@pytest.mark.slow
def test_removing_a_function_deletes_it_and_what_it_made(cli, tmp_path: Path) -> None:
    write_app(tmp_path)
    deploy(cli)
    api = cli("apigatewayv2", "get-apis", "--query", "Items[0].ApiId", "--output", "text").stdout.strip()
    write_app(tmp_path, web=False)
    removed = changes(deploy(cli))
    assert {k: v for k, v in removed.items() if v == "Delete"} == {
        "Web": "Delete", "WebHelloPermission": "Delete", "ServerlessHttpApi": "Delete"}
    cli("get-function", "--function-name", "app-Web", rc=254)
    assert api not in cli("apigatewayv2", "get-apis").stdout
    stacks = cli("list-stacks").json["StackSummaries"]
    assert [(s["StackName"], s["StackStatus"]) for s in stacks] == [("app", "UPDATE_COMPLETE")]

    cli("delete-stack", "--stack-name", "app", "--output", "json")
    assert cli("list-functions", "--query", "Functions[].FunctionName").json == []
    assert cli("sqs", "list-queues", "--query", "QueueUrls").json in ([], None)
    assert cli("list-stacks").json == {"StackSummaries": []}


REST_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Items:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/rest
      Handler: app.handler
      Runtime: python3.12
      Events:
        Get:
          Type: Api
          Properties:
            Path: /items/{id}
            Method: get
"""


@pytest.mark.slow
def test_http_api_event_answers_through_serve(cli, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from serving import start_server
    import urllib.request

    write_app(tmp_path)
    deploy(cli)
    (tmp_path / "rest.yaml").write_text(REST_TEMPLATE)
    rest = changes(cli("deploy", "--template", "rest.yaml", "--stack-name", "rest", "--output", "json"))
    assert rest == {"Items": "Add", "ServerlessRestApi": "Add", "ItemsGetPermission": "Add"}
    api = cli("apigatewayv2", "get-apis", "--query", "Items[0].ApiId", "--output", "text").stdout.strip()
    rest_api = cli("apigateway", "get-rest-apis", "--query", "items[0].id", "--output", "text").stdout.strip()
    server = start_server(cli.state_dir, tmp_path / "serve.log")
    try:
        with urllib.request.urlopen(f"{server.url}/_aws/execute-api/{api}/hello", timeout=30) as response:
            assert response.read() == b"hello from /hello"
        with urllib.request.urlopen(f"{server.url}/_aws/execute-api/{rest_api}/Prod/items/5", timeout=30) as response:
            assert json.loads(response.read()) == {"id": "5", "resource": "/items/{id}"}
    finally:
        server.stop()


def test_parameters_sub_join_and_conditions_resolve(cli, tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code/app.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "template.json").write_text(json.dumps({
        "Transform": "AWS::Serverless-2016-10-31",
        "Parameters": {"Name": {"Type": "String"}},
        "Conditions": {"Big": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Name"}, "small"]}]}},
        "Resources": {
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": {
                "CodeUri": "code", "Handler": "app.handler", "Runtime": "python3.12",
                "FunctionName": {"Fn::Join": ["-", [{"Ref": "Name"}, {"Ref": "AWS::Region"}]]},
                "Description": {"Fn::Sub": "${AWS::StackName} in ${AWS::AccountId}"},
                "MemorySize": {"Fn::If": ["Big", 512, {"Ref": "AWS::NoValue"}]}}},
            "OnlyBig": {"Type": "AWS::SQS::Queue", "Condition": "Big"}}}))
    out = changes(cli("deploy", "--template", "template.json", "--stack-name", "s", "--output", "json",
                      "--parameter-overrides", "Name=small"))
    assert out == {"Fn": "Add"}  # the queue's condition is false
    config = cli("get-function-configuration", "--function-name", "small-us-east-1").json
    assert config["Description"] == "s in 123456789012" and config["MemorySize"] == 128


BAD_TEMPLATES = {
    "not-yaml": ("Resources: [unclosed\n", 255, "Error parsing template"),
    "unknown-type": ("Resources:\n  X:\n    Type: AWS::Nope::Thing\n", 255,
                     "Template format error: Unrecognized resource types: [AWS::Nope::Thing]"),
    "circular": ("Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt B.QueueName\n"
                 "  B:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !GetAtt A.QueueName\n", 255,
                 "Circular dependency between resources: ['A', 'B']"),
    "missing-codeuri": ("Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
                        "    Properties:\n      CodeUri: nowhere\n      Handler: a.h\n      Runtime: python3.12\n", 255,
                        "Resource F: CodeUri nowhere does not exist"),
    "no-codeuri": ("Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
                   "    Properties:\n      Handler: a.h\n      Runtime: python3.12\n", 255,
                   "Resource F: property CodeUri (or InlineCode) is required"),
    "unresolved": ("Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Missing\n", 255,
                   "Unresolved resource dependencies ['Missing']"),
}


@pytest.mark.parametrize("case", sorted(BAD_TEMPLATES))
def test_bad_templates_fail_in_one_line_and_change_nothing(cli, tmp_path: Path, case: str) -> None:
    body, rc, message = BAD_TEMPLATES[case]
    (tmp_path / "template.yaml").write_text(body)
    result = cli("deploy", "--stack-name", "bad", rc=rc)
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert cli("list-functions", "--query", "Functions").json == []
    assert cli("sqs", "list-queues", "--query", "QueueUrls").json in ([], None)


def test_bad_parameter_override_and_stack_name(cli, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    assert "is not Key=Value" in cli("deploy", "--parameter-overrides", "oops", rc=252).stderr
    assert cli("deploy", "--stack-name", "app", "--parameter-overrides", "Nope=1", rc=255).stderr == (
        "Error: Failed to create changeset for the stack: app, An error occurred (ValidationError) when calling the "
        "CreateChangeSet operation: Parameters: [Nope] do not exist in the template\n")
    assert "stackName" in cli("deploy", "--stack-name", "1bad", rc=254).stderr
    result = cli("delete-stack", "--stack-name", "never")  # as CloudFormation: deleting no stack is no error
    assert (result.stdout, result.stderr) == ("", "")


def test_delete_stack_errors_name_the_delete_stack_operation(cli, tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text("Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    cli("deploy", "--stack-name", "app")
    (tmp_path / "f").write_text("x")
    cli("s3api", "put-object", "--bucket", "app-b", "--key", "f", "--body", str(tmp_path / "f"))
    failed = cli("delete-stack", "--stack-name", "app", rc=254)
    assert failed.stderr.strip() == ("An error occurred (BucketNotEmpty) when calling the DeleteStack operation: "
                                     "The bucket you tried to delete is not empty")


def test_half_failed_deploy_reports_what_applied_and_rerun_converges(cli, tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code/app.py").write_text("def handler(e, c):\n    return 1\n")
    template = textwrap.dedent("""
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Q:
            Type: AWS::SQS::Queue
          F:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: code
              Handler: app.handler
              Runtime: %s
              Events:
                Q:
                  Type: SQS
                  Properties:
                    Queue: !GetAtt Q.Arn
        """)
    (tmp_path / "template.yaml").write_text(template % "python9.9")
    failed = cli("deploy", "--stack-name", "half", rc=255)
    # SAM CLI's line around the failed call as the aws CLI words it
    assert ("Error: Failed to create/update the stack: half, resource F (AWS::Lambda::Function) failed: An error "
            "occurred (InvalidParameterValueException) when calling the CreateFunction operation: Value python9.9") in failed.stderr
    assert "Applied before it: Q (Add)" in failed.stderr
    status = ["list-stacks", "--query", "StackSummaries[0].StackStatus", "--output", "text"]
    assert cli(*status).stdout.strip() == "CREATE_FAILED"  # its first deployment, as CloudFormation names it
    (tmp_path / "template.yaml").write_text(template % "python3.12")
    fixed = changes(cli("deploy", "--stack-name", "half", "--output", "json"))
    assert fixed == {"F": "Add", "FQ": "Add"}  # the queue was recorded: not made twice
    assert changes(cli("deploy", "--stack-name", "half", "--output", "json")) == {}
    assert cli(*status).stdout.strip() == "UPDATE_COMPLETE"
    (tmp_path / "template.yaml").write_text(template % "python9.9")
    cli("deploy", "--stack-name", "half", rc=255)
    assert cli(*status).stdout.strip() == "UPDATE_FAILED"  # a later one's failure


LAYER_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Greeting:
    Type: AWS::Serverless::LayerVersion
    Properties:
      LayerName: greeting
      ContentUri: layer
      CompatibleRuntimes: [python3.12]
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: app.handler
      Runtime: python3.12
      Layers: [!Ref Greeting]
      ReservedConcurrentExecutions: 3
      FunctionUrlConfig:
        AuthType: NONE
"""


def test_layer_versions_follow_their_content_and_functions_follow_the_layer(cli, tmp_path: Path) -> None:
    (tmp_path / "layer/python").mkdir(parents=True)
    (tmp_path / "layer/python/greeting.py").write_text("GREETING = 'one'\n")
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn/app.py").write_text("from greeting import GREETING\n\ndef handler(event, context):\n    return GREETING\n")
    (tmp_path / "template.yaml").write_text(LAYER_TEMPLATE)
    first = changes(deploy(cli))
    assert first == {"Greeting": "Add", "Hello": "Add", "HelloUrl": "Add", "HelloUrlPublicPermissions": "Add"}
    got = cli("get-function", "--function-name", "app-Hello").json
    assert got["Concurrency"] == {"ReservedConcurrentExecutions": 3}
    assert [layer["Arn"] for layer in got["Configuration"]["Layers"]] == [
        "arn:aws:lambda:us-east-1:123456789012:layer:greeting:1"]
    assert cli("get-function-url-config", "--function-name", "app-Hello").json["AuthType"] == "NONE"
    cli("invoke", "--function-name", "app-Hello", "out.json")
    assert (tmp_path / "out.json").read_text() == '"one"'

    (tmp_path / "layer/python/greeting.py").write_text("GREETING = 'two'\n")
    second = changes(deploy(cli))
    assert second == {"Greeting": "Replace", "Hello": "Modify"}
    versions = cli("list-layer-versions", "--layer-name", "greeting", "--query", "LayerVersions[].Version").json
    assert versions == [2]  # the old version is deleted, as CloudFormation does
    cli("invoke", "--function-name", "app-Hello", "out.json")
    assert (tmp_path / "out.json").read_text() == '"two"'


@pytest.mark.slow
def test_deploy_watch_picks_up_an_edit(cli, tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from serving import wait_until

    (tmp_path / "fn").mkdir()
    (tmp_path / "fn/app.py").write_text("def handler(event, context):\n    return 'before'\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: fn\n      Handler: app.handler\n      Runtime: python3.12\n")
    watcher = cli.popen("deploy", "--watch", "--stack-name", "w")
    try:
        def answer() -> str | None:
            if not _exists(cli):
                return None
            cli("invoke", "--function-name", "w-Fn", "out.json")
            return (tmp_path / "out.json").read_text()

        assert wait_until(answer, timeout=60, what="first deploy") == '"before"'
        (tmp_path / "fn/app.py").write_text("def handler(event, context):\n    return 'after'\n")
        wait_until(lambda: answer() == '"after"', timeout=60, what="the edit deployed")
    finally:
        watcher.terminate()
        _, err = watcher.communicate(timeout=30)
    assert "Watching" in err and "Fn (Modify)" in err


def _exists(cli) -> bool:
    return "w-Fn" in cli("list-functions", "--query", "Functions[].FunctionName", "--output", "text").stdout


ALIASED = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: aliased-uploads
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/worker
      Handler: app.handler
      Runtime: python3.12
      AutoPublishAlias: live
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 1
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Jobs.Arn
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
        Hello:
          Type: HttpApi
          Properties:
            Path: /hello
            Method: get
"""


@pytest.mark.slow
def test_auto_publish_alias_points_every_event_source_at_the_alias(cli, tmp_path: Path) -> None:
    write_app(tmp_path)
    (tmp_path / "aliased.yaml").write_text(ALIASED)
    cli("deploy", "--template", "aliased.yaml", "--stack-name", "app", "--output", "json")
    (tmp_path / "src/worker/app.py").write_text(WORKER.replace("WORKER", "WORKER2"))
    cli("deploy", "--template", "aliased.yaml", "--stack-name", "app", "--output", "json")
    alias_arn = "arn:aws:lambda:us-east-1:123456789012:function:app-Fn:live"
    assert cli("list-event-source-mappings", "--query", "EventSourceMappings[].FunctionArn").json == [alias_arn]
    rule = cli("events", "list-rules", "--query", "Rules[0].Name", "--output", "text").stdout.strip()
    assert cli("events", "list-targets-by-rule", "--rule", rule, "--query", "Targets[].Arn").json == [alias_arn]
    policy = json.loads(cli("get-policy", "--function-name", "app-Fn", "--qualifier", "live").json["Policy"])
    assert sorted(s["Principal"]["Service"] for s in policy["Statement"]) == [
        "apigateway.amazonaws.com", "events.amazonaws.com", "s3.amazonaws.com"]
    assert cli("s3api", "get-bucket-notification-configuration", "--bucket", "aliased-uploads",
               "--query", "LambdaFunctionConfigurations[].LambdaFunctionArn").json == [alias_arn]
    api = cli("apigatewayv2", "get-apis", "--query", "Items[0].ApiId", "--output", "text").stdout.strip()
    [uri] = cli("apigatewayv2", "get-integrations", "--api-id", api, "--query", "Items[].IntegrationUri").json
    assert alias_arn in uri

    queue = cli("sqs", "get-queue-url", "--queue-name", "app-Jobs").json["QueueUrl"]
    cli("sqs", "send-message", "--queue-url", queue, "--message-body", "job")
    (tmp_path / "f.txt").write_text("x\n")
    cli("s3", "cp", "f.txt", "s3://aliased-uploads/f.txt")
    cli("drain", "--timeout", "60")
    logs = cli("logs", "tail", "/aws/lambda/app-Fn", "--format", "short").stdout
    assert sorted(re.findall(r"WORKER2 None (\S+)", logs)) == ["aws:s3", "aws:sqs"]
    assert re.findall(r"START RequestId: \S+ Version: (\S+)", logs) == ["2", "2"]


SKIPPED_EVENTS = {  # SAM event type -> its properties, the resource SAM makes for it, the reason listed
    "SNS": ({"Topic": {"Ref": "Topic"}}, "AWS::SNS::Subscription", "no SNS here"),
    "CloudWatchLogs": ({"LogGroupName": "g", "FilterPattern": ""}, "AWS::Logs::SubscriptionFilter", "no CloudWatch Logs"),
    "IoTRule": ({"Sql": "SELECT * FROM 't'"}, "AWS::IoT::TopicRule", "no AWS IoT here"),
    "AlexaSkill": ({}, "AWS::Lambda::Permission", "no Alexa"),
    "Cognito": ({"UserPool": {"Ref": "Pool"}, "Trigger": "PreSignUp"}, "AWS::Lambda::Permission", "no Cognito"),
    "MSK": ({"Stream": "arn:aws:kafka:us-east-1:123456789012:cluster/c/1", "Topics": ["t"],
             "StartingPosition": "LATEST"}, "AWS::Lambda::EventSourceMapping", "no Amazon MSK"),
    "MQ": ({"Broker": "arn:aws:mq:us-east-1:123456789012:broker:b:1", "Queues": ["q"],
            "SourceAccessConfigurations": []}, "AWS::Lambda::EventSourceMapping", "no Amazon MQ here"),
    "SelfManagedKafka": ({"KafkaBootstrapServers": ["k:9092"], "Topics": ["t"]}, "AWS::Lambda::EventSourceMapping",
                         "no Kafka"),
    "DocumentDB": ({"Cluster": "arn:aws:rds:us-east-1:123456789012:cluster:d", "DatabaseName": "d",
                    "SecretsManagerKmsKeyId": "k"}, "AWS::Lambda::EventSourceMapping", "no DocumentDB here"),
}


def test_events_lambdactl_cannot_run_are_skipped_with_their_reason_and_the_rest_deploys(cli, tmp_path: Path) -> None:
    import yaml

    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text("def handler(e, c):\n    return 1\n")
    events = {f"E{kind}": {"Type": kind, "Properties": props} for kind, (props, _, _) in SKIPPED_EVENTS.items()}
    events["Queued"] = {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["Jobs", "Arn"]}}}
    (tmp_path / "template.yaml").write_text(yaml.safe_dump({
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Pool": {"Type": "AWS::Cognito::UserPool"},
            "Jobs": {"Type": "AWS::SQS::Queue"},
            "Fn": {"Type": "AWS::Serverless::Function",
                   "Properties": {"CodeUri": "src", "Handler": "app.handler", "Runtime": "python3.12", "Events": events}}}}))
    listed = {c["LogicalResourceId"]: c for c in json.loads(deploy(cli).stdout)["Changes"]}
    for kind, (_, made, reason) in SKIPPED_EVENTS.items():
        change = listed[f"FnE{kind}"]
        assert (change["Action"], change["ResourceType"]) == ("Skip (not run locally)", made), kind
        assert change["Reason"].startswith(reason), (kind, change["Reason"])
    assert listed["Fn"]["Action"] == listed["FnQueued"]["Action"] == "Add"
    assert len(cli("list-event-source-mappings", "--function-name", "app-Fn").json["EventSourceMappings"]) == 1


DEPLOY_LINE = re.compile(r"^(Successfully deployed stack|No changes to deploy|Deploy failed, still watching)", re.M)


@pytest.mark.slow
@pytest.mark.parametrize("log", ["watch.log", "fn/watch.log"])
def test_deploy_watch_logging_into_the_project_deploys_once_per_edit(cli, tmp_path: Path, log: str) -> None:
    """`deploy --watch > watch.log 2>&1` in the project (even in the code folder): its own lines start no deploy;
    an edit deploys once, whether it changes something, nothing (No changes) or breaks the template."""
    import subprocess
    import time

    from lambdactl.templates.watch import POLL_S
    from tests.conftest import clean_env, lambdactl_command

    sys.path.insert(0, str(Path(__file__).parents[1]))
    from serving import wait_until

    (tmp_path / "fn").mkdir()
    (tmp_path / "fn/app.py").write_text("def handler(event, context):\n    return 'before'\n")
    good = ("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
            "    Properties:\n      CodeUri: fn\n      Handler: app.handler\n      Runtime: python3.12\n")
    (tmp_path / "template.yaml").write_text(good)
    with open(tmp_path / log, "wb") as out:
        watcher = subprocess.Popen([*lambdactl_command(), "deploy", "--watch", "--stack-name", "w"], cwd=tmp_path,
                                   env=clean_env(cli.state_dir), stdout=out, stderr=subprocess.STDOUT)
    deploys = lambda: DEPLOY_LINE.findall((tmp_path / log).read_text())  # noqa: E731
    edits = [lambda: (tmp_path / "fn/app.py").write_text("def handler(event, context):\n    return 'after'\n"),
             lambda: os.utime(tmp_path / "fn/app.py", ns=(1, 1)),  # a touch: No changes to deploy
             lambda: (tmp_path / "template.yaml").write_text(good.replace("Runtime", "Runtime: [")),
             lambda: (tmp_path / "template.yaml").write_text(good)]

    def no_more_than(n: int) -> bool:
        """Whether no deploy line beyond the n-th comes while the watcher polls ~10 times (its own output
        looped back as a change would show at its next poll)."""
        deadline = time.monotonic() + 10 * POLL_S
        while time.monotonic() < deadline:
            if len(deploys()) > n:
                return False
            time.sleep(POLL_S / 4)
        return True

    try:
        wait_until(lambda: len(deploys()) >= 1, timeout=60, what="the first deploy")
        assert no_more_than(1), (tmp_path / log).read_text()
        for n, edit in enumerate(edits, start=2):
            edit()
            wait_until(lambda: len(deploys()) >= n, timeout=60, what=f"deploy {n}")
            assert no_more_than(n), (tmp_path / log).read_text()
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)
    expected = ["Successfully deployed stack", "Successfully deployed stack", "No changes to deploy",
                "Deploy failed, still watching", "No changes to deploy"]
    if log.startswith("fn/"):  # the log is code there: each deploy zips it as it grew
        expected = [line.replace("No changes to deploy", "Successfully deployed stack") for line in expected]
    assert deploys() == expected, (tmp_path / log).read_text()
