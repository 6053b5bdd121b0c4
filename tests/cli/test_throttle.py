"""Reserved concurrency 0 throttles every invocation from the command line, before any code runs."""

from __future__ import annotations

from pathlib import Path

import pytest

TOUCH = 'import pathlib\ndef handler(event, context):\n    pathlib.Path(event["out"]).write_text("ran")\n    return 1\n'


@pytest.mark.parametrize("warm", ["0", "1"], ids=["own-process", "warm-worker"])
def test_reserved_concurrency_zero_throttles_the_cli_invoke(cli, make_zip, tmp_path: Path, warm: str) -> None:
    cli.create("held", make_zip({"app.py": TOUCH}))
    cli("put-function-concurrency", "--function-name", "held", "--reserved-concurrent-executions", "0")
    ran = tmp_path / "ran.txt"
    result = cli("invoke", "--function-name", "held", "--cli-binary-format", "raw-in-base64-out",
                 "--payload", f'{{"out": "{ran}"}}', str(tmp_path / "out.json"), rc=254,
                 env={"LAMBDACTL_WARM_INVOKE": warm})  # fmt: skip
    assert result.stderr.strip() == "An error occurred (TooManyRequestsException) when calling the Invoke operation: Rate Exceeded."
    assert not ran.exists() and result.stdout == ""
    cli("delete-function-concurrency", "--function-name", "held")
    cli("invoke", "--function-name", "held", "--cli-binary-format", "raw-in-base64-out",
        "--payload", f'{{"out": "{ran}"}}', str(tmp_path / "out.json"), env={"LAMBDACTL_WARM_INVOKE": warm})  # fmt: skip
    assert ran.read_text() == "ran"
