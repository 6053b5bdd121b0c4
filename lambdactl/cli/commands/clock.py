"""``lambdactl advance-clock``: the clock EventBridge rules and Scheduler schedules run on, for tests.

A state directory's schedules run on lambdactl's clock: the wall clock plus an offset this command
moves forward. It then fires, at once, every firing that became due (replaying up to 1,000 per
schedule and 20,000 in all, at their scheduled instants, as the ``time`` of each event shows), and prints them. With
no ``--seconds`` it only runs what is due now. Async invocations it queues are processed by the
background worker; ``lambdactl drain`` waits for them.
"""

from __future__ import annotations

import click

from lambdactl import errors
from lambdactl.cli.connect import local_plane
from lambdactl.cli.globals import Globals
from lambdactl.cli.examples import epilog

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@click.command(
    name="advance-clock",
    help="lambdactl extension: move this state directory's schedule clock forward by --seconds (or --by "
    "90s|15m|2h|1d) and fire the EventBridge rules and Scheduler schedules that became due; with neither, "
    "fire what is due now. Prints the clock and the firings.",
    epilog=epilog("lambdactl advance-clock --by 1d"),
)
@click.option("--seconds", type=float, default=None, metavar="<value>", help="Seconds to move the clock forward.")
@click.option("--by", "by", default=None, metavar="<value>", help="A duration: 90s, 15m, 2h or 1d.")
@click.pass_obj
def advance_clock(globals_: Globals, seconds: float | None, by: str | None) -> None:
    from lambdactl.render import render
    from lambdactl.services.events import timers

    amount = (seconds or 0.0) + (_duration(by) if by else 0.0)
    if amount < 0:
        raise errors.UsageError("advance-clock: the clock only moves forward (--seconds must be >= 0)")
    result = timers.advance_clock(local_plane(globals_), amount)
    render(result, operation="AdvanceClock", **globals_.render_options())


def _duration(text: str) -> float:
    number, unit = text[:-1], text[-1:]
    try:
        return float(number) * UNITS[unit]
    except (KeyError, ValueError):
        raise errors.UsageError(f"advance-clock: invalid --by {text!r} (use e.g. 90s, 15m, 2h or 1d)") from None
