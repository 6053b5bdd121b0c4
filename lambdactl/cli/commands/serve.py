"""``lambdactl serve``: the Lambda HTTP API over this state directory, optionally around a command."""

from __future__ import annotations

import click

from lambdactl.cli.commands.stacks import ENV_VARS_HELP, project
from lambdactl.cli.examples import epilog
from lambdactl.cli.globals import Globals

DEFAULT_PORT = 3001  # as `sam local start-lambda`


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
               epilog=epilog("lambdactl serve -- python -m pytest tests/", "lambdactl serve --port 3001",
                             "lambdactl serve --watch --template template.yaml --env-vars env.json"))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; a non-loopback one exposes the API there (your explicit choice).")
@click.option("--port", type=int, default=None, help=f"Port ({DEFAULT_PORT}; 0 picks a free one, the default with -- CMD).")
@click.option("--quiet", is_flag=True, default=False,
              help="No line per request and no function log lines on stderr (only start-up and errors).")
@click.option("--watch", is_flag=True, default=False,
              help="Deploy the template at start and again on every change to it or to a function's source, "
                   "retiring the changed functions' warm environments (as deploy --watch, inside serve).")
@click.option("--template", "--template-file", "-t", "template", default=None, metavar="<value>",
              help="With --watch: the template (default: template.yaml here).")
@click.option("--stack-name", default=None, metavar="<value>", help="With --watch: the stack (default: the template's folder name).")
@click.option("--parameter-overrides", multiple=True, metavar="<Key=Value>", help="With --watch: template parameters.")
@click.option("--env-vars", default=None, metavar="<file>", help="With --watch: " + ENV_VARS_HELP)
@click.option("--debug-port", type=click.IntRange(1, 65535), default=None, metavar="<port>",
              help="As sam local start-api --debug-port: the environments serve starts wait for a debugger on "
                   "127.0.0.1:<port> (Python: debugpy; Node.js: the inspector), timeouts lifted; one at a time.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, metavar="[-- CMD [ARGS]...]")
@click.pass_obj
def serve(globals_: Globals, host: str, port: int | None, quiet: bool, watch: bool, template: str | None,
          stack_name: str | None, parameter_overrides: tuple[str, ...], env_vars: str | None,
          debug_port: int | None, command: tuple[str, ...]) -> int:
    """Serve the Lambda API (as at lambda.<region>.amazonaws.com) over the state directory.

    Other lambdactl commands on the same state directory find the server and invoke
    through its warm environments. With `-- CMD`, run CMD with AWS_ENDPOINT_URL_LAMBDA
    pointing here, stop when it ends and exit with its code. API requests from web
    pages (an Origin header, a foreign Host) are refused; function URLs stay public.
    Each request is printed on stderr (time, method and path, status, duration, the
    function and whether it started cold) with the function's log lines (--quiet: not).
    With --watch, a template is deployed at start and on every change (one line each).
    """
    from lambdactl import errors
    from lambdactl.cli.connect import settings
    from lambdactl.server.serve import serve as run_server

    if not watch and (template or stack_name or parameter_overrides or env_vars):
        raise errors.UsageError("--template, --stack-name, --parameter-overrides and --env-vars need --watch")
    watched = project(template, stack_name, parameter_overrides, env_vars, watch=True) if watch else None
    return run_server(settings(globals_), host, DEFAULT_PORT if port is None and not command else port or 0, list(command),
                      debug=globals_.debug, request_log=not quiet, project=watched, debug_port=debug_port)
