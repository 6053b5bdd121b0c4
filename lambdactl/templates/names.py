"""A stack's name and its parameter overrides, from the command line (light: deploy's start-up path)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lambdactl import errors

STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")


def stack_name_for(template: Path, given: str | None) -> str:
    """``--stack-name``, else the project folder's name (the one holding .aws-sam for a built template)."""
    folder = template.resolve().parent
    if folder.name == "build" and folder.parent.name == ".aws-sam":
        folder = folder.parent.parent
    name = given or re.sub(r"[^-a-zA-Z0-9]", "-", folder.name).strip("-") or "lambdactl-app"
    if not STACK_NAME.fullmatch(name):
        raise errors.ValidationException(
            f"1 validation error detected: Value '{name}' at 'stackName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*")
    return name


def parse_overrides(values: tuple[str, ...]) -> dict[str, str]:
    """``--parameter-overrides Key=Value Key2=Value2`` (and ParameterKey=K,ParameterValue=V) as a dict."""
    out: dict[str, str] = {}
    for value in values:
        match = re.fullmatch(r"ParameterKey=([^,]+),ParameterValue=(.*)", value)
        key, sep, val = (match[1], "=", match[2]) if match else value.partition("=")
        if not sep or not key:
            raise errors.UsageError(f"argument --parameter-overrides: {value!r} is not Key=Value")
        out[key] = val
    return out


@dataclass(frozen=True)
class Project:
    """What ``deploy`` and the watches deploy: the template, its stack, ``--parameter-overrides`` and ``--env-vars``."""

    template: Path
    stack: str
    overrides: dict[str, str]
    env_vars: Path | None = None
