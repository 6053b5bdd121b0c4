"""The embedded services' clock: one seam so tests can move time (visibility, delays, retention, iterators)."""

from __future__ import annotations

import time


def now() -> float:
    """Epoch seconds."""
    return time.time()
