"""The event JSON Lambda sends for SQS, Kinesis and DynamoDB-stream batches (reference §6), field order included.

Inputs are records as the source APIs return them (SQS ReceiveMessage, Kinesis and
DynamoDB Streams GetRecords shapes), whether they come from an embedded source or boto3.
"""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

SQS_ATTRIBUTE_ORDER = [
    "ApproximateReceiveCount", "SentTimestamp", "SequenceNumber", "MessageGroupId", "SenderId",
    "MessageDeduplicationId", "ApproximateFirstReceiveTimestamp", "AWSTraceHeader", "DeadLetterQueueSourceArn",
]  # fmt: skip
DYNAMODB_ORDER = ["ApproximateCreationDateTime", "Keys", "NewImage", "OldImage", "SequenceNumber", "SizeBytes",
                  "StreamViewType"]  # fmt: skip


def region_of(arn: str) -> str:
    return arn.split(":")[3]


def epoch(value: Any) -> float:
    """A timestamp as epoch seconds (boto3 gives datetimes, embedded sources numbers)."""
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    return float(value)


def _ordered(values: dict[str, Any], order: list[str]) -> dict[str, Any]:
    rank = {key: index for index, key in enumerate(order)}
    return {key: values[key] for key in sorted(values, key=lambda k: rank.get(k, len(rank)))}


def message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A ReceiveMessage message attribute (``StringValue``/``BinaryValue``, ``DataType``) as Lambda spells it."""
    out: dict[str, Any] = {}
    if value.get("StringValue") is not None:
        out["stringValue"] = value["StringValue"]
    if value.get("BinaryValue") is not None:
        binary = value["BinaryValue"]
        out["binaryValue"] = binary if isinstance(binary, str) else base64.b64encode(binary).decode()
    out["stringListValues"] = list(value.get("StringListValues") or [])
    out["binaryListValues"] = [v if isinstance(v, str) else base64.b64encode(v).decode()
                               for v in value.get("BinaryListValues") or []]  # fmt: skip
    out["dataType"] = value["DataType"]
    return out


def sqs_record(message_id: str, receipt_handle: str, body: str, attributes: dict[str, str],
               message_attributes: dict[str, dict[str, Any]], md5_of_body: str, md5_of_attributes: str | None,
               queue_arn: str) -> dict[str, Any]:
    """One SQS message as a Lambda event record (``message_attributes`` already in Lambda's spelling)."""
    record: dict[str, Any] = {
        "messageId": message_id,
        "receiptHandle": receipt_handle,
        "body": body,
        "attributes": _ordered(dict(attributes), SQS_ATTRIBUTE_ORDER),
        "messageAttributes": message_attributes,
    }
    if message_attributes and md5_of_attributes:
        record["md5OfMessageAttributes"] = md5_of_attributes
    record.update(md5OfBody=md5_of_body, eventSource="aws:sqs", eventSourceARN=queue_arn,
                  awsRegion=region_of(queue_arn))  # fmt: skip
    return record


def kinesis_record(record: dict[str, Any], stream_arn: str, shard_id: str, role: str) -> dict[str, Any]:
    """One Kinesis record (GetRecords shape) as a Lambda event record; ``role`` is the function's execution role."""
    data = record["Data"]
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record["PartitionKey"],
            "sequenceNumber": record["SequenceNumber"],
            "data": data if isinstance(data, str) else base64.b64encode(data).decode(),
            "approximateArrivalTimestamp": round(epoch(record["ApproximateArrivalTimestamp"]), 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role,
        "awsRegion": region_of(stream_arn),
        "eventSourceARN": stream_arn,
    }


def dynamodb_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """One DynamoDB stream record (GetRecords shape) as a Lambda event record."""
    change = dict(record["dynamodb"])
    if "ApproximateCreationDateTime" in change:
        change["ApproximateCreationDateTime"] = int(epoch(change["ApproximateCreationDateTime"]))
    out: dict[str, Any] = {
        "eventID": record["eventID"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventName": record["eventName"],
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion") or region_of(stream_arn),
        "dynamodb": _ordered(change, DYNAMODB_ORDER),
    }
    if record.get("userIdentity"):
        out["userIdentity"] = record["userIdentity"]
    out["eventSourceARN"] = stream_arn
    return out


def batch(records: list[dict[str, Any]]) -> bytes:
    """The invocation payload for a batch of event records."""
    return json.dumps({"Records": records}, separators=(",", ":")).encode()
