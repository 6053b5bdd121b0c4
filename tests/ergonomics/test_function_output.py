"""A function's output where the user looks: `invoke --show-logs` decodes its log lines to stderr, and
`--fail-on-function-error` says on stderr what failed (a CI log shows more than `Unhandled`)."""

from __future__ import annotations

import json

FAILING = (
    "def handler(event, context):\n"
    "    print('checking order', event.get('id'))\n"
    "    if event.get('fail'):\n"
    "        raise ValueError('order ' + str(event['id']) + ' has no items')\n"
    "    return {'ok': True}\n"
)


def test_fail_on_function_error_prints_the_error(cli, make_zip, tmp_path) -> None:
    cli.create("orders", make_zip({"app.py": FAILING}))
    result = cli("invoke", "--function-name", "orders", "--payload", '{"id": 7, "fail": true}',
                 "--cli-binary-format", "raw-in-base64-out", "--fail-on-function-error", str(tmp_path / "o.json"), rc=1)  # fmt: skip
    assert result.stderr == "The function failed (Unhandled): ValueError: order 7 has no items\n"
    assert json.loads(result.stdout)["FunctionError"] == "Unhandled"
    assert json.loads((tmp_path / "o.json").read_text())["errorType"] == "ValueError"


def test_fail_on_function_error_is_silent_on_success(cli, make_zip, tmp_path) -> None:
    cli.create("orders", make_zip({"app.py": FAILING}))
    result = cli("invoke", "--function-name", "orders", "--fail-on-function-error", str(tmp_path / "o.json"))
    assert result.stderr == ""


def test_show_logs_prints_decoded_log_lines_to_stderr(cli, make_zip, tmp_path) -> None:
    cli.create("orders", make_zip({"app.py": FAILING}))
    result = cli("invoke", "--function-name", "orders", "--payload", '{"id": 3}', "--cli-binary-format",
                 "raw-in-base64-out", "--show-logs", str(tmp_path / "o.json"))  # fmt: skip
    lines = result.stderr.splitlines()
    assert lines[0].startswith("START RequestId: ")
    assert "checking order 3" in lines
    assert lines[-1].startswith("REPORT RequestId: ")
    assert "\x1b[" not in result.stderr  # piped: no colour
    assert json.loads(result.stdout) == {"StatusCode": 200, "ExecutedVersion": "$LATEST"}  # no LogResult added


def test_show_logs_prints_only_this_invocations_lines(cli, make_zip, tmp_path) -> None:
    cli.create("orders", make_zip({"app.py": FAILING}))
    cli("invoke", "--function-name", "orders", "--payload", '{"id": 1}', "--cli-binary-format", "raw-in-base64-out",
        str(tmp_path / "o.json"))  # fmt: skip
    result = cli("invoke", "--function-name", "orders", "--payload", '{"id": 2}', "--cli-binary-format",
                 "raw-in-base64-out", "--show-logs", str(tmp_path / "o.json"))  # fmt: skip
    assert "checking order 2" in result.stderr and "checking order 1" not in result.stderr
