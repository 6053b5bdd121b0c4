"""The exact event JSON for SQS, Kinesis and DynamoDB-stream batches (reference §6): fields and key order."""

from __future__ import annotations

import base64
import hashlib
import json

from tests.mappings.conftest import ACCOUNT, events

SQS_KEYS = ["messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfMessageAttributes",
            "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"]  # fmt: skip


def test_sqs_event(esm):
    out = esm.function("f")
    queue = esm.queue("q")
    esm.cli("sqs", "send-message", "--queue-url", esm.url(queue), "--message-body", "test",
            "--message-attributes", '{"k": {"DataType": "String", "StringValue": "v"}}')  # fmt: skip
    esm.send(queue, ["plain"])
    esm.map("f", queue, "--maximum-batching-window-in-seconds", "1")
    esm.drain()
    [event] = events(out)
    assert list(event) == ["Records"]
    first, second = event["Records"]
    assert list(first) == SQS_KEYS
    assert list(second) == [key for key in SQS_KEYS if key != "md5OfMessageAttributes"]
    assert list(first["attributes"]) == ["ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                         "ApproximateFirstReceiveTimestamp"]  # fmt: skip
    assert first["messageAttributes"] == {"k": {"stringValue": "v", "stringListValues": [], "binaryListValues": [],
                                                "dataType": "String"}}  # fmt: skip
    assert first["md5OfBody"] == hashlib.md5(b"test").hexdigest()
    assert (first["body"], first["eventSource"], first["awsRegion"]) == ("test", "aws:sqs", "us-east-1")
    assert first["eventSourceARN"] == f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    assert second["messageAttributes"] == {}


def test_sqs_fifo_attributes(esm):
    out = esm.function("f")
    queue = esm.queue("q.fifo", FifoQueue="true")
    esm.send(queue, ["x"], MessageGroupId="g", MessageDeduplicationId="d")
    esm.map("f", queue)
    esm.drain()
    attributes = events(out)[0]["Records"][0]["attributes"]
    assert list(attributes) == ["ApproximateReceiveCount", "SentTimestamp", "SequenceNumber", "MessageGroupId",
                                "SenderId", "MessageDeduplicationId", "ApproximateFirstReceiveTimestamp"]  # fmt: skip
    assert (attributes["MessageGroupId"], attributes["MessageDeduplicationId"]) == ("g", "d")


def test_kinesis_event(esm):
    out = esm.function("f")
    stream = esm.stream("s")
    [put] = esm.put(stream, [("1", "hello")])
    esm.map("f", stream, "--starting-position", "TRIM_HORIZON")
    esm.drain()
    [record] = events(out)[0]["Records"]
    assert list(record) == ["kinesis", "eventSource", "eventVersion", "eventID", "eventName", "invokeIdentityArn",
                            "awsRegion", "eventSourceARN"]  # fmt: skip
    assert list(record["kinesis"]) == ["kinesisSchemaVersion", "partitionKey", "sequenceNumber", "data",
                                       "approximateArrivalTimestamp"]  # fmt: skip
    assert record["kinesis"]["data"] == base64.b64encode(b"hello").decode()
    assert isinstance(record["kinesis"]["approximateArrivalTimestamp"], float)
    assert record["eventID"] == f"{put['ShardId']}:{put['SequenceNumber']}"
    assert (record["eventSource"], record["eventVersion"], record["eventName"]) == ("aws:kinesis", "1.0",
                                                                                    "aws:kinesis:record")
    assert record["invokeIdentityArn"].startswith(f"arn:aws:iam::{ACCOUNT}:role/")
    assert record["eventSourceARN"] == stream


def test_dynamodb_stream_event(esm, plane):
    from lambdactl.services.dynamodbstreams import streams as dynamodb_streams

    out = esm.function("f")
    change = dynamodb_streams.put_record(plane, "T", "INSERT", {"Id": {"N": "101"}},
                                         new_image={"Id": {"N": "101"}, "Message": {"S": "New item!"}})
    dynamodb_streams.put_record(plane, "T", "MODIFY", {"Id": {"N": "101"}}, new_image={"Id": {"N": "101"}},
                                old_image={"Id": {"N": "101"}, "Message": {"S": "New item!"}})  # fmt: skip
    arn = dynamodb_streams.table_streams(plane, "T")[0]
    esm.map("f", arn, "--starting-position", "TRIM_HORIZON", "--maximum-batching-window-in-seconds", "1")
    esm.drain()
    insert, modify = events(out)[0]["Records"]
    assert list(insert) == ["eventID", "eventVersion", "eventName", "eventSource", "awsRegion", "dynamodb",
                            "eventSourceARN"]  # fmt: skip
    assert list(insert["dynamodb"]) == ["ApproximateCreationDateTime", "Keys", "NewImage", "SequenceNumber",
                                        "SizeBytes", "StreamViewType"]  # fmt: skip
    assert list(modify["dynamodb"]) == ["ApproximateCreationDateTime", "Keys", "NewImage", "OldImage",
                                        "SequenceNumber", "SizeBytes", "StreamViewType"]  # fmt: skip
    assert (insert["eventName"], modify["eventName"], insert["eventSource"]) == ("INSERT", "MODIFY", "aws:dynamodb")
    assert insert["dynamodb"]["SequenceNumber"] == change["dynamodb"]["SequenceNumber"]
    assert insert["eventSourceARN"] == arn
    assert json.dumps(insert["dynamodb"]["NewImage"]) == '{"Id": {"N": "101"}, "Message": {"S": "New item!"}}'
