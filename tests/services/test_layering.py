"""Storage never starts processes: the producing operations wake the mapping worker, once per call."""

from __future__ import annotations

import base64

import pytest

from lambdactl import errors
from lambdactl.services.dynamodbstreams import streams as dynamodb_streams
from lambdactl.services.kinesis import streams as kinesis
from lambdactl.services.sqs import queues as sqs


@pytest.fixture
def woken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ARNs ``wake`` was called with (the worker is never started)."""
    from lambdactl.events.pollers import manager

    calls: list[str] = []
    monkeypatch.setattr(manager, "wake", lambda plane, arn: calls.append(arn))
    return calls


def test_storage_does_not_wake(plane, woken):
    queue = sqs.create_queue(plane, "q")
    sqs.send(plane, queue, "hello")
    stream = kinesis.stream_arn(plane, "s")
    kinesis.create(plane, stream, "s", 2)
    kinesis.put_many(plane, stream, [("a", b"1", None), ("b", b"2", None)])
    dynamodb_streams.put_record(plane, "T", "INSERT", {"Id": {"N": "1"}})
    assert woken == []


def test_sqs_sends_wake_once_per_call(plane, woken):
    url = plane.call("sqs:CreateQueue", {"QueueName": "q"})["QueueUrl"]
    arn = sqs.queue_arn(plane, "q")
    plane.call("sqs:SendMessage", {"QueueUrl": url, "MessageBody": "one"})
    assert woken == [arn]
    entries = [{"Id": str(i), "MessageBody": f"m{i}"} for i in range(5)]
    result = plane.call("sqs:SendMessageBatch", {"QueueUrl": url, "Entries": entries})
    assert len(result["Successful"]) == 5 and woken == [arn, arn]


def test_failed_sends_do_not_wake(plane, woken):
    url = plane.call("sqs:CreateQueue", {"QueueName": "q"})["QueueUrl"]
    with pytest.raises(sqs.MissingParameter):
        plane.call("sqs:SendMessage", {"QueueUrl": url, "MessageBody": ""})
    result = plane.call("sqs:SendMessageBatch", {"QueueUrl": url, "Entries": [{"Id": "a", "MessageBody": ""}]})
    assert [entry["Code"] for entry in result["Failed"]] == ["MissingParameter"] and woken == []


def test_kinesis_puts_wake_once_per_call(plane, woken):
    plane.call("kinesis:CreateStream", {"StreamName": "s", "ShardCount": 2})
    arn = kinesis.stream_arn(plane, "s")
    data = base64.b64encode(b"x").decode()
    plane.call("kinesis:PutRecord", {"StreamName": "s", "PartitionKey": "a", "Data": data})
    records = [{"PartitionKey": f"k{i}", "Data": data} for i in range(7)]
    plane.call("kinesis:PutRecords", {"StreamARN": arn, "Records": records})
    assert woken == [arn, arn]


def test_dynamodbstreams_put_record_operation(plane, woken):
    keys, new = {"Id": {"N": "1"}}, {"Id": {"N": "1"}, "Message": {"S": "hi"}}
    first = plane.call("dynamodbstreams:PutRecord", {"TableName": "T", "EventName": "INSERT", "Keys": keys,
                                                      "NewImage": new})  # fmt: skip
    [arn] = dynamodb_streams.table_streams(plane, "T")
    assert first["StreamArn"] == arn and first["Record"]["dynamodb"]["NewImage"] == new
    second = plane.call("dynamodbstreams:PutRecord", {"StreamArn": arn, "EventName": "REMOVE", "Keys": keys,
                                                       "OldImage": new})  # fmt: skip
    assert second["StreamArn"] == arn and second["Record"]["dynamodb"]["OldImage"] == new
    assert woken == [arn, arn]
    [shard] = kinesis.shards(plane, arn)
    assert dynamodb_streams.read(plane, arn, shard.shard_id, None, 10) == [first["Record"], second["Record"]]


def test_dynamodbstreams_put_record_errors(plane, woken):
    with pytest.raises(errors.ServiceError, match="Either TableName or StreamArn"):
        plane.call("dynamodbstreams:PutRecord", {"EventName": "INSERT", "Keys": {"Id": {"N": "1"}}})
    with pytest.raises(kinesis.InvalidArgumentException, match="eventName must be one of"):
        plane.call("dynamodbstreams:PutRecord", {"TableName": "T", "EventName": "UPSERT", "Keys": {"Id": {"N": "1"}}})
    missing = "arn:aws:dynamodb:us-east-1:123456789012:table/X/stream/2024-01-01T00:00:00.000"
    with pytest.raises(kinesis.ResourceNotFoundException):
        plane.call("dynamodbstreams:PutRecord", {"StreamArn": missing, "EventName": "INSERT", "Keys": {"Id": {"N": "1"}}})
    assert woken == []


def test_service_error_factory():
    cls = errors.service_error("AWS.SimpleQueueService.NonExistentQueue", 400, name="QueueDoesNotExist")
    assert cls.__name__ == "QueueDoesNotExist" and issubclass(cls, errors.ServiceError)
    exc = cls("gone")
    assert (exc.code, exc.status, exc.body()) == ("AWS.SimpleQueueService.NonExistentQueue", 400,
                                                  {"Type": "User", "message": "gone"})  # fmt: skip
    assert errors.service_error("X", 500, "Message").__name__ == "X"
    assert (sqs.QueueDoesNotExist.__name__, sqs.QueueDoesNotExist.code) == (
        "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")  # fmt: skip
    assert (kinesis.InvalidArgumentException.code, kinesis.InvalidArgumentException.message_key) == (
        "InvalidArgumentException", "message")  # fmt: skip
