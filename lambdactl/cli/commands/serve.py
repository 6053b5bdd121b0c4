"""``lambdactl serve``: the Lambda HTTP API over this state directory, optionally around a command."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from lambdactl.cli.globals import Globals

DEFAULT_PORT = 3001  # as `sam local start-lambda`
PLACEHOLDER_ENV = {"AWS_ACCESS_KEY_ID": "lambdactl", "AWS_SECRET_ACCESS_KEY": "lambdactl"}


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=None, help=f"Port ({DEFAULT_PORT}; 0 picks a free one, the default with -- CMD).")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, metavar="[-- CMD [ARGS]...]")
@click.pass_obj
def serve(globals_: Globals, host: str, port: int | None, command: tuple[str, ...]) -> int:
    """Serve the Lambda API (as at lambda.<region>.amazonaws.com) over the state directory.

    Other lambdactl commands on the same state directory find the server and invoke
    through its warm environments. With `-- CMD`, run CMD with AWS_ENDPOINT_URL_LAMBDA
    pointing here, stop when it ends and exit with its code.

    Example: lambdactl serve -- python -m pytest tests/
    """
    from lambdactl.control.plane import Settings
    from lambdactl.state.store import default_state_dir

    settings = Settings(state_dir=Path(globals_.state_dir or default_state_dir()), region=globals_.region or "")
    return run(settings, host, DEFAULT_PORT if port is None and not command else port or 0, list(command))


def run(settings: Any, host: str, port: int, command: list[str]) -> int:
    import signal
    import threading

    from lambdactl import errors
    from lambdactl.server import discovery
    from lambdactl.server.app import LambdaServer

    running = discovery.find(settings.state_dir)
    if running:
        raise errors.ConfigurationError(
            f"{settings.state_dir} is already served by pid {running['pid']} at {running['url']}"
        )
    from lambdactl.control.environments import warm_planes
    from lambdactl.events.worker import Worker

    _clean_docker_leftovers(settings)
    pool, planes = warm_planes(settings)
    try:
        server = LambdaServer(host, port, settings, environments=pool)
    except OSError as exc:
        pool.close()
        raise errors.ConfigurationError(f"lambdactl serve: cannot listen on {host}:{port}: {exc.strerror}") from None
    # Functions reach this server with boto3 (functions that call functions).
    pool.extra_env = {"AWS_ENDPOINT_URL_LAMBDA": server.url, "LAMBDACTL_ENDPOINT_URL": server.url}
    from lambdactl.control.provisioned import warm_all

    warm_all(planes)  # provisioned concurrency: started in the background, never reaped
    worker = Worker(planes)
    stop = threading.Event()
    child: list[Any] = []

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()
        if child and signum == signal.SIGTERM:  # SIGINT from a terminal already reached the child's group
            _forward(child[0], signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=server.serve_forever, args=(0.1,), name="lambdactl-serve", daemon=True).start()
    discovery.publish(settings.state_dir, server.url, settings.region)
    worker.start()
    try:
        print(f"lambdactl serve: listening on {server.url} (state dir {settings.state_dir})", file=sys.stderr, flush=True)
        print(f"lambdactl serve: function URLs at {server.url}/lambda-url/<url-id>/<path>", file=sys.stderr, flush=True)
        if not command:
            stop.wait()
            return 0
        return _run_command(command, server.url, settings.region, child)
    finally:
        discovery.withdraw(settings.state_dir)
        worker.stop(timeout=10)
        server.stop()


def _run_command(command: list[str], url: str, region: str, child: list[Any]) -> int:
    import subprocess

    env = {**PLACEHOLDER_ENV, "AWS_DEFAULT_REGION": region, **os.environ}
    env["AWS_ENDPOINT_URL_LAMBDA"] = env["LAMBDACTL_ENDPOINT_URL"] = url
    try:
        child.append(subprocess.Popen(command, env=env))
    except OSError as exc:
        print(f"lambdactl serve: cannot run {command[0]}: {exc.strerror}", file=sys.stderr)
        return 127
    code = child[0].wait()
    return 128 - code if code < 0 else code


def _forward(process: Any, signum: int) -> None:
    try:
        process.send_signal(signum)
    except ProcessLookupError:
        pass


def _clean_docker_leftovers(settings: Any) -> None:
    """Remove containers a crashed lambdactl left behind, paying the docker import only when needed."""
    from lambdactl.control.plane import ControlPlane

    plane = ControlPlane(settings)
    try:
        uses_docker = plane.store.read_one(
            "SELECT 1 FROM versions WHERE json_extract(config, '$.LambdactlBackend') = 'docker' LIMIT 1"
        )
    finally:
        plane.close()
    if not uses_docker:
        return
    from lambdactl import errors
    from lambdactl.backends.docker import cleanup, connect

    try:
        cleanup(connect(), settings.state_dir)
    except errors.LambdactlError as exc:  # no engine: the docker functions will say so when invoked
        print(f"lambdactl serve: {exc.message}", file=sys.stderr)
