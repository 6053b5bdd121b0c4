"""What a target receives: the event, its ``Input``, its ``InputPath`` or its ``InputTransformer``.

``Input`` is sent exactly as written; ``InputPath`` (``$.detail.x``) sends the selected value as
JSON; ``InputTransformer`` fills ``<name>`` placeholders of ``InputTemplate`` from
``InputPathsMap`` and the predefined ``<aws.events.*>`` ones: outside a JSON string a value goes
in as JSON (strings quoted), inside one as text (objects and lists flattened, ``{a:1,b:x}``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from lambdactl import errors

PLACEHOLDER_RE = re.compile(r"<([^<>\s]+)>")
PATH_RE = re.compile(r"\$((?:\.[^.\[\]]+|\[\d+\])*)")
PREDEFINED = (
    "aws.events.rule-arn", "aws.events.rule-name", "aws.events.event.ingestion-time", "aws.events.event",
    "aws.events.event.json",
)  # fmt: skip
_MISSING = object()


def check(target: dict[str, Any]) -> None:
    """PutTargets' checks of one target's input settings (ValidationException)."""
    target_id = target.get("Id")
    given = [key for key in ("Input", "InputPath", "InputTransformer") if target.get(key) is not None]
    if len(given) > 1:
        raise errors.ValidationException(f"Only one of Input, InputPath, or InputTransformer must be provided for target {target_id}.")
    if target.get("Input") is not None:
        try:
            json.loads(target["Input"])
        except ValueError:
            raise errors.ValidationException(f"Input for target {target_id} is not valid JSON text.") from None
    if target.get("InputPath") is not None and not PATH_RE.fullmatch(target["InputPath"]):
        raise errors.ValidationException(f"InputPath for target {target_id} is invalid.")
    transformer = target.get("InputTransformer")
    if transformer is not None:
        paths = transformer.get("InputPathsMap") or {}
        for name, path in paths.items():
            if not PATH_RE.fullmatch(path) or name.startswith("aws."):
                raise errors.ValidationException(f"InputPathsMap for target {target_id} is invalid.")
        for name in PLACEHOLDER_RE.findall(transformer.get("InputTemplate") or ""):
            if name not in paths and name not in PREDEFINED:
                raise errors.ValidationException(f"InputTemplate for target {target_id} contains invalid placeholder {name}.")


def payload(target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> str:
    """The text sent to the target for ``event`` matched (or fired) by the rule ``rule_arn``."""
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath") is not None:
        value = select(event, target["InputPath"])
        return _json(None if value is _MISSING else value)
    transformer = target.get("InputTransformer")
    if transformer is None:
        return _json(event)
    values = {name: select(event, path) for name, path in (transformer.get("InputPathsMap") or {}).items()}
    values.update({
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_arn.rsplit("/", 1)[-1],
        "aws.events.event.ingestion-time": event.get("time", ""),
        "aws.events.event": event,
        "aws.events.event.json": event,
    })  # fmt: skip
    return render(transformer["InputTemplate"], values)


def select(event: Any, path: str) -> Any:
    """A JSONPath of the simple kind EventBridge accepts (``$``, ``$.a.b``, ``$.a[0]``); _MISSING if absent."""
    match = PATH_RE.fullmatch(path)
    if match is None:
        return _MISSING
    value = event
    for name, index in re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", match[1]):
        if index:
            if not isinstance(value, list) or int(index) >= len(value):
                return _MISSING
            value = value[int(index)]
        else:
            if not isinstance(value, dict) or name not in value:
                return _MISSING
            value = value[name]
    return value


def render(template: str, values: dict[str, Any]) -> str:
    """Fill the template's placeholders, each as JSON or as text by whether it sits inside a JSON string."""
    out, position, in_string, escaped = [], 0, False, False
    for match in PLACEHOLDER_RE.finditer(template):
        for char in template[position:match.start()]:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = not in_string
        out.append(template[position:match.start()])
        value = values.get(match[1], _MISSING)
        out.append(_text(value) if in_string else _json(value))
        position = match.end()
    out.append(template[position:])
    return "".join(out)


def _json(value: Any) -> str:
    return '""' if value is _MISSING else json.dumps(value, separators=(",", ":"))


def _text(value: Any) -> str:
    """A value inside a string literal: strings as they are, objects and lists flattened without quotes."""
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, str):
        return json.dumps(value)[1:-1]
    if isinstance(value, dict):
        return "{" + ",".join(f"{key}:{_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_text(item) for item in value) + "]"
    return json.dumps(value)
