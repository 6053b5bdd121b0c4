"""Sample events in Lambda's exact format: JSON templates (``templates/``) whose ``{{name}}``
placeholders are filled from field flags and generated ids and timestamps.

A string that is exactly one placeholder takes the value's type (a number, an object, null);
placeholders inside longer strings are replaced as text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, quote_plus

Values = dict[str, Any]
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class Field:
    """A ``--flag`` of one event; ``multiple`` fields make one record per value."""

    flag: str
    default: str
    help: str
    multiple: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    template: str
    help: str
    fields: tuple[Field, ...]
    derive: Callable[[Values], None]
    finish: Callable[[dict[str, Any], Values], None] = lambda event, values: None
    per_record: str | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso_ms(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _sqs(v: Values) -> None:
    sent = int(time.time() * 1000)
    v.update(message_id=str(uuid.uuid4()), sent_ms=str(sent), received_ms=str(sent + 2),
             receipt_handle="AQEB" + base64.b64encode(secrets.token_bytes(96)).decode(),
             md5_of_body=hashlib.md5(v["body"].encode()).hexdigest())  # fmt: skip


def _sqs_fifo(event: dict[str, Any], v: Values) -> None:
    """FIFO queues add the group, deduplication id and sequence number to each record's attributes."""
    if not v["queue_name"].endswith(".fifo"):
        return
    for index, record in enumerate(event["Records"]):
        old = record["attributes"]
        record["attributes"] = {
            "ApproximateReceiveCount": old["ApproximateReceiveCount"], "SentTimestamp": old["SentTimestamp"],
            "SequenceNumber": str(18849496460467696128 + index), "MessageGroupId": v["message_group_id"],
            "SenderId": old["SenderId"], "MessageDeduplicationId": hashlib.sha256(record["body"].encode()).hexdigest(),
            "ApproximateFirstReceiveTimestamp": old["ApproximateFirstReceiveTimestamp"],
        }  # fmt: skip


def _kinesis(v: Values) -> None:
    base = 49590338271490256608559692538361571095921575989136588898
    v.update(sequence_number=str(base + v["index"] * 1_000_000), arrival=round(time.time(), 3),
             data_base64=base64.b64encode(v["data"].encode()).decode())  # fmt: skip


