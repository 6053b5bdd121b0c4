"""``generate-event``: every event in Lambda's format (reference §6: key sets and order), fields, --list."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

SQS_RECORD = ["messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody", "eventSource",
              "eventSourceARN", "awsRegion"]
SQS_ATTRIBUTES = ["ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"]
KINESIS_RECORD = ["kinesis", "eventSource", "eventVersion", "eventID", "eventName", "invokeIdentityArn", "awsRegion",
                  "eventSourceARN"]
KINESIS_DATA = ["kinesisSchemaVersion", "partitionKey", "sequenceNumber", "data", "approximateArrivalTimestamp"]
DYNAMODB_RECORD = ["eventID", "eventVersion", "eventName", "eventSource", "awsRegion", "dynamodb", "eventSourceARN"]
S3_RECORD = ["eventVersion", "eventSource", "awsRegion", "eventTime", "eventName", "userIdentity", "requestParameters",
             "responseElements", "s3"]
SCHEDULE = ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]
REST = ["resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
        "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
        "isBase64Encoded"]
REST_CONTEXT = ["accountId", "apiId", "resourcePath", "httpMethod", "path", "stage", "requestId", "requestTimeEpoch",
                "identity"]
V2 = ["version", "routeKey", "rawPath", "rawQueryString", "headers", "queryStringParameters", "requestContext", "body",
      "pathParameters", "isBase64Encoded", "stageVariables"]
V2_CONTEXT = ["accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey", "stage", "time",
              "timeEpoch"]
SNS_RECORD = ["EventSource", "EventVersion", "EventSubscriptionArn", "Sns"]  # fmt: skip


def in_order(keys: list[str], expected: list[str]) -> bool:
    """``expected`` appear in ``keys`` in this order (extra keys allowed in between)."""
    positions = [keys.index(key) for key in expected if key in keys]
    return len(positions) == len(expected) and positions == sorted(positions)


def generate(cli, *args: str) -> dict:
    result = cli("generate-event", *args)
    assert result.stdout.startswith("{\n    \"")  # 4-space indent, as the aws CLI prints
    return result.json


def test_sqs(cli) -> None:
    event = generate(cli, "sqs", "receive-message", "--body", "test", "--body", "two", "--queue-name", "q",
                     "--region", "us-east-2", "--account-id", "111122223333")
    first, second = event["Records"]
    assert list(first) == SQS_RECORD and list(first["attributes"]) == SQS_ATTRIBUTES
    assert first["body"] == "test" and first["md5OfBody"] == hashlib.md5(b"test").hexdigest()
    assert first["eventSourceARN"] == "arn:aws:sqs:us-east-2:111122223333:q" and first["awsRegion"] == "us-east-2"
    assert second["body"] == "two" and second["messageId"] != first["messageId"]


def test_sqs_fifo_attributes(cli) -> None:
    record = generate(cli, "sqs", "receive-message", "--queue-name", "q.fifo")["Records"][0]
    assert {"MessageGroupId", "MessageDeduplicationId", "SequenceNumber"} <= set(record["attributes"])


def test_kinesis_data_is_base64(cli) -> None:
    event = generate(cli, "kinesis", "get-records", "--data", "hello", "--partition-key", "pk", "--stream-name", "s")
    record = event["Records"][0]
    assert list(record) == KINESIS_RECORD and list(record["kinesis"]) == KINESIS_DATA
    assert base64.b64decode(record["kinesis"]["data"]) == b"hello" and record["kinesis"]["partitionKey"] == "pk"
    assert record["eventID"].endswith(":" + record["kinesis"]["sequenceNumber"])
    assert record["eventSourceARN"].endswith(":stream/s")


def test_dynamodb(cli) -> None:
    records = generate(cli, "dynamodb", "update", "--table-name", "T")["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert all(list(r) == DYNAMODB_RECORD and ":table/T/stream/" in r["eventSourceARN"] for r in records)
    assert "OldImage" not in records[0]["dynamodb"] and "NewImage" not in records[2]["dynamodb"]
    only = generate(cli, "dynamodb", "update", "--event-name", "MODIFY")["Records"]
    assert [r["eventName"] for r in only] == ["MODIFY"]


@pytest.mark.parametrize("event_name, expected", [("put", "ObjectCreated:Put"), ("delete", "ObjectRemoved:Delete")])
def test_s3(cli, event_name: str, expected: str) -> None:
    record = generate(cli, "s3", event_name, "--bucket", "b", "--key", "my dir/a+b.txt")["Records"][0]
    assert list(record) == S3_RECORD and record["eventName"] == expected
    assert record["s3"]["object"]["key"] == "my+dir/a%2Bb.txt"
    assert record["s3"]["bucket"] == {"name": "b", "ownerIdentity": record["s3"]["bucket"]["ownerIdentity"],
                                      "arn": "arn:aws:s3:::b"}  # fmt: skip


@pytest.mark.parametrize("source", ["eventbridge", "cloudwatch"])
def test_scheduled_event_and_alias(cli, source: str) -> None:
    event = generate(cli, source, "scheduled-event", "--rule-name", "nightly")
    assert list(event) == SCHEDULE and event["detail-type"] == "Scheduled Event"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/nightly"]


def test_apigateway_rest(cli) -> None:
    event = generate(cli, "apigateway", "aws-proxy", "--path", "/a/b", "--method", "PUT", "--query-string", "x=1&x=2")
    assert list(event) == REST and in_order(list(event["requestContext"]), REST_CONTEXT)
    assert event["httpMethod"] == "PUT" and event["pathParameters"] == {"proxy": "a/b"}
    assert event["queryStringParameters"] == {"x": "2"} and event["multiValueQueryStringParameters"] == {"x": ["1", "2"]}
    assert event["multiValueHeaders"]["Accept"] == ["*/*"] and event["requestContext"]["path"] == "/prod/a/b"
    empty = generate(cli, "apigateway", "aws-proxy", "--body", "")
    assert empty["queryStringParameters"] is None and empty["body"] is None  # null, not {}


@pytest.mark.parametrize("source, name, domain", [("apigateway", "http-api-proxy", ".execute-api.us-west-2.amazonaws.com"),
                                                  ("lambda", "function-url", ".lambda-url.us-west-2.on.aws")])  # fmt: skip
def test_payload_v2(cli, source: str, name: str, domain: str) -> None:
    event = generate(cli, source, name, "--query-string", "a=1&a=2&b=x", "--region", "us-west-2", "--path", "/p")
    assert list(event) == V2 and list(event["requestContext"]) == V2_CONTEXT
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"} and event["rawPath"] == "/p"
    assert event["requestContext"]["domainName"].endswith(domain)
    assert all(key == key.lower() for key in event["headers"])
    bare = generate(cli, source, name, "--body", "")
    assert "queryStringParameters" not in bare and "body" not in bare


def test_sns(cli) -> None:
    record = generate(cli, "sns", "notification", "--message", "hi", "--topic", "t")["Records"][0]
    assert list(record) == SNS_RECORD and record["Sns"]["Message"] == "hi"
    assert record["Sns"]["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:t"


def test_compact_and_list(cli) -> None:
    compact = cli("generate-event", "sns", "notification", "--compact").stdout
    assert compact.count("\n") == 1 and json.loads(compact)["Records"]
    listed = cli("generate-event", "--list").stdout.splitlines()
    pairs = {tuple(line.split("\t")[:2]) for line in listed}
    assert {("sqs", "receive-message"), ("kinesis", "get-records"), ("dynamodb", "update"), ("s3", "put"),
            ("s3", "delete"), ("eventbridge", "scheduled-event"), ("cloudwatch", "scheduled-event"),
            ("apigateway", "aws-proxy"), ("apigateway", "http-api-proxy"), ("lambda", "function-url"),
            ("sns", "notification")} <= pairs  # fmt: skip


def test_invoke_with_generated_event(cli, hello_zip, tmp_path) -> None:
    cli.create("f", hello_zip)
    event = tmp_path / "event.json"
    event.write_text(cli("generate-event", "sqs", "receive-message").stdout)
    cli("invoke", "--function-name", "f", "--payload", f"fileb://{event}", str(tmp_path / "out.json"))
    assert json.loads((tmp_path / "out.json").read_text()) == {"hello": "world"}


def test_errors(cli) -> None:
    assert "No such command" in cli("generate-event", "nope", "x", rc=252).stderr
    assert "--size" in cli("generate-event", "s3", "put", "--size", "big", rc=252).stderr
