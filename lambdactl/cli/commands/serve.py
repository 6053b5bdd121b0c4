"""``lambdactl serve``: the Lambda HTTP API over this state directory, optionally around a command."""

from __future__ import annotations

import click

from lambdactl.cli.globals import Globals
from lambdactl.cli.examples import epilog

DEFAULT_PORT = 3001  # as `sam local start-lambda`


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
               epilog=epilog("lambdactl serve -- python -m pytest tests/", "lambdactl serve --port 3001"))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; a non-loopback one exposes the API there (your explicit choice).")
@click.option("--port", type=int, default=None, help=f"Port ({DEFAULT_PORT}; 0 picks a free one, the default with -- CMD).")
@click.option("--quiet", is_flag=True, default=False,
              help="No line per request and no function log lines on stderr (only start-up and errors).")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, metavar="[-- CMD [ARGS]...]")
@click.pass_obj
def serve(globals_: Globals, host: str, port: int | None, quiet: bool, command: tuple[str, ...]) -> int:
    """Serve the Lambda API (as at lambda.<region>.amazonaws.com) over the state directory.

    Other lambdactl commands on the same state directory find the server and invoke
    through its warm environments. With `-- CMD`, run CMD with AWS_ENDPOINT_URL_LAMBDA
    pointing here, stop when it ends and exit with its code. API requests from web
    pages (an Origin header, a foreign Host) are refused; function URLs stay public.
    Each request is printed on stderr (time, method and path, status, duration, the
    function and whether it started cold) with the function's log lines (--quiet: not).
    """
    from lambdactl.cli.connect import settings
    from lambdactl.server.serve import serve as run_server

    return run_server(settings(globals_), host, DEFAULT_PORT if port is None and not command else port or 0, list(command),
                      debug=globals_.debug, request_log=not quiet)
