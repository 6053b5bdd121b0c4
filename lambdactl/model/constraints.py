"""The service-side check of a request against its model's constraints, worded as AWS words it.

botocore checks only required members, types and minimums on the client; AWS services check
the rest (patterns, maximums, enums) and answer ValidationException with every violation:
``2 validation errors detected: Value 'a b' at 'name' failed to satisfy constraint: Member must
satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+; Value …``. Member paths are the
members' names with a lower-case first letter, list items ``targets.1.member.id``.
"""

from __future__ import annotations

import re
from typing import Any

from lambdactl import errors, model


def check(params: dict[str, Any], op_name: str, service: str) -> None:
    """Raise ValidationException listing every constraint ``params`` breaks (nothing when it breaks none)."""
    shape = model.input_shape(op_name, service)
    if shape is None:
        return
    problems: list[str] = []
    _walk(params, shape, "", model.shapes(service), problems)
    if problems:
        count = len(problems)
        raise errors.ValidationException(
            f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(problems)}"
        )


def _walk(value: Any, shape: dict[str, Any], path: str, shapes: dict[str, Any], problems: list[str]) -> None:
    kind = shape.get("type")
    if kind == "structure" and isinstance(value, dict):
        for name, ref in shape.get("members", {}).items():
            if value.get(name) is not None:
                member = f"{path}.{name[:1].lower()}{name[1:]}" if path else f"{name[:1].lower()}{name[1:]}"
                _walk(value[name], shapes[ref["shape"]], member, shapes, problems)
        return
    constraint = _violation(value, shape)
    if constraint:
        problems.append(f"Value '{value}' at '{path}' failed to satisfy constraint: {constraint}")
        return
    if kind == "list" and isinstance(value, list):
        for index, item in enumerate(value, start=1):
            _walk(item, shapes[shape["member"]["shape"]], f"{path}.{index}.member", shapes, problems)


def _violation(value: Any, shape: dict[str, Any]) -> str | None:
    kind = shape.get("type")
    if kind == "string" and isinstance(value, str):
        if "enum" in shape and value not in shape["enum"]:
            return f"Member must satisfy enum value set: [{', '.join(shape['enum'])}]"
        size: int | None = len(value)
    elif kind == "list" and isinstance(value, list):
        size = len(value)
    elif kind in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        if "min" in shape and value < shape["min"]:
            return f"Member must have value greater than or equal to {shape['min']}"
        if "max" in shape and value > shape["max"]:
            return f"Member must have value less than or equal to {shape['max']}"
        return None
    else:
        return None
    if "min" in shape and size < shape["min"]:
        return f"Member must have length greater than or equal to {shape['min']}"
    if "max" in shape and size > shape["max"]:
        return f"Member must have length less than or equal to {shape['max']}"
    if kind == "string" and "pattern" in shape and not _matches(shape["pattern"], value):
        return f"Member must satisfy regular expression pattern: {shape['pattern']}"
    return None


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value, re.DOTALL) is not None
    except re.error:  # a Java-only construct: not checked here
        return True
