"""DynamoDB-stream-shaped sources: one single-shard stream per table, fed by hand (no tables).

``put_record(plane, "T", "INSERT", keys, new_image=...)`` appends a record as DynamoDB
would for a change to table T, creating the table's stream (``NEW_AND_OLD_IMAGES``) on first
use. Its ARN is ``arn:aws:dynamodb:<region>:<account>:table/<T>/stream/<ISO timestamp of creation>``.
SizeBytes is approximated as the UTF-8 length of the keys and images in DynamoDB JSON.

Storage API (what the event-source-mapping pollers call): ``kinesis.shards`` / ``kinesis.exists``
/ ``kinesis.latest_sequence`` apply to these ARNs as well, and

- ``read(plane, stream_arn, shard_id, after_sequence: str | None, limit: int) -> list[dict]``: stream
  records as in Lambda's event (eventID, eventName, eventVersion, eventSource, awsRegion, dynamodb{...}),
  without eventSourceARN.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import TYPE_CHECKING, Any

from lambdactl.services.clock import now
from lambdactl.services.kinesis import streams as kinesis

if TYPE_CHECKING:
    from lambdactl.state import Context

EVENT_NAMES = ("INSERT", "MODIFY", "REMOVE")
VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def table_streams(plane: Context, table: str | None = None) -> list[str]:
    """ARNs of this region's table streams (of one table, if given), oldest first."""
    prefix = f"arn:aws:dynamodb:{plane.settings.region}:{plane.settings.account_id}:table/"
    rows = plane.store.read(
        "SELECT arn, name FROM streams WHERE kind = 'dynamodb' AND arn LIKE ? ORDER BY created_at", (prefix + "%",)
    )
    return [row["arn"] for row in rows if table is None or row["name"] == table]


def enable_stream(plane: Context, table: str, view_type: str = "NEW_AND_OLD_IMAGES") -> str:
    """The table's stream ARN, creating the stream if the table has none."""
    existing = table_streams(plane, table)
    if existing:
        return existing[-1]
    if view_type not in VIEW_TYPES:
        raise kinesis.InvalidArgumentException(f"StreamViewType must be one of {', '.join(VIEW_TYPES)}.")
    label = datetime.datetime.fromtimestamp(now(), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    arn = f"arn:aws:dynamodb:{plane.settings.region}:{plane.settings.account_id}:table/{table}/stream/{label}"
    kinesis.create(plane, arn, table, 1, kind="dynamodb", extra={"StreamViewType": view_type})
    return arn


def put_record(
    plane: Context,
    table_or_arn: str,
    event_name: str,
    keys: dict[str, Any],
    new_image: dict[str, Any] | None = None,
    old_image: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Append an INSERT/MODIFY/REMOVE record; returns it as GetRecords shows it."""
    if event_name not in EVENT_NAMES:
        raise kinesis.InvalidArgumentException(f"eventName must be one of {', '.join(EVENT_NAMES)}.")
    if not keys:
        raise kinesis.InvalidArgumentException("Keys must not be empty.")
    arn = table_or_arn if table_or_arn.startswith("arn:") else enable_stream(plane, table_or_arn)
    view = json.loads(kinesis.stream(plane, arn)["extra"])["StreamViewType"]
    change: dict[str, Any] = {"ApproximateCreationDateTime": int(now()), "Keys": keys}
    if new_image is not None and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and event_name != "REMOVE":
        change["NewImage"] = new_image
    if old_image is not None and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and event_name != "INSERT":
        change["OldImage"] = old_image
    sized = json.dumps([keys, change.get("NewImage"), change.get("OldImage")], separators=(",", ":"))
    change["SizeBytes"] = len(sized.encode())
    change["StreamViewType"] = view
    record = {"eventName": event_name, "dynamodb": change}
    key = json.dumps(keys, sort_keys=True)
    _, sequence = kinesis.put(plane, arn, key, json.dumps(record).encode())
    return _record(arn, sequence, record)


def _record(arn: str, sequence: str, stored: dict[str, Any]) -> dict[str, Any]:
    change = stored["dynamodb"]
    return {
        "eventID": hashlib.md5(f"{arn}{sequence}".encode()).hexdigest(),
        "eventName": stored["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": arn.split(":")[3],
        "dynamodb": {
            "ApproximateCreationDateTime": change["ApproximateCreationDateTime"],
            "Keys": change["Keys"],
            **({"NewImage": change["NewImage"]} if "NewImage" in change else {}),
            **({"OldImage": change["OldImage"]} if "OldImage" in change else {}),
            "SequenceNumber": sequence,
            "SizeBytes": change["SizeBytes"],
            "StreamViewType": change["StreamViewType"],
        },
    }


def records(arn: str, found: list[kinesis.Record]) -> list[dict[str, Any]]:
    return [_record(arn, r.sequence_number, json.loads(r.data)) for r in found]


def read(
    plane: Context, stream_arn: str, shard_id: str, after_sequence: str | None, limit: int
) -> list[dict[str, Any]]:
    """Stream records after ``after_sequence`` (None: from the trim horizon), oldest first."""
    return records(stream_arn, kinesis.read(plane, stream_arn, shard_id, after_sequence, limit))
