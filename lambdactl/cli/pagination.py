"""The aws CLI's auto-pagination: merge pages, --max-items, --starting-token, --page-size."""

from __future__ import annotations

import base64
import json
from typing import Any

from lambdactl import errors


def encode_token(marker: str | None, truncate: int = 0) -> str:
    data: dict[str, Any] = {"Marker": marker}
    if truncate:
        data["boto_truncate_amount"] = truncate
    return base64.b64encode(json.dumps(data).encode()).decode()


def decode_token(token: str) -> tuple[str | None, int]:
    try:
        data = json.loads(base64.b64decode(token))
        return data.get("Marker"), int(data.get("boto_truncate_amount", 0))
    except (ValueError, TypeError, AttributeError):
        raise errors.UsageError(f"Bad starting token: {token}") from None


def check_page_size(size: int, limit_key: str) -> int:
    """--page-size becomes the API's limit member, so botocore's minimum (1) applies to it (exit 252)."""
    if size < 1:
        raise errors.ParamValidationError(f"Invalid value for parameter {limit_key}, value: {size}, valid min value: 1")
    return size


def paginate(plane: Any, op_name: str, params: dict[str, Any], pages: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    input_token, output_token = pages["input_token"], pages["output_token"]
    limit_key, result_key = pages["limit_key"], pages["result_key"]
    max_items = values.get("max_items")
    marker, skip = decode_token(values["starting_token"]) if values.get("starting_token") else (None, 0)
    if values.get("page_size") is not None:
        params[limit_key] = check_page_size(values["page_size"], limit_key)
    merged: dict[str, Any] = {result_key: []}
    while True:
        call = dict(params)
        if marker:
            call[input_token] = marker
        page = plane.call(op_name, call)
        items = page.get(result_key, [])[skip:]
        consumed_before = skip
        skip = 0
        for key, value in page.items():
            if key not in (result_key, output_token):
                merged[key] = value
        if max_items is not None and len(merged[result_key]) + len(items) >= max_items:
            room = max_items - len(merged[result_key])
            merged[result_key].extend(items[:room])
            if room < len(items):
                merged["NextToken"] = encode_token(marker, consumed_before + room)
            elif page.get(output_token):
                merged["NextToken"] = encode_token(page[output_token])
            return merged
        merged[result_key].extend(items)
        marker = page.get(output_token)
        if not marker:
            return merged