def _dynamodb(v: Values) -> None:
    created = _now()
    v.update(created=int(created.timestamp()), **{f"event_id_{i}": uuid.uuid4().hex for i in (1, 2, 3)},
             stream_arn=f"arn:aws:dynamodb:{v['region']}:{v['account_id']}:table/{v['table_name']}/stream/"
             + created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{created.microsecond // 1000:03d}")  # fmt: skip


def _dynamodb_pick(event: dict[str, Any], v: Values) -> None:
    if v["event_name"] != "ALL":
        event["Records"] = [r for r in event["Records"] if r["eventName"] == v["event_name"]]


def _s3(v: Values) -> None:
    v.update(event_time=_iso_ms(_now()), request_id=secrets.token_hex(8).upper(),
             id_2=base64.b64encode(secrets.token_bytes(48)).decode(), encoded_key=quote_plus(v["key"], safe="/"),
             size=int(v.get("size", 0)), etag=secrets.token_hex(16), sequencer=f"{time.time_ns():X}"[:18])  # fmt: skip


def _scheduled(v: Values) -> None:
    v.update(id=str(uuid.uuid4()), time=_now().strftime("%Y-%m-%dT%H:%M:%SZ"))


def _http(v: Values) -> None:
    """Shared by API Gateway and function URL events: ids, times and the query string."""
    now = _now()
    v.update(request_id=str(uuid.uuid4()), epoch_ms=int(now.timestamp() * 1000),
             request_time=now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
             trace_id=f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}",
             pairs=parse_qsl(v["query_string"], keep_blank_values=True))  # fmt: skip


def _rest(v: Values) -> None:
    _http(v)
    multi: dict[str, list[str]] = {}
    for key, value in v["pairs"]:
        multi.setdefault(key, []).append(value)
    v.update(api_id=secrets.token_hex(5), resource_id=secrets.token_hex(3), proxy=v["path"].lstrip("/"),
             extended_request_id=base64.b64encode(secrets.token_bytes(12)).decode(),
             query={k: vs[-1] for k, vs in multi.items()} or None, multi_value_query=multi or None,
             multi_value_headers=None, body=v["body"] or None)  # fmt: skip


def _rest_finish(event: dict[str, Any], v: Values) -> None:
    event["multiValueHeaders"] = {key: [value] for key, value in event["headers"].items()}


def _v2(v: Values, domain: str) -> None:
    query: dict[str, str] = {}
    for key, value in v["pairs"]:
        query[key] = f"{query[key]},{value}" if key in query else value
    v.update(domain=domain, query=query or None)


def _http_api(v: Values) -> None:
    _http(v)
    v["api_id"] = secrets.token_hex(5)
    _v2(v, f"{v['api_id']}.execute-api.{v['region']}.amazonaws.com")


def _function_url(v: Values) -> None:
    _http(v)
    v["api_id"] = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
    _v2(v, f"{v['api_id']}.lambda-url.{v['region']}.on.aws")


def _v2_finish(event: dict[str, Any], v: Values) -> None:
    """Payload 2.0 leaves out an empty query string's parameters and an empty body."""
    if event["queryStringParameters"] is None:
        del event["queryStringParameters"]
    if not event["body"]:
        del event["body"]


def _sns(v: Values) -> None:
    v.update(subscription_id=str(uuid.uuid4()), message_id=str(uuid.uuid4()), timestamp=_iso_ms(_now()))


_BODY = '{"message": "hello world"}'
_HTTP_FIELDS = (
    Field("--path", "/hello/world", "The request path."),
    Field("--method", "POST", "The HTTP method."),
    Field("--body", _BODY, "The request body (empty: none)."),
    Field("--query-string", "", "The raw query string, e.g. 'a=1&a=2&b=x'."),
)

EVENTS: dict[str, dict[str, Event]] = {
    "sqs": {"receive-message": Event(
        "sqs-receive-message.json", "A batch of SQS messages (one record per --body).",
        (Field("--body", "Hello from SQS!", "A message body; repeat for more records.", multiple=True),
         Field("--queue-name", "my-queue", "The queue name (.fifo adds FIFO attributes)."),
         Field("--message-group-id", "1", "The MessageGroupId of a FIFO queue's messages.")),
        _sqs, _sqs_fifo, per_record="body")},
    "kinesis": {"get-records": Event(
        "kinesis-get-records.json", "A batch of Kinesis records (one per --data).",
        (Field("--data", "Hello, this is a test.", "Record data as plain text (base64-encoded into the record); "
               "repeat for more records.", multiple=True),
         Field("--partition-key", "1", "The records' partition key."),
         Field("--stream-name", "my-stream", "The stream name.")),
        _kinesis, per_record="data")},
    "dynamodb": {"update": Event(
        "dynamodb-update.json", "DynamoDB Streams records: an INSERT, a MODIFY and a REMOVE.",
        (Field("--table-name", "ExampleTableWithStream", "The table name."),
         Field("--event-name", "ALL", "Only the record of this change.", choices=("ALL", "INSERT", "MODIFY", "REMOVE"))),
        _dynamodb, _dynamodb_pick)},
    "s3": {
        "put": Event("s3-put.json", "An S3 ObjectCreated:Put notification.",
                     (Field("--bucket", "my-bucket", "The bucket name."),
                      Field("--key", "photos/my photo.jpg", "The object key (URL-encoded into the event)."),
                      Field("--size", "1024", "The object size in bytes.")), _s3),
        "delete": Event("s3-delete.json", "An S3 ObjectRemoved:Delete notification.",
                        (Field("--bucket", "my-bucket", "The bucket name."),
                         Field("--key", "photos/my photo.jpg", "The object key (URL-encoded into the event).")),
                        _s3),
    },
    "eventbridge": {"scheduled-event": Event(
        "eventbridge-scheduled-event.json", "An EventBridge (CloudWatch Events) scheduled event.",
        (Field("--rule-name", "my-schedule", "The schedule rule's name."),), _scheduled)},
    "apigateway": {
        "aws-proxy": Event("apigateway-aws-proxy.json", "An API Gateway REST API proxy request (payload 1.0).",
                           (*_HTTP_FIELDS, Field("--stage", "prod", "The stage name.")), _rest, _rest_finish),
        "http-api-proxy": Event("apigateway-http-api-proxy.json", "An API Gateway HTTP API request (payload 2.0).",
                                _HTTP_FIELDS, _http_api, _v2_finish),
    },
    "lambda": {"function-url": Event(
        "lambda-function-url.json", "A function URL request (payload 2.0, lambda-url domain).",
        _HTTP_FIELDS, _function_url, _v2_finish)},
    "sns": {"notification": Event(
        "sns-notification.json", "An SNS notification.",
        (Field("--message", "Hello from SNS!", "The message."), Field("--topic", "my-topic", "The topic name."),
         Field("--subject", "example subject", "The subject.")), _sns)},
}  # fmt: skip
ALIASES = {"cloudwatch": "eventbridge"}  # SAM's name for scheduled events


def find(source: str, name: str) -> Event | None:
    return EVENTS.get(ALIASES.get(source, source), {}).get(name)


def generate(event: Event, values: Values) -> dict[str, Any]:
    """The event for ``values`` (field keys plus ``region`` and ``account_id``)."""
    template = json.loads(resources.files(__package__).joinpath("templates").joinpath(event.template).read_text())
    records: list[Any] = []
    result: dict[str, Any] = {}
    per_record = values[event.per_record] if event.per_record else [None]
    for index, item in enumerate(per_record):
        record_values = {**values, "index": index}
        if event.per_record:
            record_values[event.per_record] = item
        event.derive(record_values)
        result = _fill(template, record_values)
        records += result.get("Records", [])
    if event.per_record:
        result["Records"] = records
    event.finish(result, {**values, **record_values})
    return result


def _fill(node: Any, values: Values) -> Any:
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(value, values) for value in node]
    if not isinstance(node, str):
        return node
    whole = PLACEHOLDER.fullmatch(node)
    if whole:
        return values[whole.group(1)]
    return PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), node)
