"""A stream mapping created with StartingPosition LATEST on a stream that already holds records:
those records are not the mapping's, so drain finishes, and only later records reach the function."""

from __future__ import annotations

import pytest

RECORDER = 'def handler(event, context):\n    print("batch of", len(event["Records"]))\n    return {}\n'


@pytest.mark.parametrize("position", ["LATEST"])
def test_latest_on_a_stream_with_records_drains(cli, make_zip, position):
    cli("create-function", "--function-name", "f", "--runtime", "python3.12", "--handler", "app.handler",
        "--zip-file", f"fileb://{make_zip({'app.py': RECORDER})}")
    cli("kinesis", "create-stream", "--stream-name", "s", "--shard-count", "1")
    for _ in range(3):
        cli("kinesis", "put-record", "--stream-name", "s", "--partition-key", "k", "--data", "aGk=")
    cli("create-event-source-mapping", "--function-name", "f", "--starting-position", position,
        "--event-source-arn", "arn:aws:kinesis:us-east-1:123456789012:stream/s")
    cli("drain", "--timeout", "30", timeout=60)
    cli("kinesis", "put-record", "--stream-name", "s", "--partition-key", "k", "--data", "aGk=")
    cli("drain", "--timeout", "30", timeout=60)
    lines = cli("logs", "tail", "/aws/lambda/f", "--format", "short").stdout
    assert [line.split(" ", 1)[1] for line in lines.splitlines() if "batch of" in line] == ["batch of 1"]
