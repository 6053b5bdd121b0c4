"""Code signing configs, recursion and runtime management configs, and InvokeAsync through serve with boto3:
shapes, status codes and messages as recorded from AWS in LocalStack's
tests/aws/services/lambda_/test_lambda_api.snapshot.json (TestCodeSigningConfig, TestLambdaRecursion)."""

from __future__ import annotations

import re
import uuid

import pytest
from botocore.exceptions import ClientError

from .conftest import create, lambdactl, wait_until

PUBLISHERS = {"SigningProfileVersionArns": ["arn:aws:signer:us-east-1:123456789012:/signing-profiles/test"]}
CSC_ARN = re.compile(r"arn:aws:lambda:us-east-1:123456789012:code-signing-config:(csc-[a-z0-9]{17})")


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = exc.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_code_signing_config_lifecycle(client) -> None:
    """test_function_code_signing_config: create 201, update, get, put/get on a function, list, deletes 204."""
    name = f"csc-{uuid.uuid4().hex[:8]}"
    create(client, name)
    made = client.create_code_signing_config(Description="Testing CodeSigning Config", AllowedPublishers=PUBLISHERS,
                                             CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"})  # fmt: skip
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 201
    config = made["CodeSigningConfig"]
    arn = config["CodeSigningConfigArn"]
    assert CSC_ARN.fullmatch(arn)[1] == config["CodeSigningConfigId"]
    assert set(config) == {"AllowedPublishers", "CodeSigningConfigArn", "CodeSigningConfigId", "CodeSigningPolicies",
                           "Description", "LastModified"}  # fmt: skip
    updated = client.update_code_signing_config(CodeSigningConfigArn=arn,
                                                 CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"})
    assert updated["CodeSigningConfig"]["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Warn"}
    assert client.get_code_signing_config(CodeSigningConfigArn=arn)["CodeSigningConfig"] == updated["CodeSigningConfig"]
    put = client.put_function_code_signing_config(CodeSigningConfigArn=arn, FunctionName=name)
    assert (put["CodeSigningConfigArn"], put["FunctionName"]) == (arn, name)
    got = client.get_function_code_signing_config(FunctionName=name)
    assert (got["CodeSigningConfigArn"], got["FunctionName"]) == (arn, name)
    assert arn in [c["CodeSigningConfigArn"] for c in client.list_code_signing_configs()["CodeSigningConfigs"]]
    assert client.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == [
        f"arn:aws:lambda:us-east-1:123456789012:function:{name}"]
    with pytest.raises(ClientError) as in_use:
        client.delete_code_signing_config(CodeSigningConfigArn=arn)
    assert error(in_use)[:2] == (409, "ResourceConflictException")
    deleted = client.delete_function_code_signing_config(FunctionName=name)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    without = client.get_function_code_signing_config(FunctionName=name)  # get_function_csc_fnwithoutcsc: 200, empty
    assert "CodeSigningConfigArn" not in without and without["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert client.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == []
    assert client.delete_code_signing_config(CodeSigningConfigArn=arn)["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_code_signing_not_found_errors(client) -> None:
    """test_code_signing_not_found_excs, message for message."""
    missing_csc = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdefg"
    missing_fn = "csc-test-doesnotexist"
    arn = client.create_code_signing_config(AllowedPublishers=PUBLISHERS)["CodeSigningConfig"]["CodeSigningConfigArn"]
    not_found = f"The Lambda code signing configuration {missing_csc} can not be found."
    for call in (lambda: client.delete_code_signing_config(CodeSigningConfigArn=missing_csc),
                 lambda: client.get_code_signing_config(CodeSigningConfigArn=missing_csc),
                 lambda: client.update_code_signing_config(CodeSigningConfigArn=missing_csc, Description="x"),
                 lambda: client.list_functions_by_code_signing_config(CodeSigningConfigArn=missing_csc)):  # fmt: skip
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == (404, "ResourceNotFoundException", not_found)
    fn_missing = f"Function not found: arn:aws:lambda:us-east-1:123456789012:function:{missing_fn}"
    with pytest.raises(ClientError) as exc:
        client.put_function_code_signing_config(CodeSigningConfigArn=arn, FunctionName=missing_fn)
    assert error(exc) == (404, "ResourceNotFoundException", fn_missing)
    with pytest.raises(ClientError) as exc:  # both missing: the configuration is checked first
        client.put_function_code_signing_config(CodeSigningConfigArn=missing_csc, FunctionName=missing_fn)
    assert error(exc) == (404, "CodeSigningConfigNotFoundException", "The code signing configuration cannot be found. "
                          f"Check that the provided configuration is not deleted: {missing_csc}.")  # fmt: skip
    for call in (lambda: client.delete_function_code_signing_config(FunctionName=missing_fn),
                 lambda: client.get_function_code_signing_config(FunctionName=missing_fn)):  # fmt: skip
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == (404, "ResourceNotFoundException", fn_missing)
    unchanged = client.update_code_signing_config(CodeSigningConfigArn=arn)  # update_csc_noupdate_response
    assert unchanged["CodeSigningConfig"]["CodeSigningPolicies"] == {"UntrustedArtifactOnDeployment": "Warn"}


def test_recursion_config(client) -> None:
    """TestLambdaRecursion: Terminate by default, Allow once put, the enum message for anything else."""
    name = f"rec-{uuid.uuid4().hex[:8]}"
    create(client, name)
    assert client.get_function_recursion_config(FunctionName=name)["RecursiveLoop"] == "Terminate"
    assert client.put_function_recursion_config(FunctionName=name, RecursiveLoop="Allow")["RecursiveLoop"] == "Allow"
    assert client.get_function_recursion_config(FunctionName=name)["RecursiveLoop"] == "Allow"
    with pytest.raises(ClientError) as exc:
        client.put_function_recursion_config(FunctionName=name, RecursiveLoop="InvalidValue")
    assert error(exc) == (400, "ValidationException", "1 validation error detected: Value 'InvalidValue' at "
                          "'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: "
                          "[Terminate, Allow]")  # fmt: skip


def test_runtime_management_config(client) -> None:
    name = f"rtm-{uuid.uuid4().hex[:8]}"
    create(client, name)
    default = client.get_runtime_management_config(FunctionName=name)
    assert (default["UpdateRuntimeOn"], default["FunctionArn"]) == (
        "Auto", f"arn:aws:lambda:us-east-1:123456789012:function:{name}")
    version_arn = "arn:aws:lambda:us-east-1::runtime:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    put = client.put_runtime_management_config(FunctionName=name, UpdateRuntimeOn="Manual", RuntimeVersionArn=version_arn)
    assert (put["UpdateRuntimeOn"], put["RuntimeVersionArn"]) == ("Manual", version_arn)
    assert put["FunctionArn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{name}:$LATEST"
    assert client.get_runtime_management_config(FunctionName=name)["UpdateRuntimeOn"] == "Manual"
    with pytest.raises(ClientError) as exc:
        client.put_runtime_management_config(FunctionName=name, UpdateRuntimeOn="Manual")
    assert error(exc)[:2] == (400, "InvalidParameterValueException")


def test_invoke_async_queues_an_event(client, server) -> None:
    name = f"ia-{uuid.uuid4().hex[:8]}"
    create(client, name)
    answer = client.invoke_async(FunctionName=name, InvokeArgs=b'{"from": "invoke-async"}')
    assert (answer["Status"], answer["ResponseMetadata"]["HTTPStatusCode"]) == (202, 202)

    def succeeded() -> bool:
        listed = lambdactl("--state-dir", str(server.state_dir), "list-async-events", "--function-name", name,
                           "--query", "AsyncEvents[].Status", "--output", "text")  # fmt: skip
        return listed.stdout.split() == ["succeeded"]

    wait_until(succeeded, what="the InvokeAsync event to run")
