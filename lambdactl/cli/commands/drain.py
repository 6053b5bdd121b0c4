"""``lambdactl drain``: wait until every queued async event has been processed and every enabled event
source mapping has consumed its source (what CI calls before checking)."""

from __future__ import annotations

from typing import Any

import click

from lambdactl import errors
from lambdactl.cli.connect import local_plane
from lambdactl.cli.globals import Globals
from lambdactl.cli.examples import epilog


@click.command(name="drain", help="lambdactl extension: wait until no queued or in-flight async events are left "
               "and every enabled event source mapping has consumed its queue or stream "
               "(processing them here when no worker is running); exit 255 on timeout. Enabled schedules "
               "(EventBridge rules, Scheduler) do not count: a background worker stays running to fire them, "
               "and drain says so on stderr.", epilog=epilog("lambdactl drain --timeout 60"))
@click.option("--timeout", type=float, default=None, metavar="SECONDS", help="Give up after this long (default: wait).")
@click.pass_obj
def drain(globals_: Globals, timeout: float | None) -> None:
    from lambdactl.server import worker
    from lambdactl.render.progress import status

    plane = local_plane(globals_)
    watcher = local_plane(globals_)  # the progress thread's own connection
    with status(lambda: _left(watcher)):
        drained, left, mappings = worker.drain(plane.settings, timeout)
    _report_schedules(plane)
    if not drained:
        also = f", {mappings} event source mapping(s) with records left" if mappings else ""
        raise errors.LambdactlError(f"Drain timed out after {timeout:g} s: {left} async event(s) still pending{also}")


def _left(plane: Any) -> str:
    """What the progress line shows: the work still to do."""
    from lambdactl.events import queue
    from lambdactl.events.pollers.manager import pending as mapping_work

    return f"Draining: {queue.pending(plane)} async event(s) pending, {mapping_work(plane)} mapping(s) with records left"


def _report_schedules(plane: Any) -> None:
    """Enabled schedules outlive a drain: make sure a worker fires them, and say so."""
    from lambdactl.services.events import timers

    armed = timers.armed(plane)
    if armed:
        from lambdactl.events.worker import ensure_running

        ensure_running(plane)
        click.echo(f"{armed} enabled schedule(s): the background worker keeps running to fire them.", err=True)
