"""serve answers every embedded service in its own wire protocol, and any other AWS service with
an error naming it, as real boto3 clients and the aws CLI read them."""

from __future__ import annotations

import json
import subprocess

import botocore.exceptions
import pytest
from botocore.config import Config

from lambdactl import model

from .conftest import boto3
from .test_guard import request

CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "test", "aws_secret_access_key": "test"}


def client(server, service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=server.url, config=Config(retries={"max_attempts": 1}), **CREDENTIALS)


def test_sqs_over_json_round_trip_and_query_compatible_errors(server) -> None:
    sqs = client(server, "sqs")
    url = sqs.create_queue(QueueName="wire-json", Attributes={"VisibilityTimeout": "7"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hi", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"]
    assert (message["Body"], message["MessageAttributes"]["k"]["StringValue"]) == ("hi", "v")
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == {"VisibilityTimeout": "7"}
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as caught:  # the modeled class, from x-amzn-query-error
        sqs.get_queue_url(QueueName="no-such-queue")
    error = caught.value.response["Error"]
    assert (error["Code"], error["QueryErrorCode"]) == ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_kinesis_blobs_and_timestamps(server) -> None:
    kinesis = client(server, "kinesis")
    kinesis.create_stream(StreamName="wire", ShardCount=1)
    kinesis.put_record(StreamName="wire", Data=b"\x00\xffbytes", PartitionKey="p")
    shard = kinesis.describe_stream(StreamName="wire")["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(StreamName="wire", ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    [record] = kinesis.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    assert record["Data"] == b"\x00\xffbytes"
    assert record["ApproximateArrivalTimestamp"].year >= 2024
    with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
        kinesis.describe_stream(StreamName="missing")


def test_dynamodb_streams_is_served_though_signed_as_dynamodb(server) -> None:
    streams = client(server, "dynamodbstreams")
    assert "Streams" in streams.list_streams()
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client(server, "dynamodb").list_tables()  # same signing name, another X-Amz-Target: not served
    assert caught.value.response["Error"]["Code"] == "NotImplemented"
    assert "'dynamodb'" in caught.value.response["Error"]["Message"]


@pytest.mark.parametrize("service, call", [
    ("dynamodb", lambda c: c.list_tables()),        # json
    ("sts", lambda c: c.get_caller_identity()),     # query
    ("sns", lambda c: c.list_topics()),             # query
    ("route53", lambda c: c.list_hosted_zones()),   # rest-xml
    ("eks", lambda c: c.list_clusters()),           # rest-json
])  # fmt: skip
def test_a_service_lambdactl_does_not_serve_is_named_in_its_sdks_error(server, service, call) -> None:
    assert service not in model_services(), f"{service} is served now: pick another unserved service of its protocol"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(client(server, service))
    error = caught.value.response["Error"]
    assert error["Code"] == "NotImplemented"
    assert f"lambdactl does not serve the AWS service {service!r}" in error["Message"]
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 0


def model_services() -> set[str]:
    from lambdactl.server import services

    return set(services.served())


def test_unimplemented_operation_of_a_served_service(server) -> None:
    sqs = client(server, "sqs")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sqs.list_message_move_tasks(SourceArn="arn:aws:sqs:us-east-1:123456789012:q")
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"
    assert "sqs:ListMessageMoveTasks" in caught.value.response["Error"]["Message"]


def test_a_web_page_cannot_reach_the_json_services(server) -> None:
    body = json.dumps({"QueueName": "from-a-page"}).encode()
    headers = {"X-Amz-Target": "AmazonSQS.CreateQueue", "Content-Type": "application/x-amz-json-1.0"}
    status, _, answer = request(server, "POST", "/", {**headers, "Origin": "http://evil.example"}, body)
    assert status == 403
    assert json.loads(answer)["__type"] == "AccessDeniedException"  # in the json protocol's own format
    form = b"Action=CreateQueue&QueueName=from-a-form"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "cross-site"}
    status, _, answer = request(server, "POST", "/", headers, form)
    assert status == 403 and b"Cross-origin requests are refused" in answer
    status, _, _ = request(server, "POST", "/", {"Content-Type": "application/x-www-form-urlencoded"}, form)
    assert status == 404  # unsigned: Lambda's, where no route takes it
    with pytest.raises(client(server, "sqs").exceptions.QueueDoesNotExist):
        client(server, "sqs").get_queue_url(QueueName="from-a-page")
    with pytest.raises(client(server, "sqs").exceptions.QueueDoesNotExist):
        client(server, "sqs").get_queue_url(QueueName="from-a-form")


@pytest.fixture
def query_client(server, tmp_path):  # type: ignore[no-untyped-def]
    """An SQS client that speaks the legacy query protocol, as botocore < 1.34.90 did: today's
    model with the query traits lambdactl keeps put back, loaded by botocore's own loader (its
    own query serializer and parser)."""
    import botocore.session

    traits = model.query_traits("sqs")
    service = json.loads(json.dumps(model.service("sqs")))
    service["metadata"] = {**service["metadata"], "protocol": "query", "protocols": ["query"],
                           "xmlNamespace": traits["xmlNamespace"]}  # fmt: skip
    for key in ("awsQueryCompatible", "jsonVersion", "targetPrefix"):
        service["metadata"].pop(key)
    service["shapes"] = traits["shapes"]
    for op_name, wrapper in traits["resultWrappers"].items():
        service["operations"][op_name]["output"]["resultWrapper"] = wrapper
    data = tmp_path / "sqs" / service["metadata"]["apiVersion"]
    data.mkdir(parents=True)
    (data / "service-2.json").write_text(json.dumps(service))
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(tmp_path))
    sqs = session.create_client("sqs", endpoint_url=server.url, config=Config(retries={"max_attempts": 1}), **CREDENTIALS)
    assert sqs.meta.service_model.protocol == "query"
    return sqs


