"""``file://`` and ``fileb://`` parameter values, with the aws CLI's error wording."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from lambdactl import errors


def _error(param: str, message: str) -> errors.UsageError:
    return errors.UsageError(f"Error parsing parameter '{param}': {message}" if param else message)


def load(value: str, param: str, *, binary: bool = False) -> str | bytes:
    """Resolve a paramfile prefix; values without one come back unchanged."""
    for prefix, as_bytes in (("fileb://", True), ("file://", False)):
        if value.startswith(prefix):
            path = os.path.expanduser(value[len(prefix):])
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as exc:
                raise _error(param, f"Unable to load paramfile {value}: {exc}") from None
            if as_bytes or binary:
                return data
            try:
                return data.decode()
            except UnicodeDecodeError:
                raise _error(param, f"Unable to load paramfile {value}: not UTF-8 text") from None
    return value


def load_object(raw: str, param: str, loads: Callable[[str], Any]) -> dict[str, Any]:
    """A JSON (or YAML) object given inline or as ``file://``: ``--cli-input-json``, ``--keys``, ..."""
    text: Any = load(raw, param)  # bytes for fileb://: json and yaml read those too
    try:
        data = loads(text)
    except Exception as exc:  # noqa: BLE001 - json and yaml raise different errors
        raise _error(param, f"Invalid JSON/YAML received: {exc}") from None
    if not isinstance(data, dict):
        raise _error(param, "expected an object")
    return data
