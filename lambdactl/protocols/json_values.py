"""JSON values on the wire, shared by the JSON protocols: blobs as base64 text, timestamps as
epoch seconds, and the decoding of blob members in a parsed body, from the model's shapes."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from lambdactl import errors, model


def dump_json(value: Any) -> bytes:
    return json.dumps(value, default=_json_default, separators=(",", ":")).encode()


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.datetime):  # rest-json timestamps travel as epoch seconds
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise errors.InvalidRequestContentException(f"Could not parse request body into json: {exc}") from None


def decode_blobs(value: Any, shape_name: str, service: str = model.LAMBDA) -> Any:
    """Replace the base64 text of blob members (at any depth) with bytes."""
    decoder = _blob_decoder(service, shape_name)
    return decoder(value) if decoder else value


Decoder = Callable[[Any], Any]


@cache
def _blob_decoder(service: str, shape_name: str, _seen: frozenset[str] = frozenset()) -> Decoder | None:
    """A function decoding the blobs under this shape, or None when it holds none (most shapes)."""
    if shape_name in _seen:
        return None
    shape = model.shapes(service)[shape_name]
    seen = _seen | {shape_name}
    kind = shape["type"]
    if kind == "blob":
        return _b64decode
    if kind == "structure":
        members = {
            name: dec for name, ref in shape.get("members", {}).items() if (dec := _blob_decoder(service, ref["shape"], seen))
        }
        return (lambda v: _decode_members(v, members)) if members else None
    if kind in ("list", "map"):
        item = _blob_decoder(service, shape["member" if kind == "list" else "value"]["shape"], seen)
        if item is None:
            return None
        return lambda v: _decode_items(v, item)
    return None


def _decode_items(value: Any, item: Decoder) -> Any:
    if isinstance(value, list):
        return [item(x) for x in value]
    return {k: item(x) for k, x in value.items()} if isinstance(value, dict) else value


def _decode_members(value: Any, members: dict[str, Decoder]) -> Any:
    if not isinstance(value, dict):
        return value
    return {k: members[k](x) if k in members and x is not None else x for k, x in value.items()}


def _b64decode(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise errors.InvalidRequestContentException(
            "Could not parse request body into json: blob member is not valid base64"
        ) from None


def wire_names(value: Any, shape_name: str, service: str, *, to_wire: bool) -> Any:
    """Body members under their ``locationName`` on the wire (API Gateway's lowerCamel ``apiId``,
    ``item``, ``httpMethod``): member names -> wire names ``to_wire``, else back. Most shapes have none."""
    renamer = _renamer(service, shape_name, to_wire)
    return renamer(value) if renamer else value


@cache
def _renamer(service: str, shape_name: str, to_wire: bool, _seen: frozenset[str] = frozenset()) -> Decoder | None:
    if shape_name in _seen:
        return None
    shape = model.shapes(service)[shape_name]
    seen = _seen | {shape_name}
    kind = shape["type"]
    if kind == "structure":
        names: dict[str, tuple[str, Decoder | None]] = {}
        for name, ref in shape.get("members", {}).items():
            if ref.get("location"):  # uri, querystring, header, statusCode: not in the body
                continue
            wire = ref.get("locationName", name)
            inner = _renamer(service, ref["shape"], to_wire, seen)
            if wire != name or inner:
                names[name if to_wire else wire] = (wire if to_wire else name, inner)
        if not names:
            return None
        return lambda v: _rename_members(v, names)
    if kind in ("list", "map"):
        item = _renamer(service, shape["member" if kind == "list" else "value"]["shape"], to_wire, seen)
        return (lambda v: _decode_items(v, item)) if item else None
    return None


def _rename_members(value: Any, names: dict[str, tuple[str, Decoder | None]]) -> Any:
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        new, inner = names.get(key, (key, None))
        out[new] = inner(item) if inner and item is not None else item
    return out
