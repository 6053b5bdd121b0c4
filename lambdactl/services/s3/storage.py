"""Buckets and objects of the embedded S3.

An object's bytes are streamed into the blob store first; only then does one write
transaction insert the row that makes it visible (and enqueue its notifications), so a
process killed mid-upload leaves at most an unreferenced blob, never a partial object or
an event for it. Multipart parts are blobs too; completing an upload joins them into one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import re
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from lambdactl.plane import ControlPlane
from lambdactl.services.s3 import errors as s3errors
from lambdactl.services.s3.schema import MIGRATIONS
from lambdactl.state.blobs import BlobStore
from lambdactl.state.store import Store

CHUNK = 1 << 20
MAX_PUT_SIZE = 5 * 1024**3  # S3's limit for one PUT (and one part)
MIN_PART_SIZE = 5 * 1024**2
MAX_PARTS = 10_000
MAX_KEY_BYTES = 1024
BUCKET_NAME_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# headers stored with an object and returned by GetObject/HeadObject, as the API names them
STORED_HEADERS = ("ContentType", "CacheControl", "ContentDisposition", "ContentEncoding", "ContentLanguage", "Expires",
                  "WebsiteRedirectLocation")  # fmt: skip
DEFAULT_CONTENT_TYPE = "binary/octet-stream"


def blobs(plane: ControlPlane) -> BlobStore:
    return BlobStore(plane.settings.state_dir)


def database(plane: ControlPlane) -> Store:
    """S3's tables, whatever region a request is for: bucket names are one namespace across regions
    (each bucket records its own), so they live in the state directory's home database."""
    found = plane.global_store
    found.ensure_schema("s3", MIGRATIONS)
    return found


@dataclass
class StoredObject:
    bucket: str
    key: str
    blob: str
    size: int
    etag: str  # without quotes
    last_modified: float
    headers: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    parts: int | None = None

    @property
    def quoted_etag(self) -> str:
        return f'"{self.etag}"'

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredObject:
        return cls(row["bucket"], row["key"], row["blob"], row["size"], row["etag"], row["last_modified"],
                   json.loads(row["headers"]), json.loads(row["metadata"]), row["parts"])  # fmt: skip


# ---------------------------------------------------------------- buckets


def check_bucket_name(name: str) -> None:
    """S3's rules: 3-63 of [a-z0-9.-], a letter or digit at both ends, no '..', not an IP address."""
    valid = bool(BUCKET_NAME_RE.fullmatch(name)) and ".." not in name and not name.startswith("xn--")
    if valid:
        try:
            ipaddress.IPv4Address(name)
            valid = False
        except ValueError:
            pass
    if not valid:
        raise s3errors.InvalidBucketName("The specified bucket is not valid.", BucketName=name)


