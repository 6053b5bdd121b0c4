"""Embedded SQS queues: storage and semantics, addressed by ARN.

Queue URLs are local: ``http://sqs.<region>.localhost/<account>/<name>`` (any URL whose
path ends in ``/<account>/<name>`` is accepted too, so AWS-style URLs resolve).

Storage API (what the event-source-mapping pollers call; each is one short transaction):

- ``receive(plane, queue_arn, max_messages=1, visibility_timeout=None, wait_seconds=0.0) -> list[Message]``
- ``delete(plane, queue_arn, receipt_handles: list[str]) -> None``
- ``change_visibility(plane, queue_arn, receipt_handle, seconds) -> None``
- ``queue_attributes(plane, queue_arn) -> dict[str, str]`` (every attribute, as GetQueueAttributes All)
- ``pending(plane, queue_arn) -> int`` (messages still in the queue: visible, in flight or delayed)
- ``exists(plane, queue_arn) -> bool``
- ``send(plane, queue_arn, body, message_attributes=None, delay_seconds=None, group_id=None, dedup_id=None) -> dict``

Semantics as SQS: visibility timeouts, receive counts, redrive to the RedrivePolicy's
dead-letter queue once a message was received maxReceiveCount times, delays, retention,
FIFO order per message group with one in-flight batch per group and a 5-minute
deduplication window. Not modelled: the 60-second PurgeQueue limit, permissions, tags, SSE.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import re
import secrets
import struct
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl import errors
from lambdactl.services.clock import now

if TYPE_CHECKING:
    import sqlite3

    from lambdactl.state import Context


QueueDoesNotExist = errors.service_error("AWS.SimpleQueueService.NonExistentQueue", 400, name="QueueDoesNotExist")
QueueAlreadyExists = errors.service_error("QueueAlreadyExists", 400)
InvalidAttributeName = errors.service_error("InvalidAttributeName", 400)
InvalidAttributeValue = errors.service_error("InvalidAttributeValue", 400)
InvalidParameterValue = errors.service_error("InvalidParameterValue", 400)
MissingParameter = errors.service_error("MissingParameter", 400)
InvalidMessageContents = errors.service_error("InvalidMessageContents", 400)
ReceiptHandleIsInvalid = errors.service_error("ReceiptHandleIsInvalid", 400)
MessageNotInflight = errors.service_error("AWS.SimpleQueueService.MessageNotInflight", 400, name="MessageNotInflight")

SENDER_ID = "AIDAIT2UOQQY3AUEKVGXU"
DEDUP_WINDOW = 300.0
POLL_INTERVAL = 0.05
DEFAULTS = {
    "VisibilityTimeout": "30",
    "MaximumMessageSize": "262144",
    "MessageRetentionPeriod": "345600",
    "DelaySeconds": "0",
    "ReceiveMessageWaitTimeSeconds": "0",
    "SqsManagedSseEnabled": "true",
}
FIFO_DEFAULTS = {"FifoQueue": "true", "ContentBasedDeduplication": "false",
                 "DeduplicationScope": "queue", "FifoThroughputLimit": "perQueue"}  # fmt: skip
RANGES = {
    "VisibilityTimeout": (0, 43200),
    "MaximumMessageSize": (1024, 262144),
    "MessageRetentionPeriod": (60, 1209600),
    "DelaySeconds": (0, 900),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "KmsDataKeyReusePeriodSeconds": (60, 86400),
}
SETTABLE = {*RANGES, "RedrivePolicy", "RedriveAllowPolicy", "Policy", "KmsMasterKeyId", "SqsManagedSseEnabled",
            "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}  # fmt: skip
COMPUTED = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn")  # fmt: skip
SYSTEM_ATTRIBUTES = ("SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp",
                     "SequenceNumber", "MessageDeduplicationId", "MessageGroupId")  # fmt: skip
NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,80}")
ATTRIBUTE_NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,256}")
INVALID_BODY_RE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class Message:
    """A received message, its attributes spelled as in Lambda's SQS event."""

    message_id: str
    receipt_handle: str
    body: str
    attributes: dict[str, str]  # ApproximateReceiveCount, SentTimestamp, SenderId, ... (+ FIFO's)
    message_attributes: dict[str, dict[str, Any]]  # {"k": {"stringValue", "stringListValues", ...}}
    md5_of_body: str
    md5_of_message_attributes: str | None
    api_message_attributes: dict[str, dict[str, Any]]  # as ReceiveMessage returns them


