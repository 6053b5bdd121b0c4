"""The service model (a trimmed copy of botocore's Lambda model) and its naming rules."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

_MODEL_FILE = Path(__file__).with_name("lambda.json")


@lru_cache(maxsize=1)
def service() -> dict[str, Any]:
    return json.loads(_MODEL_FILE.read_text())


def shapes() -> dict[str, Any]:
    return service()["shapes"]


def operation(name: str) -> dict[str, Any]:
    return service()["operations"][name]


def input_shape(op_name: str) -> dict[str, Any] | None:
    ref = operation(op_name).get("input")
    return shapes()[ref["shape"]] if ref else None


# botocore.xform_name, so flags are spelled exactly as the aws CLI spells them.
_FIRST_CAP = re.compile("(.)([A-Z][a-z]+)")
_END_CAP = re.compile("([a-z0-9])([A-Z])")
_SPECIAL = re.compile("[A-Z]{2,}s$")


def xform_name(name: str, sep: str = "-") -> str:
    if sep in name:
        return name
    match = _SPECIAL.search(name)
    if match:
        matched = match.group()
        name = name[: -len(matched)] + sep + matched.lower()
    s1 = _FIRST_CAP.sub(r"\1" + sep + r"\2", name)
    return _END_CAP.sub(r"\1" + sep + r"\2", s1).lower()


def command_name(op_name: str) -> str:
    return xform_name(op_name)
