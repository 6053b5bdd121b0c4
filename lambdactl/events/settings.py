"""Numeric settings of the async worker and the mapping pollers, read from environment variables.

One reader for all of ``lambdactl.events``: an unset or empty variable gives the default,
anything that is not a number is a ConfigurationError with a one-line message
(``LAMBDACTL_X must be a number, got 'abc'``) instead of a ValueError traceback.
The variables themselves are listed where they are used (``worker``, ``pollers.base``).
"""

from __future__ import annotations

import math
import os

from lambdactl import errors


def env_float(name: str, default: float) -> float:
    """``$name`` as a float (``default`` when unset or empty)."""
    value = os.environ.get(name)
    if not value:
        return float(default)
    try:
        return float(value)
    except ValueError:
        raise errors.ConfigurationError(f"{name} must be a number, got '{value}'") from None


def env_int(name: str, default: int) -> int:
    """``$name`` as an int (a fraction is truncated, as int() does; ``default`` when unset or empty)."""
    number = env_float(name, default)
    if not math.isfinite(number):
        raise errors.ConfigurationError(f"{name} must be a number, got '{os.environ.get(name)}'")
    return int(number)
