"""SQS queues as mapping sources: the kind and the embedded queue adapter (the external one is in ``external``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdactl.sources import QueueSource, SourceKind, records

if TYPE_CHECKING:
    from lambdactl.state import Context


class SqsKind(SourceKind):
    name, service, noun, is_queue = "sqs", "sqs", "queue", True

    def matches(self, service: str, resource: str) -> bool:
        return service == "sqs" and bool(resource)

    def exists(self, context: Context, arn: str) -> bool:
        from lambdactl.services.sqs import queues

        return queues.exists(context, arn)

    def open(self, context: Context, arn: str, endpoint: str | None) -> QueueSource:
        if endpoint is None:
            return EmbeddedQueue(context, arn)
        from lambdactl.sources.external import ExternalQueue

        return ExternalQueue(arn, endpoint)


SQS = SqsKind()


class EmbeddedQueue:
    """A queue in the state directory (``lambdactl.services.sqs.queues``)."""

    def __init__(self, context: Context, arn: str) -> None:
        self.context, self.arn = context, arn

    def receive(self, limit: int) -> list[dict[str, Any]]:
        from lambdactl.services.sqs import queues

        return [records.sqs_record(m.message_id, m.receipt_handle, m.body, m.attributes, m.message_attributes,
                                   m.md5_of_body, m.md5_of_message_attributes, self.arn)
                for m in queues.receive(self.context, self.arn, limit)]  # fmt: skip

    def delete(self, receipt_handles: list[str]) -> None:
        from lambdactl.services.sqs import queues

        queues.delete(self.context, self.arn, receipt_handles)

    def pending(self) -> int:
        from lambdactl.services.sqs import queues

        return queues.pending(self.context, self.arn)

    def send(self, body: str) -> None:
        from lambdactl.services.sqs import queues

        queues.send(self.context, self.arn, body)
