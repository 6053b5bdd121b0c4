"""Sources at an AWS-compatible endpoint (AWS itself, moto, LocalStack, ...), read through boto3.

boto3 is the optional ``aws`` extra (``pip install lambdactl[aws]``), imported only here.
Without configured credentials, placeholder ones are used (local endpoints accept any).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from lambdactl import errors
from lambdactl.sources import records

if TYPE_CHECKING:
    from lambdactl.sources import StreamKind


def client(service: str, endpoint: str, region: str) -> Any:
    """A boto3 client for ``service`` at ``endpoint`` ("" = the service's own)."""
    try:
        import boto3
    except ImportError:
        raise errors.ConfigurationError(
            "Polling an external event source needs boto3: pip install lambdactl[aws]"
        ) from None
    session = boto3.Session(region_name=region)
    credentials = {} if session.get_credentials() else {"aws_access_key_id": "lambdactl",
                                                          "aws_secret_access_key": "lambdactl"}  # fmt: skip
    return session.client(service, endpoint_url=endpoint or None, **credentials)


class ExternalQueue:
    """An SQS queue named by its ARN, at ``endpoint``."""

    def __init__(self, arn: str, endpoint: str) -> None:
        self.arn, self.endpoint = arn, endpoint
        _, _, _, self.region, self.account, self.name = arn.split(":", 5)

    @cached_property
    def client(self) -> Any:
        return client("sqs", self.endpoint, self.region)

    @cached_property
    def url(self) -> str:
        return self.client.get_queue_url(QueueName=self.name, QueueOwnerAWSAccountId=self.account)["QueueUrl"]

    def receive(self, limit: int) -> list[dict[str, Any]]:
        messages = self.client.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=max(1, min(limit, 10)), AttributeNames=["All"],
            MessageAttributeNames=["All"], WaitTimeSeconds=0,
        ).get("Messages", [])  # fmt: skip
        return [records.sqs_record(
            m["MessageId"], m["ReceiptHandle"], m.get("Body", ""), m.get("Attributes") or {},
            {k: records.message_attribute(v) for k, v in (m.get("MessageAttributes") or {}).items()},
            m["MD5OfBody"], m.get("MD5OfMessageAttributes"), self.arn,
        ) for m in messages]  # fmt: skip

    def delete(self, receipt_handles: list[str]) -> None:
        for start in range(0, len(receipt_handles), 10):
            entries = [{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(receipt_handles[start:start + 10])]
            self.client.delete_message_batch(QueueUrl=self.url, Entries=entries)

    def pending(self) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                 "ApproximateNumberOfMessagesDelayed"]  # fmt: skip
        attributes = self.client.get_queue_attributes(QueueUrl=self.url, AttributeNames=names)["Attributes"]
        return sum(int(attributes.get(name, 0)) for name in names)

    def send(self, body: str) -> None:
        self.client.send_message(QueueUrl=self.url, MessageBody=body)


class ExternalStream:
    """A Kinesis stream (or DynamoDB stream) named by its ARN, at ``endpoint``."""

    def __init__(self, arn: str, endpoint: str, kind: StreamKind) -> None:
        self.arn, self.endpoint, self.kind = arn, endpoint, kind
        self.region = arn.split(":")[3]
        self.name = arn.split(":", 5)[5].split("/")[1]  # by name: some servers (moto) mishandle ARN iterators

    @cached_property
    def client(self) -> Any:
        return client(self.kind.service, self.endpoint, self.region)

    def shards(self) -> list[str]:
        return self.kind.list_shards(self.client, self.arn, self.name)

    def _iterator(self, shard: str, after: str | None, since: float | None) -> str:
        args: dict[str, Any] = {"ShardId": shard, **self.kind.stream_id(self.arn, self.name)}
        if after:
            args.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=after)
        elif since is not None and self.kind.has_timestamps:
            args.update(ShardIteratorType="AT_TIMESTAMP", Timestamp=since)
        elif since is not None:  # no AT_TIMESTAMP (DynamoDB streams): LATEST when first polled
            args["ShardIteratorType"] = "LATEST"
        else:
            args["ShardIteratorType"] = "TRIM_HORIZON"
        return str(self.client.get_shard_iterator(**args)["ShardIterator"])

    def read(self, shard: str, after: str | None, since: float | None, limit: int) -> list[dict[str, Any]]:
        iterator = self._iterator(shard, after, since)
        return list(self.client.get_records(ShardIterator=iterator, Limit=max(1, min(limit, 10000)))["Records"])

    def behind(self, shard: str, checkpoint: str | None) -> bool:
        return bool(self.read(shard, checkpoint, None, 1))
