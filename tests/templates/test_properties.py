"""Unknown properties are refused before anything is deployed or built, as SAM's translator and CloudFormation
refuse them, and deploy's errors read as SAM CLI's (``Failed to create changeset`` / ``Failed to create/update``)."""

from __future__ import annotations

from pathlib import Path

import pytest

SAM_TYPO = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Q:
    Type: AWS::SQS::Queue
  MyFn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code
      Handler: app.handler
      Runtme: python3.12
  Other:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def h(e, c): pass"
      Handler: index.h
      Runtime: python3.12
      MemmorySize: 256
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def h(e, c): pass"
      Handler: index.h
      Runtime: python3.12
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queu: !GetAtt Q.Arn
"""
# as aws-sam-translator 1.115.0 words it for this template (each event is a resource <Function><Event> to SAM)
TRANSFORM_FAILED = ("Invalid Serverless Application Specification document. Number of errors found: 3. Resource with id "
                    "[MyFn] is invalid. property Runtme not defined for resource of type AWS::Serverless::Function "
                    "Resource with id [Other] is invalid. property MemmorySize not defined for resource of type "
                    "AWS::Serverless::Function Resource with id [WorkerJobs] is invalid. property Queu not defined for "
                    "resource of type SQS")
CFN_TYPO = """
Resources:
  Q:
    Type: AWS::SQS::Queue
  Later:
    Type: AWS::SQS::Queue
    Properties:
      VisibiltyTimeout: 30
"""
ATTRIBUTE_TYPO = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Propertes:\n      VisibilityTimeout: 30\n"


def _project(tmp_path: Path, body: str) -> None:
    (tmp_path / "code").mkdir(exist_ok=True)
    (tmp_path / "code/app.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(body)


def _nothing_deployed(cli) -> None:
    assert cli("list-functions", "--query", "Functions").json == []
    assert cli("sqs", "list-queues", "--query", "QueueUrls").json in ([], None)
    assert cli("list-stacks", "--query", "StackSummaries").json == []


def test_a_misspelled_sam_property_is_refused_as_sams_transform_refuses_it(cli, tmp_path: Path) -> None:
    _project(tmp_path, SAM_TYPO)
    failed = cli("deploy", "--stack-name", "app", rc=255)
    assert failed.stderr == (
        'Error: Failed to create changeset for the stack: app, ex: Waiter ChangeSetCreateComplete failed: Waiter '
        'encountered a terminal failure state: For expression "Status" we matched expected path: "FAILED" Status: '
        f"FAILED. Reason: Transform AWS::Serverless-2016-10-31 failed with: {TRANSFORM_FAILED}\n")
    _nothing_deployed(cli)
    built = cli("build", rc=255)
    assert built.stderr == TRANSFORM_FAILED + "\n"
    assert not (tmp_path / ".aws-sam/build/template.yaml").exists()


def test_a_misspelled_cloudformation_property_fails_its_resource_before_anything_applies(cli, tmp_path: Path) -> None:
    _project(tmp_path, CFN_TYPO)
    failed = cli("deploy", "--stack-name", "app", rc=255)
    assert failed.stderr == ("Error: Failed to create/update the stack: app, resource Later (AWS::SQS::Queue) failed: "
                             "Encountered unsupported property VisibiltyTimeout. Nothing was applied.\n")
    _nothing_deployed(cli)
    assert cli("build", rc=255).stderr == "Resource Later (AWS::SQS::Queue): Encountered unsupported property VisibiltyTimeout\n"


@pytest.mark.parametrize(("body", "reason"), [
    (ATTRIBUTE_TYPO, "Invalid template resource property 'Propertes'"),
    ("Resources:\n  X:\n    Type: AWS::Nope::Thing\n", "Template format error: Unrecognized resource types: [AWS::Nope::Thing]"),
])
def test_templates_cloudformation_refuses_read_as_sam_deploy_reports_them(cli, tmp_path: Path, body: str, reason: str) -> None:
    _project(tmp_path, body)
    assert cli("deploy", "--stack-name", "app", rc=255).stderr == (
        "Error: Failed to create changeset for the stack: app, An error occurred (ValidationError) when calling the "
        f"CreateChangeSet operation: {reason}\n")
    _nothing_deployed(cli)


def test_resource_attributes_globals_and_every_valid_property_deploy(cli, tmp_path: Path) -> None:
    _project(tmp_path, """
Transform: AWS::Serverless-2016-10-31
Conditions:
  Always: !Equals [a, a]
Globals:
  Function:
    Timeout: 5
    Tracing: Active
Resources:
  Dlq:
    Type: AWS::SQS::Queue
    DeletionPolicy: Delete
    UpdateReplacePolicy: Delete
    Metadata: {Owner: me}
    Properties:
      MessageRetentionPeriod: 600
      Tags: [{Key: team, Value: a}]
  Fn:
    Type: AWS::Serverless::Function
    Condition: Always
    DependsOn: Dlq
    Metadata: {BuildMethod: python3.12}
    Properties:
      CodeUri: code
      Handler: app.handler
      Runtime: python3.12
      MemorySize: 256
      Tracing: Active
      Tags: {team: a}
      Policies: [AWSLambdaBasicExecutionRole]
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Code: {ZipFile: "def h(e, c): pass"}
      Handler: index.h
      Runtime: python3.12
      Role: !Sub "arn:aws:iam::${AWS::AccountId}:role/r"
      TracingConfig: {Mode: Active}
      Tags: [{Key: team, Value: a}]
""")
    cli("deploy", "--stack-name", "ok")
    assert cli("list-stacks", "--query", "StackSummaries[0].StackStatus", "--output", "text").stdout.strip() == "CREATE_COMPLETE"
    cli("build")


def test_a_misspelled_globals_property_is_refused_as_sams_globals_plugin_refuses_it(cli, tmp_path: Path) -> None:
    _project(tmp_path, "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Timeot: 5\nResources:\n"
                       "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: code\n"
                       "      Handler: app.handler\n      Runtime: python3.12\n")
    refused = cli("build", rc=255).stderr
    assert refused.startswith("Invalid Serverless Application Specification document. Number of errors found: 1. 'Globals' "
                              "section is invalid. 'Timeot' is not a supported property of 'Function'. Must be one of the "
                              "following values - ['Handler', 'Runtime', 'CodeUri', ")
    assert refused in cli("deploy", "--stack-name", "app", rc=255).stderr
    _nothing_deployed(cli)
