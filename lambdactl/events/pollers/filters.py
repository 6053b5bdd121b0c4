"""Lambda's event filter patterns (FilterCriteria) on an event source mapping's records.

The patterns are EventBridge's (one matcher: ``lambdactl/event_patterns.py``), with the rules
Lambda documents for filters (``FILTER_KINDS``: exact values, ``prefix``, ``suffix``,
``equals-ignore-case``, ``anything-but``, ``numeric``, ``exists``, ``$or``), and an empty array
counts as present for ``exists``. A record matches when any of the mapping's filters matches.
The payload field (SQS ``body``, Kinesis ``data`` base64) is matched as parsed JSON when it is
JSON, else as its text.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from lambdactl import event_patterns


def compile_pattern(text: str) -> dict[str, Any]:
    """Parse and check one filter pattern; ValueError (``PatternError``) explains what is wrong."""
    return event_patterns.compile_pattern(text, event_patterns.FILTER_KINDS)


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """Whether ``event`` satisfies every field of ``pattern``."""
    return event_patterns.matches(pattern, event, empty_exists=True)


def parsed(text: str) -> Any:
    """A payload as filters see it: the JSON value when it is JSON, else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def filter_view(record: dict[str, Any]) -> dict[str, Any]:
    """A Lambda event record as its filters see it: SQS ``body`` and Kinesis ``data`` decoded."""
    view = dict(record)
    if isinstance(view.get("body"), str):
        view["body"] = parsed(view["body"])
    if isinstance(view.get("kinesis"), dict):
        inner = dict(view["kinesis"])
        try:
            inner["data"] = parsed(base64.b64decode(inner.get("data", "")).decode())
        except (ValueError, UnicodeDecodeError):
            pass
        view["kinesis"] = inner
        view.setdefault("data", inner["data"])
        for key, value in inner.items():
            view.setdefault(key, value)
    return view


def keep(patterns: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    """True when a record passes the mapping's filters (no filters: everything passes)."""
    return not patterns or any(matches(pattern, filter_view(record)) for pattern in patterns)


def compiled(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The mapping's filter patterns, parsed."""
    return [compile_pattern(item["Pattern"]) for item in (config.get("FilterCriteria") or {}).get("Filters") or []]
