"""Humans and machines: piped output carries no ANSI codes; every command's --help lists its flags."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from lambdactl.cli.globals import Globals
from lambdactl.cli.main import cli as root

ANSI = "\x1b["


def test_piped_output_has_no_ansi_codes(cli, hello_zip, tmp_path) -> None:
    """Representative commands through the entry point, stdout and stderr both pipes."""
    results = [cli.create("f", hello_zip)]
    for output in ("json", "table", "text", "yaml"):
        results.append(cli("get-function", "--function-name", "f", "--output", output))
    results += [
        cli("list-functions", "--output", "table"),
        cli("invoke", "--function-name", "f", "--payload", '{"name": "x"}', "--cli-binary-format",
            "raw-in-base64-out", "--log-type", "Tail", str(tmp_path / "out.json")),
        cli("wait", "function-active-v2", "--function-name", "f"),
        cli("logs", "tail", "/aws/lambda/f"),
        cli("invoke", "--function-name", "f", "--invocation-type", "Event", str(tmp_path / "async.json")),
        cli("drain", "--timeout", "30"),
        cli("generate-event", "apigateway", "aws-proxy"),
        cli("generate-event", "--list"),
        cli("help", "configuration"),
        cli("get-function", "--function-name", "missing", rc=254),
        cli("create-function", "--bogus", rc=252),
        cli("invoke", "--function-name", "f", rc=252),
        cli("create-function", "--help"),
    ]  # fmt: skip
    for result in results:
        assert ANSI not in result.stdout and ANSI not in result.stderr, result.args
    assert results[1].stdout.startswith("{\n    ")  # json is the default format, 4-space indent


def _commands(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, path + (name,)
        yield path + (name,), command
        if isinstance(command, click.Group):
            yield from _commands(command, click.Context(command, parent=ctx, info_name=name), path + (name,))


ALL = list(_commands(root, click.Context(root, info_name="lambdactl", obj=Globals())))


def test_every_command_is_listed() -> None:
    names = {path for path, _ in ALL}
    assert {("invoke",), ("create-function",), ("generate-event",), ("help",), ("logs", "tail"),
            ("generate-event", "sqs", "receive-message"), ("sqs", "send-message")} <= names  # fmt: skip


CASES = [pytest.param(path, command, id=" ".join(path)) for path, command in ALL]


@pytest.mark.parametrize("path, command", CASES)
def test_help_lists_every_flag_with_a_description(path: tuple[str, ...], command: click.Command) -> None:
    result = CliRunner().invoke(root, [*path, "--help"], obj=Globals(), prog_name="lambdactl")
    assert result.exit_code == 0, result.output
    assert ANSI not in result.output
    for param in command.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        assert param.opts[0] in result.output, param.opts
        assert (param.help or "").strip(), f"{' '.join(path)} {param.opts[0]} has no description"


LEAVES = [pytest.param(path, command, id=" ".join(path)) for path, command in ALL if not isinstance(command, click.Group)]


@pytest.mark.parametrize("path, command", LEAVES)
def test_help_ends_with_an_example_of_the_command(path: tuple[str, ...], command: click.Command) -> None:
    """Model commands show botocore's documented example (or their required flags); hand-written ones their own."""
    result = CliRunner().invoke(root, [*path, "--help"], obj=Globals(), prog_name="lambdactl")
    example = result.output.split("\n\n")[-1]
    assert f"  lambdactl {' '.join(path)}" in example, result.output[-400:]
