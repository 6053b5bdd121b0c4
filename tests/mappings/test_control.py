"""create-/get-/list-/update-/delete-event-source-mapping: fields, defaults per source, states, errors."""

from __future__ import annotations

import pytest

from lambdactl import errors

SQS = "arn:aws:sqs:us-east-1:123456789012:q"
STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/s"


@pytest.fixture
def setup(plane, zip_bytes, monkeypatch):
    monkeypatch.setenv("LAMBDACTL_AUTO_WORKER", "0")
    plane.call("CreateFunction", {"FunctionName": "f", "Runtime": "python3.12", "Handler": "app.handler",
                                  "Code": {"ZipFile": zip_bytes}})  # fmt: skip
    plane.call("sqs:CreateQueue", {"QueueName": "q"})
    plane.call("kinesis:CreateStream", {"StreamName": "s", "ShardCount": 1})
    return plane


def test_sqs_defaults_and_states(setup):
    created = setup.call("CreateEventSourceMapping", {"FunctionName": "f", "EventSourceArn": SQS})
    assert list(created) == ["UUID", "BatchSize", "MaximumBatchingWindowInSeconds", "EventSourceArn", "FunctionArn",
                             "LastModified", "State", "StateTransitionReason", "FunctionResponseTypes",
                             "EventSourceMappingArn"]  # fmt: skip
    assert (created["BatchSize"], created["State"], created["StateTransitionReason"]) == (10, "Creating", "USER_INITIATED")
    assert isinstance(created["LastModified"], float)
    assert created["EventSourceMappingArn"].endswith(f":event-source-mapping:{created['UUID']}")
    got = setup.call("GetEventSourceMapping", {"UUID": created["UUID"]})
    assert got["State"] == "Enabled"
    updated = setup.call("UpdateEventSourceMapping", {"UUID": created["UUID"], "Enabled": False, "BatchSize": 5})
    assert (updated["State"], updated["BatchSize"]) == ("Disabling", 5)
    assert setup.call("ListEventSourceMappings", {"FunctionName": "f"})["EventSourceMappings"][0]["State"] == "Disabled"
    assert setup.call("DeleteEventSourceMapping", {"UUID": created["UUID"]})["State"] == "Deleting"
    with pytest.raises(errors.ResourceNotFoundException, match="The resource you requested does not exist."):
        setup.call("GetEventSourceMapping", {"UUID": created["UUID"]})


def test_stream_defaults_are_echoed(setup):
    created = setup.call("CreateEventSourceMapping", {"FunctionName": "f", "EventSourceArn": STREAM,
                                                      "StartingPosition": "LATEST", "Enabled": False})  # fmt: skip
    assert created["State"] == "Disabled"
    assert {key: created[key] for key in ("BatchSize", "ParallelizationFactor", "MaximumRecordAgeInSeconds",
                                          "BisectBatchOnFunctionError", "MaximumRetryAttempts",
                                          "TumblingWindowInSeconds", "DestinationConfig", "StateTransitionReason",
                                          "LastProcessingResult")} == {
        "BatchSize": 100, "ParallelizationFactor": 1, "MaximumRecordAgeInSeconds": -1,
        "BisectBatchOnFunctionError": False, "MaximumRetryAttempts": -1, "TumblingWindowInSeconds": 0,
        "DestinationConfig": {"OnFailure": {}}, "StateTransitionReason": "User action",
        "LastProcessingResult": "No records processed"}
    assert "FilterCriteria" not in created


@pytest.mark.parametrize("params, error, message", [
    ({"EventSourceArn": SQS, "BatchSize": 100}, errors.InvalidParameterValueException,
     "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"),
    ({"EventSourceArn": STREAM}, errors.InvalidParameterValueException,
     "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."),
    ({"EventSourceArn": SQS, "StartingPosition": "LATEST"}, errors.InvalidParameterValueException, "StartingPosition"),
    ({"EventSourceArn": SQS, "DestinationConfig": {"OnFailure": {"Destination": SQS}}},
     errors.InvalidParameterValueException, "Unsupported DestinationConfig parameter for given event source mapping type."),
    ({"EventSourceArn": "arn:aws:s3:::bucket"}, errors.InvalidParameterValueException, "Unrecognized event source."),
    ({"EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:missing"}, errors.InvalidParameterValueException,
     "does not exist"),
    ({"EventSourceArn": SQS, "FilterCriteria": {"Filters": [{"Pattern": "{\"body\": 1}"}]}},
     errors.InvalidParameterValueException, "Invalid filter pattern definition."),
])  # fmt: skip
def test_errors(setup, monkeypatch, params, error, message):
    for name in ("LAMBDACTL_SOURCE_ENDPOINT_URL", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS", "LAMBDACTL_SOURCE_AWS"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        setup.call("CreateEventSourceMapping", {"FunctionName": "f", **params})


def test_missing_function_and_missing_source_arn_as_recorded(setup):
    # recorded AWS (LocalStack test_lambda_api.snapshot.json, test_event_source_mapping_exceptions):
    # create_no_event_source_arn and create_unknown_params are both 400s
    with pytest.raises(errors.InvalidParameterValueException, match=r"^Unrecognized event source\.$"):
        setup.call("CreateEventSourceMapping", {"FunctionName": "doesnotexist"})
    with pytest.raises(errors.InvalidParameterValueException, match="^Function does not exist$"):
        setup.call("CreateEventSourceMapping", {"FunctionName": "doesnotexist", "EventSourceArn": SQS})


def test_duplicates_are_refused(setup):
    first = setup.call("CreateEventSourceMapping", {"FunctionName": "f", "EventSourceArn": SQS})
    with pytest.raises(errors.ResourceConflictException) as caught:
        setup.call("CreateEventSourceMapping", {"FunctionName": "f", "EventSourceArn": SQS})
    # recorded AWS: test_lambda_integration_sqs.snapshot.json test_duplicate_event_source_mappings (the name as given)
    assert caught.value.message == (
        f'An event source mapping with SQS arn (" {SQS} ") and function (" f ") already exists. '
        f'Please update or delete the existing mapping with UUID {first["UUID"]}')
    setup.call("CreateEventSourceMapping", {"FunctionName": "f", "EventSourceArn": STREAM, "StartingPosition": "LATEST"})
    with pytest.raises(errors.ResourceConflictException, match="provided mapping already exists"):
        setup.call("CreateEventSourceMapping", {"FunctionName": "f", "EventSourceArn": STREAM,
                                                "StartingPosition": "TRIM_HORIZON"})  # fmt: skip


def test_filter_criteria_kept_and_listed(setup):
    criteria = {"Filters": [{"Pattern": '{"body": {"a": [{"prefix": "x"}]}}'}]}
    created = setup.call("CreateEventSourceMapping", {"FunctionName": "f", "EventSourceArn": SQS,
                                                      "FilterCriteria": criteria})  # fmt: skip
    assert created["FilterCriteria"] == criteria
    listed = setup.call("ListEventSourceMappings", {"EventSourceArn": SQS})["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [created["UUID"]]
