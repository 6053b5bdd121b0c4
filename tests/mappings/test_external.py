"""An external SQS queue (and Kinesis stream) on a moto server, polled through boto3."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.mappings.conftest import bodies, events

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")


@pytest.fixture(scope="module")
def moto_endpoint():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("moto server did not start")
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(10)


def _client(service: str, endpoint: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")  # fmt: skip


def test_external_sqs_queue(esm, moto_endpoint):
    sqs = _client("sqs", moto_endpoint)
    url = sqs.create_queue(QueueName="ext")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    esm.cli.env.update(LAMBDACTL_SOURCE_ENDPOINT_URL=moto_endpoint, AWS_ACCESS_KEY_ID="testing",
                       AWS_SECRET_ACCESS_KEY="testing")  # fmt: skip
    out = esm.function("f", MODE="partial")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(7)])
    sqs.send_message(QueueUrl=url, MessageBody="flaky", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    mapping = esm.map("f", arn, "--batch-size", "10", "--function-response-types", "ReportBatchItemFailures")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "1"})
    esm.drain()
    seen = [b for batch in bodies(out) for b in batch]
    assert sorted(set(seen)) == sorted([f"m{i}" for i in range(7)] + ["flaky"]) and seen.count("flaky") == 2
    record = next(r for e in events(out) for r in e["Records"] if r["body"] == "flaky")
    assert record["messageAttributes"]["k"] == {"stringValue": "v", "stringListValues": [], "binaryListValues": [],
                                                "dataType": "String"}  # fmt: skip
    assert record["eventSourceARN"] == arn
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    esm.cli("delete-event-source-mapping", "--uuid", mapping["UUID"])


def test_external_kinesis_stream(esm, moto_endpoint):
    kinesis = _client("kinesis", moto_endpoint)
    kinesis.create_stream(StreamName="ext", ShardCount=2)
    arn = kinesis.describe_stream_summary(StreamName="ext")["StreamDescriptionSummary"]["StreamARN"]
    esm.cli.env.update(AWS_ENDPOINT_URL_KINESIS=moto_endpoint, AWS_ACCESS_KEY_ID="testing",
                       AWS_SECRET_ACCESS_KEY="testing")  # fmt: skip
    out = esm.function("f")
    for i in range(20):
        kinesis.put_record(StreamName="ext", PartitionKey=f"k{i % 3}", Data=f"{i % 3}:{i}".encode())
    mapping = esm.map("f", arn, "--starting-position", "TRIM_HORIZON", "--batch-size", "5")
    esm.drain()
    data = [base64.b64decode(r["kinesis"]["data"]).decode() for e in events(out) for r in e["Records"]]
    assert sorted(data) == sorted(f"{i % 3}:{i}" for i in range(20))
    for key in "012":
        mine = [int(d.split(":")[1]) for d in data if d.startswith(key)]
        assert mine == sorted(mine)
    esm.cli("delete-event-source-mapping", "--uuid", mapping["UUID"])


def test_missing_boto3_is_a_clear_error(monkeypatch):
    from lambdactl import errors
    from lambdactl.sources import external

    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(errors.ConfigurationError, match=r"pip install lambdactl\[aws\]"):
        external.client("sqs", "http://127.0.0.1:1", "us-east-1")
    assert os.environ.get("LAMBDACTL_SOURCE_ENDPOINT_URL") is None
