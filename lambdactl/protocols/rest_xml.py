"""rest-xml (S3), server side: requests (path-style, or virtual-hosted ``BUCKET.s3.localhost``) to
``(op_name, params)``, results and errors to S3's XML.

Which operation a request is: botocore's ``x-id`` query parameter when sent, else S3's rules:
query markers first (``?uploads``, ``?delete``, ``?notification``, ``list-type=2``, ...), then
``uploadId`` / ``x-amz-copy-source``, then method and whether a key is present. Members bind
from the model's traits (uri, querystring, header, the ``x-amz-meta-`` header map, payload), and
bodies are (de)serialized along the shapes (``locationName``, flattened lists), so the JSON names
of the API meet S3's XML names (``LambdaFunctionConfigurations`` <-> ``CloudFunctionConfiguration``).

Bodies sent ``aws-chunked`` (botocore over https, or with a trailing checksum) are unframed, and a
``x-amz-checksum-*`` header or trailer is checked against the bytes (BadDigest when it differs).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import zlib
from datetime import datetime, timezone
from email.utils import formatdate, parsedate_to_datetime
from functools import cache
from typing import Any
from urllib.parse import quote, unquote
from xml.etree import ElementTree

from lambdactl import errors, model
from lambdactl.protocols import Request, Response, UnknownOperationException

S3 = "s3"
NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
XML_TYPE = "application/xml"
# Root elements of output bodies (botocore ignores the name; S3 and other SDKs use it).
ROOTS = {
    "ListBuckets": "ListAllMyBucketsResult", "ListObjects": "ListBucketResult", "ListObjectsV2": "ListBucketResult",
    "DeleteObjects": "DeleteResult", "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CompleteMultipartUpload": "CompleteMultipartUploadResult", "ListParts": "ListPartsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult", "GetBucketNotificationConfiguration": "NotificationConfiguration",
}  # fmt: skip
# Members ListObjects(V2) send URL-encoded when asked with encoding-type=url (botocore decodes them).
_VIRTUAL_HOST = re.compile(r"([a-z0-9][a-z0-9.-]*)\.s3\.localhost(?::\d+)?")
URL_ENCODED = {"Key", "Prefix", "Delimiter", "StartAfter", "Marker", "NextMarker"}
CHECKSUMS = {
    "x-amz-checksum-crc32": lambda data: zlib.crc32(data).to_bytes(4, "big"),
    "x-amz-checksum-sha1": lambda data: hashlib.sha1(data).digest(),
    "x-amz-checksum-sha256": lambda data: hashlib.sha256(data).digest(),
}


class BadDigest(errors.ServiceError):
    code = "BadDigest"
    status = 400
    message_key = "Message"


class InvalidRequest(errors.ServiceError):
    code = "InvalidRequest"
    status = 400
    message_key = "Message"


class MalformedXML(errors.ServiceError):
    code = "MalformedXML"
    status = 400
    message_key = "Message"


# ---------------------------------------------------------------- routing


@cache
def _routes() -> dict[tuple[str, bool], list[tuple[dict[str, str], str]]]:
    """(method, has key) -> [(literal query, op)], the most literal query first (deprecated operations,
    which share their successors' routes, left out)."""
    routes: dict[tuple[str, bool], list[tuple[dict[str, str], str]]] = {}
    for op_name, op in model.service(S3)["operations"].items():
        if op.get("deprecated"):
            continue
        path, _, literal = op["http"]["requestUri"].partition("?")
        query = dict(part.partition("=")[::2] for part in literal.split("&") if part)
        routes.setdefault((op["http"]["method"], "{Key+}" in path), []).append((query, op_name))
    for entries in routes.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return routes


PLAIN_OBJECT_OPS = {  # (method, uploadId given, copy source given) -> op, for requests without a query marker
    ("PUT", False, False): "PutObject", ("PUT", False, True): "CopyObject",
    ("PUT", True, False): "UploadPart", ("PUT", True, True): "UploadPartCopy",
    ("GET", False, False): "GetObject", ("GET", True, False): "ListParts",
    ("HEAD", False, False): "HeadObject", ("POST", True, False): "CompleteMultipartUpload",
    ("DELETE", False, False): "DeleteObject", ("DELETE", True, False): "AbortMultipartUpload",
}  # fmt: skip
PLAIN_BUCKET_OPS = {"PUT": "CreateBucket", "GET": "ListObjects", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}


def operation_of(method: str, has_bucket: bool, has_key: bool, query: dict[str, list[str]], headers: Any) -> str:
    if not has_bucket:
        if method == "GET":
            return "ListBuckets"
        raise UnknownOperationException(f"Unknown operation: {method} /")
    named = (query.get("x-id") or [""])[0]
    if named and named in model.service(S3)["operations"]:
        return named
    for literal, op_name in _routes().get((method, has_key), []):
        if literal and all(key in query and (not value or query[key][0] == value) for key, value in literal.items()):
            return op_name
    if has_key:
        found = PLAIN_OBJECT_OPS.get((method, "uploadId" in query, headers.get("x-amz-copy-source") is not None))
    else:
        found = PLAIN_BUCKET_OPS.get(method)
    if found is None:
        raise UnknownOperationException(f"Unknown operation: {method} with query {sorted(query)}")
    return found


# ---------------------------------------------------------------- values


def _shape(name: str) -> dict[str, Any]:
    return model.shapes(S3)[name]


def _scalar(raw: str, shape: dict[str, Any], member: str) -> Any:
    kind = shape["type"]
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            raise errors.service_error("InvalidArgument", 400, "Message")(
                f"Invalid value for {member}", ArgumentName=member, ArgumentValue=raw
            ) from None
    if kind == "boolean":
        return raw.strip().lower() == "true"
    if kind == "timestamp":
        try:
            return parsedate_to_datetime(raw).timestamp()
        except (TypeError, ValueError):
            try:
                return datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return raw
    if kind == "list":
        return [item.strip() for item in raw.split(",")]
    return raw


def _text(value: Any, kind: str, in_header: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "timestamp" and isinstance(value, (int, float)):
        if in_header:
            return formatdate(value, usegmt=True)
        moment = datetime.fromtimestamp(value, tz=timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if kind == "timestamp" and isinstance(value, datetime):
        return _text(value.timestamp(), kind, in_header)
    if kind == "blob" and isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return str(value)


# ---------------------------------------------------------------- XML along shapes


def _from_xml(node: ElementTree.Element, shape_name: str) -> Any:
    shape = _shape(shape_name)
    kind = shape["type"]
    if kind == "structure":
        out: dict[str, Any] = {}
        children = list(node)
        for member, ref in shape.get("members", {}).items():
            target = _shape(ref["shape"])
            wire = ref.get("locationName", member)
            if target["type"] == "list" and (target.get("flattened") or ref.get("flattened")):
                item_name = ref.get("locationName") or target["member"].get("locationName") or member
                items = [child for child in children if _local(child.tag) == item_name]
                if items:
                    out[member] = [_from_xml(child, target["member"]["shape"]) for child in items]
                continue
            child = next((c for c in children if _local(c.tag) == wire), None)
            if child is not None:
                out[member] = _from_xml(child, ref["shape"])
        return out
    if kind == "list":
        item_name = shape["member"].get("locationName", "member")
        return [_from_xml(child, shape["member"]["shape"]) for child in node if _local(child.tag) == item_name]
    return _scalar(node.text or "", shape, node.tag)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _to_xml(parent: ElementTree.Element, name: str, value: Any, shape_name: str, encode: bool = False) -> None:
    shape = _shape(shape_name)
    kind = shape["type"]
    if kind == "structure":
        node = ElementTree.SubElement(parent, name)
        _members_to_xml(node, value, shape_name, encode)
    elif kind == "list":
        item = shape["member"]
        if shape.get("flattened"):
            for entry in value:
                _to_xml(parent, name, entry, item["shape"], encode)
        else:
            node = ElementTree.SubElement(parent, name)
            for entry in value:
                _to_xml(node, item.get("locationName", "member"), entry, item["shape"], encode)
    else:
        node = ElementTree.SubElement(parent, name)
        text = _text(value, kind, in_header=False)
        node.text = quote(text, safe="/") if encode and name in URL_ENCODED else text


def _members_to_xml(node: ElementTree.Element, value: dict[str, Any], shape_name: str, encode: bool) -> None:
    members = _shape(shape_name).get("members", {})
    for member, item in value.items():
        ref = members.get(member)
        if ref is None or item is None or ref.get("location"):
            continue
        target = _shape(ref["shape"])
        wire = ref.get("locationName", member)
        if target["type"] == "list" and ref.get("flattened") and not target.get("flattened"):
            for entry in item:
                _to_xml(node, wire, entry, target["member"]["shape"], encode)
        elif target["type"] == "list" and target.get("flattened"):
            for entry in item:
                _to_xml(node, ref.get("locationName") or target["member"].get("locationName") or member, entry,
                        target["member"]["shape"], encode)  # fmt: skip
        else:
            _to_xml(node, wire, item, ref["shape"], encode)


def _document(root: ElementTree.Element) -> bytes:
    root.set("xmlns", NAMESPACE)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="utf-8")


# ---------------------------------------------------------------- bodies


def unchunk(body: bytes) -> tuple[bytes, dict[str, str]]:
    """An ``aws-chunked`` body's data and its trailing headers."""
    data, trailers, position = [], {}, 0
    while True:
        end = body.find(b"\r\n", position)
        if end < 0:
            raise InvalidRequest("The aws-chunked body is truncated.")
        size_text = body[position:end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise InvalidRequest("The aws-chunked body has an invalid chunk size.") from None
        position = end + 2
        if size == 0:
            break
        data.append(body[position : position + size])
        position += size + 2
    for line in body[position:].split(b"\r\n"):
        name, colon, value = line.decode("latin-1").partition(":")
        if colon:
            trailers[name.strip().lower()] = value.strip()
    return b"".join(data), trailers


def _body(request: Request) -> tuple[bytes, dict[str, str]]:
    """The request's payload bytes and the checksum values sent with it (header or trailer)."""
    body = request.body
    sums = {name: request.headers.get(name) for name in CHECKSUMS if request.headers.get(name)}
    encoding = (request.headers.get("Content-Encoding") or "").lower()
    if "aws-chunked" in encoding or (request.headers.get("x-amz-content-sha256") or "").startswith("STREAMING-"):
        body, trailers = unchunk(body)
        sums.update({name: value for name, value in trailers.items() if name in CHECKSUMS})
    for name, value in sums.items():
        if base64.b64encode(CHECKSUMS[name](body)).decode() != value:
            algorithm = name.rpartition("-")[2].upper()
            raise BadDigest(f"The {algorithm} you specified did not match the calculated checksum.")
    return body, sums


# ---------------------------------------------------------------- the codec


class Codec:
    """rest-xml for S3."""

    def __init__(self, service: str = S3) -> None:
        self.service = service

    def parse_request(self, request: Request) -> tuple[str, dict[str, Any]]:
        segments = request.path.lstrip("/")
        host = _VIRTUAL_HOST.fullmatch((request.headers.get("Host") or "").lower())
        if host:  # virtual-hosted style: BUCKET.s3.localhost[:port]/KEY
            bucket_raw, slash, key_raw = host.group(1), "/", segments
        else:
            bucket_raw, slash, key_raw = segments.partition("/")
        bucket, key = unquote(bucket_raw), unquote(key_raw)
        op_name = operation_of(request.method, bool(bucket), bool(slash and key), request.query, request.headers)
        params: dict[str, Any] = {}
        ref = model.operation(op_name, S3).get("input")
        if not ref:
            return op_name, params
        shape = _shape(ref["shape"])
        labels = {"Bucket": bucket, "Key": key}
        for member, where, wire, target in _input_bindings(op_name):
            if where == "uri":
                if labels.get(wire):
                    params[member] = labels[wire]
            elif where == "querystring":
                if wire in request.query:
                    params[member] = _scalar(request.query[wire][0], target, member)
            elif where == "header":
                if (value := request.headers.get(wire)) is not None:
                    params[member] = _scalar(value, target, member)
            else:  # the x-amz-meta- header map
                found = {name[len(wire):]: value for name, value in request.headers.items()
                         if name.lower().startswith(wire)}  # fmt: skip
                if found:
                    params[member] = found
        payload = shape.get("payload")
        if payload:
            target = _shape(shape["members"][payload]["shape"])
            if target["type"] == "blob":
                params[payload], sums = _body(request)
                params.update({_checksum_member(name): value for name, value in sums.items()})
            elif request.body:
                try:
                    root = ElementTree.fromstring(request.body)
                except ElementTree.ParseError:
                    raise MalformedXML(
                        "The XML you provided was not well-formed or did not validate against our published schema"
                    ) from None
                params[payload] = _from_xml(root, shape["members"][payload]["shape"])
            elif op_name == "PutBucketNotificationConfiguration":
                params[payload] = {}
        return op_name, params

    def serialize_result(self, op_name: str, result: dict[str, Any]) -> Response:
        op = model.operation(op_name, S3)
        status = op["http"].get("responseCode", 200)
        headers: dict[str, str] = {}
        ref = op.get("output")
        if not ref:
            return status, headers, b""
        shape = _shape(ref["shape"])
        members = shape.get("members", {})
        rest = dict(result)
        for member, member_ref in members.items():
            value = rest.get(member)
            if value is None:
                continue
            where = member_ref.get("location")
            wire = member_ref.get("locationName", member)
            if where == "header":
                headers[wire] = _text(value, _shape(member_ref["shape"])["type"], in_header=True)
                rest.pop(member)
            elif where == "headers":
                headers.update({f"{wire}{name}": str(item) for name, item in value.items()})
                rest.pop(member)
        if "ContentRange" in result:
            status = 206
        payload = shape.get("payload")
        if payload:
            body = rest.get(payload)
            target = _shape(members[payload]["shape"])
            if target["type"] == "blob":
                return status, headers, _read_all(body)
            root = ElementTree.Element(members[payload].get("locationName", payload))
            _members_to_xml(root, body or {}, members[payload]["shape"], False)
            return status, {**headers, "Content-Type": XML_TYPE}, _document(root)
        if op_name == "GetBucketLocation":
            root = ElementTree.Element("LocationConstraint")
            root.text = result.get("LocationConstraint") or None
            return status, {**headers, "Content-Type": XML_TYPE}, _document(root)
        body_members = {k: v for k, v in rest.items() if k in members and not members[k].get("location")}
        if not body_members and op_name not in ROOTS:
            return status, headers, b""
        root = ElementTree.Element(ROOTS.get(op_name, shape.get("locationName", ref["shape"])))
        _members_to_xml(root, body_members, ref["shape"], encode=result.get("EncodingType") == "url")
        return status, {**headers, "Content-Type": XML_TYPE}, _document(root)

    def serialize_error(self, exc: errors.ServiceError) -> Response:
        root = ElementTree.Element("Error")
        ElementTree.SubElement(root, "Code").text = exc.code
        ElementTree.SubElement(root, "Message").text = exc.message
        for name, value in exc.extra.items():
            ElementTree.SubElement(root, name).text = str(value)
        request_id = secrets.token_hex(8).upper()
        ElementTree.SubElement(root, "RequestId").text = request_id
        ElementTree.SubElement(root, "HostId").text = base64.b64encode(secrets.token_bytes(48)).decode()
        body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="utf-8")
        return exc.status, {"Content-Type": XML_TYPE, "x-amz-request-id": request_id}, body


@cache
def _input_bindings(op_name: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(member, location, wire name, shape) of an operation's members that sit outside the body."""
    ref = model.operation(op_name, S3).get("input")
    members = _shape(ref["shape"]).get("members", {}) if ref else {}
    return [
        (member, member_ref["location"],
         member_ref.get("locationName", member).lower() if member_ref["location"] == "headers"
         else member_ref.get("locationName", member), _shape(member_ref["shape"]))
        for member, member_ref in members.items()
        if member_ref.get("location") in ("uri", "querystring", "header", "headers")
    ]  # fmt: skip


def _checksum_member(header: str) -> str:
    return "Checksum" + header.rpartition("-")[2].upper()


def _read_all(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    try:
        return body.read()
    finally:
        close = getattr(body, "close", None)
        if close:
            close()