# ---------------------------------------------------------------- addressing


def queue_arn(plane: Context, name: str) -> str:
    return f"arn:aws:sqs:{plane.settings.region}:{plane.settings.account_id}:{name}"


def queue_url(plane: Context, arn: str) -> str:
    """The queue's URL: at the endpoint that serves it (``serve``'s, or one hosted for functions:
    SDKs such as JavaScript v3 send to the queue URL's host), else ``http://sqs.<region>.localhost``."""
    _, _, _, region, account, name = arn.split(":", 5)
    base = plane.settings.endpoint_url or f"http://sqs.{region}.localhost"
    return f"{base.rstrip('/')}/{account}/{name}"


def resolve(plane: Context, url_or_arn: str) -> str:
    """The ARN of an existing queue given its URL or ARN (QueueDoesNotExist otherwise)."""
    if url_or_arn.startswith("arn:"):
        arn = url_or_arn
    else:
        match = re.fullmatch(r"(?:https?://(?P<host>[^/]*))?/?(?:.*/)?(?P<account>\d{12})/(?P<name>[^/]+)/?", url_or_arn)
        if match is None:
            raise QueueDoesNotExist("The specified queue does not exist.")
        region = re.match(r"sqs\.([a-z0-9-]+)\.", match["host"] or "")
        region_name = region.group(1) if region else plane.settings.region
        arn = f"arn:aws:sqs:{region_name}:{match['account']}:{match['name']}"
    if not exists(plane, arn):
        raise QueueDoesNotExist("The specified queue does not exist.")
    return arn


def exists(plane: Context, queue_arn: str) -> bool:
    return plane.store.read_one("SELECT 1 FROM sqs_queues WHERE arn = ?", (queue_arn,)) is not None


# ---------------------------------------------------------------- queues


def create_queue(plane: Context, name: str, attributes: dict[str, str] | None = None) -> str:
    """Create (or, with the same attributes, find) a queue; returns its ARN."""
    given = {key: str(value) for key, value in (attributes or {}).items()}
    fifo = given.get("FifoQueue", "false").lower() == "true"
    base = name.removesuffix(".fifo")
    if not NAME_RE.fullmatch(base) or name.endswith(".fifo") != fifo:
        if fifo:
            raise InvalidParameterValue(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                "must end with .fifo suffix and be 1 to 80 in length."
            )
        raise InvalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
    arn = queue_arn(plane, name)
    settings = {**DEFAULTS, **(FIFO_DEFAULTS if fifo else {})}
    settings.update(_validated(plane, given, fifo))
    stamp = now()
    with plane.store.write() as conn:
        row = conn.execute("SELECT attributes FROM sqs_queues WHERE arn = ?", (arn,)).fetchone()
        if row is not None:
            current = json.loads(row[0])
            for key, value in settings.items():
                if key in given and current.get(key) != value:
                    raise QueueAlreadyExists(
                        f"A queue already exists with the same name and a different value for attribute {key}"
                    )
            return arn
        conn.execute(
            "INSERT INTO sqs_queues (arn, name, attributes, created_at, modified_at) VALUES (?, ?, ?, ?, ?)",
            (arn, name, json.dumps(settings), stamp, stamp),
        )
    return arn


def _validated(plane: Context, given: dict[str, str], fifo: bool) -> dict[str, str]:
    """Check settable attributes; returns them normalised (RedrivePolicy as compact JSON)."""
    out: dict[str, str] = {}
    for key, value in given.items():
        if key not in SETTABLE or (not fifo and key in FIFO_DEFAULTS and key != "FifoQueue"):
            raise InvalidAttributeName(f"Unknown Attribute {key}.")
        if key in RANGES:
            low, high = RANGES[key]
            if not value.lstrip("-").isdigit() or not low <= int(value) <= high:
                raise InvalidAttributeValue(f"Invalid value for the parameter {key}.")
            value = str(int(value))
        elif key in ("FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled"):
            if value.lower() not in ("true", "false"):
                raise InvalidAttributeValue(f"Invalid value for the parameter {key}.")
            value = value.lower()
        elif key == "RedrivePolicy" and value:
            value = _redrive_policy(plane, value, fifo)
        out[key] = value
    return out


