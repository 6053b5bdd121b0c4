"""Embedded S3 tests: the control plane on a tmp state directory, and the real CLI for commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

RECORDER = '''
import json, os

def handler(event, context):
    with open(os.environ["OUT"], "a") as f:
        f.write(json.dumps(event) + "\\n")
    return "ok"
'''


def events_in(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def recorder(cli, make_zip, tmp_path: Path) -> Path:
    """A function ``rec`` that appends every event it gets to the returned file."""
    out = tmp_path / "events.jsonl"
    cli.create("rec", make_zip({"app.py": RECORDER}), "--environment", f"Variables={{OUT={out}}}")
    return out


def notify(function: str = "rec", events: tuple[str, ...] = ("s3:ObjectCreated:*",), rules: dict[str, str] | None = None,
           config_id: str = "cfg") -> str:  # fmt: skip
    entry: dict[str, Any] = {
        "Id": config_id,
        "LambdaFunctionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{function}",
        "Events": list(events),
    }
    if rules:
        entry["Filter"] = {"Key": {"FilterRules": [{"Name": k, "Value": v} for k, v in rules.items()]}}
    return json.dumps({"LambdaFunctionConfigurations": [entry]})


def allow_s3(cli, bucket: str, function: str = "rec") -> None:
    cli("add-permission", "--function-name", function, "--statement-id", f"s3-{bucket}", "--action",
        "lambda:InvokeFunction", "--principal", "s3.amazonaws.com", "--source-arn", f"arn:aws:s3:::{bucket}")  # fmt: skip
