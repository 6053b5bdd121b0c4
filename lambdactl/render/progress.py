"""Progress for a person waiting at a terminal: ``status`` (``drain``), a rich status line refreshed from a
probe, nothing at all when stderr is piped or under CI; ``steps`` (``build``, ``deploy``), a rich progress
bar with each finished step printed above it, one plain line per step when piped or under CI (logs stay
clean and still name every step)."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from lambdactl.render.terminal import colour_wanted

REFRESH_S = 0.5


@contextlib.contextmanager
def status(describe: Callable[[], str], refresh_s: float = REFRESH_S) -> Iterator[None]:
    """Show ``describe()`` (called every ``refresh_s`` from a thread) until the block ends."""
    if not colour_wanted(sys.stderr):
        yield
        return
    from rich.console import Console

    done = threading.Event()
    with Console(stderr=True).status(describe()) as shown:

        def refresh() -> None:
            while not done.wait(refresh_s):
                shown.update(describe())

        thread = threading.Thread(target=refresh, name="lambdactl-progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()


class Steps:
    """Reports the steps of a long command: ``expect(total)`` once known, then ``step(line)`` per finished one."""

    def __init__(self, progress: Any = None) -> None:
        self._progress = progress  # a started rich Progress, or None for plain lines
        self._task: Any = None

    def expect(self, total: int) -> None:
        if self._progress is not None:
            if self._task is None:
                self._task = self._progress.add_task("", total=total)
            else:
                self._progress.update(self._task, total=total)

    def step(self, line: str) -> None:
        """One step done; ``line`` says what it was (an empty line: nothing worth saying)."""
        if self._progress is None:
            if line:
                print(line, file=sys.stderr, flush=True)
            return
        if line:
            self._progress.console.print(line, highlight=False, markup=False)
        if self._task is not None:
            self._progress.update(self._task, advance=1, **({"description": line} if line else {}))


@contextlib.contextmanager
def steps() -> Iterator[Steps]:
    """A ``Steps`` drawing a rich progress bar on a terminal's stderr, else writing plain lines there."""
    if not colour_wanted(sys.stderr):
        yield Steps()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield Steps(progress)
