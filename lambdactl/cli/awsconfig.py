"""Defaults the aws CLI reads from its config file (``region``, ``output``, ``cli_binary_format``).

Separate from ``globals.py`` so that ``fast_invoke`` can read them without loading the rest."""

from __future__ import annotations

import os
from pathlib import Path


def value(key: str) -> str | None:
    """A value from the [default] (or AWS_PROFILE) section of ~/.aws/config (AWS_CONFIG_FILE)."""
    path = Path(os.environ.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config")
    if not path.is_file():
        return None
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read(path)
    except configparser.Error:
        return None
    profile = os.environ.get("AWS_PROFILE") or "default"
    section = "default" if profile == "default" else f"profile {profile}"
    return parser.get(section, key, fallback=None)


def region() -> str | None:
    """The region a command without ``--region`` works in, as the aws CLI finds it: ``AWS_REGION``,
    ``AWS_DEFAULT_REGION``, else ``region`` in the config file's profile."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or value("region")
