"""The example at the foot of each command's help: the service documentation's own where it has one
(botocore's examples, kept in ``model/<service>.examples.json``), else the command with its required flags.

Loaded only when help is shown.
"""

from __future__ import annotations

import json
import shlex
from functools import cache
from pathlib import Path
from typing import Any

from lambdactl import model

_MODEL_DIR = Path(model.__file__).parent


@cache
def documented(service: str) -> dict[str, dict[str, Any]]:
    path = _MODEL_DIR / f"{service}.examples.json"
    return json.loads(path.read_text()) if path.exists() else {}


def example(prog: str, op_name: str, service: str, members: list[Any], positional: str = "") -> str:
    """A title and one command line, separated by a blank line."""
    case = documented(service).get(op_name)
    if case:
        title, words = case["title"], _flags(case["input"], members)
    else:
        title = "Example"
        words = [word for m in members if m.required for word in (m.flag, _placeholder(m))]
    line = " ".join([prog, *words, *([positional] if positional else [])])
    return f"{title.rstrip('.:')}\n\n  {line}"


def _flags(values: dict[str, Any], members: list[Any]) -> list[str]:
    by_name = {m.path[0]: m for m in members if len(m.path) == 1}
    words: list[str] = []
    for name, value in values.items():
        member = by_name.get(name)
        if member is None:  # e.g. Code.ZipFile in CreateFunction's example: its flag is --zip-file
            if name == "Code" and isinstance(value, dict) and "ZipFile" in value:
                words += ["--zip-file", "fileb://function.zip"]
            continue
        if member.type == "boolean":
            words.append(member.flag if value else f"--no-{member.flag[2:]}")
        elif member.type == "blob":
            words += [member.flag, shlex.quote(str(value)), "--cli-binary-format", "raw-in-base64-out"]
        elif isinstance(value, (dict, list)):
            words += [member.flag, shlex.quote(json.dumps(value, separators=(",", ":")))]
        else:
            words += [member.flag, shlex.quote(str(value))]
    return words


def _placeholder(member: Any) -> str:
    if member.flag == "--zip-file":
        return "fileb://function.zip"
    if member.flag == "--function-name":
        return "my-function"
    enum = member.shape.get("enum")
    return enum[0] if enum else "<value>"


def epilog(*lines: str) -> str:
    """The example paragraph of a hand-written command's help, kept as written (Click's ``\\b``)."""
    return "\b\nExample:\n" + "\n".join(f"  {line}" for line in lines)
