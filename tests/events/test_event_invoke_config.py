"""put-/update-/get-/delete-function-event-invoke-config and list-function-event-invoke-configs (reference §1.8)."""

from __future__ import annotations

import pytest

from lambdactl import errors

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def test_put_replaces_and_update_merges(plane, make_function):
    make_function("f")
    make_function("g")  # a function destination must exist (recorded: put_destination_lambda_doesntexist)
    put = plane.call("PutFunctionEventInvokeConfig", {
        "FunctionName": "f", "MaximumRetryAttempts": 0,
        "DestinationConfig": {"OnFailure": {"Destination": ARN + "g"}},
    })  # fmt: skip
    assert list(put) == ["LastModified", "FunctionArn", "MaximumRetryAttempts", "DestinationConfig"]
    assert isinstance(put["LastModified"], float)
    assert put["FunctionArn"] == ARN + "f:$LATEST"
    assert put["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": ARN + "g"}}
    updated = plane.call("UpdateFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumEventAgeInSeconds": 3600})
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (0, 3600)
    assert updated["DestinationConfig"]["OnFailure"] == {"Destination": ARN + "g"}
    replaced = plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumEventAgeInSeconds": 60})
    assert "MaximumRetryAttempts" not in replaced
    assert replaced["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    got = plane.call("GetFunctionEventInvokeConfig", {"FunctionName": ARN + "f"})
    assert got == replaced


@pytest.mark.parametrize(("params", "code", "message"), [
    ({}, "InvalidParameterValueException",
     "You must specify at least one of error handling or destination setting."),
    ({"MaximumRetryAttempts": 3}, "ValidationException",
     ("1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: "
      "Member must have value less than or equal to 2")),
    ({"MaximumEventAgeInSeconds": 21601}, "ValidationException",
     ("1 validation error detected: Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: "
      "Member must have value less than or equal to 21600")),
    ({"DestinationConfig": {"OnSuccess": {"Destination": ARN + "f:1"}}}, "InvalidParameterValueException",
     "You can't specify the function as a destination for itself."),
])  # fmt: skip
def test_put_errors(plane, make_function, params, code, message):
    make_function("f")
    with pytest.raises(errors.ServiceError) as caught:
        plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", **params})
    assert (caught.value.code, caught.value.message) == (code, message)


def test_missing_function_and_missing_config(plane, make_function):
    with pytest.raises(errors.ResourceNotFoundException, match="^The function doesn't exist.$"):
        plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "nope", "MaximumRetryAttempts": 1})
    make_function("f")
    for op in ("GetFunctionEventInvokeConfig", "DeleteFunctionEventInvokeConfig"):
        with pytest.raises(errors.ResourceNotFoundException) as caught:
            plane.call(op, {"FunctionName": "f"})
        assert caught.value.message == f"The function {ARN}f:$LATEST doesn't have an EventInvokeConfig"
    with pytest.raises(errors.ResourceNotFoundException):
        plane.call("UpdateFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": 1})


def test_delete_and_delete_function_leave_nothing(plane, make_function):
    make_function("f")
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": 1})
    assert plane.call("DeleteFunctionEventInvokeConfig", {"FunctionName": "f"}) == {}
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": 1})
    plane.call("DeleteFunction", {"FunctionName": "f"})
    assert plane.store.read("SELECT * FROM event_invoke_configs") == []
    make_function("f")
    with pytest.raises(errors.ResourceNotFoundException):
        plane.call("GetFunctionEventInvokeConfig", {"FunctionName": "f"})


def test_list_paginates_with_marker(plane, make_function):
    from lambdactl.control.versions import publish

    make_function("f")
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": 1})
    for _ in range(2):
        plane.call("UpdateFunctionConfiguration", {"FunctionName": "f", "Description": str(_)})
        version = publish(plane, "f")["Version"]
        plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "Qualifier": version, "MaximumRetryAttempts": 0})
    first = plane.call("ListFunctionEventInvokeConfigs", {"FunctionName": "f", "MaxItems": 2})
    assert len(first["FunctionEventInvokeConfigs"]) == 2 and first["NextMarker"]
    second = plane.call("ListFunctionEventInvokeConfigs", {"FunctionName": "f", "Marker": first["NextMarker"]})
    assert "NextMarker" not in second
    arns = [config["FunctionArn"] for config in first["FunctionEventInvokeConfigs"] + second["FunctionEventInvokeConfigs"]]
    assert sorted(arns) == sorted([ARN + "f:$LATEST", ARN + "f:1", ARN + "f:2"])


def test_cli_commands_exist(cli, make_function):
    make_function("f")
    make_function("g")
    out = cli("put-function-event-invoke-config", "--function-name", "f", "--maximum-retry-attempts", "1",
              "--destination-config", f"OnSuccess={{Destination={ARN}g}}", "--output", "text")
    assert out.stdout.startswith(f"{ARN}f:$LATEST\t")
    listed = cli("list-function-event-invoke-configs", "--function-name", "f", "--query",
                 "FunctionEventInvokeConfigs[].MaximumRetryAttempts", "--output", "text")
    assert listed.stdout.strip() == "1"


def test_a_missing_destination_function_is_refused(plane, make_function):
    # recorded AWS: test_lambda_eventinvokeconfig_exceptions put_destination_lambda_doesntexist
    make_function("f")
    with pytest.raises(errors.InvalidParameterValueException) as caught:
        plane.call("PutFunctionEventInvokeConfig", {
            "FunctionName": "f", "DestinationConfig": {"OnSuccess": {"Destination": ARN + "doesnotexist"}}})
    assert caught.value.message == f"The destination ARN {ARN}doesnotexist is invalid."


def test_recorded_order_and_texts_for_a_missing_function_or_qualifier(plane, make_function):
    # recorded AWS (LocalStack test_lambda_api.snapshot.json, test_lambda_eventinvokeconfig_exceptions):
    # put_functionname_nootherargs is a 400 although the function is missing; delete_function_doesnotexist,
    # get_qualifier_doesnotexist and test_ops_on_nonexisting_fn[get_function_event_invoke_config] name the ARN
    with pytest.raises(errors.InvalidParameterValueException,
                       match="^You must specify at least one of error handling or destination setting.$"):
        plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "nope"})
    for op in ("GetFunctionEventInvokeConfig", "DeleteFunctionEventInvokeConfig"):
        with pytest.raises(errors.ResourceNotFoundException) as caught:
            plane.call(op, {"FunctionName": "nope"})
        assert caught.value.message == f"The function {ARN}nope:$LATEST doesn't have an EventInvokeConfig"
    make_function("f")
    with pytest.raises(errors.ResourceNotFoundException) as caught:
        plane.call("GetFunctionEventInvokeConfig", {"FunctionName": "f", "Qualifier": "doesnotexist"})
    assert caught.value.message == f"The function {ARN}f:doesnotexist doesn't have an EventInvokeConfig"
