"""The no-op redeploy and the unchanged build take their fast paths: nothing parsed, no handler imported."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

PROBE = textwrap.dedent(
    """
    import json, sys, runpy
    sys.argv = ["lambdactl", *sys.argv[1:]]
    code = None
    try:
        runpy.run_module("lambdactl", run_name="__main__")
    except SystemExit as exc:
        code = exc.code
    watched = ("yaml", "lambdactl.templates.deploy", "lambdactl.templates.resources", "lambdactl.templates.resolve")
    print("\\nPROBE " + json.dumps({"code": code, "loaded": [m for m in watched if m in sys.modules]}), file=sys.stderr)
    """
)

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Role:
    Type: AWS::IAM::Role
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
"""


def probe(cli, cwd: Path, *args: str) -> tuple[list[str], str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], env=cli.environment(), cwd=cwd, capture_output=True,
                          text=True, timeout=120)
    line = [row for row in proc.stderr.splitlines() if row.startswith("PROBE ")][-1]
    report = json.loads(line[len("PROBE "):])
    assert report["code"] in (0, None), proc.stderr
    return report["loaded"], proc.stdout + proc.stderr


def write(root: Path, body: str = "def handler(event, context):\n    return 1\n") -> None:
    (root / "src").mkdir(exist_ok=True)
    (root / "src/app.py").write_text(body)
    (root / "template.yaml").write_text(TEMPLATE)


def test_no_op_redeploy_reads_no_template_and_imports_no_handler(cli, tmp_path: Path) -> None:
    write(tmp_path)
    deploy = ("deploy", "--template", "template.yaml", "--stack-name", "fast", "--output", "json")
    loaded, _ = probe(cli, tmp_path, *deploy)
    assert "lambdactl.templates.resources" in loaded  # the first deploy does the work
    loaded, out = probe(cli, tmp_path, *deploy)
    assert loaded == [], f"a no-op redeploy imported {loaded}"
    assert "No changes to deploy. Stack fast is up to date" in out
    assert '"LogicalResourceId": "Role"' in out and "Skip (not run locally)" in out  # the same answer as a full no-op

    write(tmp_path, "def handler(event, context):\n    return 2\n")  # an edit is no no-op
    loaded, out = probe(cli, tmp_path, *deploy)
    assert "lambdactl.templates.resources" in loaded and '"Action": "Modify"' in out
    cli("invoke", "--function-name", "fast-Fn", "out.json")
    assert (tmp_path / "out.json").read_text() == "2"

    (tmp_path / "template.yaml").write_text(TEMPLATE + "      MemorySize: 256\n")  # so is a template edit
    loaded, out = probe(cli, tmp_path, *deploy)
    assert "lambdactl.templates.resources" in loaded and '"Action": "Modify"' in out
    assert cli("get-function-configuration", "--function-name", "fast-Fn").json["MemorySize"] == 256


def test_unchanged_build_parses_nothing(cli, tmp_path: Path) -> None:
    write(tmp_path)
    loaded, out = probe(cli, tmp_path, "build")
    assert "yaml" in loaded and "Building Fn" in out
    loaded, out = probe(cli, tmp_path, "build")
    assert "yaml" not in loaded, f"an unchanged build imported {loaded}"
    assert "Skipping Fn: unchanged since the last build" in out
    (tmp_path / "src/app.py").write_text("def handler(event, context):\n    return 3\n")
    loaded, out = probe(cli, tmp_path, "build")
    assert "yaml" not in loaded and "Building Fn" in out  # sources changed, the template did not
    assert "return 3" in (tmp_path / ".aws-sam/build/Fn/app.py").read_text()
    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("Handler: app.handler", "Handler: app.handler\n      Timeout: 9"))
    loaded, out = probe(cli, tmp_path, "build")
    assert "yaml" in loaded and "Timeout: 9" in (tmp_path / ".aws-sam/build/template.yaml").read_text()
