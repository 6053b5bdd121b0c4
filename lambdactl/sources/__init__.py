"""Where a mapping's records come from: one adapter class per source kind behind one interface.

A kind (``KINDS``: ``sqs``, ``kinesis``, ``dynamodb``) knows how to find its sources in the state
directory (the embedded services' storage, ``lambdactl.services.<service>``) and at an
AWS-compatible endpoint (through boto3, ``external.py``), and, for streams, how its records read
(sequence number, arrival, partition key, event record). The pollers (``lambdactl.events.pollers``)
and the mapping operations (``lambdactl.control.mappings``) use kinds only through this interface;
sources take what they use (a ``state.Context``: the store and settings), not the control plane.

A source ARN that does not exist in the state directory is polled through boto3 when an
endpoint is configured (environment, read by create-event-source-mapping and kept with
the mapping):
  LAMBDACTL_SOURCE_ENDPOINT_URL                      every external source
  AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL_DYNAMODBSTREAMS / AWS_ENDPOINT_URL
  LAMBDACTL_SOURCE_AWS=1                             real AWS (its default endpoints)
Credentials are boto3's usual chain in the worker's environment.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Protocol

from lambdactl import errors, settings

if TYPE_CHECKING:
    from lambdactl.state import Context


class QueueSource(Protocol):
    def receive(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` messages as Lambda event records, hidden for the queue's visibility timeout."""

    def delete(self, receipt_handles: list[str]) -> None: ...

    def pending(self) -> int:
        """Messages visible, in flight or delayed."""

    def send(self, body: str) -> None: ...


class StreamSource(Protocol):
    kind: StreamKind

    def shards(self) -> list[str]: ...

    def read(self, shard: str, after: str | None, since: float | None, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` records (GetRecords shape) after sequence ``after``, else from the trim horizon
        (or from time ``since``, when given: the StartingPosition of a shard without checkpoint)."""

    def behind(self, shard: str, checkpoint: str | None) -> bool:
        """Whether the shard holds records after ``checkpoint`` (after the start when None)."""


class SourceKind:
    """One kind of event source. ``name`` is how mappings and ARNs call it; ``service`` its botocore name."""

    name: str
    service: str
    noun: str  # "queue" or "stream", for messages
    is_queue: bool

    def matches(self, service: str, resource: str) -> bool:
        """Whether an ARN's service and resource parts name a source of this kind."""
        raise NotImplementedError

    def exists(self, context: Context, arn: str) -> bool:
        """The source is in the state directory."""
        raise NotImplementedError

    def open(self, context: Context, arn: str, endpoint: str | None) -> Any:
        """The source: embedded (endpoint None) or at ``endpoint``."""
        raise NotImplementedError


class StreamKind(SourceKind):
    """A stream kind: how its records (GetRecords shape) read."""

    noun, is_queue = "stream", False
    batch_info: str  # the on-failure record's member for the batch

    has_timestamps: bool  # GetShardIterator accepts AT_TIMESTAMP

    def sequence(self, record: dict[str, Any]) -> str:
        raise NotImplementedError

    def arrival(self, record: dict[str, Any]) -> float:
        raise NotImplementedError

    def partition_key(self, record: dict[str, Any]) -> str:
        raise NotImplementedError

    def event(self, record: dict[str, Any], arn: str, shard: str, role: str) -> dict[str, Any]:
        """The record as Lambda's event record."""
        raise NotImplementedError

    def stored(self, arn: str, found: list[Any]) -> list[dict[str, Any]]:
        """Embedded records (``services.kinesis.streams.Record``) in the GetRecords shape."""
        raise NotImplementedError

    def stream_id(self, arn: str, name: str) -> dict[str, str]:
        """How the API names the stream in GetShardIterator."""
        raise NotImplementedError

    def list_shards(self, client: Any, arn: str, name: str) -> list[str]:
        """The shard ids, through a boto3 client."""
        raise NotImplementedError

    def open(self, context: Context, arn: str, endpoint: str | None) -> StreamSource:
        from lambdactl.sources import external, streams

        if endpoint is None:
            return streams.EmbeddedStream(context, arn, self)
        return external.ExternalStream(arn, endpoint, self)


def kinds() -> dict[str, SourceKind]:
    from lambdactl.sources.sqs import SQS
    from lambdactl.sources.streams import DYNAMODB, KINESIS

    return {kind.name: kind for kind in (SQS, KINESIS, DYNAMODB)}


def kind_for(arn: str) -> SourceKind | None:
    """The kind an event source ARN names (``sqs``, ``kinesis``, ``dynamodb`` for a table's stream), or None."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return None
    return next((kind for kind in kinds().values() if kind.matches(parts[2], parts[5])), None)


def kind_of(context: Context, arn: str) -> str | None:
    """What an event source ARN names, if it exists here: "sqs", "kinesis", "dynamodb" or None."""
    kind = kind_for(arn)
    return kind.name if kind is not None and kind.exists(context, arn) else None


def configured_endpoint(kind: SourceKind) -> str | None:
    """The endpoint for external sources of ``kind``: a URL, "" for AWS itself, None when not configured."""
    url = (settings.SOURCE_ENDPOINT_URL.get() or os.environ.get(f"AWS_ENDPOINT_URL_{kind.service.upper()}")
           or os.environ.get("AWS_ENDPOINT_URL"))  # fmt: skip
    if url:
        return url
    return "" if settings.SOURCE_AWS.get() else None


def locate(context: Context, arn: str, kind: SourceKind) -> str | None:
    """None for an embedded source, else the external endpoint to keep with the mapping."""
    if kind.exists(context, arn):
        return None
    endpoint = configured_endpoint(kind)
    if endpoint is None:
        raise errors.InvalidParameterValueException(
            f"The {kind.noun} {arn} does not exist. Create it with lambdactl, or point lambdactl at an "
            "AWS-compatible endpoint (LAMBDACTL_SOURCE_ENDPOINT_URL) to poll an external one."
        )
    return endpoint


def open_source(context: Context, arn: str, config: dict[str, Any]) -> Any:
    """A mapping's source (``config`` is its stored configuration, which keeps an external ``_Endpoint``)."""
    kind = kind_for(arn)
    if kind is None:
        raise errors.InvalidParameterValueException(f"Unsupported event source: {arn}")
    return kind.open(context, arn, config.get("_Endpoint"))


def queue(context: Context, arn: str) -> QueueSource | None:
    """An embedded queue, else one at the configured endpoint, else None (on-failure destinations)."""
    from lambdactl.sources.sqs import SQS

    if SQS.exists(context, arn):
        return SQS.open(context, arn, None)
    endpoint = configured_endpoint(SQS)
    return None if endpoint is None else SQS.open(context, arn, endpoint)
