"""Kinesis streams and DynamoDB streams as mapping sources: their kinds and the embedded stream adapter.

Both kinds share the embedded storage (``lambdactl.services.kinesis.streams``); they differ in how a
record reads (DynamoDB's sequence number and time sit in its ``dynamodb`` member) and, at an external
endpoint, in how shards are listed and iterators asked for (DynamoDB streams: by ARN, no AT_TIMESTAMP).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from lambdactl.sources import StreamKind, records

if TYPE_CHECKING:
    from lambdactl.services.kinesis.streams import Record
    from lambdactl.state import Context


class KinesisKind(StreamKind):
    name, service, batch_info = "kinesis", "kinesis", "KinesisBatchInfo"
    has_timestamps = True  # GetShardIterator AT_TIMESTAMP

    def matches(self, service: str, resource: str) -> bool:
        return service == "kinesis" and resource.startswith("stream/")

    def exists(self, context: Context, arn: str) -> bool:
        row = context.store.read_one("SELECT kind FROM streams WHERE arn = ?", (arn,))
        return row is not None and row["kind"] == self.name

    def sequence(self, record: dict[str, Any]) -> str:
        return str(record["SequenceNumber"])

    def arrival(self, record: dict[str, Any]) -> float:
        return records.epoch(record["ApproximateArrivalTimestamp"])

    def partition_key(self, record: dict[str, Any]) -> str:
        return str(record["PartitionKey"])

    def event(self, record: dict[str, Any], arn: str, shard: str, role: str) -> dict[str, Any]:
        return records.kinesis_record(record, arn, shard, role)

    def stored(self, arn: str, found: list[Record]) -> list[dict[str, Any]]:
        return [{"SequenceNumber": r.sequence_number, "ApproximateArrivalTimestamp": r.arrival, "Data": r.data,
                 "PartitionKey": r.partition_key} for r in found]  # fmt: skip

    def stream_id(self, arn: str, name: str) -> dict[str, str]:
        """By name: some servers (moto) mishandle ARN iterators."""
        return {"StreamName": name}

    def list_shards(self, client: Any, arn: str, name: str) -> list[str]:
        return [shard["ShardId"] for shard in client.list_shards(StreamName=name)["Shards"]]


class DynamoDBKind(StreamKind):
    name, service, batch_info = "dynamodb", "dynamodbstreams", "DDBStreamBatchInfo"
    has_timestamps = False  # no AT_TIMESTAMP: LATEST when first polled

    def matches(self, service: str, resource: str) -> bool:
        return service == "dynamodb" and "/stream/" in resource

    exists = KinesisKind.exists

    def sequence(self, record: dict[str, Any]) -> str:
        return str(record["dynamodb"]["SequenceNumber"])

    def arrival(self, record: dict[str, Any]) -> float:
        return records.epoch(record["dynamodb"]["ApproximateCreationDateTime"])

    def partition_key(self, record: dict[str, Any]) -> str:
        return json.dumps(record["dynamodb"].get("Keys"), sort_keys=True)

    def event(self, record: dict[str, Any], arn: str, shard: str, role: str) -> dict[str, Any]:
        return records.dynamodb_record(record, arn)

    def stored(self, arn: str, found: list[Record]) -> list[dict[str, Any]]:
        from lambdactl.services.dynamodbstreams import streams as dynamodb_streams

        return dynamodb_streams.records(arn, found)

    def stream_id(self, arn: str, name: str) -> dict[str, str]:
        return {"StreamArn": arn}

    def list_shards(self, client: Any, arn: str, name: str) -> list[str]:
        return [shard["ShardId"] for shard in client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]]


KINESIS, DYNAMODB = KinesisKind(), DynamoDBKind()


class EmbeddedStream:
    """A stream in the state directory (``lambdactl.services.kinesis.streams``; DynamoDB streams share it)."""

    def __init__(self, context: Context, arn: str, kind: StreamKind) -> None:
        self.context, self.arn, self.kind = context, arn, kind

    def shards(self) -> list[str]:
        from lambdactl.services.kinesis import streams

        return [shard.shard_id for shard in streams.shards(self.context, self.arn)]

    def read(self, shard: str, after: str | None, since: float | None, limit: int) -> list[dict[str, Any]]:
        from lambdactl.services.kinesis import streams

        return self.kind.stored(self.arn, streams.read(self.context, self.arn, shard, after, limit, since))

    def behind(self, shard: str, checkpoint: str | None) -> bool:
        from lambdactl.services.kinesis import streams

        latest = streams.latest_sequence(self.context, self.arn, shard)
        return latest is not None and (checkpoint is None or seq_key(latest) > seq_key(checkpoint))


def seq_key(value: str) -> tuple[int, str]:
    """Sequence numbers compare as numbers (they are decimal strings of different lengths)."""
    return (int(value), "") if value.isdigit() else (-1, value)