def test_sqs_over_the_legacy_query_protocol(query_client) -> None:
    sqs = query_client
    url = sqs.create_queue(QueueName="wire-query", Attributes={"DelaySeconds": "0"}, tags={"team": "a"})["QueueUrl"]
    assert url.endswith("/wire-query")
    assert url in sqs.list_queues(QueueNamePrefix="wire-q")["QueueUrls"]
    sent = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "one", "MessageBody": "first", "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "1"}}},
        {"Id": "two", "MessageBody": "second & <last>"},
    ])  # fmt: skip
    assert sorted(entry["Id"] for entry in sent["Successful"]) == ["one", "two"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageAttributeNames=["All"])
    bodies = {m["Body"]: m for m in got["Messages"]}
    assert set(bodies) == {"first", "second & <last>"}
    assert bodies["first"]["MessageAttributes"]["n"] == {"DataType": "Number", "StringValue": "1"}
    assert bodies["first"]["Attributes"]["ApproximateReceiveCount"] == "1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=bodies["first"]["ReceiptHandle"])
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sqs.get_queue_url(QueueName="no-such-queue")
    assert caught.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert caught.value.response["Error"]["Type"] == "Sender"


def test_aws_cli_against_serve(server, aws) -> None:
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([aws, "--endpoint-url", server.url, *args], capture_output=True, text=True, env=env, timeout=60, check=False)

    created = run("sqs", "create-queue", "--queue-name", "wire-cli", "--query", "QueueUrl", "--output", "text")
    assert created.returncode == 0, created.stderr
    sent = run("sqs", "send-message", "--queue-url", created.stdout.strip(), "--message-body", "from the cli")
    assert sent.returncode == 0, sent.stderr
    streams = run("kinesis", "list-streams")
    assert streams.returncode == 0 and "StreamNames" in json.loads(streams.stdout)
    missing = run("sqs", "get-queue-url", "--queue-name", "nope")
    assert missing.returncode != 0  # 255 from the aws CLI v1, 254 from v2
    assert "AWS.SimpleQueueService.NonExistentQueue" in missing.stderr
    unserved = run("dynamodb", "list-tables")
    assert unserved.returncode != 0
    assert "(NotImplemented) when calling the ListTables operation: lambdactl does not serve the AWS service 'dynamodb'" in unserved.stderr
