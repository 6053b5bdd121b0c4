"""Output for a person at a terminal: colour where it helps, plain text when piped, under CI or NO_COLOR."""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click

_LEVELS = (  # (prefix or marker, colour) for function log lines
    ("REPORT ", "cyan"),
    ("START ", "bright_black"),
    ("END ", "bright_black"),
    ("INIT_START ", "bright_black"),
)
_ERROR_MARKERS = ("[ERROR]", "Traceback", "ERROR", "Task timed out", "errorMessage", "Runtime.")


def colour_wanted(stream: TextIO | None = None) -> bool:
    """Colour only for a terminal, and never under ``CI=true`` or ``NO_COLOR`` (no-color.org)."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return False
    return stream.isatty()


def log_line(message: str, colour: bool) -> str:
    """A function log line, REPORT and ERROR lines coloured when ``colour``."""
    if not colour:
        return message
    for prefix, fg in _LEVELS:
        if message.startswith(prefix):
            return click.style(message, fg=fg)
    if any(marker in message for marker in _ERROR_MARKERS):
        return click.style(message, fg="red")
    return message