def bucket_row(plane: ControlPlane, name: str, conn: sqlite3.Connection | None = None) -> sqlite3.Row:
    row = (conn or database(plane).conn).execute("SELECT * FROM s3_buckets WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise s3errors.no_such_bucket(name)
    return row


def create_bucket(plane: ControlPlane, name: str, region: str | None = None) -> None:
    check_bucket_name(name)
    region = region or plane.settings.region
    with database(plane).write() as conn:
        existing = conn.execute("SELECT region FROM s3_buckets WHERE name = ?", (name,)).fetchone()
        if existing is not None:
            if existing["region"] == "us-east-1" == region:
                return  # idempotent in us-east-1, as on AWS
            raise s3errors.BucketAlreadyOwnedByYou(
                "Your previous request to create the named bucket succeeded and you already own it.", BucketName=name
            )
        conn.execute("INSERT INTO s3_buckets (name, region, created_at) VALUES (?, ?, ?)", (name, region, time.time()))


def delete_bucket(plane: ControlPlane, name: str) -> None:
    with database(plane).write() as conn:
        bucket_row(plane, name, conn)
        if conn.execute("SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1", (name,)).fetchone():
            raise s3errors.BucketNotEmpty("The bucket you tried to delete is not empty", BucketName=name)
        shas = [row[0] for row in conn.execute(
            "SELECT p.blob FROM s3_parts p JOIN s3_uploads u ON u.id = p.upload_id WHERE u.bucket = ?", (name,))]  # fmt: skip
        conn.execute("DELETE FROM s3_uploads WHERE bucket = ?", (name,))
        conn.execute("DELETE FROM s3_buckets WHERE name = ?", (name,))
    _discard_unreferenced(plane, shas)


def list_buckets(plane: ControlPlane, prefix: str = "") -> list[sqlite3.Row]:
    return database(plane).read(
        "SELECT * FROM s3_buckets WHERE substr(name, 1, ?) = ? ORDER BY name", (len(prefix), prefix)
    )


# ---------------------------------------------------------------- objects


def chunks_of(body: Any) -> Iterator[bytes]:
    """A request body as chunks: bytes, text, a binary file object or an iterable of bytes."""
    if body is None:
        return
    if isinstance(body, str):
        body = body.encode()
    if isinstance(body, (bytes, bytearray, memoryview)):
        if body:
            yield bytes(body)
        return
    if hasattr(body, "read"):
        while chunk := body.read(CHUNK):
            yield chunk
        return
    yield from body


def _limited(chunks: Iterable[bytes], limit: int, error: type[Exception], message: str) -> Iterator[bytes]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise error(message)
        yield chunk


def check_key(key: str) -> None:
    if not key:
        raise s3errors.InvalidArgument("Key must not be empty", ArgumentName="key")  # botocore refuses it first
    if len(key.encode()) > MAX_KEY_BYTES:
        raise s3errors.KeyTooLongError("Your key is too long", Size=str(len(key.encode())), MaxSizeAllowed="1024")


def _check_md5(content_md5: str | None, md5_hex: str) -> None:
    if content_md5 is None:
        return
    try:
        given = base64.b64decode(content_md5, validate=True)
    except (binascii.Error, ValueError):
        given = b""
    if len(given) != 16:
        raise s3errors.InvalidDigest("The Content-MD5 you specified was invalid.", Content_MD5=content_md5)
    if given.hex() != md5_hex:
        raise s3errors.BadDigest("The Content-MD5 you specified did not match what we received.",
                                 ExpectedDigest=given.hex(), CalculatedDigest=base64.b64encode(bytes.fromhex(md5_hex)).decode())  # fmt: skip


def put_object(
    plane: ControlPlane,
    bucket: str,
    key: str,
    body: Any,
    headers: dict[str, Any] | None = None,
    metadata: dict[str, str] | None = None,
    content_md5: str | None = None,
    event: str = "Put",
) -> StoredObject:
    """Store the bytes, then (one transaction) the row and the notifications ``ObjectCreated:<event>`` sends."""
    check_key(key)
    bucket_row(plane, bucket)  # fail before reading a body into the store
    store = blobs(plane)
    blob = store.put(_limited(chunks_of(body), MAX_PUT_SIZE, s3errors.EntityTooLarge,
                              "Your proposed upload exceeds the maximum allowed size"))  # fmt: skip
    try:
        _check_md5(content_md5, blob.md5)
    except s3errors.ServiceError:
        _discard_unreferenced(plane, [blob.sha256])
        raise
    obj = StoredObject(bucket, key, blob.sha256, blob.size, blob.md5, time.time(),
                       _headers(headers), dict(metadata or {}))  # fmt: skip
    commit_object(plane, obj, f"ObjectCreated:{event}")
    return obj


def _headers(headers: dict[str, Any] | None) -> dict[str, Any]:
    out = {name: value for name, value in (headers or {}).items() if name in STORED_HEADERS and value is not None}
    out.setdefault("ContentType", DEFAULT_CONTENT_TYPE)
    return out


def commit_object(plane: ControlPlane, obj: StoredObject, event_name: str) -> None:
    """Make a stored blob visible as ``obj`` and enqueue what its notifications send, at once."""
    from lambdactl.services.s3 import notifications

    with database(plane).write() as conn:
        bucket = bucket_row(plane, obj.bucket, conn)  # it may have gone while the bytes streamed in
        old = conn.execute("SELECT blob FROM s3_objects WHERE bucket = ? AND key = ?", (obj.bucket, obj.key)).fetchone()
        conn.execute(
            "INSERT OR REPLACE INTO s3_objects (bucket, key, blob, size, etag, last_modified, headers, metadata, parts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (obj.bucket, obj.key, obj.blob, obj.size, obj.etag, obj.last_modified, json.dumps(obj.headers),
             json.dumps(obj.metadata), obj.parts),
        )  # fmt: skip
        after = notifications.record_change(plane, conn, bucket, event_name, obj)
    if old is not None and old["blob"] != obj.blob:
        _discard_unreferenced(plane, [old["blob"]])
    after()


