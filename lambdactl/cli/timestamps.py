"""aws CLI v2 prints timestamp members as ISO 8601 (``cli_timestamp_format = iso8601``), not as wire epochs."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def iso_timestamps(value: Any, shape_name: str, shapes: dict[str, Any]) -> Any:
    """Walk a response along its output shape and turn epoch-second timestamps into ISO strings."""
    shape = shapes.get(shape_name)
    if shape is None or value is None:
        return value
    kind = shape["type"]
    if kind == "timestamp" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc).isoformat()
    if kind == "structure" and isinstance(value, dict):
        members = shape.get("members", {})
        return {
            key: iso_timestamps(item, members[key]["shape"], shapes) if key in members else item
            for key, item in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [iso_timestamps(item, shape["member"]["shape"], shapes) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {key: iso_timestamps(item, shape["value"]["shape"], shapes) for key, item in value.items()}
    return value
