"""Lambda's event filter patterns (FilterCriteria): compile and match.

A pattern is a JSON object whose leaves are lists of matchers: exact values (strings,
numbers, null, booleans), ``{"prefix"}``, ``{"suffix"}``, ``{"equals-ignore-case"}``,
``{"anything-but"}`` (a value, a list or ``{"prefix"}``), ``{"numeric": [op, n, ...]}``,
``{"exists": bool}``; ``"$or": [pattern, ...]`` joins alternatives. A record matches
when any of the mapping's filters matches. The payload field (SQS ``body``, Kinesis
``data`` base64) is matched as parsed JSON when it is JSON, else as its text.
"""

from __future__ import annotations

import base64
import json
import operator
from collections.abc import Callable
from typing import Any

NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip
MATCHER_KEYS = {"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists"}
_MISSING = object()


def compile_pattern(text: str) -> dict[str, Any]:
    """Parse and check one filter pattern; ValueError explains what is wrong."""
    try:
        pattern = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"Pattern is not valid JSON: {exc}") from None
    if not isinstance(pattern, dict):
        raise ValueError("Pattern must be a JSON object.")  # noqa: TRY004 - every bad pattern is a ValueError
    _check(pattern)
    return pattern


def _check(pattern: dict[str, Any]) -> None:
    for key, value in pattern.items():
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(p, dict) for p in value):
                raise ValueError("$or must be a list of at least two patterns.")
            for alternative in value:
                _check(alternative)
        elif isinstance(value, dict):
            _check(value)
        elif isinstance(value, list):
            for matcher in value:
                if isinstance(matcher, dict):
                    _check_matcher(matcher)
        else:
            raise ValueError(f"Value of '{key}' must be an object or an array.")


def _check_matcher(matcher: dict[str, Any]) -> None:
    if len(matcher) != 1 or next(iter(matcher)) not in MATCHER_KEYS:
        raise ValueError(f"Unrecognized match type {json.dumps(matcher)}.")
    (kind, arg), = matcher.items()
    if kind == "numeric":
        if not isinstance(arg, list) or len(arg) not in (2, 4) or any(
            op not in NUMERIC_OPS or isinstance(n, bool) or not isinstance(n, (int, float)) for op, n in zip(arg[::2], arg[1::2])
        ):
            raise ValueError(f"Invalid numeric match {json.dumps(arg)}.")
    elif kind == "exists" and not isinstance(arg, bool):
        raise ValueError("exists match pattern must be either true or false.")
    elif kind in ("prefix", "suffix", "equals-ignore-case") and not isinstance(arg, str):
        raise ValueError(f"{kind} match pattern must be a string.")


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """Whether ``event`` (a dict) satisfies every field of ``pattern``."""
    if not isinstance(event, dict):
        return False
    for key, rule in pattern.items():
        if key == "$or":
            if not any(matches(alternative, event) for alternative in rule):
                return False
        elif isinstance(rule, dict):
            if not matches(rule, event.get(key)):
                return False
        elif not _leaf(rule, event.get(key, _MISSING)):
            return False
    return True


def _leaf(rules: list[Any], value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    for rule in rules:
        if isinstance(rule, dict) and "exists" in rule:
            if rule["exists"] == (value is not _MISSING):
                return True
        elif value is not _MISSING and any(_one(rule, item) for item in values):
            return True
    return False


def _one(rule: Any, value: Any) -> bool:
    if not isinstance(rule, dict):
        if _is_number(rule) and _is_number(value):
            return rule == value
        return type(rule) is type(value) and rule == value
    (kind, arg), = rule.items()
    if kind == "prefix":
        return isinstance(value, str) and value.startswith(arg)
    if kind == "suffix":
        return isinstance(value, str) and value.endswith(arg)
    if kind == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == arg.lower()
    if kind == "numeric":
        return _is_number(value) and all(NUMERIC_OPS[op](value, n) for op, n in zip(arg[::2], arg[1::2]))
    if kind == "anything-but":
        if isinstance(arg, dict):
            return not _one(arg, value)
        return not any(_one(item, value) for item in (arg if isinstance(arg, list) else [arg]))
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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
