"""Embedded streams with Kinesis semantics (DynamoDB streams reuse this storage with one shard).

Shards split the 128-bit hash-key space evenly, as AWS does; a record goes to the shard
whose range holds MD5(PartitionKey) (or its ExplicitHashKey). Sequence numbers are
56-digit strings (20-digit shard prefix + 36-digit counter), increasing per shard. Records
older than RetentionPeriodHours (default 24) are not readable and are deleted on the next put.

Storage API (what the event-source-mapping pollers call):

- ``shards(plane, stream_arn) -> list[Shard]``
- ``read(plane, stream_arn, shard_id, after_sequence: str | None, limit: int, at_timestamp: float | None = None)
  -> list[Record]`` (oldest first; after_sequence None = from the trim horizon, or from at_timestamp)
- ``latest_sequence(plane, stream_arn, shard_id) -> str | None`` (the shard's newest record, None when empty)
- ``exists(plane, stream_arn) -> bool``
- ``put(plane, stream_arn, partition_key, data, explicit_hash_key=None) -> tuple[str, str]`` (shard id, sequence number)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambdactl import errors
from lambdactl.services.clock import now

if TYPE_CHECKING:
    import sqlite3

    from lambdactl.state import Context


ResourceNotFoundException = errors.service_error("ResourceNotFoundException", 400)
ResourceInUseException = errors.service_error("ResourceInUseException", 400)
InvalidArgumentException = errors.service_error("InvalidArgumentException", 400)
ExpiredIteratorException = errors.service_error("ExpiredIteratorException", 400)

HASH_SPACE = 2**128
ITERATOR_LIFETIME = 300.0
COUNTER_DIGITS = {"kinesis": 36, "dynamodb": 20}
DEFAULT_RETENTION_HOURS = 24


@dataclass
class Shard:
    shard_id: str
    start_hash: str
    end_hash: str
    starting_sequence: str


@dataclass
class Record:
    shard_id: str
    sequence_number: str
    partition_key: str
    data: bytes
    arrival: float  # epoch seconds (ApproximateArrivalTimestamp)


def stream_arn(plane: Context, name: str) -> str:
    return f"arn:aws:kinesis:{plane.settings.region}:{plane.settings.account_id}:stream/{name}"


def exists(plane: Context, stream_arn: str) -> bool:
    return plane.store.read_one("SELECT 1 FROM streams WHERE arn = ?", (stream_arn,)) is not None


def stream(plane: Context, arn: str) -> sqlite3.Row:
    row = plane.store.read_one("SELECT * FROM streams WHERE arn = ?", (arn,))
    if row is None:
        name = arn.rsplit("/", 1)[-1]
        raise ResourceNotFoundException(f"Stream {name} under account {plane.settings.account_id} not found.")
    return row


def create(
    plane: Context, arn: str, name: str, shard_count: int, kind: str = "kinesis", extra: dict[str, Any] | None = None
) -> None:
    """A new stream with ``shard_count`` shards over even hash-key ranges."""
    created = now()
    step = HASH_SPACE // shard_count
    with plane.store.write() as conn:
        if conn.execute("SELECT 1 FROM streams WHERE arn = ?", (arn,)).fetchone():
            raise ResourceInUseException(f"Stream {name} under account {plane.settings.account_id} already exists.")
        conn.execute(
            "INSERT INTO streams (arn, kind, name, retention_hours, created_at, extra) VALUES (?, ?, ?, ?, ?, ?)",
            (arn, kind, name, DEFAULT_RETENTION_HOURS, created, json.dumps(extra or {})),
        )
        for index in range(shard_count):
            end = HASH_SPACE - 1 if index == shard_count - 1 else (index + 1) * step - 1
            if kind == "dynamodb":
                shard_id, prefix = f"shardId-{int(created * 1000):020d}-{hashlib.md5(arn.encode()).hexdigest()[:8]}", "1"
            else:
                shard_id, prefix = f"shardId-{index:012d}", f"49{int(created * 1000):013d}{index:05d}"
            conn.execute(
                "INSERT INTO stream_shards (stream_arn, shard_id, position, start_hash, end_hash, seq_prefix)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (arn, shard_id, index, str(index * step), str(end), prefix),
            )


def delete(plane: Context, arn: str) -> None:
    stream(plane, arn)
    with plane.store.write() as conn:
        conn.execute("DELETE FROM streams WHERE arn = ?", (arn,))


def set_retention(plane: Context, arn: str, hours: int) -> None:
    stream(plane, arn)
    with plane.store.write() as conn:
        conn.execute("UPDATE streams SET retention_hours = ? WHERE arn = ?", (hours, arn))


def shards(plane: Context, stream_arn: str) -> list[Shard]:
    kind = stream(plane, stream_arn)["kind"]
    rows = plane.store.read("SELECT * FROM stream_shards WHERE stream_arn = ? ORDER BY position", (stream_arn,))
    return [Shard(r["shard_id"], r["start_hash"], r["end_hash"], _sequence(r["seq_prefix"], 0, kind)) for r in rows]


def _sequence(prefix: str, counter: int, kind: str) -> str:
    return f"{prefix}{counter:0{COUNTER_DIGITS[kind]}d}"


def _shard(plane: Context, arn: str, shard_id: str) -> tuple[sqlite3.Row, sqlite3.Row]:
    info = stream(plane, arn)
    row = plane.store.read_one("SELECT * FROM stream_shards WHERE stream_arn = ? AND shard_id = ?", (arn, shard_id))
    if row is None:
        raise ResourceNotFoundException(
            f"Shard {shard_id} in stream {info['name']} under account {plane.settings.account_id} does not exist"
        )
    return info, row


def counter_of(plane: Context, arn: str, shard_id: str, sequence: str) -> int:
    """The per-shard counter of a sequence number (InvalidArgumentException if it is not this shard's)."""
    info, shard = _shard(plane, arn, shard_id)
    prefix, digits = shard["seq_prefix"], COUNTER_DIGITS[info["kind"]]
    tail = sequence[len(prefix):]
    if not sequence.startswith(prefix) or len(tail) != digits or not tail.isdigit():
        raise InvalidArgumentException(
            f"StartingSequenceNumber {sequence} used in GetShardIterator on shard {shard_id} in stream "
            f"{info['name']} under account {plane.settings.account_id} is invalid because it did not come from this stream."
        )
    return int(tail)


def hash_key(partition_key: str, explicit_hash_key: str | None = None) -> int:
    if explicit_hash_key is not None:
        if not explicit_hash_key.isdigit() or int(explicit_hash_key) >= HASH_SPACE:
            raise InvalidArgumentException(
                f"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, {HASH_SPACE - 1}]. "
                f"Specified value was {explicit_hash_key}"
            )
        return int(explicit_hash_key)
    return int(hashlib.md5(partition_key.encode()).hexdigest(), 16)


def put(
    plane: Context, stream_arn: str, partition_key: str, data: bytes, explicit_hash_key: str | None = None
) -> tuple[str, str]:
    """Append one record; returns (shard id, sequence number)."""
    return put_many(plane, stream_arn, [(partition_key, data, explicit_hash_key)])[0]


def put_many(
    plane: Context, stream_arn: str, records: list[tuple[str, bytes, str | None]]
) -> list[tuple[str, str]]:
    """Append records in order, in one transaction; returns (shard id, sequence number) for each."""
    info = stream(plane, stream_arn)
    if not all(1 <= len(key) <= 256 for key, _, _ in records):
        raise InvalidArgumentException("Partition key must be between 1 and 256 characters long.")
    if any(len(data) > 1024 * 1024 for _, data, _ in records):
        raise InvalidArgumentException("Record data must be at most 1048576 bytes.")
    hashes = [hash_key(key, explicit) for key, _, explicit in records]
    t = now()
    out = []
    with plane.store.write() as conn:
        conn.execute(
            "DELETE FROM stream_records WHERE stream_arn = ? AND arrived_at < ?",
            (stream_arn, t - info["retention_hours"] * 3600),
        )
        all_shards = conn.execute("SELECT * FROM stream_shards WHERE stream_arn = ?", (stream_arn,)).fetchall()
        for (key, data, _), value in zip(records, hashes):
            shard = next(s for s in all_shards if int(s["start_hash"]) <= value <= int(s["end_hash"]))
            counter = conn.execute(
                "UPDATE stream_shards SET last_counter = last_counter + 1 WHERE stream_arn = ? AND shard_id = ?"
                " RETURNING last_counter",
                (stream_arn, shard["shard_id"]),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO stream_records (stream_arn, shard_id, counter, partition_key, data, arrived_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (stream_arn, shard["shard_id"], counter, key, bytes(data), t),
            )
            out.append((shard["shard_id"], _sequence(shard["seq_prefix"], counter, info["kind"])))
    return out


def read(
    plane: Context,
    stream_arn: str,
    shard_id: str,
    after_sequence: str | None,
    limit: int,
    at_timestamp: float | None = None,
) -> list[Record]:
    """Records of one shard in order: after ``after_sequence``, else from ``at_timestamp``, else the trim horizon."""
    after = counter_of(plane, stream_arn, shard_id, after_sequence) if after_sequence else 0
    return read_counters(plane, stream_arn, shard_id, after, limit, at_timestamp)


def read_counters(
    plane: Context, arn: str, shard_id: str, after: int, limit: int, at_timestamp: float | None = None
) -> list[Record]:
    info, shard = _shard(plane, arn, shard_id)
    oldest = max(now() - info["retention_hours"] * 3600, at_timestamp or 0.0)
    rows = plane.store.read(
        "SELECT * FROM stream_records WHERE stream_arn = ? AND shard_id = ? AND counter > ? AND arrived_at >= ?"
        " ORDER BY counter LIMIT ?",
        (arn, shard_id, after, oldest, limit),
    )
    return [
        Record(shard_id, _sequence(shard["seq_prefix"], r["counter"], info["kind"]), r["partition_key"],
               bytes(r["data"]), r["arrived_at"])
        for r in rows
    ]  # fmt: skip


def latest_counter(plane: Context, arn: str, shard_id: str) -> int:
    return _shard(plane, arn, shard_id)[1]["last_counter"]


def latest_sequence(plane: Context, stream_arn: str, shard_id: str) -> str | None:
    """The sequence number of the shard's newest record (None if nothing was ever put)."""
    info, shard = _shard(plane, stream_arn, shard_id)
    return _sequence(shard["seq_prefix"], shard["last_counter"], info["kind"]) if shard["last_counter"] else None


def iterator(arn: str, shard_id: str, after: int) -> str:
    """An opaque shard iterator: read records after counter ``after``; valid for 5 minutes."""
    token = json.dumps({"arn": arn, "shard": shard_id, "after": after, "issued": now()})
    return base64.b64encode(token.encode()).decode()


def parse_iterator(token: str) -> tuple[str, str, int]:
    """(stream ARN, shard id, counter) of a shard iterator; ExpiredIteratorException after 5 minutes."""
    try:
        data = json.loads(base64.b64decode(token, validate=True))
        arn, shard_id, after, issued = data["arn"], data["shard"], int(data["after"]), float(data["issued"])
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise InvalidArgumentException(f"Invalid ShardIterator: {token}") from None
    if now() - issued > ITERATOR_LIFETIME:
        raise ExpiredIteratorException(
            f"Iterator expired. The iterator was created at time {int(issued * 1000)} while right now it is "
            f"{int(now() * 1000)} which is further in the future than the tolerated delay of 300000 milliseconds."
        )
    return arn, shard_id, after


def start_counter(
    plane: Context, arn: str, shard_id: str, kind: str, sequence: str | None = None, timestamp: float | None = None
) -> int:
    """Where an iterator of type ``kind`` starts: the counter of the last record it skips."""
    _shard(plane, arn, shard_id)  # a missing stream or shard is ResourceNotFoundException, whatever the kind
    if kind == "TRIM_HORIZON":
        return 0
    if kind == "LATEST":
        return latest_counter(plane, arn, shard_id)
    if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        if not sequence:
            raise InvalidArgumentException(f"The StartingSequenceNumber is required for {kind} iterator type.")
        counter = counter_of(plane, arn, shard_id, sequence)
        return counter - 1 if kind == "AT_SEQUENCE_NUMBER" else counter
    if kind == "AT_TIMESTAMP":
        if timestamp is None:
            raise InvalidArgumentException("Must specify timestamp when iterator type is AT_TIMESTAMP.")
        first = read_counters(plane, arn, shard_id, 0, 1, timestamp)
        return counter_of(plane, arn, shard_id, first[0].sequence_number) - 1 if first else latest_counter(
            plane, arn, shard_id
        )
    raise InvalidArgumentException(f"Invalid ShardIteratorType: {kind}")
