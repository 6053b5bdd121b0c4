"""``lambdactl help [TOPIC]``: the state directory, backends, configuration, exit codes, completion."""

from __future__ import annotations

import click

TOPICS: dict[str, str] = {
    "state-dir": """\
The state directory holds everything lambdactl knows: functions, versions, aliases, event source
mappings, queues, logs and code. Commands sharing one state directory see the same Lambda.

Where: --state-dir DIR, else LAMBDACTL_STATE_DIR, else $XDG_STATE_HOME/lambdactl
(~/.local/state/lambdactl). A fresh directory is created on first use; delete it to start over.

Inside:
  lambdactl.db        SQLite (WAL) database; every write is one short transaction, so many
                      lambdactl processes can share the directory safely
  code/               uploaded zips, stored by SHA-256
  cache/              unpacked code and merged layers (rebuilt when missing)
  run/                per-environment working directories
  serve.json          written by `lambdactl serve`: other commands find the server through it
  async-worker.log    output of the background async worker
  docker.json         docker backend settings and images (`lambdactl docker set-image`)
""",
    "backends": """\
A function runs on one of two backends, chosen with `create-function --backend`:

  subprocess  (default) the runtime's interpreter on this machine (python3.X, node) with
              lambdactl's Runtime API bootstrap; provided.* runs the package's `bootstrap`.
              Interpreters: LAMBDACTL_PYTHON3_X (e.g. LAMBDACTL_PYTHON3_12=/opt/py/bin/python3.12),
              else pythonX.Y on PATH or pyenv; LAMBDACTL_NODE, else `node` on PATH; java17/21/...:
              LAMBDACTL_JAVA_<N> (a java binary or JDK home), else a JDK of that major version.
  docker      a container from the official Lambda base image (public.ecr.aws/lambda/...),
              code mounted at /var/task, limits as on Lambda. Image functions
              (--package-type Image) always use docker. Image per function or runtime:
              `lambdactl docker set-image`, or LAMBDACTL_IMAGE_<RUNTIME> (LAMBDACTL_IMAGE_PYTHON3_12).
              Settings LAMBDACTL_DOCKER_<NAME> or docker.json: network (host|bridge),
              cpu_limit (0 = none), user (default 993:990). `lambdactl docker cleanup` removes
              containers left by a killed lambdactl.
""",
    "configuration": """\
Global options (anywhere on the line): --output json|yaml|yaml-stream|text|table, --query,
--region, --state-dir, --endpoint-url, --cli-binary-format, --no-paginate, --debug.
From the aws CLI: AWS_REGION / AWS_DEFAULT_REGION (default us-east-1), AWS_DEFAULT_OUTPUT,
AWS_PROFILE, AWS_CONFIG_FILE (output and cli_binary_format from ~/.aws/config),
AWS_ENDPOINT_URL_LAMBDA.

lambdactl settings (environment variables):
  LAMBDACTL_STATE_DIR             the state directory (see `lambdactl help state-dir`)
  LAMBDACTL_ENDPOINT_URL          talk to a running `lambdactl serve` (as --endpoint-url)
  LAMBDACTL_SERVE_STATE_DIR       set by `serve -- CMD`: a lambdactl command in CMD that works on
                                  another state directory ignores the server's endpoint
  LAMBDACTL_ACCOUNT_ID            the account id in ARNs (default 123456789012)
  LAMBDACTL_CONCURRENCY_LIMIT     the account's concurrent executions (default 1000)
  LAMBDACTL_MEMORY_BUDGET_MB      memory all execution environments may use together (default 75%
                                  of the machine's); idle ones are stopped, least recently used first
  LAMBDACTL_CAPACITY_WAIT_S       how long a request waits for that memory before a 429 with Reason
                                  LocalMachineCapacityExceeded (default 10)
  LAMBDACTL_IDLE_TIMEOUT_S        an idle environment is stopped after this long (default 300)
  LAMBDACTL_LOG_RETENTION_EVENTS  log events kept per log group (default 10000)
  LAMBDACTL_CGROUP                off = never use a memory cgroup for subprocess functions (default auto;
                                  `serve --debug` says which mechanism holds them)
  LAMBDACTL_FUNCTION_CREDENTIALS  placeholder (per-environment keys, default) or profile (your AWS
                                  credentials, for functions that must call real AWS)
  LAMBDACTL_PYTHON3_X, LAMBDACTL_NODE, LAMBDACTL_JAVA_<N>, LAMBDACTL_IMAGE_<RUNTIME>, LAMBDACTL_DOCKER_<NAME>
                                  see `lambdactl help backends`
Asynchronous invocation and event source mappings:
  LAMBDACTL_ASYNC_CONCURRENCY     async events run at once (default: the account's concurrency)
  LAMBDACTL_RETRY_DELAY_SCALE     multiplies Lambda's retry delays (default 1/60)
  LAMBDACTL_EVENT_AGE_SCALE       multiplies MaximumEventAgeInSeconds (default 1)
  LAMBDACTL_RECORD_AGE_SCALE      multiplies MaximumRecordAgeInSeconds (default 1)
  LAMBDACTL_WORKER_IDLE_S         a background worker exits after this idle time (default 30)
  LAMBDACTL_AUTO_WORKER           0 = only queue, never start a background worker (default 1)
  LAMBDACTL_ESM_POLL_S            an idle poller's wait before polling again (default 0.1)
  LAMBDACTL_ESM_SQS_CONCURRENCY   batches an SQS mapping runs at once (default 5)
  LAMBDACTL_SOURCE_ENDPOINT_URL   poll external sources at this endpoint (else AWS_ENDPOINT_URL_SQS,
                                  AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_DYNAMODBSTREAMS, AWS_ENDPOINT_URL)
  LAMBDACTL_SOURCE_AWS            1 = poll real AWS sources
  LAMBDACTL_S3_ENDPOINT_URL       an S3-compatible endpoint (MinIO, AWS) for `s3`/`s3api` commands and
                                  --code S3Bucket=... instead of the embedded buckets (needs boto3;
                                  notifications stay embedded-only)
""",
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
