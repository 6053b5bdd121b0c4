"""A relative state directory (``LAMBDACTL_STATE_DIR=run/state``, ``--state-dir state``) names the same place for
every process that serves it: functions run from it whether the CLI, its background worker or ``serve`` invokes."""

from __future__ import annotations

import os

import pytest

from tests.conftest import lambdactl_command


@pytest.mark.parametrize("warm", ["1", "0"], ids=["background-worker", "in-process"])
def test_a_relative_state_dir_runs_functions(cli, make_zip, warm):
    relative = os.path.relpath(cli.state_dir, cli.cwd)
    assert not os.path.isabs(relative)
    cli.env.update(LAMBDACTL_STATE_DIR=relative, LAMBDACTL_WARM_INVOKE=warm)
    cli.create("f", make_zip())
    cli("invoke", "--function-name", "f", "--payload", '{"name":"rel"}',
        "--cli-binary-format", "raw-in-base64-out", "out.json")  # fmt: skip
    assert (cli.cwd / "out.json").read_text() == '{"hello": "rel"}'


def test_serve_with_a_relative_state_dir_runs_functions(cli, make_zip):
    relative = os.path.relpath(cli.state_dir, cli.cwd)
    cli.create("f", make_zip())
    cli("--state-dir", relative, "serve", "--port", "0", "--quiet", "--",
        *lambdactl_command(), "invoke", "--function-name", "f", "served.json")
    assert (cli.cwd / "served.json").read_text() == '{"hello": "world"}'

