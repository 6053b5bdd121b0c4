"""Event patterns, as EventBridge defines them: check and match, with every operator EventBridge documents.

One matcher serves EventBridge's rules (``services/events/patterns.py`` adds its error) and
Lambda's event filters on event source mappings (``events/pollers/filters.py``), which use the same
syntax: Lambda's filters take the subset ``FILTER_KINDS`` and count an empty array as present for
``exists``. It sits at the bottom of the import graph (standard library only), below both.

No maintained Python implementation of EventBridge's matcher exists on PyPI (AWS's own
``event-ruler`` is Java), so this is a small one. A pattern mirrors the event; each leaf is
an array of matchers, any of which may match (an event array matches when any element
does): exact values (string, number, bool, null), ``prefix`` / ``suffix`` (a string or
``{"equals-ignore-case": s}``), ``equals-ignore-case``, ``anything-but`` (a value, a list,
or ``prefix`` / ``suffix`` / ``equals-ignore-case`` / ``wildcard``), ``numeric``,
``exists``, ``cidr``, ``wildcard``, and ``"$or": [pattern, ...]`` at any level.
Errors are ``PatternError`` (a ValueError) with EventBridge's reason texts.
"""

from __future__ import annotations

import ipaddress
import json
import operator
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

NUMERIC_OPS: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip
KINDS = frozenset({"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr", "wildcard"})
FILTER_KINDS = KINDS - {"cidr", "wildcard"}  # Lambda's filter rules (its documentation names no others)
_MISSING = object()


class PatternError(ValueError):
    """What is wrong with a pattern, in EventBridge's words (its reason texts)."""


def invalid(reason: str) -> PatternError:
    return PatternError(reason)


@lru_cache(maxsize=4096)
def compile_pattern(text: str, kinds: frozenset[str] = KINDS) -> dict[str, Any]:
    """Parse and check a pattern (a JSON string) whose matchers are of ``kinds``; PatternError says what is wrong."""
    try:
        pattern = json.loads(text)
    except ValueError as exc:
        raise invalid(str(exc)) from None
    if not isinstance(pattern, dict):
        raise invalid("Filter is not an object")
    _check(pattern, kinds)
    return pattern


def _check(pattern: dict[str, Any], kinds: frozenset[str]) -> None:
    for key, value in pattern.items():
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(p, dict) for p in value):
                raise invalid("Value of $or must be an array of at least two objects.")
            for alternative in value:
                _check(alternative, kinds)
        elif isinstance(value, dict):
            _check(value, kinds)
        elif isinstance(value, list):
            if not value:
                raise invalid("Empty arrays are not allowed")
            for matcher in value:
                if isinstance(matcher, dict):
                    _check_matcher(matcher, kinds)
                elif isinstance(matcher, list):
                    raise invalid(f'"{key}" must be an object or an array')
        else:
            raise invalid(f'"{key}" must be an object or an array')


def _check_matcher(matcher: dict[str, Any], kinds: frozenset[str]) -> None:
    if len(matcher) != 1:
        raise invalid("Only one match type may be given per object.")
    (kind, arg), = matcher.items()
    if kind not in kinds:
        raise invalid(f"Unrecognized match type {kind}")
    if kind in ("prefix", "suffix"):
        if isinstance(arg, dict) and list(arg) == ["equals-ignore-case"]:
            arg = arg["equals-ignore-case"]
            kind = "equals-ignore-case"
        if not isinstance(arg, str):
            raise invalid(f"{kind} match pattern must be a string")
    elif kind == "equals-ignore-case":
        if not isinstance(arg, str):
            raise invalid("equals-ignore-case match pattern must be a string")
    elif kind == "wildcard":
        if not isinstance(arg, str):
            raise invalid("wildcard match pattern must be a string")
        _check_wildcard(arg)
    elif kind == "numeric":
        _check_numeric(arg)
    elif kind == "exists":
        if not isinstance(arg, bool):
            raise invalid("exists match pattern must be either true or false.")
    elif kind == "cidr":
        if not isinstance(arg, str):
            raise invalid("cidr match pattern must be a string")
        _network(arg)
    else:
        _check_anything_but(arg, kinds)


def _check_numeric(arg: Any) -> None:
    if not isinstance(arg, list):
        raise invalid("Value of numeric must be an array.")
    if not arg or len(arg) % 2 or len(arg) > 4:
        raise invalid("Invalid numeric match: give one or two (operator, number) pairs.")
    for op, number in zip(arg[::2], arg[1::2]):
        if op not in NUMERIC_OPS:
            raise invalid(f"Unrecognized numeric range operator: {op}")
        if not _is_number(number):
            raise invalid(f"Value of {op} must be numeric")


