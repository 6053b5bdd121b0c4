"""``lambdactl logs tail``: the function logs kept in the state directory, like ``aws logs tail``
(the hand-written command of the ``logs`` group, whose other commands come from the model)."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import click

from lambdactl import errors
from lambdactl.cli.examples import epilog

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(value: str, now: float) -> int:
    """``10m``, ``2h``, ``1d``, ``1w`` ago, or an ISO-8601 time; returns epoch milliseconds."""
    match = re.fullmatch(r"(\d+)([smhdw])", value)
    if match:
        return int((now - int(match.group(1)) * _UNITS[match.group(2)]) * 1000)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise errors.UsageError(f"argument --since: invalid value {value!r} (use 10m, 2h, 1d or an ISO time)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def format_event(event: dict, style: str) -> str:
    moment = datetime.fromtimestamp(event["ts"] / 1000, tz=timezone.utc)
    if style == "short":
        return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')} {event['message']}"
    if style == "json":
        return event["message"]
    return f"{moment.isoformat(timespec='microseconds')} {event['log_stream']} {event['message']}"


@click.command(name="tail", help="Show the log events of a log group, like `aws logs tail`.",
              epilog=epilog("lambdactl logs tail /aws/lambda/my-function --since 1h --follow"))
@click.argument("group_name", metavar="GROUP_NAME")
@click.option("--follow/--no-follow", default=False, help="Keep printing new events until interrupted.")
@click.option("--since", default="10m", show_default=True, help="How far back: 10m, 2h, 1d, 1w or an ISO time.")
@click.option("--format", "style", type=click.Choice(["detailed", "short", "json"]), default="detailed",
              show_default=True, help="How each event is printed.")
@click.pass_obj
def tail(globals_, group_name: str, follow: bool, since: str, style: str) -> None:
    from lambdactl.cli.connect import local_plane
    from lambdactl.render.terminal import colour_wanted, log_line
    from lambdactl.control import logs as log_store

    plane = local_plane(globals_)
    colour = colour_wanted() and style != "json"
    since_ms = parse_since(since, time.time())
    log_store.require_group(plane, group_name)
    last_id = 0
    while True:
        for event in log_store.events(plane, group_name, since_ms=since_ms, after_id=last_id):
            click.echo(format_event({**event, "message": log_line(event["message"], colour)}, style), color=colour)
            last_id = max(last_id, event["id"])
        if not follow:
            return
        time.sleep(1.0)
