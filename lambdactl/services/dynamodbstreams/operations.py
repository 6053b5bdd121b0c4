"""The ``dynamodbstreams:*`` operations over the DynamoDB-stream-shaped sources.

The read operations follow botocore's dynamodbstreams shapes. Appending records is
lambdactl's own ``dynamodbstreams:PutRecord`` (not in the service model; the
``lambdactl dynamodbstreams put-record`` command calls it), which wakes the
event-source-mapping worker (the storage layer never starts processes).
"""

from __future__ import annotations

import json
from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane, operation
from lambdactl.services.dynamodbstreams import streams
from lambdactl.services.kinesis import streams as kinesis

ResourceNotFoundException = errors.service_error("ResourceNotFoundException", 400)
ValidationException = errors.service_error("ValidationException", 400)


def _stream(plane: ControlPlane, arn: str) -> Any:
    row = plane.store.read_one("SELECT * FROM streams WHERE arn = ? AND kind = 'dynamodb'", (arn,))
    if row is None:
        raise ResourceNotFoundException(f"Requested resource not found: Stream: {arn} not found")
    return row


def _label(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


@operation("dynamodbstreams:ListStreams")
def list_streams(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arns = streams.table_streams(plane, params.get("TableName"))
    if params.get("ExclusiveStartStreamArn") in arns:
        arns = arns[arns.index(params["ExclusiveStartStreamArn"]) + 1:]
    limit = params.get("Limit") or 100
    result: dict[str, Any] = {
        "Streams": [
            {"StreamArn": arn, "TableName": arn.split(":table/")[1].split("/")[0], "StreamLabel": _label(arn)}
            for arn in arns[:limit]
        ]
    }
    if len(arns) > limit:
        result["LastEvaluatedStreamArn"] = arns[limit - 1]
    return result


@operation("dynamodbstreams:DescribeStream")
def describe_stream(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["StreamArn"]
    row = _stream(plane, arn)
    shards = [
        {"ShardId": shard.shard_id, "SequenceNumberRange": {"StartingSequenceNumber": shard.starting_sequence}}
        for shard in kinesis.shards(plane, arn)
    ]
    return {
        "StreamDescription": {
            "StreamArn": arn,
            "StreamLabel": _label(arn),
            "StreamStatus": "ENABLED",
            "StreamViewType": json.loads(row["extra"])["StreamViewType"],
            "CreationRequestDateTime": row["created_at"],
            "TableName": row["name"],
            "Shards": shards,
        }
    }


@operation("dynamodbstreams:GetShardIterator")
def get_shard_iterator(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = params["StreamArn"]
    _stream(plane, arn)
    kind = params["ShardIteratorType"]
    if kind == "AT_TIMESTAMP":
        raise ValidationException("1 validation error detected: Value 'AT_TIMESTAMP' at 'shardIteratorType' failed "
                                  "to satisfy constraint: Member must satisfy enum value set: "
                                  "[AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]")  # fmt: skip
    after = kinesis.start_counter(plane, arn, params["ShardId"], kind, params.get("SequenceNumber"))
    return {"ShardIterator": kinesis.iterator(arn, params["ShardId"], after)}


@operation("dynamodbstreams:GetRecords")
def get_records(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn, shard_id, after = kinesis.parse_iterator(params["ShardIterator"])
    _stream(plane, arn)
    limit = params.get("Limit") or 1000
    if not 1 <= limit <= 1000:
        raise ValidationException("Limit must be between 1 and 1000.")
    found = kinesis.read_counters(plane, arn, shard_id, after, limit)
    if found:
        after = kinesis.counter_of(plane, arn, shard_id, found[-1].sequence_number)
    return {
        "Records": streams.records(arn, found),
        "NextShardIterator": kinesis.iterator(arn, shard_id, after),
    }


@operation("dynamodbstreams:PutRecord")
def put_record(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """lambdactl extension: append an INSERT/MODIFY/REMOVE record to a table's stream.

    Params: TableName (the table's stream is created, NEW_AND_OLD_IMAGES, on first use) or
    StreamArn; EventName; Keys; NewImage and OldImage (optional), in DynamoDB JSON.
    Result: ``{"StreamArn": ..., "Record": <the record as GetRecords shows it>}``.
    """
    if params.get("StreamArn"):
        arn = params["StreamArn"]
    elif params.get("TableName"):
        arn = streams.enable_stream(plane, params["TableName"])
    else:
        raise ValidationException("Either TableName or StreamArn must be provided.")
    record = streams.put_record(
        plane, arn, params.get("EventName") or "", params.get("Keys") or {}, params.get("NewImage"),
        params.get("OldImage"),
    )  # fmt: skip
    plane.async_work.records_added(arn)
    return {"StreamArn": arn, "Record": record}


@operation("dynamodbstreams:EnableStream")
def enable_stream(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    """lambdactl extension: give a table its stream (what a table's ``StreamSpecification`` does; the table
    itself is not kept here). Params: TableName, StreamViewType (default NEW_AND_OLD_IMAGES).
    Result: ``{"StreamArn": ...}``, the table's existing stream if it has one."""
    if not params.get("TableName"):
        raise ValidationException("TableName is required")
    return {"StreamArn": streams.enable_stream(plane, params["TableName"], params.get("StreamViewType") or "NEW_AND_OLD_IMAGES")}