def _check_anything_but(arg: Any, kinds: frozenset[str]) -> None:
    if isinstance(arg, dict):
        if len(arg) != 1 or next(iter(arg)) not in kinds & {"prefix", "suffix", "equals-ignore-case", "wildcard"}:
            raise invalid(f"Unsupported anything-but pattern: {next(iter(arg), '')}")
        (kind, inner), = arg.items()
        items = inner if isinstance(inner, list) and kind in ("equals-ignore-case", "wildcard") else [inner]
        if not items or not all(isinstance(item, str) for item in items):
            raise invalid(f"{kind} match pattern must be a string")
        if kind == "wildcard":
            for item in items:
                _check_wildcard(item)
        return
    items = arg if isinstance(arg, list) else [arg]
    if not items or not all(isinstance(item, str) or _is_number(item) for item in items):
        raise invalid("Value of anything-but must be an array or single string/number value.")


def _check_wildcard(text: str) -> None:
    if (position := text.find("**")) >= 0:
        raise invalid(f"Consecutive wildcard characters at pos {position + 1}")


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    if text.count("/") != 1:
        raise invalid("Malformed CIDR, one '/' required")
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise invalid(f"Nonstandard IP address: {text.split('/')[0]}") from None


def matches(pattern: dict[str, Any], event: Any, *, empty_exists: bool = False) -> bool:
    """Whether ``event`` satisfies every field ``pattern`` names (an event array: any element);
    ``empty_exists``: an empty array counts as present for ``exists`` (Lambda's filters; EventBridge: absent)."""
    if isinstance(event, list):
        return any(matches(pattern, item, empty_exists=empty_exists) for item in event)
    if not isinstance(event, dict):
        return False
    for key, rule in pattern.items():
        if key == "$or":
            if not any(matches(alternative, event, empty_exists=empty_exists) for alternative in rule):
                return False
        elif isinstance(rule, dict):
            if not matches(rule, event.get(key), empty_exists=empty_exists):
                return False
        elif not _leaf(rule, event.get(key, _MISSING), empty_exists):
            return False
    return True


def _leaf(rules: list[Any], value: Any, empty_exists: bool) -> bool:
    values = value if isinstance(value, list) else [value]
    for rule in rules:
        if isinstance(rule, dict) and "exists" in rule:
            present = value is not _MISSING and (empty_exists or value != [])
            if rule["exists"] == present:
                return True
        elif value is not _MISSING and any(_one(rule, item) for item in values):
            return True
    return False


def _one(rule: Any, value: Any) -> bool:
    if not isinstance(rule, dict):
        return _equal(rule, value)
    (kind, arg), = rule.items()
    if kind in ("prefix", "suffix"):
        if not isinstance(value, str):
            return False
        fold = isinstance(arg, dict)
        text, wanted = (value.lower(), arg["equals-ignore-case"].lower()) if fold else (value, arg)
        return text.startswith(wanted) if kind == "prefix" else text.endswith(wanted)
    if kind == "equals-ignore-case":
        return isinstance(value, str) and value.lower() == arg.lower()
    if kind == "wildcard":
        return isinstance(value, str) and _wildcard(arg).fullmatch(value) is not None
    if kind == "numeric":
        return _is_number(value) and all(NUMERIC_OPS[op](value, n) for op, n in zip(arg[::2], arg[1::2]))
    if kind == "cidr":
        try:
            return isinstance(value, str) and ipaddress.ip_address(value) in _network(arg)
        except ValueError:
            return False
    if kind == "anything-but":
        return _anything_but(arg, value)
    return False


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, dict):
        (kind, inner), = arg.items()
        items = inner if isinstance(inner, list) else [inner]
        if not isinstance(value, str):
            return value is None
        return not any(_one({kind: item}, value) for item in items)
    return not any(_equal(item, value) for item in (arg if isinstance(arg, list) else [arg]))


def _equal(rule: Any, value: Any) -> bool:
    if _is_number(rule) and _is_number(value):
        return float(rule) == float(value)
    return type(rule) is type(value) and rule == value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@lru_cache(maxsize=1024)
def _wildcard(text: str) -> re.Pattern[str]:
    """``*`` is any run of characters; ``\\*`` a literal star, ``\\\\`` a literal backslash."""
    parts, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in "*\\":
            parts.append(re.escape(text[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL)