def get_object(plane: ControlPlane, bucket: str, key: str) -> StoredObject:
    row = database(plane).read_one("SELECT * FROM s3_objects WHERE bucket = ? AND key = ?", (bucket, key))
    if row is None:
        bucket_row(plane, bucket)
        raise s3errors.no_such_key(key)
    return StoredObject.from_row(row)


def open_object(plane: ControlPlane, obj: StoredObject) -> BinaryIO:
    return blobs(plane).open(obj.blob)


def delete_objects(plane: ControlPlane, bucket: str, keys: list[str]) -> list[str]:
    """Remove the keys (absent ones are no error, as in S3); returns the keys that existed.
    Each removed object sends ``ObjectRemoved:Delete``."""
    from lambdactl.services.s3 import notifications

    actions = []
    removed: list[StoredObject] = []
    with database(plane).write() as conn:
        row = bucket_row(plane, bucket, conn)
        for key in keys:
            found = conn.execute("SELECT * FROM s3_objects WHERE bucket = ? AND key = ?", (bucket, key)).fetchone()
            if found is None:
                continue
            conn.execute("DELETE FROM s3_objects WHERE bucket = ? AND key = ?", (bucket, key))
            obj = StoredObject.from_row(found)
            removed.append(obj)
            actions.append(notifications.record_change(plane, conn, row, "ObjectRemoved:Delete", obj))
    _discard_unreferenced(plane, [obj.blob for obj in removed])
    for action in actions:
        action()
    return [obj.key for obj in removed]


def copy_object(
    plane: ControlPlane,
    source_bucket: str,
    source_key: str,
    bucket: str,
    key: str,
    headers: dict[str, Any] | None,
    metadata: dict[str, str] | None,
    replace: bool,
) -> StoredObject:
    """Copy without moving bytes (same blob); ``replace`` takes the given headers and metadata (REPLACE)."""
    check_key(key)
    source = get_object(plane, source_bucket, source_key)
    bucket_row(plane, bucket)
    if (source_bucket, source_key) == (bucket, key) and not replace:
        raise s3errors.InvalidRequest(
            "This copy request is illegal because it is trying to copy an object to itself without changing the "
            "object's metadata, storage class, website redirect location or encryption attributes."
        )
    obj = StoredObject(
        bucket, key, source.blob, source.size, source.etag, time.time(),
        _headers(headers) if replace else dict(source.headers),
        dict(metadata or {}) if replace else dict(source.metadata), source.parts,
    )  # fmt: skip
    blobs(plane).touch(source.blob)  # a sweep racing a delete of the source spares it
    commit_object(plane, obj, "ObjectCreated:Copy")
    return obj


