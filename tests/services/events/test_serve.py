"""EventBridge (json) and Scheduler (rest-json) through a real `lambdactl serve` with real boto3 clients,
and a function that publishes an event which triggers another function."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving import ROLE, Server, start_server, wait_until, zip_bytes

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402

pytestmark = pytest.mark.slow
CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "test", "aws_secret_access_key": "test"}
PUBLISHER = '''
import json, boto3

def handler(event, context):
    events = boto3.client("events")  # AWS_ENDPOINT_URL_EVENTBRIDGE points at serve
    result = events.put_events(Entries=[{"Source": "orders", "DetailType": "placed", "Detail": json.dumps(event)}])
    return result["Entries"][0]
'''
RECORDER = '''
import json, os

def handler(event, context):
    with open(os.environ["OUT"], "a") as f:
        f.write(json.dumps(event) + "\\n")
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serve-events")
    running = start_server(root / "state", root / "serve.log")
    yield running
    assert running.process.poll() is None, "serve died during the tests"
    assert running.stop() == 0


def client(server: Server, service: str):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=server.url, config=Config(retries={"max_attempts": 1}), **CREDENTIALS)


def test_events_api_round_trip_and_errors(server: Server) -> None:
    events = client(server, "events")
    arn = events.put_rule(Name="wire", EventPattern=json.dumps({"source": ["a"]}), State="DISABLED")["RuleArn"]
    assert arn == "arn:aws:events:us-east-1:123456789012:rule/wire"
    assert events.describe_rule(Name="wire")["State"] == "DISABLED"
    with pytest.raises(events.exceptions.ResourceNotFoundException) as caught:
        events.describe_rule(Name="missing")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert caught.value.response["Error"]["Message"] == "Rule missing does not exist on EventBus default."
    with pytest.raises(events.exceptions.InvalidEventPatternException):
        events.put_rule(Name="bad", EventPattern='{"a": []}')
    assert events.test_event_pattern(EventPattern='{"a": [1]}', Event=json.dumps({"id": "1", "a": 1}))["Result"] is True


def test_scheduler_api_round_trip_and_errors(server: Server) -> None:
    scheduler = client(server, "scheduler")
    target = {"Arn": "arn:aws:sqs:us-east-1:123456789012:nowhere", "RoleArn": ROLE}
    scheduler.create_schedule_group(Name="g")
    arn = scheduler.create_schedule(Name="s", GroupName="g", ScheduleExpression="cron(0 9 ? * MON-FRI *)",
                                    ScheduleExpressionTimezone="Europe/Berlin", FlexibleTimeWindow={"Mode": "OFF"},
                                    Target=target)["ScheduleArn"]  # fmt: skip
    assert arn == "arn:aws:scheduler:us-east-1:123456789012:schedule/g/s"
    got = scheduler.get_schedule(Name="s", GroupName="g")
    assert (got["ScheduleExpressionTimezone"], got["Target"]["Arn"]) == ("Europe/Berlin", target["Arn"])
    assert got["CreationDate"].year >= 2024
    with pytest.raises(scheduler.exceptions.ConflictException):
        scheduler.create_schedule(Name="s", GroupName="g", ScheduleExpression="rate(1 day)",
                                  FlexibleTimeWindow={"Mode": "OFF"}, Target=target)  # fmt: skip
    with pytest.raises(scheduler.exceptions.ValidationException) as caught:
        scheduler.create_schedule(Name="t", ScheduleExpression="cron(0 1 * * * *)", FlexibleTimeWindow={"Mode": "OFF"},
                                  Target=target)  # fmt: skip
    assert caught.value.response["Error"]["Message"] == "Invalid Schedule Expression cron(0 1 * * * *)."
    scheduler.delete_schedule(Name="s", GroupName="g")
    with pytest.raises(scheduler.exceptions.ResourceNotFoundException):
        scheduler.get_schedule(Name="s", GroupName="g")


def test_a_function_publishes_an_event_that_triggers_another(server: Server, tmp_path: Path) -> None:
    lam, events = client(server, "lambda"), client(server, "events")
    out = tmp_path / "consumer.jsonl"
    # python3.11 is the host's interpreter, which has boto3 (as the Lambda runtimes bundle it)
    lam.create_function(FunctionName="publisher", Runtime="python3.11", Role=ROLE, Handler="app.handler", Timeout=30,
                        Code={"ZipFile": zip_bytes(PUBLISHER)})  # fmt: skip
    lam.create_function(FunctionName="consumer", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                        Code={"ZipFile": zip_bytes(RECORDER)}, Environment={"Variables": {"OUT": str(out)}})  # fmt: skip
    for name in ("publisher", "consumer"):
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
    rule = events.put_rule(Name="placed", EventPattern=json.dumps({"source": ["orders"], "detail-type": ["placed"]}))
    lam.add_permission(FunctionName="consumer", StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=rule["RuleArn"])  # fmt: skip
    events.put_targets(Rule="placed", Targets=[{"Id": "consumer", "Arn": lam.get_function(FunctionName="consumer")[
        "Configuration"]["FunctionArn"], "InputPath": "$.detail"}])  # fmt: skip
    response = lam.invoke(FunctionName="publisher", Payload=json.dumps({"order": 42}))
    published = json.loads(response["Payload"].read())
    assert "EventId" in published, published
    wait_until(out.exists, timeout=60, what="the consumer to run")
    assert [json.loads(line) for line in out.read_text().splitlines()] == [{"order": 42}]
