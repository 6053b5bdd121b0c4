"""Retries counted exactly, destination records, event age, dead-letter queues (processed with Worker.drain)."""

from __future__ import annotations

import re

import pytest

from lambdactl.control.plane import ControlPlane, Settings
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


def test_dead_letter_queue_gets_the_original_event(plane, make_function, tmp_path):
    dead = tmp_path / "dead.jsonl"
    make_function("dlq", Environment={"Variables": {"OUT": str(dead)}})
    make_function("f", DeadLetterConfig={"TargetArn": ARN + "dlq"})
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": 0})
    payload = {"out": str(tmp_path / "out.jsonl"), "fail_times": 9}
    event_invoke(plane, "f", payload)
    drain(plane)
    assert [line["event"] for line in lines(dead)] == [payload]


def test_on_failure_destination_wins_over_the_dlq(plane, make_function, tmp_path):
    make_function("dlq", Environment={"Variables": {"OUT": str(tmp_path / "dead.jsonl")}})
    make_function("dest", Environment={"Variables": {"OUT": str(tmp_path / "records.jsonl")}})
    make_function("f", DeadLetterConfig={"TargetArn": ARN + "dlq"})
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": 0,
                                                "DestinationConfig": {"OnFailure": {"Destination": ARN + "dest"}}})
    event_invoke(plane, "f", {"out": str(tmp_path / "out.jsonl"), "fail_times": 9})
    drain(plane)
    assert len(lines(tmp_path / "records.jsonl")) == 1
    assert not lines(tmp_path / "dead.jsonl")


def test_queue_destination_without_local_queues_is_a_visible_error(plane, make_function, tmp_path):
    sqs = "arn:aws:sqs:us-east-1:123456789012:failures"
    make_function("f", DeadLetterConfig={"TargetArn": sqs})
    plane.call("PutFunctionEventInvokeConfig", {"FunctionName": "f", "MaximumRetryAttempts": 0})
    event_invoke(plane, "f", {"out": str(tmp_path / "out.jsonl"), "fail_times": 9})
    drain(plane)
    [event] = queue.list_events(plane, "f")
    assert event["LastError"] == (
        "Unhandled: Exception: intentional failure; dead-letter destination "
        f"{sqs} not reached: SQS queues are not available locally yet"
    )


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
