"""Retries counted exactly, destination records, event age, dead-letter queues (processed with Worker.drain)."""

from __future__ import annotations

import json
import re

import pytest

from lambdactl import errors
from lambdactl.plane import ControlPlane, Settings
from lambdactl.events import queue
from lambdactl.events.worker import Worker
from tests.events.conftest import event_invoke, lines, wait_until

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(autouse=True)
def queue_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDACTL_AUTO_WORKER", "0")


def drain(plane: ControlPlane) -> None:
    assert Worker(lambda: ControlPlane(Settings(state_dir=plane.settings.state_dir))).drain(60)


@pytest.mark.parametrize(("retries", "runs", "status"), [(2, 3, "succeeded"), (1, 2, "failed"), (0, 1, "failed")])
def test_retries_are_counted_exactly(plane, make_function, tmp_path, retries, runs, status):
    make_function("f")
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": retries})
    out = tmp_path / "out.jsonl"
    event_invoke(plane, "f", {"out": str(out), "fail_times": 2})
    drain(plane)
    assert len(lines(out)) == runs
    [event] = queue.list_events(plane, "f")
    assert (event["Status"], event["Attempts"]) == (status, runs)


def test_default_is_two_retries(plane, make_function, tmp_path):
    make_function("f")
    out = tmp_path / "out.jsonl"
    event_invoke(plane, "f", {"out": str(out), "fail_times": 9})
    drain(plane)
    assert len(lines(out)) == 3


def test_on_failure_and_on_success_records(plane, make_function, tmp_path):
    records = tmp_path / "records.jsonl"
    make_function("dest", Environment={"Variables": {"OUT": str(records)}})
    make_function("f")
    plane.call("PutFunctionEventInvokeConfig", {
        "FunctionName": "f", "MaximumRetryAttempts": 1,
        "DestinationConfig": {"OnSuccess": {"Destination": ARN + "dest"}, "OnFailure": {"Destination": ARN + "dest"}},
    })  # fmt: skip
    failing = {"out": str(tmp_path / "a.jsonl"), "fail_times": 5}
    passing = {"out": str(tmp_path / "b.jsonl")}
    event_invoke(plane, "f", failing)
    drain(plane)
    event_invoke(plane, "f", passing)
    drain(plane)
    failure, success = (line["event"] for line in lines(records))
    request_ids = [event["RequestId"] for event in queue.list_events(plane, "f")]

    assert list(failure) == ["version", "timestamp", "requestContext", "requestPayload", "responseContext",
                             "responsePayload"]  # fmt: skip
    assert failure["version"] == "1.0" and TIMESTAMP.fullmatch(failure["timestamp"])
    assert failure["requestContext"] == {"requestId": request_ids[0], "functionArn": ARN + "f:$LATEST",
                                         "condition": "RetriesExhausted", "approximateInvokeCount": 2}  # fmt: skip
    assert failure["requestPayload"] == failing
    assert failure["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert failure["responsePayload"]["errorMessage"] == "intentional failure"
    assert failure["responsePayload"]["errorType"] == "Exception"

    assert success["requestContext"] == {"requestId": request_ids[1], "functionArn": ARN + "f:$LATEST",
                                         "condition": "Success", "approximateInvokeCount": 1}  # fmt: skip
    assert success["requestPayload"] == passing
    assert success["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert success["responsePayload"] == {"runs": 1}


def test_event_age_expiry(plane, make_function, monkeypatch, tmp_path):
    monkeypatch.setenv("LAMBDACTL_EVENT_AGE_SCALE", "0.02")  # 60 s of age -> 1.2 s
    monkeypatch.setenv("LAMBDACTL_RETRY_DELAY_SCALE", "0.05")  # first retry after 3 s: too old by then
    records = tmp_path / "records.jsonl"
    make_function("dest", Environment={"Variables": {"OUT": str(records)}})
    make_function("f")
    plane.call("PutFunctionEventInvokeConfig", {
        "FunctionName": "f", "MaximumEventAgeInSeconds": 60,
        "DestinationConfig": {"OnFailure": {"Destination": ARN + "dest"}},
    })  # fmt: skip
    out = tmp_path / "out.jsonl"
    event_invoke(plane, "f", {"out": str(out), "fail_times": 9})
    drain(plane)
    assert len(lines(out)) == 1
    [record] = [line["event"] for line in lines(records)]
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"]["functionError"] == "Unhandled"
    [event] = queue.list_events(plane, "f")
    assert event["Status"] == "failed" and event["LastError"] == "event age exceeded 60 s"


QUEUE = "arn:aws:sqs:us-east-1:123456789012:"


def received(plane: ControlPlane, name: str) -> list[dict]:
    """Every message in an embedded queue, with its attributes."""
    url = plane.call("sqs:GetQueueUrl", {"QueueName": name})["QueueUrl"]
    found = plane.call("sqs:ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10,
                                              "MessageAttributeNames": ["All"]})  # fmt: skip
    return found.get("Messages", [])


def test_dead_letter_queue_gets_the_original_event_with_lambdas_attributes(plane, make_function, tmp_path):
    plane.call("sqs:CreateQueue", {"QueueName": "dlq"})
    make_function("f", DeadLetterConfig={"TargetArn": QUEUE + "dlq"})
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": 0})
    payload = {"out": str(tmp_path / "out.jsonl"), "fail_times": 9}
    event_invoke(plane, "f", payload)
    drain(plane)
    [message] = received(plane, "dlq")
    assert json.loads(message["Body"]) == payload
    [event] = queue.list_events(plane, "f")
    assert message["MessageAttributes"] == {
        "RequestID": {"DataType": "String", "StringValue": event["RequestId"]},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": "intentional failure"},
    }


def test_on_failure_destination_wins_over_the_dlq(plane, make_function, tmp_path):
    plane.call("sqs:CreateQueue", {"QueueName": "dlq"})
    make_function("dest", Environment={"Variables": {"OUT": str(tmp_path / "records.jsonl")}})
    make_function("f", DeadLetterConfig={"TargetArn": QUEUE + "dlq"})
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": 0,
                                                "DestinationConfig": {"OnFailure": {"Destination": ARN + "dest"}}})
    event_invoke(plane, "f", {"out": str(tmp_path / "out.jsonl"), "fail_times": 9})
    drain(plane)
    assert len(lines(tmp_path / "records.jsonl")) == 1
    assert received(plane, "dlq") == []


