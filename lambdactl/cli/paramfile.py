"""``file://`` and ``fileb://`` parameter values, with the aws CLI's error wording."""

from __future__ import annotations

import os

from lambdactl import errors


def load(value: str, param: str, *, binary: bool = False) -> str | bytes:
    """Resolve a paramfile prefix; values without one come back unchanged."""
    for prefix, as_bytes in (("fileb://", True), ("file://", False)):
        if value.startswith(prefix):
            path = os.path.expanduser(value[len(prefix):])
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as exc:
                raise errors.UsageError(
                    f"Error parsing parameter '{param}': Unable to load paramfile {value}: {exc}"
                ) from None
            if as_bytes or binary:
                return data
            try:
                return data.decode()
            except UnicodeDecodeError:
                raise errors.UsageError(
                    f"Error parsing parameter '{param}': Unable to load paramfile {value}: not UTF-8 text"
                ) from None
    return value
