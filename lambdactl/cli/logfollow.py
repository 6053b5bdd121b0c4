"""``invoke --show-logs``: the function's log lines on stderr while it runs.

The lines are read from the state directory's log store as they are written, so this works the same
whether the invocation runs in this process, in the background worker or in a ``serve`` of this
state directory. Lines stamped before this invoke started are another invocation's; a process that
runs invocations commits their logs in batches, so after the invoke returns the follower waits
(briefly) for its REPORT line. A server of another state directory is out of reach: then the
invocation's last 4 KB (``LogResult``) are printed when it returns.
"""

from __future__ import annotations

import base64
import sys
import threading
import time
from typing import Any

import click

from lambdactl.render.terminal import colour_wanted, log_line

POLL_S = 0.1
REPORT_WAIT_S = 3.0  # how long a returned invoke's REPORT line may take to be committed


class LogFollower:
    """Prints a log group's new lines to stderr from a thread until ``stop``."""

    def __init__(self, local_plane: Any, group: str) -> None:
        from lambdactl.control import logs

        self._plane = local_plane
        self._group = group
        self._logs = logs
        self._since_ms = int(time.time() * 1000)
        self._after = 0
        self._reported = False
        self._done = threading.Event()
        self._colour = colour_wanted(sys.stderr)
        self._thread = threading.Thread(target=self._run, name="lambdactl-show-logs", daemon=True)

    def start(self) -> LogFollower:
        self._thread.start()
        return self

    def stop(self, ran: bool = True) -> None:
        """Stop following; when the invocation ``ran``, first wait (bounded) for its REPORT line."""
        deadline = time.monotonic() + (REPORT_WAIT_S if ran else 0)
        while not self._reported and time.monotonic() < deadline:
            time.sleep(POLL_S / 2)
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(POLL_S):
            self._print_new()
        self._print_new()  # what was committed just before stop

    def _print_new(self) -> None:
        for event in self._logs.events(self._plane, self._group, since_ms=self._since_ms, after_id=self._after):
            self._after = max(self._after, event["id"])
            self._reported = self._reported or event["message"].startswith("REPORT RequestId: ")
            click.echo(log_line(event["message"], self._colour), err=True, color=self._colour)


def print_tail(log_result: str | None) -> None:
    """The fallback: the invocation's last 4 KB, decoded."""
    if log_result:
        click.echo(base64.b64decode(log_result).decode(errors="replace"), err=True, nl=False)
