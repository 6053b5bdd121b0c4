"""The ``application/vnd.amazon.eventstream`` framing of event-stream outputs (InvokeWithResponseStream's).

One message per event: total length and headers length (4 bytes each, big-endian), the CRC32 of those
8 bytes, the headers (name length byte, name, type byte 7 = string, 2-byte value length, value), the
payload, then the CRC32 of everything before. Headers: ``:message-type`` ``event``, ``:event-type`` (the
event's member name in the model, e.g. ``PayloadChunk``) and ``:content-type``: a member marked
``eventpayload`` is the raw payload (``application/octet-stream`` for a blob), else the event's members
as JSON. This is what botocore's ``EventStream`` parser reads.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7


def encode(event_type: str, payload: bytes, content_type: str) -> bytes:
    headers = b"".join(
        struct.pack("B", len(name)) + name + struct.pack(">BH", _STRING, len(value)) + value
        for name, value in ((b":event-type", event_type.encode()), (b":content-type", content_type.encode()),
                            (b":message-type", b"event"))
    )  # fmt: skip
    total = 12 + len(headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(headers))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


def encode_events(events: Iterable[dict[str, Any]], union_shape: str, shapes: dict[str, Any]) -> Iterator[bytes]:
    """Each ``{EventName: {members}}`` of an event-stream union as one message."""
    members = shapes[union_shape]["members"]
    for event in events:
        (name, value), = event.items()
        shape = shapes[members[name]["shape"]]
        raw = next((member for member, ref in shape.get("members", {}).items() if ref.get("eventpayload")), None)
        if raw is None:
            yield encode(name, json.dumps(value or {}, separators=(",", ":")).encode(), "application/json")
        else:
            data = value.get(raw) or b""
            yield encode(name, data if isinstance(data, bytes) else str(data).encode(), "application/octet-stream")


def decode_events(body: bytes, union_shape: str, shapes: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of a whole event-stream body (``lambdactl`` as a client of ``serve``)."""
    members = shapes[union_shape]["members"]
    events, offset = [], 0
    while offset + 12 <= len(body):
        total, headers_length = struct.unpack_from(">II", body, offset)
        headers, at = {}, offset + 12
        while at < offset + 12 + headers_length:
            name_length = body[at]
            name = body[at + 1:at + 1 + name_length].decode()
            at += 1 + name_length
            kind, value_length = struct.unpack_from(">BH", body, at)
            headers[name] = body[at + 3:at + 3 + value_length].decode() if kind == _STRING else None
            at += 3 + value_length
        payload = body[at:offset + total - 4]
        offset += total
        name = headers.get(":event-type") or ""
        if name not in members:
            continue
        shape = shapes[members[name]["shape"]]
        raw = next((member for member, ref in shape.get("members", {}).items() if ref.get("eventpayload")), None)
        events.append({name: {raw: payload} if raw else json.loads(payload or b"{}")})
    return events
