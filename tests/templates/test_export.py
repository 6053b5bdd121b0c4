"""`lambdactl export`: the state directory as a SAM template that cfn-lint accepts and deploy recreates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CLI
from templates.test_deploy import write_app

COMPARED = ("FunctionName", "Handler", "Runtime", "MemorySize", "Timeout", "Environment", "CodeSha256", "Architectures",
            "PackageType")  # fmt: skip


def snapshot(cli: CLI) -> dict:
    functions = sorted(f["FunctionName"] for f in cli("list-functions").json["Functions"])
    return {
        "functions": {name: {k: v for k, v in cli("get-function-configuration", "--function-name", name).json.items()
                             if k in COMPARED} for name in functions},
        "aliases": {name: [a["Name"] for a in cli("list-aliases", "--function-name", name).json["Aliases"]] for name in functions},
        "queues": cli("sqs", "list-queues", "--query", "QueueUrls").json,
        "buckets": cli("s3api", "list-buckets", "--query", "Buckets[].Name").json,
        "notifications": cli("s3api", "get-bucket-notification-configuration", "--bucket", "app-uploads",
                             "--query", "LambdaFunctionConfigurations[].[LambdaFunctionArn, Events]").json,
        "mappings": sorted((m["EventSourceArn"], m["FunctionArn"], m["BatchSize"])
                           for m in cli("list-event-source-mappings").json["EventSourceMappings"]),
        "rules": cli("events", "list-rules", "--query", "Rules[].[Name, ScheduleExpression, State]").json,
        "targets": cli("events", "list-targets-by-rule", "--rule", "app-WorkerNightly", "--query", "Targets[].Arn").json,
        "routes": cli("apigatewayv2", "get-routes", "--api-id",
                      cli("apigatewayv2", "get-apis", "--query", "Items[0].ApiId", "--output", "text").stdout.strip(),
                      "--query", "Items[].RouteKey").json,
    }


@pytest.mark.slow
def test_export_lints_clean_and_deploys_to_the_same_state(cli, tmp_path: Path) -> None:
    write_app(tmp_path)
    cli("deploy", "--stack-name", "app")
    before = snapshot(cli)
    assert before["mappings"] and before["notifications"] and before["rules"] and before["routes"] == ["GET /hello"]

    cli("export", "--output-dir", "out")
    template = tmp_path / "out/template.yaml"
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), str(template)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr

    fresh = CLI(tmp_path / "fresh-state", tmp_path / "out")
    fresh("deploy", "--stack-name", "moved")
    assert snapshot(fresh) == before
    assert json.loads(fresh("deploy", "--stack-name", "moved", "--output", "json").stdout or "{}") == {}
