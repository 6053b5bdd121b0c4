"""Validation cases of issue 19's items 2-3 through serve with boto3.

- A role of another account: 403 AccessDeniedException "Cross-account pass role is not allowed." (AWS's
  answer as reported from real accounts: aws/aws-toolkit-azure-devops#546, artilleryio/chaos-lambda#29;
  LocalStack has no recording of it).
- Reserved concurrency against provisioned concurrency, as recorded from AWS in LocalStack's
  tests/aws/services/lambda_/test_lambda.snapshot.json TestLambdaConcurrency::test_reserved_provisioned_overlap.
- CodeSigningConfigArn on CreateFunction: stored as PutFunctionCodeSigningConfig stores it (the model's
  CreateFunctionRequest member; a missing configuration answers as recorded for PutFunctionCodeSigningConfig in
  test_lambda_api.snapshot.json test_code_signing_not_found_excs).
"""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from .conftest import ROLE, create, zip_bytes

PUBLISHERS = {"SigningProfileVersionArns": ["arn:aws:signer:us-east-1:123456789012:/signing-profiles/test"]}


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = exc.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def test_role_of_another_account_is_refused(client) -> None:
    name = f"xacct-{uuid.uuid4().hex[:8]}"
    other = "arn:aws:iam::999999999999:role/elsewhere"
    with pytest.raises(ClientError) as created:
        client.create_function(FunctionName=name, Runtime="python3.12", Role=other, Handler="app.handler",
                               Code={"ZipFile": zip_bytes()})  # fmt: skip
    assert error(created) == (403, "AccessDeniedException", "Cross-account pass role is not allowed.")
    with pytest.raises(ClientError):
        client.get_function(FunctionName=name)  # nothing was stored
    create(client, name)
    with pytest.raises(ClientError) as updated:
        client.update_function_configuration(FunctionName=name, Role=other)
    assert error(updated) == (403, "AccessDeniedException", "Cross-account pass role is not allowed.")
    assert client.get_function_configuration(FunctionName=name)["Role"] == ROLE


def test_reserved_equal_to_provisioned_leaves_latest_nothing(client) -> None:
    """test_reserved_provisioned_overlap, step by step."""
    name = f"overlap-{uuid.uuid4().hex[:8]}"
    create(client, name)
    v1 = client.publish_version(FunctionName=name)["Version"]
    client.put_provisioned_concurrency_config(FunctionName=name, Qualifier=v1, ProvisionedConcurrentExecutions=2)
    with pytest.raises(ClientError) as lower:
        client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    assert error(lower) == (400, "InvalidParameterValueException",
                            " ReservedConcurrentExecutions  1 should not be lower than function's total provisioned "
                            "concurrency [2].")  # fmt: skip
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    assert client.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 2
    with pytest.raises(ClientError) as latest:  # no on-demand concurrency left
        client.invoke(FunctionName=name)
    assert error(latest) == (429, "TooManyRequestsException", "Rate Exceeded.")
    assert latest.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    provisioned = client.invoke(FunctionName=name, Qualifier=v1)  # runs on its provisioned concurrency
    assert provisioned["StatusCode"] == 200 and "FunctionError" not in provisioned
    client.update_function_configuration(FunctionName=name, Timeout=15)
    v2 = client.publish_version(FunctionName=name)["Version"]
    assert v2 != v1
    message = "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"
    with pytest.raises(ClientError) as another:
        client.put_provisioned_concurrency_config(FunctionName=name, Qualifier=v2, ProvisionedConcurrentExecutions=1)
    assert error(another) == (400, "InvalidParameterValueException", message)
    with pytest.raises(ClientError) as increase:
        client.put_provisioned_concurrency_config(FunctionName=name, Qualifier=v1, ProvisionedConcurrentExecutions=3)
    assert error(increase) == (400, "InvalidParameterValueException", message)
    client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=v1)
    assert client.invoke(FunctionName=name)["StatusCode"] == 200  # the reservation is on-demand again


def test_code_signing_config_on_create(client) -> None:
    arn = client.create_code_signing_config(AllowedPublishers=PUBLISHERS)["CodeSigningConfig"]["CodeSigningConfigArn"]
    name = f"signed-{uuid.uuid4().hex[:8]}"
    create(client, name, CodeSigningConfigArn=arn)
    got = client.get_function_code_signing_config(FunctionName=name)
    assert (got["CodeSigningConfigArn"], got["FunctionName"]) == (arn, name)
    assert client.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)["FunctionArns"] == [
        f"arn:aws:lambda:us-east-1:123456789012:function:{name}"]
    missing = arn[:-17] + "0" * 17
    with pytest.raises(ClientError) as not_found:
        create(client, f"{name}-2", CodeSigningConfigArn=missing)
    assert error(not_found) == (404, "CodeSigningConfigNotFoundException",
                                "The code signing configuration cannot be found. Check that the provided configuration "
                                f"is not deleted: {missing}.")  # fmt: skip
    with pytest.raises(ClientError):
        client.get_function(FunctionName=f"{name}-2")  # nothing was stored
