"""The root command and the one error edge: exceptions become one line and an exit code."""

from __future__ import annotations

import functools
import os
import sys
from typing import NoReturn

import click

from lambdactl import __version__, errors
from lambdactl.cli.globals import split_globals
from lambdactl.cli.groups import SuggestingGroup

SERVICE_GROUPS = ("sqs", "kinesis", "dynamodbstreams", "logs", "events", "scheduler", "apigateway", "apigatewayv2", "s3api")  # embedded services, aws-CLI shaped
# Commands written by hand (everything else is built from the service model), with the
# one line `lambdactl --help` shows for each, so listing them imports none.
EXTRA_COMMANDS = {
    "wait": ("lambdactl.cli.commands.wait:wait", "Wait until a condition is met (function-active, ...)."),
    "logs": ("lambdactl.cli.commands.services:logs", "Function logs, with aws logs' read commands and logs tail."),
    "sqs": ("lambdactl.cli.commands.services:sqs", "Embedded queues, with the commands of aws sqs."),
    "kinesis": ("lambdactl.cli.commands.services:kinesis", "Embedded streams, with the commands of aws kinesis."),
    "dynamodbstreams": (
        "lambdactl.cli.commands.services:dynamodbstreams",
        "Embedded DynamoDB streams (aws dynamodbstreams, and put-record).",
    ),
    "events": ("lambdactl.cli.commands.services:events", "Embedded EventBridge, with the commands of aws events."),
    "scheduler": (
        "lambdactl.cli.commands.services:scheduler",
        "Embedded EventBridge Scheduler, with the commands of aws scheduler.",
    ),
    "advance-clock": (
        "lambdactl.cli.commands.clock:advance_clock",
        "Move schedules' clock forward and fire what is due (EventBridge, Scheduler).",
    ),
    "apigateway": ("lambdactl.cli.commands.services:apigateway", "Embedded REST APIs, with the commands of aws apigateway."),
    "apigatewayv2": (
        "lambdactl.cli.commands.services:apigatewayv2",
        "Embedded HTTP APIs, with the commands of aws apigatewayv2.",
    ),
    "s3api": ("lambdactl.cli.commands.services:s3api", "Embedded S3 buckets and objects, with the commands of aws s3api."),
    "s3": ("lambdactl.cli.commands.s3:s3", "Embedded S3 with aws s3's high-level commands: cp, ls, mb, rb, rm, sync."),
    "build": ("lambdactl.cli.commands.stacks:build", "Build a SAM template's functions and dependencies (.aws-sam/build)."),
    "export": ("lambdactl.cli.commands.stacks:export", "Write this state directory as a SAM template (for AWS)."),
    "deploy": ("lambdactl.cli.commands.stacks:deploy", "Deploy a SAM/CloudFormation template here as a stack."),
    "list-stacks": ("lambdactl.cli.commands.stacks:list_stacks", "List the stacks deploy made."),
    "delete-stack": ("lambdactl.cli.commands.stacks:delete_stack", "Delete a stack and every resource it made."),
    "drain": ("lambdactl.cli.commands.drain:drain", "Wait until queued async events and mappings are processed."),
    "list-async-events": (
        "lambdactl.cli.commands.events:list_async_events",
        "List queued, in-flight and finished async events.",
    ),
    "serve": ("lambdactl.cli.commands.serve:serve", "Serve the Lambda HTTP API (and function URLs) here."),
    "docker": ("lambdactl.cli.commands.docker:docker", "Docker backend: images, pulls and cleanup."),
    "runtimes": ("lambdactl.cli.commands.runtimes:runtimes", "Host runtimes: the bundled AWS SDK, Java's classpath."),
    "generate-event": (
        "lambdactl.cli.commands.generate_event:generate_event",
        "Print a sample event of an AWS source.",
    ),
    "completion": (
        "lambdactl.cli.commands.completion_cmd:completion",
        "Print the shell completion script (bash, zsh, fish).",
    ),
    "doctor": (
        "lambdactl.cli.commands.doctor:doctor",
        "Check this machine: backends, cgroups, Docker engine, runtimes' interpreters.",
    ),
    "help": ("lambdactl.cli.commands.help:help_", "Explain a topic: state-dir, backends, configuration, ..."),
}


