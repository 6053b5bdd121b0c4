"""The README's walkthrough runs: every ```sh block marked `<!-- readme-test -->`, in order, in one bash.

They run with `set -euo pipefail` against a fresh state directory, from a scratch directory holding a copy
of `samples/`, with this venv's `lambdactl` and `python3` first on PATH. No Docker, no network: `serve -- CMD`
binds 127.0.0.1 and stops with CMD.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = "<!-- readme-test -->"
BLOCK = re.compile(r"^" + re.escape(MARKER) + r"\n```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def readme_blocks() -> list[str]:
    return BLOCK.findall(README.read_text())


def test_readme_marks_the_walkthrough() -> None:
    text = README.read_text()
    blocks = readme_blocks()
    assert len(blocks) >= 8
    assert text.count(MARKER) == len(blocks), "every marker must be followed directly by a ```sh block"
    walkthrough = "\n".join(blocks)
    for step in ("create-function", "invoke", "logs tail", "--invocation-type Event", "drain",
                 "sqs create-queue", "create-event-source-mapping", "serve -- make", "serve -- python3"):
        assert step in walkthrough, step
    assert "docker" not in walkthrough.replace("samples/", ""), "tested examples must not need Docker"


def test_readme_opening_commands_are_the_install_and_test_lines() -> None:
    first, second = re.findall(r"^```sh\n(.*?)^```$", README.read_text(), re.MULTILINE | re.DOTALL)[:2]
    assert first.startswith("python3 -m venv .venv && .venv/bin/pip install -e . ")
    assert "create-function --function-name hello" in first and first.rstrip().endswith("cat out.json")
    assert second.strip() == "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest -q"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_readme_walkthrough_runs(tmp_path: Path) -> None:
    if shutil.which("make") is None or shutil.which("curl") is None:
        pytest.skip("the walkthrough uses make and curl")
    work = tmp_path / "work"
    shutil.copytree(ROOT / "samples", work / "samples", ignore=shutil.ignore_patterns(".state", ".build"))
    script = "set -euo pipefail\n" + "\n".join(readme_blocks())
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LAMBDACTL_", "AWS_", "_LAMBDACTL")) and k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(PATH=bin_dir + os.pathsep + env.get("PATH", ""), LAMBDACTL_STATE_DIR=str(tmp_path / "state"),
               VIRTUAL_ENV=str(Path(sys.executable).parent.parent))
    result = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True,
                            timeout=240, check=False)
    assert result.returncode == 0, f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    out = result.stdout
    for expected in (
        "hello\tPending",                                                  # create-function
        "Active\tarn:aws:iam::123456789012:role/lambdactl-placeholder-role\tsubprocess",
        '{"hello": "you"}',                                                # invoke
        "hello from hello (",                                              # --log-type Tail / logs tail
        "succeeded\t1",                                                    # async + drain
        "order 7: 3 x scones",                                             # the SQS mapping
        "not json",                                                        # ... and its dead-letter queue
        '200 {"batchItemFailures": []}',                                   # serve -- python3 (boto3)
        '{"hello": "make"}',                                               # serve -- make test
        "function URL http://127.0.0.1:",                                  # smoke.py under serve
        '{"message": "hello curl"}',
        "Hello, world!",                                                   # invoke-with-response-stream
        "arn:aws:lambda:us-east-1:123456789012:function:http-api:live",   # versions and aliases
        'hello alias',
        '"hi from a layer"',                                               # layers
        "INSERT",
    ):
        assert expected in out, f"{expected!r} not in the output:\n{out}"
    assert out.count("FAILED") == 2, out  # the bad message: received twice, then dead-lettered
    assert not (tmp_path / "state" / "serve.json").exists(), "serve -- CMD left its server behind"