def test_queue_destinations_get_lambdas_records(plane, make_function, tmp_path):
    for name in ("good", "bad"):
        plane.call("sqs:CreateQueue", {"QueueName": name})
    make_function("f")
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": 0, "DestinationConfig": {
        "OnSuccess": {"Destination": QUEUE + "good"}, "OnFailure": {"Destination": QUEUE + "bad"}}})  # fmt: skip
    passing, failing = {"out": str(tmp_path / "a.jsonl")}, {"out": str(tmp_path / "b.jsonl"), "fail_times": 9}
    event_invoke(plane, "f", passing)
    event_invoke(plane, "f", failing)
    drain(plane)
    [success] = [json.loads(m["Body"]) for m in received(plane, "good")]
    [failure] = [json.loads(m["Body"]) for m in received(plane, "bad")]
    assert success["requestContext"]["condition"] == "Success" and success["requestPayload"] == passing
    assert success["responsePayload"] == {"runs": 1}
    assert failure["requestContext"]["condition"] == "RetriesExhausted" and failure["requestPayload"] == failing
    assert failure["responseContext"]["functionError"] == "Unhandled"
    assert failure["responsePayload"]["errorMessage"] == "intentional failure"


def test_a_missing_dead_letter_queue_is_a_visible_error(plane, make_function, tmp_path):
    sqs = QUEUE + "failures"
    make_function("f", DeadLetterConfig={"TargetArn": sqs})
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": 0})
    event_invoke(plane, "f", {"out": str(tmp_path / "out.jsonl"), "fail_times": 9})
    drain(plane)
    [event] = queue.list_events(plane, "f")
    assert event["LastError"] == (
        "Unhandled: Exception: intentional failure; dead-letter destination "
        f"{sqs} not reached: The specified queue does not exist."
    )


@pytest.mark.parametrize("target, message", [
    ("arn:aws:sns:us-east-1:123456789012:alerts",
     "lambdactl has no SNS, so the topic arn:aws:sns:us-east-1:123456789012:alerts cannot receive dead letters"),
    (ARN + "dlq", f"The dead-letter target {ARN}dlq is not an SQS queue or SNS topic ARN."),
])  # fmt: skip
def test_a_dead_letter_queue_is_an_sqs_queue(plane, make_function, target, message):
    with pytest.raises(errors.InvalidParameterValueException, match=re.escape(message)):
        make_function("f", DeadLetterConfig={"TargetArn": target})
    make_function("f")
    with pytest.raises(errors.InvalidParameterValueException, match=re.escape(message)):
        plane.call("UpdateFunctionConfiguration", {"FunctionName": "f", "DeadLetterConfig": {"TargetArn": target}})


def test_sns_destinations_are_refused_when_configured(plane, make_function):
    make_function("f")
    topic = "arn:aws:sns:us-east-1:123456789012:alerts"
    with pytest.raises(errors.InvalidParameterValueException, match="lambdactl has no SNS, so the topic"):
        plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "DestinationConfig": {"OnFailure": {"Destination": topic}}})
    with pytest.raises(errors.InvalidParameterValueException, match="use an SQS queue, a function or an event bus"):
        plane.call("UpdateFunctionEventInvokeConfig", {"FunctionName": "f", "DestinationConfig": {"OnSuccess": {"Destination": topic}}})


def test_a_version_uses_its_own_config(plane, make_function, tmp_path):
    from lambdactl.control.versions import publish

    make_function("f")
    publish(plane, "f")
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "Qualifier": "1", "MaximumRetryAttempts": 0})
    out = tmp_path / "out.jsonl"
    event_invoke(plane, "f", {"out": str(out), "fail_times": 9}, Qualifier="1")
    event_invoke(plane, "f", {"out": str(tmp_path / "latest.jsonl"), "fail_times": 9})
    drain(plane)
    assert len(lines(out)) == 1
    assert len(lines(tmp_path / "latest.jsonl")) == 3


def test_serve_api_start_stop(plane, make_function, tmp_path):
    make_function("f")
    worker = Worker(lambda: ControlPlane(Settings(state_dir=plane.settings.state_dir)))
    worker.start()
    try:
        out = tmp_path / "out.jsonl"
        event_invoke(plane, "f", {"out": str(out)})
        wait_until(lambda: lines(out))
    finally:
        worker.stop()
    wait_until(lambda: not queue.pending(plane))
