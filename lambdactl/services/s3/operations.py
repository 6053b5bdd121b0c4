"""The ``s3:*`` operations (botocore's s3 shapes as plain dicts) over the embedded store in storage.py.

``Body`` comes in as bytes, text, a binary file object or an iterable of chunks, and goes out
(GetObject) as an ``ObjectBody`` to stream; timestamps are epoch seconds, as elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, BinaryIO
from urllib.parse import quote, unquote

from lambdactl.plane import ControlPlane, operation
from lambdactl.services.s3 import errors as s3errors
from lambdactl.services.s3 import notifications, storage

SSE = {"ServerSideEncryption": "AES256"}  # what S3 reports for every object since 2023


def _owner(plane: ControlPlane) -> dict[str, str]:
    import hashlib

    return {"DisplayName": "webfile", "ID": hashlib.sha256(plane.settings.account_id.encode()).hexdigest()}


# ---------------------------------------------------------------- buckets


@operation("s3:CreateBucket")
def create_bucket(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    name = params["Bucket"]
    region = plane.settings.region
    constraint = (params.get("CreateBucketConfiguration") or {}).get("LocationConstraint")
    if constraint == "us-east-1" or (constraint is not None and not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", constraint)):
        raise s3errors.InvalidLocationConstraint(
            "The specified location-constraint is not valid", LocationConstraint=constraint
        )
    if (constraint or "us-east-1") != region:
        raise s3errors.IllegalLocationConstraintException(
            f"The {constraint or 'unspecified'} location constraint is incompatible for the region specific "
            "endpoint this request was sent to."
        )
    storage.create_bucket(plane, name, region)
    return {"Location": f"/{name}" if region == "us-east-1" else f"http://{name}.s3.localhost/",
            "BucketArn": notifications.bucket_arn(name)}  # fmt: skip


@operation("s3:DeleteBucket")
def delete_bucket(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    storage.delete_bucket(plane, params["Bucket"])
    return {}


@operation("s3:HeadBucket")
def head_bucket(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    try:
        row = storage.bucket_row(plane, params["Bucket"])
    except s3errors.ServiceError:
        raise s3errors.NotFound("Not Found") from None
    return {"BucketRegion": row["region"], "BucketArn": notifications.bucket_arn(params["Bucket"])}


@operation("s3:GetBucketLocation")
def get_bucket_location(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    region = storage.bucket_row(plane, params["Bucket"])["region"]
    return {"LocationConstraint": region} if region != "us-east-1" else {}


@operation("s3:ListBuckets")
def list_buckets(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    rows = storage.list_buckets(plane, params.get("Prefix") or "")
    if params.get("BucketRegion"):
        rows = [row for row in rows if row["region"] == params["BucketRegion"]]
    after = _token(params.get("ContinuationToken"))
    if after:
        rows = [row for row in rows if row["name"] > after]
    limit = params.get("MaxBuckets")
    page = rows[:limit] if limit else rows
    result: dict[str, Any] = {
        "Buckets": [{"Name": row["name"], "CreationDate": row["created_at"], "BucketRegion": row["region"],
                     "BucketArn": notifications.bucket_arn(row["name"])} for row in page],  # fmt: skip
        "Owner": _owner(plane),
    }
    if limit and len(rows) > limit:
        result["ContinuationToken"] = _make_token(page[-1]["name"])
    if params.get("Prefix"):
        result["Prefix"] = params["Prefix"]
    return result


# ---------------------------------------------------------------- objects


def _metadata(params: dict[str, Any]) -> dict[str, str]:
    return {key.lower(): value for key, value in (params.get("Metadata") or {}).items()}


def _object_headers(obj: storage.StoredObject) -> dict[str, Any]:
    return {
        "AcceptRanges": "bytes",
        "LastModified": int(obj.last_modified),  # S3 keeps whole seconds
        "ContentLength": obj.size,
        "ETag": obj.quoted_etag,
        **obj.headers,
        **SSE,
        "Metadata": obj.metadata,
    }


@operation("s3:PutObject")
def put_object(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    obj = storage.put_object(
        plane, params["Bucket"], params["Key"], params.get("Body"), params, _metadata(params), params.get("ContentMD5")
    )
    return {"ETag": obj.quoted_etag, **_checksums(params), **SSE}


CHECKSUM_MEMBERS = ("ChecksumCRC32", "ChecksumSHA1", "ChecksumSHA256")


def _checksums(params: dict[str, Any]) -> dict[str, str]:
    """The checksums a client sent with the bytes (``serve`` checked them on the wire), echoed as S3 does."""
    return {name: params[name] for name in CHECKSUM_MEMBERS if params.get(name)}


class ObjectBody:
    """An object's bytes (or a range of them) to stream: ``read(n)``, iteration, ``close()``."""

    def __init__(self, handle: BinaryIO, start: int, length: int) -> None:
        self.handle = handle
        self.remaining = length
        handle.seek(start)

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self.handle.read(size)
        self.remaining -= len(data)
        return data

    def __iter__(self) -> Any:
        while chunk := self.read(storage.CHUNK):
            yield chunk

    def close(self) -> None:
        self.handle.close()


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a ``bytes=`` Range header; None = the whole object (S3 ignores what it cannot parse)."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", (header or "").strip())
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":
        start, end = max(0, size - int(last)), size - 1
        if int(last) == 0:
            raise s3errors.InvalidRange("The requested range is not satisfiable", RangeRequested=header,
                                        ActualObjectSize=str(size))  # fmt: skip
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
        if start >= size or (last and int(last) < start):
            raise s3errors.InvalidRange("The requested range is not satisfiable", RangeRequested=header,
                                        ActualObjectSize=str(size))  # fmt: skip
    return start, end


