"""``lambdactl list-async-events``: the async queue of the state directory, so a user can see why an event did not run."""

from __future__ import annotations

import click

from lambdactl.cli.globals import Globals
from lambdactl.cli.examples import epilog

STATUSES = ["queued", "in-flight", "succeeded", "failed"]


@click.command(name="list-async-events", help="lambdactl extension: list asynchronous invocations with their "
               "status, attempts and last error (succeeded ones are kept for the latest 1000).",
               epilog=epilog("lambdactl list-async-events --function-name my-function --status failed"))
@click.option("--function-name", default=None, metavar="<value>", help="Only events of this function (name or ARN).")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only events in this state.")
@click.pass_obj
def list_async_events(globals_: Globals, function_name: str | None, status: str | None) -> None:
    from lambdactl.cli.connect import local_plane
    from lambdactl.events import queue
    from lambdactl.model import validate
    from lambdactl.render import render

    plane = local_plane(globals_)
    name = validate.parse_function_name(function_name, plane.settings).name if function_name else None
    render({"AsyncEvents": queue.list_events(plane, name, status)}, output=globals_.output or "json",
           query=globals_.query)
