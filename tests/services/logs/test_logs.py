"""CloudWatch Logs over the function logs: a function's output read back with boto3 and the aws CLI
against a real `serve`."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
import serving
from botocore.config import Config
from botocore.exceptions import ClientError

SOURCE = '''
def handler(event, context):
    print("marker", event["n"])
    print("noise", event["n"])
    return event["n"]
'''
CREDENTIALS = {"region_name": "us-east-1", "aws_access_key_id": "test", "aws_secret_access_key": "test"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[serving.Server]:
    root = tmp_path_factory.mktemp("logs")
    running = serving.start_server(root / "state", root / "serve.log")
    lam = boto3.client("lambda", endpoint_url=running.url, config=Config(retries={"max_attempts": 1}), **CREDENTIALS)
    lam.create_function(FunctionName="printer", Runtime="python3.12", Role=serving.ROLE, Handler="app.handler",
                        Code={"ZipFile": serving.zip_bytes(SOURCE)})  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName="printer")
    for n in (1, 2):
        assert lam.invoke(FunctionName="printer", Payload=json.dumps({"n": n}))["StatusCode"] == 200
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="module")
def logs(server: serving.Server) -> Any:
    return boto3.client("logs", endpoint_url=server.url, config=Config(retries={"max_attempts": 1}), **CREDENTIALS)


GROUP = "/aws/lambda/printer"


def test_groups_and_streams(logs) -> None:
    groups = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    assert [g["logGroupName"] for g in groups] == [GROUP]
    assert groups[0]["arn"] == f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}:*"
    assert logs.describe_log_groups(logGroupNamePrefix="/other")["logGroups"] == []
    streams = logs.describe_log_streams(logGroupName=GROUP, orderBy="LastEventTime", descending=True)["logStreams"]
    assert streams and all(s["logStreamName"].startswith("20") and "[$LATEST]" in s["logStreamName"] for s in streams)
    assert streams[0]["lastEventTimestamp"] >= streams[-1]["lastEventTimestamp"]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.describe_log_streams(logGroupName="/aws/lambda/nothing")


def test_get_log_events_reads_a_functions_output(logs) -> None:
    stream = logs.describe_log_streams(logGroupName=GROUP)["logStreams"][0]["logStreamName"]
    page = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True)
    messages = [event["message"] for event in page["events"]]
    assert messages[0].startswith("START RequestId: ")
    assert any(m.startswith("REPORT RequestId: ") for m in messages)
    assert "marker 1" in messages or "marker 2" in messages
    # forward paging, one event at a time, ends where it started repeating the token
    first = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True, limit=1)
    second = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, nextToken=first["nextForwardToken"], limit=1)
    assert [first["events"][0]["message"], second["events"][0]["message"]] == messages[:2]
    last = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, limit=1)  # newest by default
    assert last["events"][0]["message"] == messages[-1]
    end = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, nextToken=last["nextForwardToken"])
    assert end["events"] == [] and end["nextForwardToken"] == last["nextForwardToken"]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_log_events(logGroupName=GROUP, logStreamName="no-such-stream")


def test_filter_log_events_with_term_patterns(logs) -> None:
    found = logs.filter_log_events(logGroupName=GROUP, filterPattern='"marker"')["events"]
    assert sorted(e["message"] for e in found) == ["marker 1", "marker 2"]
    either = logs.filter_log_events(logGroupName=GROUP, filterPattern="?marker ?noise -2")["events"]
    assert sorted(e["message"] for e in either) == ["marker 1", "noise 1"]
    paged = list(logs.get_paginator("filter_log_events").paginate(
        logGroupName=GROUP, filterPattern="marker", PaginationConfig={"PageSize": 1}))  # fmt: skip
    assert [e["message"] for page in paged for e in page["events"]] == ["marker 1", "marker 2"]
    with pytest.raises(logs.exceptions.InvalidParameterException) as caught:
        logs.filter_log_events(logGroupName=GROUP, filterPattern='{ $.level = "ERROR" }')
    assert "term filter patterns only" in str(caught.value)
    with pytest.raises(ClientError) as caught:
        logs.filter_log_events(logGroupName="/aws/lambda/nothing")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_aws_cli_reads_the_logs(server) -> None:
    found = Path(serving.PYTHON).with_name("aws")
    aws = str(found) if found.exists() else shutil.which("aws")
    if not aws:
        pytest.skip("the aws CLI is not installed")
    env = {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [aws, "--endpoint-url", server.url, "logs", "filter-log-events", "--log-group-name", GROUP,
         "--filter-pattern", "marker", "--query", "events[].message", "--output", "text"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.rstrip("\n").split("\t") == ["marker 1", "marker 2"]
