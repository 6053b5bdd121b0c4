"""The ``query`` protocol, server side: the legacy SQS protocol older SDKs still send.

A request is a form (``Action=SendMessage&Version=2012-11-05&QueueUrl=...``, in the body or the
query string, to ``/`` or to the queue's own path); structures nest as ``Name.Member``, lists as
``Name.member.N`` (flattened: ``Name.N``), maps as ``Name.entry.N.key`` (flattened:
``Name.N.Name``), names from the model's ``locationName`` traits. The answer is
``<OpResponse xmlns=...><OpResult>...</OpResult><ResponseMetadata>...`` and errors are
``<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>``, as
botocore's query parser reads them. The XML traits come from ``model.query_traits`` (SQS's
current model is ``json``).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import uuid
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from lambdactl import errors, model
from lambdactl.protocols import Request, Response

InvalidAction = errors.service_error("InvalidAction", 400)
MalformedQueryString = errors.service_error("MalformedQueryString", 400)
InvalidParameterValue = errors.service_error("InvalidParameterValue", 400)
XML_TYPE = "text/xml"
_MISSING: Any = object()


class Codec:
    def __init__(self, service: str) -> None:
        traits = model.query_traits(service)
        if traits is None:
            raise ValueError(f"{service} has no query protocol")
        self.service = service
        self.shapes: dict[str, Any] = traits["shapes"]
        self.wrappers: dict[str, str] = traits["resultWrappers"]
        self.namespace: str = traits["xmlNamespace"]
        self.operations = model.service(service)["operations"]

    # ---------------------------------------------------------------- requests

    def parse_request(self, request: Request) -> tuple[str, dict[str, Any]]:
        form = {name: values[0] for name, values in request.query.items()}
        if request.body:
            try:
                form.update(parse_qsl(request.body.decode(), keep_blank_values=True, strict_parsing=True))
            except (UnicodeDecodeError, ValueError):
                raise MalformedQueryString("The request body is not a valid form.") from None
        action = form.get("Action", "")
        if action not in self.operations:
            raise InvalidAction(
                f"The action {action} is not valid for this endpoint." if action else "No action was supplied."
            )
        shape = self.operations[action].get("input", {}).get("shape")
        params = self._read(shape, "", form) if shape else {}
        members = self.shapes[shape]["members"] if shape else {}
        if "QueueUrl" in members and "QueueUrl" not in params and request.path.strip("/"):
            params["QueueUrl"] = request.endpoint + request.path  # SDKs that post to the queue's own URL
        return action, params

    def _read(self, shape_name: str, prefix: str, form: dict[str, str]) -> Any:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            out = {}
            for name, ref in shape.get("members", {}).items():
                key = self._member_key(ref, name)
                value = self._read(ref["shape"], f"{prefix}.{key}" if prefix else key, form)
                if value is not _MISSING:
                    out[name] = value
            return out if out or not prefix else _MISSING
        if kind == "list":
            member = shape["member"]
            base = prefix if shape.get("flattened") else f"{prefix}.{member.get('locationName', 'member')}"
            items: list[Any] = []
            while (item := self._read(member["shape"], f"{base}.{len(items) + 1}", form)) is not _MISSING:
                items.append(item)
            return items if items else ([] if form.get(prefix) == "" else _MISSING)
        if kind == "map":
            base = prefix if shape.get("flattened") else f"{prefix}.entry"
            key_name = shape["key"].get("locationName", "key")
            value_name = shape["value"].get("locationName", "value")
            entries: dict[str, Any] = {}
            while (entry := form.get(f"{base}.{len(entries) + 1}.{key_name}")) is not None:
                entries[entry] = self._read(shape["value"]["shape"], f"{base}.{len(entries) + 1}.{value_name}", form)
            return entries if entries else _MISSING
        raw = form.get(prefix)
        return _MISSING if raw is None else _scalar(raw, kind, prefix)

    def _member_key(self, ref: dict[str, Any], name: str) -> str:
        """A member's wire name: a flattened list's items are named for the list's member."""
        target = self.shapes[ref["shape"]]
        if target["type"] == "list" and target.get("flattened") and "locationName" in target["member"]:
            return str(target["member"]["locationName"])
        return str(ref.get("locationName", name))

    # ---------------------------------------------------------------- responses

    def serialize_result(self, op_name: str, result: dict[str, Any]) -> Response:
        parts = [f'<{op_name}Response xmlns="{self.namespace}">']
        output = self.operations[op_name].get("output", {}).get("shape")
        if output:
            wrapper = self.wrappers.get(op_name, f"{op_name}Result")
            parts.append(f"<{wrapper}>")
            self._write_members(output, result, parts)
            parts.append(f"</{wrapper}>")
        parts.append(f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{op_name}Response>")
        return 200, {"Content-Type": XML_TYPE}, "".join(parts).encode()

    def serialize_error(self, exc: errors.ServiceError) -> Response:
        return error_response(exc, self.namespace)

    def _write_members(self, shape_name: str, value: dict[str, Any], parts: list[str]) -> None:
        for name, ref in self.shapes[shape_name].get("members", {}).items():
            if value.get(name) is not None:
                self._write(ref["shape"], value[name], self._member_key(ref, name), parts)

    def _write(self, shape_name: str, value: Any, tag: str, parts: list[str]) -> None:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            parts.append(f"<{tag}>")
            self._write_members(shape_name, value, parts)
            parts.append(f"</{tag}>")
        elif kind == "list":
            member = shape["member"]
            if shape.get("flattened"):
                for item in value:
                    self._write(member["shape"], item, tag, parts)
            else:
                parts.append(f"<{tag}>")
                for item in value:
                    self._write(member["shape"], item, member.get("locationName", "member"), parts)
                parts.append(f"</{tag}>")
        elif kind == "map":
            key_name = shape["key"].get("locationName", "key")
            value_name = shape["value"].get("locationName", "value")
            entry = tag if shape.get("flattened") else "entry"
            if not shape.get("flattened"):
                parts.append(f"<{tag}>")
            for key, item in value.items():
                parts.append(f"<{entry}><{key_name}>{escape(str(key))}</{key_name}>")
                self._write(shape["value"]["shape"], item, value_name, parts)
                parts.append(f"</{entry}>")
            if not shape.get("flattened"):
                parts.append(f"</{tag}>")
        else:
            parts.append(f"<{tag}>{escape(_text(value, kind))}</{tag}>")


def error_response(exc: errors.ServiceError, namespace: str | None = None) -> Response:
    """The query protocol's ``ErrorResponse`` (rest-xml parsers read it too)."""
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    kind = "Sender" if exc.status < 500 else "Receiver"
    body = (
        f"<ErrorResponse{xmlns}><Error><Type>{kind}</Type><Code>{escape(exc.code)}</Code>"
        f"<Message>{escape(exc.message)}</Message><Detail/></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return exc.status, {"Content-Type": XML_TYPE}, body.encode()


def _scalar(raw: str, kind: str, name: str) -> Any:
    try:
        if kind in ("integer", "long"):
            return int(raw)
        if kind in ("float", "double"):
            return float(raw)
        if kind == "boolean":
            return raw.lower() == "true"
        if kind == "blob":
            return base64.b64decode(raw, validate=True)
        if kind == "timestamp":
            return datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, binascii.Error):
        raise InvalidParameterValue(f"Value {raw} for parameter {name} is invalid.") from None
    return raw


def _text(value: Any, kind: str) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else str(value).encode()).decode()
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)