def list_objects(
    plane: ControlPlane, bucket: str, prefix: str, delimiter: str, max_keys: int, after: str | None
) -> tuple[list[StoredObject], list[str], str | None]:
    """(objects, common prefixes, the last item returned if more follow) in UTF-8 byte order, keys after ``after``.

    ``after`` is an item a previous page ended with: a key, or a common prefix whose keys are all skipped.
    """
    database(plane)
    bucket_row(plane, bucket)
    objects: list[StoredObject] = []
    prefixes: list[str] = []
    cursor = after or ""
    skip_prefix = after if after and delimiter and after.endswith(delimiter) and after.startswith(prefix) else None
    last: str | None = None
    while True:
        rows = database(plane).read(
            "SELECT * FROM s3_objects WHERE bucket = ? AND key > ? AND key >= ? ORDER BY key LIMIT 1000",
            (bucket, cursor, prefix),
        )
        if not rows:
            return objects, prefixes, None
        for row in rows:
            key = row["key"]
            cursor = key
            if not key.startswith(prefix):
                return objects, prefixes, None
            if skip_prefix and key.startswith(skip_prefix):
                continue
            common = None
            if delimiter:
                index = key.find(delimiter, len(prefix))
                if index >= 0:
                    common = key[: index + len(delimiter)]
            if common is not None and prefixes and prefixes[-1] == common:
                continue
            if len(objects) + len(prefixes) >= max_keys:
                return objects, prefixes, last
            if common is not None:
                prefixes.append(common)
                skip_prefix = common
                last = common
            else:
                objects.append(StoredObject.from_row(row))
                last = key


# ---------------------------------------------------------------- multipart uploads


def create_upload(
    plane: ControlPlane, bucket: str, key: str, headers: dict[str, Any] | None, metadata: dict[str, str] | None
) -> str:
    check_key(key)
    upload_id = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip("=")
    with database(plane).write() as conn:
        bucket_row(plane, bucket, conn)
        conn.execute(
            "INSERT INTO s3_uploads (id, bucket, key, created_at, headers, metadata) VALUES (?, ?, ?, ?, ?, ?)",
            (upload_id, bucket, key, time.time(), json.dumps(_headers(headers)), json.dumps(metadata or {})),
        )
    return upload_id


def upload_row(plane: ControlPlane, bucket: str, key: str, upload_id: str, conn: sqlite3.Connection | None = None
               ) -> sqlite3.Row:  # fmt: skip
    row = (conn or database(plane).conn).execute(
        "SELECT * FROM s3_uploads WHERE id = ? AND bucket = ? AND key = ?", (upload_id, bucket, key)
    ).fetchone()
    if row is None:
        bucket_row(plane, bucket, conn)
        raise s3errors.NoSuchUpload(s3errors.NO_SUCH_UPLOAD, UploadId=upload_id)
    return row


def upload_part(
    plane: ControlPlane, bucket: str, key: str, upload_id: str, number: int, body: Any, content_md5: str | None = None
) -> str:
    """Store one part (replacing an earlier one of that number); returns its ETag without quotes."""
    if not 1 <= number <= MAX_PARTS:
        raise s3errors.InvalidArgument(
            f"Part number must be an integer between 1 and {MAX_PARTS}, inclusive",
            ArgumentName="partNumber", ArgumentValue=str(number),
        )  # fmt: skip
    upload_row(plane, bucket, key, upload_id)
    blob = blobs(plane).put(_limited(chunks_of(body), MAX_PUT_SIZE, s3errors.EntityTooLarge,
                                     "Your proposed upload exceeds the maximum allowed size"))  # fmt: skip
    try:
        _check_md5(content_md5, blob.md5)
        with database(plane).write() as conn:
            upload_row(plane, bucket, key, upload_id, conn)
            old = conn.execute("SELECT blob FROM s3_parts WHERE upload_id = ? AND number = ?", (upload_id, number)).fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO s3_parts (upload_id, number, blob, size, etag, last_modified) VALUES (?, ?, ?, ?, ?, ?)",
                (upload_id, number, blob.sha256, blob.size, blob.md5, time.time()),
            )
    except s3errors.ServiceError:
        _discard_unreferenced(plane, [blob.sha256])
        raise
    if old is not None and old["blob"] != blob.sha256:
        _discard_unreferenced(plane, [old["blob"]])
    return blob.md5


