"""A plain function's SDK (the bundled one: `lambdactl runtimes install-sdk`) reaches the embedded
services, under `serve` and under a plain CLI invoke (whose process hosts the endpoint), with no
endpoint in its code; a service lambdactl does not serve fails with an error naming it instead of
reaching AWS."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

boto3 = pytest.importorskip("boto3")
import serving
from botocore.config import Config

from lambdactl.runtime import sdk

SOURCE = '''
import json, os
import boto3

def handler(event, context):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=event["queue"])["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"from": context.function_name}))
    print("sent a message")
    logs = boto3.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    try:
        boto3.client("dynamodb").list_tables()
        unserved = "reached"
    except Exception as exc:
        unserved = str(exc)
    endpoints = {k: v for k, v in os.environ.items() if k.startswith("AWS_ENDPOINT_URL")}
    return {"endpoints": endpoints, "unserved": unserved, "groups": [g["logGroupName"] for g in logs]}
'''
NODE_SOURCE = '''
const { SQSClient, GetQueueUrlCommand, SendMessageCommand } = require("@aws-sdk/client-sqs");
const { DynamoDBClient, ListTablesCommand } = require("@aws-sdk/client-dynamodb");

exports.handler = async (event) => {
  const sqs = new SQSClient({});
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: event.queue }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ from: "node" }) }));
  try {
    await new DynamoDBClient({}).send(new ListTablesCommand({}));
    return { unserved: "reached" };
  } catch (error) {
    return { unserved: `${error.name}: ${error.message}` };
  }
};
'''
# boto3's import takes seconds at 128 MB's share of a CPU; the test is about endpoints, not speed.
CONFIG = ["--memory-size", "1769", "--timeout", "60"]


@pytest.fixture(scope="module", autouse=True)
def _bundled_sdk() -> None:
    if sdk.python_dir(Path("/nonexistent")) and sdk.node_dir(Path("/nonexistent")):
        return
    reason = "the bundled AWS SDK is not installed: run `lambdactl runtimes install-sdk`"
    if os.environ.get("LAMBDACTL_REQUIRE_SDK") == "1":
        pytest.fail(f"LAMBDACTL_REQUIRE_SDK=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def check(result: dict, url_prefix: str = "http://127.0.0.1:", own: tuple[str, ...] = ()) -> None:
    assert set(result["endpoints"]) >= {
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_KINESIS",
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    }  # fmt: skip
    assert all(url.startswith(url_prefix) for name, url in result["endpoints"].items() if name not in own)
    assert "(NotImplemented) when calling the ListTables operation: lambdactl does not serve the AWS service 'dynamodb'" in result["unserved"]


@pytest.mark.slow
def test_a_plain_cli_invoke_hosts_the_endpoints(cli, make_zip, tmp_path) -> None:
    cli("sqs", "create-queue", "--queue-name", "inbox")
    cli.create("sender", make_zip({"app.py": SOURCE}), *CONFIG)
    cli("wait", "function-active-v2", "--function-name", "sender")
    out = tmp_path / "out.json"
    result = cli("invoke", "--function-name", "sender", "--payload", '{"queue": "inbox"}',
                 "--cli-binary-format", "raw-in-base64-out", str(out))  # fmt: skip
    assert "FunctionError" not in result.json, out.read_text()
    reply = json.loads(out.read_text())
    check(reply)
    assert reply["groups"] == ["/aws/lambda/sender"] or reply["groups"] == []  # its own logs land after it returns
    bodies = cli("sqs", "receive-message", "--queue-url", "http://sqs.us-east-1.localhost/123456789012/inbox",
                 "--query", "Messages[].Body", "--output", "text").stdout  # fmt: skip
    assert json.loads(bodies) == {"from": "sender"}
    # An async invoke runs in the background worker (or `drain`), which hosts the endpoint in turn.
    cli("invoke", "--function-name", "sender", "--invocation-type", "Event", "--payload", '{"queue": "inbox"}',
        "--cli-binary-format", "raw-in-base64-out", str(out))  # fmt: skip
    cli("drain", "--timeout", "120", timeout=150)
    status = cli("list-async-events", "--function-name", "sender", "--query", "AsyncEvents[].Status", "--output", "text")
    assert status.stdout.split() == ["succeeded"]
    bodies = cli("sqs", "receive-message", "--queue-url", "http://sqs.us-east-1.localhost/123456789012/inbox",
                 "--visibility-timeout", "0", "--query", "Messages[].Body", "--output", "text").stdout  # fmt: skip
    assert json.loads(bodies) == {"from": "sender"}  # the first message is still in flight: this is the second


@pytest.mark.slow
def test_under_serve_functions_reach_serves_services(tmp_path) -> None:
    server = serving.start_server(tmp_path / "state", tmp_path / "serve.log")
    try:
        config = Config(retries={"max_attempts": 1}, read_timeout=90)
        kwargs = {"endpoint_url": server.url, "region_name": "us-east-1", "aws_access_key_id": "t", "aws_secret_access_key": "t", "config": config}
        sqs, lam = boto3.client("sqs", **kwargs), boto3.client("lambda", **kwargs)
        url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        lam.create_function(FunctionName="sender", Runtime="python3.12", Role=serving.ROLE, Handler="app.handler",
                            Code={"ZipFile": serving.zip_bytes(SOURCE)}, MemorySize=1769, Timeout=60,
                            Environment={"Variables": {"AWS_ENDPOINT_URL_KINESIS": "http://mine.example"}})  # fmt: skip
        lam.get_waiter("function_active_v2").wait(FunctionName="sender")
        for _ in range(2):  # the second call finds its own log group
            reply = lam.invoke(FunctionName="sender", Payload=json.dumps({"queue": "inbox"}))
            assert "FunctionError" not in reply
            result = json.loads(reply["Payload"].read())
        assert result["endpoints"]["AWS_ENDPOINT_URL_SQS"] == server.url
        assert result["endpoints"]["AWS_ENDPOINT_URL_KINESIS"] == "http://mine.example"  # the function's own wins
        check(result, server.url, own=("AWS_ENDPOINT_URL_KINESIS",))
        assert result["groups"] == ["/aws/lambda/sender"]
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert [json.loads(m["Body"]) for m in messages] == [{"from": "sender"}] * 2

        lam.create_function(FunctionName="node-sender", Runtime="nodejs20.x", Role=serving.ROLE, Handler="index.handler",
                            Code={"ZipFile": node_zip()}, MemorySize=1769, Timeout=60)  # fmt: skip
        lam.get_waiter("function_active_v2").wait(FunctionName="node-sender")
        reply = lam.invoke(FunctionName="node-sender", Payload=json.dumps({"queue": "inbox"}))
        result = json.loads(reply["Payload"].read())
        assert "FunctionError" not in reply, result
        assert result["unserved"].startswith("NotImplemented: lambdactl does not serve the AWS service 'dynamodb'")
        [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        assert json.loads(message["Body"]) == {"from": "node"}
    finally:
        assert server.stop() == 0


def node_zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.js", NODE_SOURCE)
    return buffer.getvalue()