def _check_conditions(obj: storage.StoredObject, params: dict[str, Any]) -> None:
    if params.get("IfMatch") and params["IfMatch"].strip('"') not in (obj.etag, "*"):
        raise s3errors.PreconditionFailed("At least one of the pre-conditions you specified did not hold",
                                          Condition="If-Match")  # fmt: skip


@operation("s3:GetObject")
def get_object(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    obj = storage.get_object(plane, params["Bucket"], params["Key"])
    _check_conditions(obj, params)
    result = _object_headers(obj)
    span = _range(params.get("Range"), obj.size)
    start, end = span or (0, obj.size - 1)
    if span:
        result["ContentRange"] = f"bytes {start}-{end}/{obj.size}"
        result["ContentLength"] = end - start + 1
    for name in ("CacheControl", "ContentDisposition", "ContentEncoding", "ContentLanguage", "ContentType", "Expires"):
        if params.get(f"Response{name}"):
            result[name] = params[f"Response{name}"]
    result["Body"] = ObjectBody(storage.open_object(plane, obj), start, end - start + 1)
    return result


@operation("s3:HeadObject")
def head_object(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    try:
        obj = storage.get_object(plane, params["Bucket"], params["Key"])
    except (s3errors.NoSuchKey, s3errors.NoSuchBucket):
        raise s3errors.NotFound("Not Found") from None
    _check_conditions(obj, params)
    return _object_headers(obj)


@operation("s3:DeleteObject")
def delete_object(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    storage.delete_objects(plane, params["Bucket"], [params["Key"]])
    return {}


@operation("s3:DeleteObjects")
def delete_objects(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    delete = params.get("Delete") or {}
    keys = [entry.get("Key") for entry in delete.get("Objects") or []]
    if not keys or len(keys) > 1000 or not all(isinstance(key, str) and key for key in keys):
        raise s3errors.MalformedXML(s3errors.MALFORMED_XML)
    storage.delete_objects(plane, params["Bucket"], keys)
    return {} if delete.get("Quiet") else {"Deleted": [{"Key": key} for key in keys]}


def parse_copy_source(source: Any) -> tuple[str, str]:
    """(bucket, key) of ``bucket/url-encoded-key[?versionId=...]`` (a leading '/' allowed) or a dict."""
    if isinstance(source, dict):
        return source.get("Bucket", ""), source.get("Key", "")
    path = unquote(str(source).partition("?")[0]).lstrip("/")
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise s3errors.InvalidArgument("Invalid copy source object key", ArgumentName="x-amz-copy-source",
                                       ArgumentValue=str(source))  # fmt: skip
    return bucket, key


@operation("s3:CopyObject")
def copy_object(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    source_bucket, source_key = parse_copy_source(params["CopySource"])
    directive = params.get("MetadataDirective") or "COPY"
    if directive not in ("COPY", "REPLACE"):
        raise s3errors.InvalidArgument("Unknown metadata directive.", ArgumentName="x-amz-metadata-directive",
                                       ArgumentValue=directive)  # fmt: skip
    obj = storage.copy_object(plane, source_bucket, source_key, params["Bucket"], params["Key"], params,
                              _metadata(params), directive == "REPLACE")  # fmt: skip
    return {"CopyObjectResult": {"ETag": obj.quoted_etag, "LastModified": obj.last_modified}, **SSE}


def _token(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise s3errors.InvalidArgument("The continuation token provided is incorrect",
                                       ArgumentName="continuation-token") from None  # fmt: skip


def _make_token(after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()


def _listing(plane: ControlPlane, params: dict[str, Any], after: str | None) -> tuple[dict[str, Any], str | None]:
    max_keys = params.get("MaxKeys", 1000)
    if max_keys < 0:
        raise s3errors.InvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647",
                                       ArgumentName="maxKeys", ArgumentValue=str(max_keys))  # fmt: skip
    prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or ""
    objects, prefixes, last = storage.list_objects(
        plane, params["Bucket"], prefix, delimiter, min(max_keys, 1000), after
    )
    result: dict[str, Any] = {"IsTruncated": last is not None, "Name": params["Bucket"], "Prefix": prefix,
                              "MaxKeys": max_keys}  # fmt: skip
    if objects:
        result["Contents"] = [
            {"Key": obj.key, "LastModified": int(obj.last_modified), "ETag": obj.quoted_etag, "Size": obj.size,
             "StorageClass": "STANDARD", **({"Owner": _owner(plane)} if params.get("FetchOwner") else {})}
            for obj in objects
        ]  # fmt: skip
    if delimiter:
        result["Delimiter"] = delimiter
    if prefixes:
        result["CommonPrefixes"] = [{"Prefix": common} for common in prefixes]
    if params.get("EncodingType"):
        result["EncodingType"] = params["EncodingType"]
    return result, last


@operation("s3:ListObjectsV2")
def list_objects_v2(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    token = params.get("ContinuationToken")
    start_after = params.get("StartAfter")
    after = _token(token) if token else start_after
    result, last = _listing(plane, params, after)
    result["KeyCount"] = len(result.get("Contents", [])) + len(result.get("CommonPrefixes", []))
    if token:
        result["ContinuationToken"] = token
    if start_after:
        result["StartAfter"] = start_after
    if last is not None:
        result["NextContinuationToken"] = _make_token(last)
    return result


@operation("s3:ListObjects")
def list_objects(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    marker = params.get("Marker") or ""
    result, last = _listing(plane, params, marker or None)
    result["Marker"] = marker
    if last is not None and params.get("Delimiter"):
        result["NextMarker"] = last
    return result


# ---------------------------------------------------------------- multipart uploads


@operation("s3:CreateMultipartUpload")
def create_multipart_upload(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    upload_id = storage.create_upload(plane, params["Bucket"], params["Key"], params, _metadata(params))
    return {"Bucket": params["Bucket"], "Key": params["Key"], "UploadId": upload_id, **SSE}


@operation("s3:UploadPart")
def upload_part(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    etag = storage.upload_part(plane, params["Bucket"], params["Key"], params["UploadId"], params["PartNumber"],
                               params.get("Body"), params.get("ContentMD5"))  # fmt: skip
    return {"ETag": f'"{etag}"', **_checksums(params), **SSE}


@operation("s3:CompleteMultipartUpload")
def complete_multipart_upload(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    parts = (params.get("MultipartUpload") or {}).get("Parts") or []
    try:
        requested = [(int(part["PartNumber"]), str(part["ETag"])) for part in parts]
    except (KeyError, TypeError, ValueError):
        raise s3errors.MalformedXML(s3errors.MALFORMED_XML) from None
    obj = storage.complete_upload(plane, params["Bucket"], params["Key"], params["UploadId"], requested)
    base = plane.settings.endpoint_url.rstrip("/") or "http://s3.localhost"
    return {"Location": f"{base}/{obj.bucket}/{quote(obj.key)}", "Bucket": obj.bucket, "Key": obj.key,
            "ETag": obj.quoted_etag, **SSE}  # fmt: skip


@operation("s3:AbortMultipartUpload")
def abort_multipart_upload(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    storage.abort_upload(plane, params["Bucket"], params["Key"], params["UploadId"])
    return {}


@operation("s3:ListParts")
def list_parts(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    rows = storage.list_parts(plane, params["Bucket"], params["Key"], params["UploadId"])
    marker = params.get("PartNumberMarker") or 0
    rows = [row for row in rows if row["number"] > int(marker)]
    limit = params.get("MaxParts", 1000)
    page = rows[:limit]
    result: dict[str, Any] = {
        "Bucket": params["Bucket"], "Key": params["Key"], "UploadId": params["UploadId"],
        "PartNumberMarker": int(marker), "MaxParts": limit, "IsTruncated": len(rows) > limit,
        "StorageClass": "STANDARD", "Owner": _owner(plane), "Initiator": _owner(plane),
    }  # fmt: skip
    if page:
        result["Parts"] = [{"PartNumber": row["number"], "LastModified": row["last_modified"],
                            "ETag": f'"{row["etag"]}"', "Size": row["size"]} for row in page]  # fmt: skip
        result["NextPartNumberMarker"] = page[-1]["number"]
    return result


@operation("s3:ListMultipartUploads")
def list_multipart_uploads(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    rows = storage.list_uploads(plane, params["Bucket"], params.get("Prefix") or "")
    result: dict[str, Any] = {"Bucket": params["Bucket"], "IsTruncated": False, "MaxUploads": 1000}
    if rows:
        result["Uploads"] = [{"UploadId": row["id"], "Key": row["key"], "Initiated": row["created_at"],
                              "StorageClass": "STANDARD", "Owner": _owner(plane), "Initiator": _owner(plane)}
                             for row in rows]  # fmt: skip
    return result


# ---------------------------------------------------------------- notifications


@operation("s3:PutBucketNotificationConfiguration")
def put_bucket_notification_configuration(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    bucket = params["Bucket"]
    storage.bucket_row(plane, bucket)
    config = notifications.validate(
        plane, bucket, params.get("NotificationConfiguration"), bool(params.get("SkipDestinationValidation"))
    )
    with storage.database(plane).write() as conn:
        storage.bucket_row(plane, bucket, conn)
        conn.execute("UPDATE s3_buckets SET notification = ? WHERE name = ?", (json.dumps(config) if config else None, bucket))
    notifications.send_test_events(plane, bucket, config)
    return {}


@operation("s3:GetBucketNotificationConfiguration")
def get_bucket_notification_configuration(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    row = storage.bucket_row(plane, params["Bucket"])
    return json.loads(row["notification"]) if row["notification"] else {}
