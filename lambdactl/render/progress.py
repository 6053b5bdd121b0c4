"""Progress for a person waiting at a terminal (``drain``, and later ``build``/``deploy``): a rich status
line refreshed from a probe; nothing at all when stderr is piped or under CI (logs stay clean)."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator

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
