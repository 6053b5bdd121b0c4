"""``lambdactl help [TOPIC]``: the state directory, backends, configuration, exit codes, completion."""

from __future__ import annotations

import click

from lambdactl import settings
from lambdactl.cli.examples import epilog

TOPICS: dict[str, str] = {
    "state-dir": """\
The state directory holds everything lambdactl knows: functions, versions, aliases, event source
mappings, queues, logs and code, each region apart. Commands sharing one state directory (and
region: --region, AWS_REGION, AWS_DEFAULT_REGION, else us-east-1) see the same Lambda.

Where: --state-dir DIR, else LAMBDACTL_STATE_DIR, else $XDG_STATE_HOME/lambdactl
(~/.local/state/lambdactl). A fresh directory is created on first use; delete it to start over.

Inside:
  lambdactl.db        SQLite (WAL) database; every write is one short transaction, so many
                      lambdactl processes can share the directory safely
  code/               uploaded zips, stored by SHA-256
  cache/              unpacked code and merged layers (rebuilt when missing)
  run/                per-environment working directories
  serve.json          written by `lambdactl serve`: other commands find the server through it
  async-worker.log    output of the background worker (async events, and warm CLI invokes)
  worker.json         written by the background worker: `lambdactl invoke` hands it calls to run warm
  generation          a counter of configuration changes, mapped by long-running processes
  concurrency/        reserved-concurrency slot files (flock'd by running invocations)
  docker.json         docker backend settings and images (`lambdactl docker set-image`)
  region              the region whose state all the above is (the first that wrote to the directory)
  regions/<region>/   every other region's state, laid out the same (made by its first write)
""",
    "backends": """\
A function runs on one of two backends, chosen with `create-function --backend`:

  subprocess  (default) the runtime's interpreter on this machine (python3.X, node, java) with
              lambdactl's Runtime API bootstrap; provided.* runs the package's `bootstrap`.
              Interpreters: LAMBDACTL_PYTHON3_X (e.g. LAMBDACTL_PYTHON3_12=/opt/py/bin/python3.12),
              else pythonX.Y on PATH or pyenv; LAMBDACTL_NODE, else `node` on PATH;
              LAMBDACTL_JAVA_NN (a java binary or JDK home), else `java` on PATH if it is
              Java NN, else a JDK NN under /usr/lib/jvm. A runtime the machine lacks (Ruby,
              .NET, a missing version) is created with a warning saying how to get it.
              CPU: MemorySize/1769 vCPU during invocations, init unthrottled, where the
              cgroup CPU controller is writable (cgroup v1 `cpu`, or v2 with `cpu` delegated);
              elsewhere no CPU limit. `lambdactl runtimes install-sdk` installs the AWS SDK
              Lambda bundles (boto3, @aws-sdk/client-*).
  docker      a container from the official Lambda base image (public.ecr.aws/lambda/...),
              code mounted at /var/task, limits as on Lambda. Image functions
              (--package-type Image) always use docker. Image per function or runtime:
              `lambdactl docker set-image`, or LAMBDACTL_IMAGE_<RUNTIME> (LAMBDACTL_IMAGE_PYTHON3_12).
              Settings LAMBDACTL_DOCKER_<NAME> or docker.json: network (isolated|host|bridge;
              isolated: only the Runtime API and the served endpoints are reachable),
              cpu_limit (0 = none), user (default 993:990). `lambdactl docker cleanup` removes
              containers left by a killed lambdactl.
""",
    "configuration": """\
Global options (anywhere on the line): --output json|yaml|yaml-stream|text|table, --query,
--region, --profile, --state-dir, --endpoint-url, --cli-binary-format, --no-paginate, --debug.
From the aws CLI: AWS_REGION / AWS_DEFAULT_REGION (default us-east-1), AWS_DEFAULT_OUTPUT,
AWS_PROFILE (--profile), AWS_CONFIG_FILE (region, output and cli_binary_format from ~/.aws/config),
AWS_SHARED_CREDENTIALS_FILE (a named profile must be in one of the two files),
AWS_ENDPOINT_URL_LAMBDA.

""" + settings.help_text(),
    "exit-codes": """\
As the aws CLI v2:
  0    success (also an invoke whose function raised, unless --fail-on-function-error)
  130  interrupted (Ctrl-C)
  252  bad command line: unknown option, missing or invalid parameter
  253  configuration error
  254  the service returned an error (ResourceNotFoundException, InvalidParameterValueException, ...)
  255  any other failure: a waiter that failed or timed out, `drain` timing out, an unexpected error
""",
    "completion": """\
Completion for bash, zsh and fish: commands, flags, enum values (e.g. --runtime) and the function
names of the state directory. `lambdactl completion SHELL` prints the script (the same as the
repository's completions/ files; regenerate those with python -m lambdactl.cli.completion --write completions/).
  bash  lambdactl completion bash > ~/.local/share/bash-completion/completions/lambdactl
  zsh   lambdactl completion zsh > ~/.zfunc/_lambdactl   # with fpath+=(~/.zfunc); autoload -U compinit && compinit
  fish  lambdactl completion fish > ~/.config/fish/completions/lambdactl.fish
Or without a file: eval "$(lambdactl completion bash)" (zsh alike; fish: lambdactl completion fish | source).
""",
}


@click.command(
    name="help",
    help="Show a command's help (lambdactl help invoke, lambdactl help sqs send-message) or a topic: "
    + ", ".join(TOPICS) + " (no argument: list commands).",
    epilog=epilog("lambdactl help invoke", "lambdactl help configuration"),
)
@click.argument("words", nargs=-1, metavar="[COMMAND [SUBCOMMAND] | TOPIC]")
@click.pass_context
def help_(ctx: click.Context, words: tuple[str, ...]) -> None:
    if len(words) == 1 and words[0] in TOPICS:
        click.echo(TOPICS[words[0]], nl=False)
        return
    root = ctx.find_root()
    if not words:
        click.echo(root.get_help())
        click.echo("\nHelp topics: " + ", ".join(f"lambdactl help {name}" for name in TOPICS))
        return
    command: click.Command = root.command
    command_ctx = root
    for word in words:
        if not isinstance(command, click.Group):
            raise click.UsageError(f"{command_ctx.command_path} has no subcommand {word!r}.")
        _, found, _ = command.resolve_command(command_ctx, [word])  # unknown: "No such command ... Did you mean"
        assert found is not None  # resolve_command raises rather than return None outside resilient parsing
        command, command_ctx = found, click.Context(found, info_name=word, parent=command_ctx)
    click.echo(command.get_help(command_ctx))
