"""``invoke --show-logs``: the function's log lines on stderr while it runs.

The lines are read from the state directory's log store as the environment writes them, so this
works the same whether the invocation runs in this process, in the background worker or in a
``serve`` of this state directory. A server of another state directory is out of reach: then the
invocation's last 4 KB (``LogResult``) are printed when it returns.
"""

from __future__ import annotations

import base64
import sys
import threading
from typing import Any

import click

from lambdactl.render.terminal import colour_wanted, log_line

POLL_S = 0.1


class LogFollower:
    """Prints a log group's new lines to stderr from a thread until ``stop``."""

    def __init__(self, local_plane: Any, group: str) -> None:
        from lambdactl.control import logs

        self._plane = local_plane
        self._group = group
        self._logs = logs
        row = local_plane.store.read_one("SELECT max(id) FROM log_events")
        self._after = (row[0] if row else 0) or 0
        self._done = threading.Event()
        self._colour = colour_wanted(sys.stderr)
        self._thread = threading.Thread(target=self._run, name="lambdactl-show-logs", daemon=True)

    def start(self) -> LogFollower:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(POLL_S):
            self._print_new()
        self._print_new()  # what the environment wrote just before the invocation returned

    def _print_new(self) -> None:
        for event in self._logs.events(self._plane, self._group, after_id=self._after):
            self._after = max(self._after, event["id"])
            click.echo(log_line(event["message"], self._colour), err=True, color=self._colour)


def print_tail(log_result: str | None) -> None:
    """The fallback: the invocation's last 4 KB, decoded."""
    if log_result:
        click.echo(base64.b64decode(log_result).decode(errors="replace"), err=True, nl=False)
