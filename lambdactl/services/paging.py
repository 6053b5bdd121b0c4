"""One page of a listing for the embedded services whose NextToken is opaque to clients: the index
of the next item."""

from __future__ import annotations

from typing import Any

from lambdactl import errors


def page(params: dict[str, Any], items: list[Any], key: str, limit_key: str, default_limit: int | None = None) -> dict[str, Any]:
    """``{key: items[start:start+limit]}``, with ``NextToken`` when more are left."""
    token = params.get("NextToken")
    if token and not str(token).isdigit():
        raise errors.ValidationException("The NextToken provided is invalid.")
    start = int(token) if token else 0
    limit = params.get(limit_key) or default_limit or len(items) or 1
    out: dict[str, Any] = {key: items[start:start + limit]}
    if start + limit < len(items):
        out["NextToken"] = str(start + limit)
    return out