def list_parts(plane: ControlPlane, bucket: str, key: str, upload_id: str) -> list[sqlite3.Row]:
    upload_row(plane, bucket, key, upload_id)
    return database(plane).read("SELECT * FROM s3_parts WHERE upload_id = ? ORDER BY number", (upload_id,))


def complete_upload(
    plane: ControlPlane, bucket: str, key: str, upload_id: str, requested: list[tuple[int, str]]
) -> StoredObject:
    """Join the requested parts (number, ETag) into one object; ETag = md5 of the parts' md5s, '-N'."""
    upload = upload_row(plane, bucket, key, upload_id)
    if not requested:
        raise s3errors.MalformedXML(s3errors.MALFORMED_XML)
    numbers = [number for number, _ in requested]
    if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
        raise s3errors.InvalidPartOrder(
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
            UploadId=upload_id,
        )  # fmt: skip
    stored = {row["number"]: row for row in list_parts(plane, bucket, key, upload_id)}
    parts = []
    for number, etag in requested:
        row = stored.get(number)
        if row is None or etag.strip('"') != row["etag"]:
            raise s3errors.InvalidPart(
                "One or more of the specified parts could not be found.  The part may not have been uploaded, "
                "or the specified entity tag may not match the part's entity tag.",
                UploadId=upload_id, PartNumber=str(number), ETag=etag,
            )  # fmt: skip
        parts.append(row)
    for row in parts[:-1]:
        if row["size"] < MIN_PART_SIZE:
            raise s3errors.EntityTooSmall(
                "Your proposed upload is smaller than the minimum allowed size",
                ProposedSize=str(row["size"]), MinSizeAllowed=str(MIN_PART_SIZE),
                PartNumber=str(row["number"]), ETag=row["etag"],
            )  # fmt: skip
    store = blobs(plane)

    def joined() -> Iterator[bytes]:
        for row in parts:
            with store.open(row["blob"]) as handle:
                yield from chunks_of(handle)

    blob = store.put(joined())
    digest = hashlib.md5(b"".join(bytes.fromhex(row["etag"]) for row in parts)).hexdigest()
    obj = StoredObject(bucket, key, blob.sha256, blob.size, f"{digest}-{len(parts)}", time.time(),
                       json.loads(upload["headers"]), json.loads(upload["metadata"]), len(parts))  # fmt: skip
    with database(plane).write() as conn:
        upload_row(plane, bucket, key, upload_id, conn)  # a racing complete or abort fails here
        conn.execute("DELETE FROM s3_uploads WHERE id = ?", (upload_id,))
    commit_object(plane, obj, "ObjectCreated:CompleteMultipartUpload")
    _discard_unreferenced(plane, [row["blob"] for row in stored.values()])
    return obj


def abort_upload(plane: ControlPlane, bucket: str, key: str, upload_id: str) -> None:
    with database(plane).write() as conn:
        upload_row(plane, bucket, key, upload_id, conn)
        shas = [row[0] for row in conn.execute("SELECT blob FROM s3_parts WHERE upload_id = ?", (upload_id,))]
        conn.execute("DELETE FROM s3_uploads WHERE id = ?", (upload_id,))
    _discard_unreferenced(plane, shas)


def list_uploads(plane: ControlPlane, bucket: str, prefix: str = "") -> list[sqlite3.Row]:
    bucket_row(plane, bucket)
    return database(plane).read(
        "SELECT * FROM s3_uploads WHERE bucket = ? AND substr(key, 1, ?) = ? ORDER BY key, created_at",
        (bucket, len(prefix), prefix),
    )


def _discard_unreferenced(plane: ControlPlane, shas: list[str]) -> None:
    store = blobs(plane)
    for sha in set(shas):
        if database(plane).read_one(
            "SELECT 1 FROM s3_objects WHERE blob = ? UNION ALL SELECT 1 FROM s3_parts WHERE blob = ? LIMIT 1", (sha, sha)
        ) is None:
            store.discard(sha)
