"""EventBridge event patterns: the one matcher (``lambdactl/event_patterns.py``) with EventBridge's error,
InvalidEventPatternException, whose message carries the matcher's reason."""

from __future__ import annotations

from typing import Any

from lambdactl import errors, event_patterns
from lambdactl.event_patterns import matches

__all__ = ["InvalidEventPatternException", "compile_pattern", "invalid", "matches"]

InvalidEventPatternException = errors.service_error("InvalidEventPatternException", 400)


def invalid(reason: str) -> errors.ServiceError:
    return InvalidEventPatternException(f"Event pattern is not valid. Reason: {reason}")


def compile_pattern(text: str) -> dict[str, Any]:
    """Parse and check a pattern (a JSON string, parsed once); InvalidEventPatternException says what is wrong."""
    try:
        return event_patterns.compile_pattern(text)
    except event_patterns.PatternError as exc:
        raise invalid(str(exc)) from None
