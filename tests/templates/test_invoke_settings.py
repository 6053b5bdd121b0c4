"""EventInvokeConfig, provisioned and reserved concurrency in templates (SAM's and CloudFormation's forms):
deploy applies them, a second deploy does nothing, dropping them removes them."""

from __future__ import annotations

import json
from pathlib import Path

from templates.test_deploy import changes

HANDLER = "def handler(event, context):\n    return {'got': event}\n"

SAM = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Failures:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
      AutoPublishAlias: live
%(settings)s
"""
SETTINGS = """
      ReservedConcurrentExecutions: 5
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 1
      EventInvokeConfig:
        MaximumEventAgeInSeconds: 120
        MaximumRetryAttempts: 0
        DestinationConfig:
          OnSuccess:
            Type: SQS
          OnFailure:
            Type: SQS
            Destination: !GetAtt Failures.Arn
"""


def deploy(cli, template: str = "template.yaml"):
    return changes(cli("deploy", "--template", template, "--stack-name", "inv", "--output", "json"))


def test_sam_event_invoke_config_and_concurrency_apply_idle_and_go(cli, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(SAM % {"settings": SETTINGS})
    assert deploy(cli) == {"Failures": "Add", "Fn": "Add", "FnEventInvokeConfigOnSuccessQueue": "Add",
                           "FnEventInvokeConfig": "Add"}
    config = cli("get-function-event-invoke-config", "--function-name", "inv-Fn", "--qualifier", "live").json
    assert config["MaximumEventAgeInSeconds"] == 120 and config["MaximumRetryAttempts"] == 0
    success = config["DestinationConfig"]["OnSuccess"]["Destination"]
    assert success == "arn:aws:sqs:us-east-1:123456789012:inv-FnEventInvokeConfigOnSuccessQueue"
    assert config["DestinationConfig"]["OnFailure"]["Destination"].endswith(":inv-Failures")
    provisioned = cli("get-provisioned-concurrency-config", "--function-name", "inv-Fn", "--qualifier", "live").json
    assert provisioned["RequestedProvisionedConcurrentExecutions"] == 1
    assert cli("get-function-concurrency", "--function-name", "inv-Fn").json == {"ReservedConcurrentExecutions": 5}

    cli("invoke", "--function-name", "inv-Fn:live", "--invocation-type", "Event", "--payload", '{"n": 1}',
        "--cli-binary-format", "raw-in-base64-out", "out.json")
    cli("drain", "--timeout", "60")
    queue = cli("sqs", "get-queue-url", "--queue-name", "inv-FnEventInvokeConfigOnSuccessQueue").json["QueueUrl"]
    record = json.loads(cli("sqs", "receive-message", "--queue-url", queue, "--wait-time-seconds", "10").json["Messages"][0]["Body"])
    assert record["responsePayload"] == {"got": {"n": 1}}  # the destination wired for real

    assert deploy(cli) == {}  # nothing changed: nothing done

    (tmp_path / "template.yaml").write_text(SAM % {"settings": ""})
    assert deploy(cli) == {"Fn": "Modify", "FnEventInvokeConfig": "Delete", "FnEventInvokeConfigOnSuccessQueue": "Delete"}
    cli("get-function-event-invoke-config", "--function-name", "inv-Fn", "--qualifier", "live", rc=254)
    cli("get-provisioned-concurrency-config", "--function-name", "inv-Fn", "--qualifier", "live", rc=254)
    assert cli("get-function-concurrency", "--function-name", "inv-Fn").stdout.strip() in ("", "{}")


def test_provisioned_concurrency_needs_auto_publish_alias(cli, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text((SAM % {"settings": SETTINGS}).replace("      AutoPublishAlias: live\n", ""))
    failed = cli("deploy", "--stack-name", "inv", rc=255)
    assert "To set ProvisionedConcurrencyConfig AutoPublishALias must be defined on the function" in failed.stderr


CLOUDFORMATION = """
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: cfn-fn
      Code: src
      Handler: app.handler
      Runtime: python3.12
      Role: !GetAtt Role.Arn
      ReservedConcurrentExecutions: %(reserved)s
  FnVersion:
    Type: AWS::Lambda::Version
    Properties:
      FunctionName: !Ref Fn
  FnAlias:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Fn
      FunctionVersion: !GetAtt FnVersion.Version
      Name: live
%(provisioned)s
%(config)s
"""
PROVISIONED = """      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 2
"""
CONFIG = """  FnInvokeConfig:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: !Ref Fn
      Qualifier: $LATEST
      MaximumRetryAttempts: 1
"""


def test_cloudformation_forms_apply_idle_and_go(cli, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text(HANDLER)
    (tmp_path / "cfn.yaml").write_text(CLOUDFORMATION % {"reserved": 4, "provisioned": PROVISIONED, "config": CONFIG})
    assert deploy(cli, "cfn.yaml") == {"Role": "Skip (not run locally)", "Fn": "Add", "FnVersion": "Add", "FnAlias": "Add",
                                       "FnInvokeConfig": "Add"}
    assert cli("get-alias", "--function-name", "cfn-fn", "--name", "live").json["FunctionVersion"] == "1"
    assert cli("get-provisioned-concurrency-config", "--function-name", "cfn-fn", "--qualifier", "live").json[
        "RequestedProvisionedConcurrentExecutions"] == 2
    assert cli("get-function-event-invoke-config", "--function-name", "cfn-fn").json["MaximumRetryAttempts"] == 1
    assert cli("get-function-concurrency", "--function-name", "cfn-fn").json == {"ReservedConcurrentExecutions": 4}
    assert deploy(cli, "cfn.yaml") == {"Role": "Skip (not run locally)"}

    (tmp_path / "cfn.yaml").write_text(CLOUDFORMATION % {"reserved": "!Ref AWS::NoValue", "provisioned": "", "config": ""})
    assert deploy(cli, "cfn.yaml") == {"Role": "Skip (not run locally)", "Fn": "Modify", "FnAlias": "Modify",
                                       "FnInvokeConfig": "Delete"}
    cli("get-provisioned-concurrency-config", "--function-name", "cfn-fn", "--qualifier", "live", rc=254)
    cli("get-function-event-invoke-config", "--function-name", "cfn-fn", rc=254)
    assert cli("get-function-concurrency", "--function-name", "cfn-fn").stdout.strip() in ("", "{}")
