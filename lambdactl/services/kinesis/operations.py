"""The ``kinesis:*`` operations (botocore's kinesis shapes) over the embedded streams in ``streams``.

Results are the API's JSON: blobs (Data) as base64 text, timestamps as epoch seconds.
PutRecord and PutRecords wake the event-source-mapping worker once per call (the storage
layer never starts processes).
"""

from __future__ import annotations

import base64
import binascii
import datetime
from typing import Any

from lambdactl.plane import ControlPlane, operation
from lambdactl.services.clock import now
from lambdactl.services.kinesis import streams

MAX_SHARDS = 500


def _arn(plane: ControlPlane, params: dict[str, Any]) -> str:
    if params.get("StreamARN"):
        arn = params["StreamARN"]
    elif params.get("StreamName"):
        arn = streams.stream_arn(plane, params["StreamName"])
    else:
        raise streams.InvalidArgumentException("Either StreamName or StreamARN must be provided.")
    streams.stream(plane, arn)
    return arn


def _data(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    try:
        return base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError):
        raise streams.InvalidArgumentException("Data must be base64-encoded.") from None


def parse_timestamp(value: Any) -> float:
    """An API timestamp (epoch seconds, or ISO 8601 as the CLI accepts) as epoch seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise streams.InvalidArgumentException(f"Invalid timestamp: {value}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)).timestamp()


def _stream_info(plane: ControlPlane, arn: str) -> dict[str, Any]:
    row = streams.stream(plane, arn)
    return {
        "StreamName": row["name"],
        "StreamARN": arn,
        "StreamStatus": "ACTIVE",
        "StreamModeDetails": {"StreamMode": "PROVISIONED"},
        "RetentionPeriodHours": row["retention_hours"],
        "StreamCreationTimestamp": row["created_at"],
        "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
        "EncryptionType": "NONE",
    }


def _shard_shapes(plane: ControlPlane, arn: str) -> list[dict[str, Any]]:
    return [
        {
            "ShardId": shard.shard_id,
            "HashKeyRange": {"StartingHashKey": shard.start_hash, "EndingHashKey": shard.end_hash},
            "SequenceNumberRange": {"StartingSequenceNumber": shard.starting_sequence},
        }
        for shard in streams.shards(plane, arn)
    ]


@operation("kinesis:CreateStream")
def create_stream(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    count = params.get("ShardCount", 1) if params.get("StreamModeDetails", {}).get("StreamMode") != "ON_DEMAND" else 4
    if not 1 <= count <= MAX_SHARDS:
        raise streams.InvalidArgumentException(f"ShardCount must be between 1 and {MAX_SHARDS}.")
    name = params["StreamName"]
    streams.create(plane, streams.stream_arn(plane, name), name, count)
    return {}


@operation("kinesis:DeleteStream")
def delete_stream(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    streams.delete(plane, _arn(plane, params))
    return {}


@operation("kinesis:ListStreams")
def list_streams(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    prefix = f"arn:aws:kinesis:{plane.settings.region}:{plane.settings.account_id}:stream/"
    rows = plane.store.read(
        "SELECT arn, name FROM streams WHERE kind = 'kinesis' AND arn LIKE ? ORDER BY name", (prefix + "%",)
    )
    start = params.get("ExclusiveStartStreamName") or ""
    if params.get("NextToken"):
        start = base64.b64decode(params["NextToken"]).decode()
    names = [row["name"] for row in rows if row["name"] > start]
    limit = params.get("Limit") or 100
    page = names[:limit]
    result: dict[str, Any] = {
        "StreamNames": page,
        "HasMoreStreams": len(names) > limit,
        "StreamSummaries": [
            {k: v for k, v in _stream_info(plane, streams.stream_arn(plane, name)).items()
             if k in ("StreamName", "StreamARN", "StreamStatus", "StreamModeDetails", "StreamCreationTimestamp")}
            for name in page
        ],
    }  # fmt: skip
    if len(names) > limit:
        result["NextToken"] = base64.b64encode(page[-1].encode()).decode()
    return result


@operation("kinesis:DescribeStream")
def describe_stream(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = _arn(plane, params)
    shards = _shard_shapes(plane, arn)
    if params.get("ExclusiveStartShardId"):
        shards = [shard for shard in shards if shard["ShardId"] > params["ExclusiveStartShardId"]]
    limit = params.get("Limit") or 100
    info = _stream_info(plane, arn)
    return {"StreamDescription": {**info, "Shards": shards[:limit], "HasMoreShards": len(shards) > limit}}


@operation("kinesis:DescribeStreamSummary")
def describe_stream_summary(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = _arn(plane, params)
    summary = {**_stream_info(plane, arn), "OpenShardCount": len(streams.shards(plane, arn)), "ConsumerCount": 0}
    return {"StreamDescriptionSummary": summary}


@operation("kinesis:ListShards")
def list_shards(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("NextToken"):
        arn, start = base64.b64decode(params["NextToken"]).decode().split(" ")
    else:
        arn, start = _arn(plane, params), params.get("ExclusiveStartShardId") or ""
    shards = [shard for shard in _shard_shapes(plane, arn) if shard["ShardId"] > start]
    limit = params.get("MaxResults") or 1000
    result: dict[str, Any] = {"Shards": shards[:limit]}
    if len(shards) > limit:
        result["NextToken"] = base64.b64encode(f"{arn} {shards[limit - 1]['ShardId']}".encode()).decode()
    return result


@operation("kinesis:IncreaseStreamRetentionPeriod")
def increase_retention(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _retention(plane, params, increase=True)


@operation("kinesis:DecreaseStreamRetentionPeriod")
def decrease_retention(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    return _retention(plane, params, increase=False)


def _retention(plane: ControlPlane, params: dict[str, Any], increase: bool) -> dict[str, Any]:
    arn = _arn(plane, params)
    hours, current = params["RetentionPeriodHours"], streams.stream(plane, arn)["retention_hours"]
    if not 24 <= hours <= 8760:
        raise streams.InvalidArgumentException(
            f"Minimum allowed retention period is 24 hours. Maximum allowed retention period is 8760 hours. "
            f"Requested retention period ({hours} hours) is out of range."
        )
    if (hours < current) if increase else (hours > current):
        word = "increase" if increase else "decrease"
        raise streams.InvalidArgumentException(
            f"Requested retention period ({hours} hours) for stream {streams.stream(plane, arn)['name']} can not be "
            f"{'shorter' if increase else 'longer'} than existing retention period ({current} hours). Use "
            f"{'Decrease' if increase else 'Increase'}StreamRetentionPeriod API instead of {word}."
        )
    streams.set_retention(plane, arn, hours)
    return {}



@operation("kinesis:PutRecord")
def put_record(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = _arn(plane, params)
    shard_id, sequence = streams.put(
        plane, arn, params["PartitionKey"], _data(params.get("Data")), params.get("ExplicitHashKey")
    )
    plane.async_work.records_added(arn)
    return {"ShardId": shard_id, "SequenceNumber": sequence, "EncryptionType": "NONE"}


@operation("kinesis:PutRecords")
def put_records(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = _arn(plane, params)
    entries = params.get("Records") or []
    if not 1 <= len(entries) <= 500:
        raise streams.InvalidArgumentException("Records must contain between 1 and 500 entries.")
    records = [(e["PartitionKey"], _data(e.get("Data")), e.get("ExplicitHashKey")) for e in entries]
    placed = streams.put_many(plane, arn, records)
    plane.async_work.records_added(arn)
    return {
        "FailedRecordCount": 0,
        "Records": [{"SequenceNumber": sequence, "ShardId": shard_id} for shard_id, sequence in placed],
        "EncryptionType": "NONE",
    }


@operation("kinesis:GetShardIterator")
def get_shard_iterator(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = _arn(plane, params)
    timestamp = parse_timestamp(params["Timestamp"]) if params.get("Timestamp") is not None else None
    after = streams.start_counter(
        plane, arn, params["ShardId"], params["ShardIteratorType"], params.get("StartingSequenceNumber"), timestamp
    )
    return {"ShardIterator": streams.iterator(arn, params["ShardId"], after)}


@operation("kinesis:GetRecords")
def get_records(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn, shard_id, after = streams.parse_iterator(params["ShardIterator"])
    limit = params.get("Limit") or 10000
    if not 1 <= limit <= 10000:
        raise streams.InvalidArgumentException("Limit must be between 1 and 10000.")
    records = streams.read_counters(plane, arn, shard_id, after, limit)
    if records:
        after = streams.counter_of(plane, arn, shard_id, records[-1].sequence_number)
    behind = streams.read_counters(plane, arn, shard_id, after, 1)
    return {
        "Records": [
            {"SequenceNumber": r.sequence_number, "ApproximateArrivalTimestamp": round(r.arrival, 3),
             "Data": base64.b64encode(r.data).decode(), "PartitionKey": r.partition_key}
            for r in records
        ],
        "NextShardIterator": streams.iterator(arn, shard_id, after),
        "MillisBehindLatest": int((now() - behind[0].arrival) * 1000) if behind else 0,
    }  # fmt: skip