def _redrive_policy(plane: Context, value: str, fifo: bool) -> str:
    invalid = f"Value {value} for parameter RedrivePolicy is invalid. Reason: "
    try:
        policy = json.loads(value)
        target, count = policy["deadLetterTargetArn"], int(policy["maxReceiveCount"])
    except (ValueError, TypeError, KeyError):
        raise InvalidParameterValue(invalid + "Redrive policy is not a valid JSON map.") from None
    if not 1 <= count <= 1000:
        raise InvalidParameterValue(invalid + "Invalid value for maxReceiveCount: must be between 1 and 1000.")
    if not exists(plane, target):
        raise InvalidParameterValue(invalid + "Dead-letter target does not exist.")
    if target.endswith(".fifo") != fifo:
        raise InvalidParameterValue(invalid + "Dead-letter queue must be same type of queue as the source.")
    return json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": count}, separators=(",", ":"))


def set_attributes(plane: Context, arn: str, attributes: dict[str, str]) -> None:
    with plane.store.write() as conn:
        current = json.loads(_queue(conn, arn)["attributes"])
        fifo = current.get("FifoQueue") == "true"
        changes = _validated(plane, {key: str(value) for key, value in attributes.items()}, fifo)
        if changes.get("FifoQueue", current.get("FifoQueue", "false")) != current.get("FifoQueue", "false"):
            raise InvalidAttributeValue("Invalid value for the parameter FifoQueue.")
        current.update(changes)
        if current.get("RedrivePolicy") == "":
            del current["RedrivePolicy"]
        conn.execute(
            "UPDATE sqs_queues SET attributes = ?, modified_at = ? WHERE arn = ?", (json.dumps(current), now(), arn)
        )


def queue_attributes(plane: Context, queue_arn: str) -> dict[str, str]:
    """Every attribute of the queue (GetQueueAttributes with All)."""
    row = plane.store.read_one("SELECT * FROM sqs_queues WHERE arn = ?", (queue_arn,))
    if row is None:
        raise QueueDoesNotExist("The specified queue does not exist.")
    settings = json.loads(row["attributes"])
    visible, hidden, delayed = _counts(plane.store.conn, queue_arn, settings, now())
    return {
        "QueueArn": queue_arn,
        "ApproximateNumberOfMessages": str(visible),
        "ApproximateNumberOfMessagesNotVisible": str(hidden),
        "ApproximateNumberOfMessagesDelayed": str(delayed),
        "CreatedTimestamp": str(int(row["created_at"])),
        "LastModifiedTimestamp": str(int(row["modified_at"])),
        **settings,
    }


def pending(plane: Context, queue_arn: str) -> int:
    """Messages still in the queue: visible, in flight or delayed (0 when the queue is gone)."""
    row = plane.store.read_one("SELECT attributes FROM sqs_queues WHERE arn = ?", (queue_arn,))
    return sum(_counts(plane.store.conn, queue_arn, json.loads(row[0]), now())) if row else 0


def _counts(conn: sqlite3.Connection, arn: str, settings: dict[str, str], t: float) -> tuple[int, int, int]:
    row = conn.execute(
        """SELECT COALESCE(SUM(visible_at <= :t), 0), COALESCE(SUM(visible_at > :t AND receive_count > 0), 0),
                  COALESCE(SUM(visible_at > :t AND receive_count = 0), 0)
           FROM sqs_messages WHERE queue_arn = :arn AND sent_at >= :oldest""",
        {"t": t, "arn": arn, "oldest": t - int(settings["MessageRetentionPeriod"])},
    ).fetchone()
    return row[0], row[1], row[2]


def list_queues(plane: Context, prefix: str = "") -> list[str]:
    """ARNs of this region's queues, by name."""
    rows = plane.store.read(
        "SELECT arn FROM sqs_queues WHERE arn LIKE ? ORDER BY name",
        (f"arn:aws:sqs:{plane.settings.region}:{plane.settings.account_id}:%",),
    )
    return [row[0] for row in rows if row[0].rsplit(":", 1)[1].startswith(prefix)]


def delete_queue(plane: Context, arn: str) -> None:
    with plane.store.write() as conn:
        _queue(conn, arn)
        conn.execute("DELETE FROM sqs_queues WHERE arn = ?", (arn,))


