"""``lambdactl drain``: wait until every queued async event has been processed and every enabled event
source mapping has consumed its source (what CI calls before checking)."""

from __future__ import annotations

import click

from lambdactl import errors
from lambdactl.cli.connect import local_plane
from lambdactl.cli.globals import Globals


@click.command(name="drain", help="lambdactl extension: wait until no queued or in-flight async events are left "
               "and every enabled event source mapping has consumed its queue or stream "
               "(processing them here when no worker is running); exit 255 on timeout.")
@click.option("--timeout", type=float, default=None, metavar="SECONDS", help="Give up after this long (default: wait).")
@click.pass_obj
def drain(globals_: Globals, timeout: float | None) -> None:
    from lambdactl.events import worker

    drained, left, mappings = worker.drain(local_plane(globals_).settings, timeout)
    if not drained:
        also = f", {mappings} event source mapping(s) with records left" if mappings else ""
        raise errors.LambdactlError(f"Drain timed out after {timeout:g} s: {left} async event(s) still pending{also}")
