"""``lambdactl drain``: wait until, in every region of the state directory, every queued async event has been
processed and every enabled event source mapping has consumed its source (what CI calls before checking)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import click

from lambdactl import errors
from lambdactl.cli.connect import settings
from lambdactl.cli.globals import Globals
from lambdactl.cli.examples import epilog

if TYPE_CHECKING:
    from lambdactl.plane import ControlPlane, Settings


@click.command(name="drain", help="lambdactl extension: wait until no queued or in-flight async events are left "
               "and every enabled event source mapping has consumed its queue or stream, in every region of the "
               "state directory (--region does not narrow it: one drain before checking covers them all), "
               "processing them here when no worker is running; exit 255 on timeout. Enabled schedules "
               "(EventBridge rules, Scheduler) do not count: a background worker stays running to fire them, "
               "and drain says so on stderr.", epilog=epilog("lambdactl drain --timeout 60"))
@click.option("--timeout", type=float, default=None, metavar="SECONDS", help="Give up after this long (default: wait).")
@click.pass_obj
def drain(globals_: Globals, timeout: float | None) -> None:
    from lambdactl.server import worker
    from lambdactl.render.progress import status

    where = settings(globals_)
    with status(lambda: _left(where)):
        drained, left, mappings = worker.drain(where, timeout)
    _report_schedules(where)
    if not drained:
        also = f", {mappings} event source mapping(s) with records left" if mappings else ""
        raise errors.LambdactlError(f"Drain timed out after {timeout:g} s: {left} async event(s) still pending{also}")


def _regions(where: Settings) -> Iterator[ControlPlane]:
    """A plane (closed after use) for each region of the state directory that has state."""
    from lambdactl.plane import ControlPlane

    for name in where.regions_with_state():
        plane = ControlPlane(where.replace(region=name))
        try:
            yield plane
        finally:
            plane.close()


def _left(where: Settings) -> str:
    """What the progress line shows: the work still to do, in all regions."""
    from lambdactl.events import queue
    from lambdactl.events.pollers.manager import pending as mapping_work

    events = mappings = 0
    for plane in _regions(where):
        events, mappings = events + queue.pending(plane), mappings + mapping_work(plane)
    return f"Draining: {events} async event(s) pending, {mappings} mapping(s) with records left"


def _report_schedules(where: Settings) -> None:
    """Enabled schedules outlive a drain: make sure each region's worker fires them, and say so."""
    from lambdactl.services.events import timers

    total = 0
    for plane in _regions(where):
        armed = timers.armed(plane)
        if armed:
            from lambdactl.events.worker import ensure_running

            ensure_running(plane)
            total += armed
    if total:
        click.echo(f"{total} enabled schedule(s): the background worker keeps running to fire them.", err=True)
