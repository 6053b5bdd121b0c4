"""``--generate-cli-skeleton [input|output|yaml-input]`` documents.

Follows botocore's ArgumentGenerator as the aws CLI uses it: strings ``""``
(the first enum value for enums), numbers ``0``/``0.0``, booleans ``true``,
blobs ``null``, timestamps ``1970-01-01T00:00:00``, maps ``{"KeyName": ...}``,
lists of one item, a structure nested in itself ``{}``. ``output`` puts member
names in string fields (ArgumentGenerator(use_member_names=True)).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

def skeleton(shape_name: str, shapes: dict, kind: str = "input") -> Any:
    """The skeleton of ``shape_name`` (an operation's input or output shape)."""
    return _generate(shape_name, shapes, [], kind == "output", "")


def _generate(shape_name: str, shapes: dict, stack: list[str], use_names: bool, name: str) -> Any:
    shape = shapes[shape_name]
    kind = shape["type"]
    stack.append(shape_name)
    try:
        if kind == "structure":
            if stack.count(shape_name) > 1:
                return {}
            return {
                member: _generate(ref["shape"], shapes, stack, use_names, member)
                for member, ref in shape.get("members", {}).items()
            }
        if kind == "list":
            member = shape["member"]["shape"]
            return [_generate(member, shapes, stack, use_names, member if use_names else "")]
        if kind == "map":
            return {"KeyName": _generate(shape["value"]["shape"], shapes, stack, use_names, "")}
        if kind == "string":
            if use_names:
                return name
            return shape["enum"][0] if shape.get("enum") else ""
        if kind in ("integer", "long"):
            return 0
        if kind in ("float", "double"):
            return 0.0
        if kind == "boolean":
            return True
        if kind == "timestamp":
            return "1970-01-01T00:00:00"
        return None  # blob
    finally:
        stack.pop()


def skeleton_text(doc: Any, kind: str = "input", *, shape_name: str = "", shapes: dict | None = None) -> str:
    """Print form of a skeleton: 4-space JSON, or YAML for ``yaml-input``.

    With ``shape_name`` and ``shapes`` the YAML carries aws CLI v2's member
    comments: ``[REQUIRED]``, the first sentence of the documentation and
    ``Valid values are: ...`` for enums.
    """
    if kind != "yaml-input":
        return json.dumps(doc, indent=4) + "\n"
    if not doc:
        return "{}\n"
    lines: list[str] = []
    _yaml_lines(doc, shapes.get(shape_name) if shapes else None, shapes or {}, "", lines)
    return "\n".join(lines) + "\n"


def _yaml_lines(value: Any, shape: dict | None, shapes: dict, indent: str, out: list[str]) -> None:
    """Append block-style YAML for a mapping or sequence to ``out``."""
    if isinstance(value, list):
        member = _target(shape.get("member"), shapes) if shape else None
        for item in value:
            start = len(out)
            if isinstance(item, (dict, list)) and item:
                _yaml_lines(item, member, shapes, indent + "  ", out)
                out[start] = f"{indent}- {out[start][len(indent) + 2 :]}"
            else:
                out.append(f"{indent}- {_scalar(item)}")
        return
    members = shape.get("members", {}) if shape and shape["type"] == "structure" else {}
    required = set(shape.get("required", ())) if shape else set()
    value_ref = shape.get("value") if shape and shape["type"] == "map" else None
    for key, item in value.items():
        ref = members.get(key) or value_ref
        comment = _comment(ref, key in required, shapes) if key in members else ""
        suffix = f"  # {comment}" if comment else ""
        child = _target(ref, shapes)
        if isinstance(item, (dict, list)) and item:
            out.append(f"{indent}{key}:{suffix}")
            _yaml_lines(item, child, shapes, indent + "  " if isinstance(item, dict) else indent, out)
        else:
            out.append(f"{indent}{key}: {_scalar(item)}{suffix}")


def _target(ref: dict | None, shapes: dict) -> dict | None:
    return shapes.get(ref["shape"]) if ref else None


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value)
    if value == {}:
        return "{}"
    if value == "":
        return "''"
    return json.dumps(value) if _needs_quotes(value) else value


_PLAIN = re.compile(r"^[A-Za-z0-9_$][\w.$/-]*$")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _needs_quotes(text: str) -> bool:
    if not _PLAIN.match(text) or text.lower() in _YAML_WORDS:
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _comment(ref: dict | None, required: bool, shapes: dict) -> str:
    parts = ["[REQUIRED]"] if required else []
    doc = _first_sentence((ref or {}).get("documentation", ""))
    if doc:
        parts.append(doc)
    enum = (_target(ref, shapes) or {}).get("enum")
    if enum:
        parts.append(f"Valid values are: {', '.join(enum)}.")
    return " ".join(parts)


def _first_sentence(doc: str) -> str:
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", doc)).split())
    match = re.match(r"(.+?\.)(\s|$)", text)
    return match.group(1) if match else text
