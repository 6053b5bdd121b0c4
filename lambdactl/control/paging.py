"""Pagination of the List* operations: MaxItems, Marker and NextMarker as Lambda handles them.

A list call reads ``limit(params, cap)`` items from just after its Marker and answers
``listing(member, *page(rows, limit, key))``: NextMarker is present only when more remain.
Markers are opaque to clients; the ones that are not plain names or numbers are base64
(``encode_marker``/``decode_marker``).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from lambdactl import errors
from lambdactl.model import validate

PAGE_LIMIT = 50  # most items one page holds (the MaxItems cap of most list operations)
MAX_ITEMS = 10000  # the largest MaxItems the MaxListItems operations accept (they still return PAGE_LIMIT)

T = TypeVar("T")


def limit(params: dict[str, Any], cap: int = PAGE_LIMIT, *, maximum: int | None = None) -> int:
    """The page size of a call: MaxItems (checked to be in 1..``maximum``, default ``cap``) at most ``cap``."""
    value = params.get("MaxItems")
    validate.check_range(value, "maxItems", 1, cap if maximum is None else maximum)
    return min(int(value or cap), cap)


def invalid_marker(marker: str) -> errors.ServiceError:
    return errors.InvalidParameterValueException(f"Invalid marker: {marker}")


def encode_marker(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).decode()


def decode_marker(marker: str | None) -> str:
    """The value ``encode_marker`` made (empty for no marker); InvalidParameterValueException if it is not one."""
    if not marker:
        return ""
    try:
        return base64.urlsafe_b64decode(marker.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise invalid_marker(marker) from None


def page(rows: Sequence[T], size: int, key: Callable[[T], str]) -> tuple[list[T], str | None]:
    """The first ``size`` rows and the NextMarker after them (``key`` of the last one), None when none remain."""
    if len(rows) > size:
        return list(rows[:size]), key(rows[size - 1])
    return list(rows), None


def listing(member: str, items: list[Any], next_marker: str | None) -> dict[str, Any]:
    """A list response: the items under ``member``, then NextMarker if there is one."""
    result: dict[str, Any] = {member: items}
    if next_marker is not None:
        result["NextMarker"] = next_marker
    return result