class LambdactlGroup(SuggestingGroup):
    """Commands are made on demand, so start-up loads only the one that runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(_operation_commands()) | set(EXTRA_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in EXTRA_COMMANDS:
            module, attr = EXTRA_COMMANDS[name][0].split(":")
            return getattr(__import__(module, fromlist=[attr]), attr)
        op_name = _operation_commands().get(name)
        if op_name is None:
            return None
        from lambdactl.cli.factory import OperationCommand

        return OperationCommand(op_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from lambdactl import model

        operations = _operation_commands()
        rows = [
            (name, model.operation(operations[name]).get("doc", "") if name in operations else EXTRA_COMMANDS[name][1])
            for name in self.list_commands(ctx)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@functools.cache
def _operation_commands() -> dict[str, str]:
    from lambdactl import model
    from lambdactl.plane.index import supported_operations

    return {model.command_name(op): op for op in supported_operations() if ":" not in op}  # Lambda's own


GLOBAL_HELP = """Global options (accepted anywhere on the line, as in the aws CLI):
--output json|yaml|yaml-stream|text|table, --query JMESPATH, --region R, --profile P, --state-dir DIR,
--endpoint-url URL, --cli-binary-format base64|raw-in-base64-out, --no-paginate, --debug."""


@click.group(cls=LambdactlGroup, epilog=GLOBAL_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message="lambdactl %(version)s")
def cli() -> None:
    """AWS Lambda on your own machine, driven like `aws lambda`."""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    rest: list[str] = []
    if "_LAMBDACTL_COMPLETE" in os.environ:  # shell completion: global options, enums, function names
        from lambdactl.cli.completion import install

        install()
    try:
        globals_, rest = split_globals(argv)
        rest = help_request(rest)
        globals_.resolve()
        code = cli.main(args=rest, prog_name="lambdactl", standalone_mode=False, obj=globals_)
        sys.exit(code if isinstance(code, int) else 0)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the one edge, below
        fail(exc, rest, debug)


def fail(exc: BaseException, args: list[str], debug: bool = False) -> NoReturn:
    """The one error edge: ``exc`` (being handled) as one line on stderr and its exit code.
    ``args``: the command line without global options (it names the operation in service errors)."""
    if isinstance(exc, click.exceptions.Exit):
        sys.exit(exc.exit_code)
    if isinstance(exc, click.exceptions.UsageError):
        _fail(_usage_text(exc), errors.EXIT_PARAM_VALIDATION)
    if isinstance(exc, (click.exceptions.Abort, KeyboardInterrupt)):
        _fail("", errors.EXIT_SIGINT)
    if isinstance(exc, errors.LambdactlError):
        if debug:
            import traceback

            traceback.print_exc()
        _fail(exc.cli_text(_operation_for(args)), exc.exit_code)
    if isinstance(exc, BrokenPipeError):
        sys.exit(0)
    if debug:  # else anything unexpected is shown as one line too
        raise exc
    # An OSError as the aws CLI shows any exception (clidriver's write_exception: str(e) alone), its errno and
    # path say what went wrong; anything else is a lambdactl bug, where the class name is the clue.
    _fail(f"\n{exc}" if isinstance(exc, OSError) else f"\n{type(exc).__name__}: {exc}", errors.EXIT_GENERAL)


def help_request(args: list[str]) -> list[str]:
    """``lambdactl invoke help`` and ``lambdactl sqs send-message help`` (the aws CLI's forms) -> ``--help``:
    a trailing ``help`` after command words only, so ``--function-name help`` keeps its value."""
    if len(args) >= 2 and args[-1] == "help" and not any(arg.startswith("-") for arg in args):
        return [*args[:-1], "--help"]
    return args


EXTRA_OPERATIONS = {"logs": "FilterLogEvents", "delete-stack": "DeleteStack"}  # commands that stand for an API call


def _operation_for(args: list[str]) -> str | None:
    """The API operation name for error messages (`when calling the GetFunction operation`)."""
    words = [arg for arg in args if not arg.startswith("-")][:2]
    if not words:
        return None
    if words[0] in SERVICE_GROUPS and len(words) > 1:
        from lambdactl.cli.commands.services import operation_for

        return operation_for(words[0], words[1]) or EXTRA_OPERATIONS.get(words[0])
    return EXTRA_OPERATIONS.get(words[0]) or _operation_commands().get(words[0])


def _usage_text(exc: click.exceptions.UsageError) -> str:
    usage = (
        "usage: lambdactl [options] <command> [parameters]\nTo see help text, you can run:\n\n"
        "  lambdactl help\n  lambdactl <command> help\n  lambdactl <command> <subcommand> help\n"
    )
    return f"{usage}\nlambdactl: error: {exc.format_message()}"


def _fail(text: str, code: int) -> NoReturn:
    if text:
        click.echo(text, err=True)
    sys.exit(code)
