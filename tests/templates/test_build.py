"""`lambdactl build`: dependencies for the function's Python, not the host's; incremental; deployable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: python3.12
"""


def write_app(root: Path, requirements: str) -> None:
    (root / "src").mkdir(exist_ok=True)
    (root / "src/app.py").write_text("import yaml\n\ndef handler(event, context):\n    return yaml.__version__\n")
    (root / "src/requirements.txt").write_text(requirements)
    (root / "template.yaml").write_text(TEMPLATE)


@pytest.mark.slow
def test_build_installs_wheels_for_the_runtime_python_then_deploy_uses_them(cli, tmp_path: Path) -> None:
    assert sys.version_info[:2] != (3, 12), "this test shows a build for another Python than the host's"
    write_app(tmp_path, "PyYAML==6.0.2\n")
    first = cli("build")
    assert "Building Fn (python3.12, x86_64)" in first.stderr
    built = tmp_path / ".aws-sam/build"
    assert list((built / "Fn/yaml").glob("_yaml.cpython-312-x86_64-linux-gnu.so"))  # the runtime's ABI, not 3.11's
    assert "CodeUri: Fn" in (built / "template.yaml").read_text()
    assert "Skipping Fn: unchanged since the last build" in cli("build").stderr

    cli("deploy", "--stack-name", "app")  # takes .aws-sam/build/template.yaml, as sam deploy does
    cli("invoke", "--function-name", "app-Fn", "out.json")
    assert (tmp_path / "out.json").read_text() == '"6.0.2"'

    (tmp_path / "src/app.py").write_text("def handler(event, context):\n    return 'edited'\n")
    assert "Building Fn" in cli("build").stderr


def test_build_failure_is_one_line_and_leaves_no_half_built_folder(cli, tmp_path: Path) -> None:
    write_app(tmp_path, "this-package-does-not-exist-anywhere==0.0.1\n")
    result = cli("build", rc=255)
    assert result.stderr.strip().splitlines()[-1].startswith("Build of Fn failed: python")
    assert not (tmp_path / ".aws-sam/build/Fn").exists()
