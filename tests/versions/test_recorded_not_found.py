"""Responses (404s and their texts, LoggingConfig defaults) as recorded from real AWS
(LocalStack's test_lambda_api / test_lambda snapshots)."""

from __future__ import annotations

from tests.versions.conftest import FN_ARN, expect_error, returning

LONG = "a" * 65


def test_delete_function_with_an_unknown_version_is_no_error(plane, make_function):
    # recorded: test_delete_on_nonexisting_version (delete with Qualifier 1233 twice succeeds; once the function
    # is gone, delete_function_response_non_existent_with_qualifier shows the unqualified ARN)
    make_function("f", returning("x"))
    assert plane.call("DeleteFunction", {"FunctionName": "f", "Qualifier": "1233"}) == {"StatusCode": 204}
    plane.call("DeleteFunction", {"FunctionName": "f"})
    expect_error(lambda: plane.call("DeleteFunction", {"FunctionName": "f", "Qualifier": "1233"}),
                 "ResourceNotFoundException", f"Function not found: {FN_ARN}:f")


def test_invoke_of_a_missing_function_names_latest(plane):
    # recorded: test_lambda.snapshot.json test_invoke_exceptions invoke_function_doesnotexist (2025 recording)
    expect_error(lambda: plane.call("Invoke", {"FunctionName": "doesnotexist"}),
                 "ResourceNotFoundException", f"Function not found: {FN_ARN}:doesnotexist:$LATEST")


def test_a_65_character_name_is_not_found_except_on_create(plane, make_function):
    # recorded: test_function_name_and_qualifier_validation[function_name_too_long-get_function/-delete_function/
    # -invoke/-create_function]
    for op in ("GetFunction", "DeleteFunction"):
        expect_error(lambda: plane.call(op, {"FunctionName": LONG}),
                     "ResourceNotFoundException", f"Function not found: {FN_ARN}:{LONG}")
    expect_error(lambda: plane.call("Invoke", {"FunctionName": LONG}),
                 "ResourceNotFoundException", f"Function not found: {FN_ARN}:{LONG}:$LATEST")
    expect_error(lambda: make_function(LONG, returning("x")), "InvalidParameterValueException",
                 f"1 validation error detected: Value '{LONG}' at 'functionName' failed to satisfy constraint: "
                 "Member must have length less than or equal to 64")


def test_provisioned_concurrency_on_an_alias_of_a_missing_function(plane):
    # recorded: test_provisioned_concurrency_exceptions get_provisioned_functionname_doesnotexist
    expect_error(lambda: plane.call("GetProvisionedConcurrencyConfig", {"FunctionName": "doesnotexist", "Qualifier": "noalias"}),
                 "ResourceNotFoundException", f"Cannot find alias arn: {FN_ARN}:doesnotexist:noalias")


def test_logging_config_json_defaults_and_format_switch(plane, make_function):
    # recorded AWS: test_function_advanced_logging_configuration (create with only LogFormat JSON) and
    # test_advanced_logging_configuration_format_switch (Text -> JSON -> Text keeps the group, drops the levels)
    group = "/aws/lambda/f"
    json_config = {"ApplicationLogLevel": "INFO", "LogFormat": "JSON", "LogGroup": group, "SystemLogLevel": "INFO"}
    created = make_function("f", returning("x"), LoggingConfig={"LogFormat": "JSON"})
    assert created["LoggingConfig"] == json_config
    make_function("g", returning("x"))
    switched = plane.call("UpdateFunctionConfiguration", {"FunctionName": "g", "LoggingConfig": {"LogFormat": "JSON"}})
    assert switched["LoggingConfig"] == {**json_config, "LogGroup": "/aws/lambda/g"}
    back = plane.call("UpdateFunctionConfiguration", {"FunctionName": "g", "LoggingConfig": {"LogFormat": "Text"}})
    assert back["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/g"}