def purge(plane: Context, arn: str) -> None:
    with plane.store.write() as conn:
        _queue(conn, arn)
        conn.execute("DELETE FROM sqs_messages WHERE queue_arn = ?", (arn,))


def _queue(conn: sqlite3.Connection, arn: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM sqs_queues WHERE arn = ?", (arn,)).fetchone()
    if row is None:
        raise QueueDoesNotExist("The specified queue does not exist.")
    return row


# ---------------------------------------------------------------- messages


def md5_of_attributes(attributes: dict[str, dict[str, Any]]) -> str:
    """SQS's MD5OfMessageAttributes: length-prefixed name, type and value, names sorted."""
    digest = hashlib.md5()

    def field(value: bytes) -> None:
        digest.update(struct.pack("!I", len(value)) + value)

    for name in sorted(attributes):
        value = attributes[name]
        field(name.encode())
        field(value["DataType"].encode())
        if value.get("StringValue") is not None:
            digest.update(b"\x01")
            field(value["StringValue"].encode())
        elif value.get("BinaryValue") is not None:
            digest.update(b"\x02")
            field(base64.b64decode(value["BinaryValue"]))
    return digest.hexdigest()


def _check_attributes(attributes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Validate message attributes; returns them with binary values as base64 text."""
    if len(attributes) > 10:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum [10]."
        )
    out = {}
    for name, value in attributes.items():
        if not ATTRIBUTE_NAME_RE.fullmatch(name) or name.startswith(("AWS.", "Amazon.")) or ".." in name:
            raise InvalidParameterValue(
                f"The message attribute name '{name}' is invalid. Attribute name can contain A-Z, a-z, 0-9, "
                "underscore (_), hyphen (-), and period (.) characters."
            )
        data_type = value.get("DataType") or ""
        if not data_type.startswith(("String", "Number", "Binary")):
            raise InvalidParameterValue(
                f"The message attribute '{name}' has an invalid message attribute type, the set of supported "
                "type prefixes is Binary, Number, and String."
            )
        kind = "BinaryValue" if data_type.startswith("Binary") else "StringValue"
        raw = value.get(kind)
        if raw in (None, "", b""):
            raise InvalidParameterValue(
                f"The message attribute '{name}' must contain non-empty message attribute value for message "
                f"attribute type '{data_type.split('.')[0]}'."
            )
        if isinstance(raw, (bytes, bytearray)):
            raw = base64.b64encode(raw).decode()
        out[name] = {"DataType": data_type, kind: raw}
    return out


def send(
    plane: Context,
    queue_arn: str,
    body: str,
    message_attributes: dict[str, dict[str, Any]] | None = None,
    delay_seconds: int | None = None,
    group_id: str | None = None,
    dedup_id: str | None = None,
    transaction: sqlite3.Connection | None = None,
) -> dict[str, Any]:
    """Enqueue one message; returns SendMessage's result (MessageId, MD5OfMessageBody, ...).
    ``transaction``: an open write transaction to enqueue in (an async event's destination), else its own."""
    if not body:
        raise MissingParameter("The request must contain the parameter MessageBody.")
    if INVALID_BODY_RE.search(body):
        raise InvalidMessageContents(
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | "
            "#xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
    attributes = _check_attributes(message_attributes or {})
    result: dict[str, Any] = {"MD5OfMessageBody": hashlib.md5(body.encode()).hexdigest()}
    if attributes:
        result["MD5OfMessageAttributes"] = md5_of_attributes(attributes)
    t = now()
    with plane.store.write() if transaction is None else contextlib.nullcontext(transaction) as conn:
        queue = _queue(conn, queue_arn)
        settings = json.loads(queue["attributes"])
        size = len(body.encode()) + sum(len(k) + len(json.dumps(v)) for k, v in attributes.items())
        limit = int(settings["MaximumMessageSize"])
        if size > limit:
            raise InvalidParameterValue(
                f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
            )
        fifo = settings.get("FifoQueue") == "true"
        if delay_seconds is not None and not 0 <= delay_seconds <= 900:
            raise InvalidParameterValue(
                f"Value {delay_seconds} for parameter DelaySeconds is invalid. "
                "Reason: DelaySeconds must be >= 0 and <= 900."
            )
        delay = int(settings["DelaySeconds"]) if delay_seconds is None else delay_seconds
        sequence = None
        if fifo:
            if delay_seconds is not None:
                raise InvalidParameterValue(
                    f"Value {delay_seconds} for parameter DelaySeconds is invalid. Reason: The request include "
                    "parameter that is not valid for this queue type."
                )
            if not group_id:
                raise MissingParameter("The request must contain the parameter MessageGroupId.")
            if not dedup_id:
                if settings.get("ContentBasedDeduplication") != "true":
                    raise InvalidParameterValue(
                        "The queue should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly"
                    )
                dedup_id = hashlib.sha256(body.encode()).hexdigest()
            conn.execute("DELETE FROM sqs_dedup WHERE queue_arn = ? AND expires_at <= ?", (queue_arn, t))
            seen = conn.execute(
                "SELECT message_id, sequence_number FROM sqs_dedup WHERE queue_arn = ? AND dedup_id = ?",
                (queue_arn, dedup_id),
            ).fetchone()
            if seen is not None:
                return {**result, "MessageId": seen[0], "SequenceNumber": seen[1]}
            counter = queue["last_sequence"] + 1
            conn.execute("UPDATE sqs_queues SET last_sequence = ? WHERE arn = ?", (counter, queue_arn))
            sequence = str(18 * 10**18 + counter)
        elif dedup_id:
            raise InvalidParameterValue(
                "The request include parameter MessageDeduplicationId that is not valid for this queue type."
            )
        message_id = str(uuid.uuid4())
        conn.execute(
            """INSERT INTO sqs_messages (queue_arn, message_id, body, message_attributes, sent_at, visible_at,
                                         group_id, dedup_id, sequence_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (queue_arn, message_id, body, json.dumps(attributes), t, t + delay,
             group_id if fifo else None, dedup_id, sequence),
        )  # fmt: skip
        if sequence:
            conn.execute(
                "INSERT INTO sqs_dedup VALUES (?, ?, ?, ?, ?)", (queue_arn, dedup_id, message_id, sequence, t + DEDUP_WINDOW)
            )
    result["MessageId"] = message_id
    if sequence:
        result["SequenceNumber"] = sequence
    return result


def receive(
    plane: Context,
    queue_arn: str,
    max_messages: int = 1,
    visibility_timeout: int | None = None,
    wait_seconds: float = 0.0,
) -> list[Message]:
    """Take up to ``max_messages`` visible messages, hiding them for the visibility timeout.

    ``wait_seconds`` > 0 long-polls: the database is checked every POLL_INTERVAL until a
    message arrives or the wait ends.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        messages = _receive_once(plane, queue_arn, max_messages, visibility_timeout)
        remaining = deadline - time.monotonic()
        if messages or remaining <= 0:
            return messages
        time.sleep(min(POLL_INTERVAL, remaining))


def _receive_once(plane: Context, arn: str, limit: int, visibility: int | None) -> list[Message]:
    t = now()
    with plane.store.write() as conn:
        settings = json.loads(_queue(conn, arn)["attributes"])
        conn.execute(
            "DELETE FROM sqs_messages WHERE queue_arn = ? AND sent_at < ?",
            (arn, t - int(settings["MessageRetentionPeriod"])),
        )
        hide = int(settings["VisibilityTimeout"]) if visibility is None else visibility
        redrive = json.loads(settings["RedrivePolicy"]) if settings.get("RedrivePolicy") else None
        fifo = settings.get("FifoQueue") == "true"
        if fifo:  # by group, in group order; a group whose head is not visible is blocked
            groups: dict[str, list[sqlite3.Row]] = {}
            for row in conn.execute("SELECT * FROM sqs_messages WHERE queue_arn = ? ORDER BY id", (arn,)):
                groups.setdefault(row["group_id"], []).append(row)
            candidates = [row for rows in groups.values() for row in _visible_head(rows, t)]
        else:
            candidates = conn.execute(
                "SELECT * FROM sqs_messages WHERE queue_arn = ? AND visible_at <= ? ORDER BY id", (arn, t)
            ).fetchall()
        taken: list[Message] = []
        for row in candidates:
            if len(taken) >= limit:
                break
            if redrive and row["receive_count"] >= redrive["maxReceiveCount"] and _move(conn, row, redrive, t):
                continue
            taken.append(_take(conn, row, hide, t))
    return taken


def _visible_head(rows: list[sqlite3.Row], t: float) -> list[sqlite3.Row]:
    head = []
    for row in rows:
        if row["visible_at"] > t:
            break
        head.append(row)
    return head


def _move(conn: sqlite3.Connection, row: sqlite3.Row, redrive: dict[str, Any], t: float) -> bool:
    """Move a message to the dead-letter queue (False if that queue is gone)."""
    target = redrive["deadLetterTargetArn"]
    if conn.execute("SELECT 1 FROM sqs_queues WHERE arn = ?", (target,)).fetchone() is None:
        return False
    conn.execute(
        """INSERT INTO sqs_messages (queue_arn, message_id, body, message_attributes, sent_at, visible_at,
                                     group_id, dedup_id, sequence_number)
           SELECT ?, message_id, body, message_attributes, sent_at, ?, group_id, dedup_id, sequence_number
           FROM sqs_messages WHERE id = ?""",
        (target, t, row["id"]),
    )
    conn.execute("DELETE FROM sqs_messages WHERE id = ?", (row["id"],))
    return True


def _take(conn: sqlite3.Connection, row: sqlite3.Row, hide: int, t: float) -> Message:
    nonce = secrets.token_hex(8)
    first = row["first_received_at"] or t
    count = row["receive_count"] + 1
    conn.execute(
        "UPDATE sqs_messages SET receive_count = ?, first_received_at = ?, visible_at = ?, receipt_nonce = ? WHERE id = ?",
        (count, first, t + hide, nonce, row["id"]),
    )
    attributes = {
        "ApproximateReceiveCount": str(count),
        "SentTimestamp": str(int(row["sent_at"] * 1000)),
        "SenderId": SENDER_ID,
        "ApproximateFirstReceiveTimestamp": str(int(first * 1000)),
    }
    if row["sequence_number"]:
        attributes.update(MessageGroupId=row["group_id"], MessageDeduplicationId=row["dedup_id"],
                          SequenceNumber=row["sequence_number"])  # fmt: skip
    api_attributes = json.loads(row["message_attributes"])
    handle = base64.b64encode(f"{row['queue_arn']} {row['id']} {nonce}".encode()).decode()
    return Message(
        message_id=row["message_id"],
        receipt_handle=handle,
        body=row["body"],
        attributes=attributes,
        message_attributes={name: _event_attribute(value) for name, value in api_attributes.items()},
        md5_of_body=hashlib.md5(row["body"].encode()).hexdigest(),
        md5_of_message_attributes=md5_of_attributes(api_attributes) if api_attributes else None,
        api_message_attributes=api_attributes,
    )


def _event_attribute(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = value["BinaryValue"]
    return {**out, "stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}


def _handle_row(arn: str, handle: str) -> tuple[int, str]:
    try:
        owner, row_id, nonce = base64.b64decode(handle, validate=True).decode().split(" ")
        if owner != arn:
            raise ValueError(owner)
        return int(row_id), nonce
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ReceiptHandleIsInvalid(f'The input receipt handle "{handle}" is not a valid receipt handle.') from None


def delete(plane: Context, queue_arn: str, receipt_handles: list[str]) -> None:
    """Delete received messages (a handle of an already deleted message is fine, as in SQS)."""
    ids = [_handle_row(queue_arn, handle)[0] for handle in receipt_handles]
    with plane.store.write() as conn:
        _queue(conn, queue_arn)
        conn.executemany("DELETE FROM sqs_messages WHERE id = ? AND queue_arn = ?", [(i, queue_arn) for i in ids])


def change_visibility(plane: Context, queue_arn: str, receipt_handle: str, seconds: int) -> None:
    """Make an in-flight message visible again after ``seconds`` (0: at once)."""
    row_id, _ = _handle_row(queue_arn, receipt_handle)
    if not 0 <= seconds <= 43200:
        raise InvalidParameterValue(
            f"Value {seconds} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200."
        )
    t = now()
    with plane.store.write() as conn:
        _queue(conn, queue_arn)
        row = conn.execute("SELECT visible_at, receive_count FROM sqs_messages WHERE id = ?", (row_id,)).fetchone()
        if row is None or row["receive_count"] == 0 or row["visible_at"] <= t:
            raise MessageNotInflight("Message does not exist or is not available for visibility timeout change.")
        conn.execute("UPDATE sqs_messages SET visible_at = ? WHERE id = ?", (t + seconds, row_id))
