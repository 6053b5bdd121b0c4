"""Function scaling configs and whole-document resource policies through serve with boto3, and by the CLI.

No AWS recording covers these operations (LocalStack has none): shapes, routes and status codes follow
the botocore model (PutFunctionScalingConfig 202 / GetFunctionScalingConfig 200 under
``/2025-11-30/functions/{FunctionName}/function-scaling-config``; Put/Get 200 and Delete 204 under
``/2026-07-09/resource-policy/{ResourceArn}``) and the API reference (PublishedFunctionQualifier
``$LATEST.PUBLISHED|[0-9]+``, execution environments 0..15000). Missing-policy messages are the ones
recorded for GetPolicy / RemovePermission (test_permission_exceptions).
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
from botocore.exceptions import ClientError

from .conftest import create, lambdactl


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = exc.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_scaling_config_put_get(client) -> None:
    name = f"scale-{uuid.uuid4().hex[:8]}"
    create(client, name)
    client.publish_version(FunctionName=name)
    put = client.put_function_scaling_config(
        FunctionName=name, Qualifier="1",
        FunctionScalingConfig={"MinExecutionEnvironments": 1, "MaxExecutionEnvironments": 3},
    )  # fmt: skip
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202 and put["FunctionState"] == "Active"
    got = client.get_function_scaling_config(FunctionName=name, Qualifier="$LATEST.PUBLISHED")
    assert got["FunctionArn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{name}:1"
    wanted = {"MinExecutionEnvironments": 1, "MaxExecutionEnvironments": 3}
    assert got["RequestedFunctionScalingConfig"] == wanted and got["AppliedFunctionScalingConfig"] == wanted


def test_scaling_config_errors(client) -> None:
    name = f"scale-{uuid.uuid4().hex[:8]}"
    create(client, name)
    with pytest.raises(ClientError) as latest:  # $LATEST is not a published qualifier
        client.get_function_scaling_config(FunctionName=name, Qualifier="$LATEST")
    assert error(latest)[:2] == (400, "ValidationException")
    assert "(\\$LATEST\\.PUBLISHED|[0-9]+)" in error(latest)[2]
    with pytest.raises(ClientError) as unpublished:  # no published version yet
        client.get_function_scaling_config(FunctionName=name, Qualifier="$LATEST.PUBLISHED")
    assert error(unpublished)[:2] == (404, "ResourceNotFoundException")
    client.publish_version(FunctionName=name)
    with pytest.raises(ClientError) as inverted:
        client.put_function_scaling_config(FunctionName=name, Qualifier="1", FunctionScalingConfig={
            "MinExecutionEnvironments": 5, "MaxExecutionEnvironments": 2})  # fmt: skip
    assert error(inverted)[:2] == (400, "InvalidParameterValueException")
    never = client.get_function_scaling_config(FunctionName=name, Qualifier="1")
    assert "RequestedFunctionScalingConfig" not in never and never["FunctionArn"].endswith(f":{name}:1")


def statement(sid: str, service: str = "s3.amazonaws.com") -> dict:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"Service": service}, "Action": "lambda:InvokeFunction",
            "Resource": "*"}  # fmt: skip


def test_resource_policy_is_the_function_policy(client) -> None:
    """PutResourcePolicy replaces what AddPermission built; GetPolicy and GetResourcePolicy show one document."""
    name = f"rp-{uuid.uuid4().hex[:8]}"
    arn = create(client, name)["FunctionArn"]
    client.add_permission(FunctionName=name, StatementId="old", Action="lambda:InvokeFunction",
                          Principal="sns.amazonaws.com")  # fmt: skip
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement("new")]})
    put = client.put_resource_policy(ResourceArn=arn, Policy=policy)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    shown = client.get_resource_policy(ResourceArn=arn)
    assert shown["RevisionId"] == put["RevisionId"] == client.get_policy(FunctionName=name)["RevisionId"]
    assert [s["Sid"] for s in json.loads(shown["Policy"])["Statement"]] == ["new"]
    with pytest.raises(ClientError) as stale:
        client.put_resource_policy(ResourceArn=arn, Policy=policy, RevisionId=str(uuid.uuid4()))
    assert error(stale)[:2] == (412, "PreconditionFailedException")
    client.add_permission(FunctionName=name, StatementId="more", Action="lambda:InvokeFunction",
                          Principal="events.amazonaws.com")  # fmt: skip
    assert [s["Sid"] for s in json.loads(client.get_resource_policy(ResourceArn=arn)["Policy"])["Statement"]] == [
        "new", "more"]
    deleted = client.delete_resource_policy(ResourceArn=arn)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as gone:
        client.get_resource_policy(ResourceArn=arn)
    assert error(gone) == (404, "ResourceNotFoundException", "The resource you requested does not exist.")
    with pytest.raises(ClientError) as twice:
        client.delete_resource_policy(ResourceArn=arn)
    assert error(twice) == (404, "ResourceNotFoundException", "No policy is associated with the given resource.")


def test_resource_policy_errors(client) -> None:
    name = f"rp-{uuid.uuid4().hex[:8]}"
    arn = create(client, name)["FunctionArn"]
    with pytest.raises(ClientError) as latest:  # as AddPermission (recorded: add_permission_fn_qualifier_latest)
        client.put_resource_policy(ResourceArn=f"{arn}:$LATEST", Policy=json.dumps({"Statement": [statement("a")]}))
    assert error(latest) == (400, "InvalidParameterValueException", "We currently do not support adding policies for $LATEST.")
    with pytest.raises(ClientError) as not_json:
        client.put_resource_policy(ResourceArn=arn, Policy="{not json")
    assert error(not_json)[:2] == (400, "InvalidParameterValueException")
    with pytest.raises(ClientError) as missing:
        client.get_resource_policy(ResourceArn=f"{arn}-doesnotexist")
    assert error(missing) == (404, "ResourceNotFoundException", "The resource you requested does not exist.")
    with pytest.raises(ClientError) as bad_arn:
        client.get_resource_policy(ResourceArn="arn:aws:lambda:us-east-1:123456789012:layer:x")
    assert error(bad_arn)[:2] == (400, "ValidationException")


def test_cli_commands(tmp_path) -> None:
    """put-/get-function-scaling-config and put-/get-/delete-resource-policy by the CLI, aws-style output."""
    env = {**os.environ, "LAMBDACTL_STATE_DIR": str(tmp_path / "state")}
    code = tmp_path / "app.py"
    code.write_text("def handler(event, context):\n    return event\n")
    import zipfile

    with zipfile.ZipFile(tmp_path / "f.zip", "w") as archive:
        archive.write(code, "app.py")
    made = lambdactl("create-function", "--function-name", "f", "--runtime", "python3.12", "--role",
                     "arn:aws:iam::123456789012:role/r", "--handler", "app.handler", "--zip-file",
                     f"fileb://{tmp_path / 'f.zip'}", env=env)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert lambdactl("publish-version", "--function-name", "f", env=env).returncode == 0
    put = lambdactl("put-function-scaling-config", "--function-name", "f", "--qualifier", "1",
                    "--function-scaling-config", "MinExecutionEnvironments=2", env=env)  # fmt: skip
    assert json.loads(put.stdout) == {"FunctionState": "Active"}
    got = lambdactl("get-function-scaling-config", "--function-name", "f", "--qualifier", "1", "--query",
                    "RequestedFunctionScalingConfig", "--output", "text", env=env)  # fmt: skip
    assert got.stdout.split() == ["2"]
    bad = lambdactl("get-function-scaling-config", "--function-name", "f", "--qualifier", "$LATEST", env=env)
    assert bad.returncode == 254 and "(ValidationException) when calling the GetFunctionScalingConfig" in bad.stderr
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    policy = json.dumps({"Statement": [statement("cli")]})
    assert lambdactl("put-resource-policy", "--resource-arn", arn, "--policy", policy, env=env).returncode == 0
    shown = lambdactl("get-resource-policy", "--resource-arn", arn, "--query", "Policy", "--output", "text", env=env)
    assert json.loads(shown.stdout)["Statement"][0]["Sid"] == "cli"
    # a document given whole (lists of principals and actions) is what may_invoke checks
    from lambdactl.control.policies import may_invoke
    from lambdactl.plane import ControlPlane, Settings

    grant = {**statement("many"), "Principal": {"Service": ["events.amazonaws.com", "s3.amazonaws.com"]},
             "Action": ["lambda:GetFunction", "lambda:InvokeFunction"]}  # fmt: skip
    assert lambdactl("put-resource-policy", "--resource-arn", arn, "--policy", json.dumps({"Statement": grant}),
                     env=env).returncode == 0  # fmt: skip
    plane = ControlPlane(Settings(state_dir=tmp_path / "state", region="us-east-1"))
    assert may_invoke(plane, "f", None, "s3.amazonaws.com") and not may_invoke(plane, "f", None, "sns.amazonaws.com")
    plane.close()
    assert lambdactl("delete-resource-policy", "--resource-arn", arn, env=env).returncode == 0
    again = lambdactl("delete-resource-policy", "--resource-arn", arn, env=env)
    assert again.returncode == 254 and "No policy is associated with the given resource." in again.stderr
