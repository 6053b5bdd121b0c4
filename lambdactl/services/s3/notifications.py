"""Bucket notifications: the configuration (validated as S3 validates it) and what each change sends.

A stored or removed object is matched against the bucket's LambdaFunctionConfigurations and
QueueConfigurations (event type, then prefix and suffix); each match gets its own event record
(``{"Records": [one]}``, S3's exact shape, its own ``configurationId``). Function targets are
enqueued on the async-invocation queue in the transaction that changes the object, so an event
exists exactly when the object does. Queue messages and the worker's wake-up follow the commit.

EventBridge: with a bucket's ``EventBridgeConfiguration``, every change is put on the default bus
by ``send_to_eventbridge`` through ``events:PutEvents`` (``lambdactl/services/events``).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from lambdactl.plane import ControlPlane
from lambdactl.services.s3 import errors as s3errors

S3_PRINCIPAL = "s3.amazonaws.com"
EVENT_TYPES = {
    "ObjectCreated": ("Put", "Post", "Copy", "CompleteMultipartUpload"),
    "ObjectRemoved": ("Delete", "DeleteMarkerCreated"),
    "ObjectRestore": ("Post", "Completed", "Delete"),
    "ObjectTagging": ("Put", "Delete"),
    "ObjectAcl": ("Put",),
    "LifecycleExpiration": ("Delete", "DeleteMarkerCreated"),
    "LifecycleTransition": (),
    "IntelligentTiering": (),
    "Replication": ("OperationFailedReplication", "OperationMissedThreshold", "OperationReplicatedAfterThreshold",
                    "OperationNotTracked"),
    "ReducedRedundancyLostObject": (),
}  # fmt: skip
KINDS = (  # (JSON list, ARN member, the XML/ArgumentName word for it, the ARN's service)
    ("LambdaFunctionConfigurations", "LambdaFunctionArn", "CloudFunction", "lambda"),
    ("QueueConfigurations", "QueueArn", "Queue", "sqs"),
    ("TopicConfigurations", "TopicArn", "Topic", "sns"),
)


def _valid_event(name: str) -> bool:
    if not name.startswith("s3:"):
        return False
    group, _, detail = name[3:].partition(":")
    if group not in EVENT_TYPES:
        return False
    subtypes = EVENT_TYPES[group]
    return (not detail and not subtypes) or detail == "*" or detail in subtypes


def _event_matches(pattern: str, event_name: str) -> bool:
    """``s3:ObjectCreated:*`` matches ``ObjectCreated:Put``; patterns carry the ``s3:`` prefix, names do not."""
    pattern = pattern.removeprefix("s3:")
    return pattern == event_name or (pattern.endswith(":*") and event_name.startswith(pattern[:-1]))


def _rules(config: dict[str, Any]) -> dict[str, str]:
    """{"prefix": ..., "suffix": ...} of a configuration's filter (names already normalized)."""
    rules = ((config.get("Filter") or {}).get("Key") or {}).get("FilterRules") or []
    return {rule["Name"].lower(): rule["Value"] for rule in rules}


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    def events_overlap(x: str, y: str) -> bool:
        return _event_matches(x, y.removeprefix("s3:")) or _event_matches(y, x.removeprefix("s3:")) or (
            x.endswith(":*") and y.endswith(":*") and x == y
        )

    if not any(events_overlap(x, y) for x in a["Events"] for y in b["Events"]):
        return False
    ra, rb = _rules(a), _rules(b)
    pa, pb = ra.get("prefix", ""), rb.get("prefix", "")
    sa, sb = ra.get("suffix", ""), rb.get("suffix", "")
    return (pa.startswith(pb) or pb.startswith(pa)) and (sa.endswith(sb) or sb.endswith(sa))


def _parse_arn(arn: Any, service: str, word: str) -> tuple[str, str, str]:
    """(region, account, resource) of a destination ARN, or S3's InvalidArgument."""
    parts = arn.split(":", 5) if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != service or not parts[5]:
        raise s3errors.InvalidArgument("The ARN could not be parsed", ArgumentName=word, ArgumentValue=str(arn))
    return parts[3], parts[4], parts[5]


def function_target(arn: str) -> tuple[str, str | None]:
    """(function name, qualifier) of ``arn:aws:lambda:r:a:function:name[:qualifier]``."""
    _, _, resource = _parse_arn(arn, "lambda", "CloudFunction")
    kind, _, rest = resource.partition(":")
    name, _, qualifier = rest.partition(":")
    if kind != "function" or not name:
        raise s3errors.InvalidArgument("The ARN could not be parsed", ArgumentName="CloudFunction", ArgumentValue=arn)
    return name, qualifier or None


def validate(plane: ControlPlane, bucket: str, config: Any, skip_destinations: bool) -> dict[str, Any]:
    """The configuration as it will be stored (ids filled in, filter names as S3 returns them),
    or S3's InvalidArgument for what S3 refuses."""
    if not isinstance(config, dict):
        raise s3errors.MalformedXML(s3errors.MALFORMED_XML)
    out: dict[str, Any] = {}
    everything: list[dict[str, Any]] = []
    for kind, arn_member, word, service in KINDS:
        entries = config.get(kind) or []
        if not isinstance(entries, list):
            raise s3errors.MalformedXML(s3errors.MALFORMED_XML)
        kept = []
        for entry in entries:
            if not isinstance(entry, dict) or not entry.get(arn_member) or not entry.get("Events"):
                raise s3errors.MalformedXML(s3errors.MALFORMED_XML)
            _parse_arn(entry[arn_member], service, word)
            for event in entry["Events"]:
                if not _valid_event(event):
                    raise s3errors.InvalidArgument(
                        "The event is not supported for notifications", ArgumentName="Event", ArgumentValue=event
                    )
            stored = {"Id": entry.get("Id") or _random_id(), arn_member: entry[arn_member], "Events": list(entry["Events"])}
            if entry.get("Filter"):
                stored["Filter"] = _filter(entry["Filter"])
            kept.append(stored)
        if kept:
            out[kind] = kept
            everything += kept
    if "EventBridgeConfiguration" in config and config["EventBridgeConfiguration"] is not None:
        out["EventBridgeConfiguration"] = {}
    for index, first in enumerate(everything):
        for second in everything[index + 1:]:
            if _overlap(first, second):
                raise s3errors.InvalidArgument(
                    "Configurations overlap. Configurations on the same bucket cannot share a common event type.",
                    ArgumentName="Event", ArgumentValue="null",
                )  # fmt: skip
    if not skip_destinations:
        _check_destinations(plane, bucket, out)
    return out


def _random_id() -> str:
    return str(uuid.uuid4())


def _filter(given: Any) -> dict[str, Any]:
    rules = (given.get("Key") or {}).get("FilterRules") if isinstance(given, dict) else None
    if not isinstance(rules, list):
        raise s3errors.MalformedXML(s3errors.MALFORMED_XML)
    out, seen = [], set()
    for rule in rules:
        name = str((rule or {}).get("Name", ""))
        if name.lower() not in ("prefix", "suffix"):
            raise s3errors.InvalidArgument(
                "filter rule name must be either prefix or suffix", ArgumentName="FilterRule.Name", ArgumentValue=name
            )
        if name.lower() in seen:
            raise s3errors.InvalidArgument(
                f"Cannot specify more than one {name.lower()} rule in a filter.",
                ArgumentName="FilterRule.Name", ArgumentValue=name,
            )  # fmt: skip
        seen.add(name.lower())
        out.append({"Name": name.capitalize(), "Value": str(rule.get("Value", ""))})
    return {"Key": {"FilterRules": out}}


def _check_destinations(plane: ControlPlane, bucket: str, config: dict[str, Any]) -> None:
    """S3 checks every destination at PUT: a function must exist and its policy let s3.amazonaws.com
    invoke it for this bucket; a queue must exist. All failures are reported together, numbered."""
    from lambdactl.control.policies import may_invoke

    failures: list[tuple[str, str]] = []
    for entry in config.get("LambdaFunctionConfigurations", []):
        arn = entry["LambdaFunctionArn"]
        name, qualifier = function_target(arn)
        allowed = _function_exists(plane, name, qualifier) and may_invoke(
            plane, name, qualifier, S3_PRINCIPAL, bucket_arn(bucket), plane.settings.account_id
        )
        if not allowed:
            failures.append((f"{arn}, null", f"Not authorized to invoke function [{arn}]"))
    for entry in config.get("QueueConfigurations", []):
        if not _queue_exists(plane, entry["QueueArn"]):
            failures.append((f"{entry['QueueArn']}, null", "The destination queue does not exist"))
    for entry in config.get("TopicConfigurations", []):
        failures.append((f"{entry['TopicArn']}, null", "The destination topic does not exist"))  # no embedded SNS
    if failures:
        extra: dict[str, str] = {}
        for number, (name, value) in enumerate(failures, start=1):
            extra[f"ArgumentName{number}"] = name
            extra[f"ArgumentValue{number}"] = value
        raise s3errors.InvalidArgument("Unable to validate the following destination configurations", **extra)


def _function_exists(plane: ControlPlane, name: str, qualifier: str | None) -> bool:
    if qualifier is None or qualifier == "$LATEST" or qualifier.isdigit():
        sql, args = "SELECT 1 FROM versions WHERE function_name = ? AND version = ?", (name, qualifier or "$LATEST")
    else:
        sql, args = "SELECT 1 FROM aliases WHERE function_name = ? AND name = ?", (name, qualifier)
    return plane.store.read_one(sql, args) is not None


def _queue_exists(plane: ControlPlane, arn: str) -> bool:
    try:
        plane.call("sqs:GetQueueAttributes", {"QueueUrl": arn, "AttributeNames": ["QueueArn"]})
    except s3errors.ServiceError:
        return False
    return True


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def send_test_events(plane: ControlPlane, bucket: str, config: dict[str, Any]) -> None:
    """After a valid PUT, S3 sends ``s3:TestEvent`` to each queue destination (functions get none)."""
    for entry in config.get("QueueConfigurations", []):
        body = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": iso_time(time.time()), "Bucket": bucket,
                "RequestId": _request_id(), "HostId": _host_id()}  # fmt: skip
        plane.call("sqs:SendMessage", {"QueueUrl": entry["QueueArn"], "MessageBody": json.dumps(body)})


def iso_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"


def _request_id() -> str:
    return secrets.token_hex(8).upper()


def _host_id() -> str:
    import base64

    return base64.b64encode(secrets.token_bytes(48)).decode()


def owner_id(account_id: str) -> str:
    """The bucket owner's principal id as event records show it (stable per account)."""
    import hashlib

    return "A" + hashlib.sha256(account_id.encode()).hexdigest()[:13].upper()


def event_record(plane: ControlPlane, region: str, bucket: str, event_name: str, obj: Any,
                 configuration_id: str) -> dict[str, Any]:  # fmt: skip
    """S3's event record (eventVersion 2.1) for one change of ``obj`` (a storage.StoredObject)."""
    created = event_name.startswith("ObjectCreated")
    record_object: dict[str, Any] = {"key": quote_plus(obj.key, safe="/")}
    if created:
        record_object.update(size=obj.size, eTag=obj.etag)
    record_object["sequencer"] = f"{time.time_ns():018X}"
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_time(obj.last_modified if created else time.time()),
        "eventName": event_name,
        "userIdentity": {"principalId": f"AWS:{owner_id(plane.settings.account_id)}"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": _request_id(), "x-amz-id-2": _host_id()},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": owner_id(plane.settings.account_id)},
                "arn": bucket_arn(bucket),
            },
            "object": record_object,
        },
    }


def _matches(entry: dict[str, Any], event_name: str, key: str) -> bool:
    if not any(_event_matches(pattern, event_name) for pattern in entry["Events"]):
        return False
    rules = _rules(entry)
    return key.startswith(rules.get("prefix", "")) and key.endswith(rules.get("suffix", ""))


def record_change(plane: ControlPlane, conn: sqlite3.Connection, bucket: sqlite3.Row, event_name: str,
                  obj: Any) -> Callable[[], None]:  # fmt: skip
    """Inside the transaction that changes ``obj``: enqueue the invocations of matching functions.
    Returns what to do after the commit (queue messages, EventBridge, waking the async worker)."""
    config = json.loads(bucket["notification"]) if bucket["notification"] else {}
    if not config:
        return _nothing
    from lambdactl.control.policies import may_invoke

    invoked = False
    for entry in config.get("LambdaFunctionConfigurations", []):
        if not _matches(entry, event_name, obj.key):
            continue
        name, qualifier = function_target(entry["LambdaFunctionArn"])
        if not _function_exists(plane, name, qualifier) or not may_invoke(
            plane, name, qualifier, S3_PRINCIPAL, bucket_arn(obj.bucket), plane.settings.account_id
        ):
            continue  # the function or its permission went away: S3's invokes fail silently
        record = event_record(plane, bucket["region"], obj.bucket, event_name, obj, entry["Id"])
        plane.async_work.enqueue(conn, name, qualifier, json.dumps({"Records": [record]}).encode(), str(uuid.uuid4()))
        invoked = True
    messages = [
        (entry["QueueArn"], event_record(plane, bucket["region"], obj.bucket, event_name, obj, entry["Id"]))
        for entry in config.get("QueueConfigurations", [])
        if _matches(entry, event_name, obj.key)
    ]
    eventbridge = "EventBridgeConfiguration" in config

    def after() -> None:
        if invoked:
            plane.async_work.start_worker()
        for queue_arn, record in messages:
            try:
                plane.call("sqs:SendMessage", {"QueueUrl": queue_arn, "MessageBody": json.dumps({"Records": [record]})})
            except s3errors.ServiceError:
                pass  # the queue was deleted after the configuration was put: S3 drops the message
        if eventbridge:
            send_to_eventbridge(plane, bucket["region"], event_name, obj)

    return after


def _nothing() -> None:
    return None


EVENTBRIDGE_DETAIL_TYPES = {"ObjectCreated": "Object Created", "ObjectRemoved": "Object Deleted"}


def send_to_eventbridge(plane: ControlPlane, region: str, event_name: str, obj: Any) -> None:
    """EventBridgeConfiguration: S3's event on the default bus, through ``events:PutEvents``."""
    detail_type = EVENTBRIDGE_DETAIL_TYPES.get(event_name.partition(":")[0])
    if detail_type is None:
        return
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": obj.bucket},
        "object": {"key": obj.key, "sequencer": f"{time.time_ns():018X}"},
        "request-id": _request_id(),
        "requester": plane.settings.account_id,
        "source-ip-address": "127.0.0.1",
        "reason": {"ObjectCreated:Put": "PutObject", "ObjectCreated:Copy": "CopyObject",
                   "ObjectCreated:CompleteMultipartUpload": "CompleteMultipartUpload",
                   "ObjectRemoved:Delete": "DeleteObject"}.get(event_name, event_name),
    }  # fmt: skip
    if event_name.startswith("ObjectCreated"):
        detail["object"].update(size=obj.size, etag=obj.etag)
    else:
        detail["deletion-type"] = "Permanently Deleted"
    plane.call("events:PutEvents", {"Entries": [{
        "Source": "aws.s3", "DetailType": detail_type, "Detail": json.dumps(detail),
        "Resources": [bucket_arn(obj.bucket)], "EventBusName": "default",
    }]})  # fmt: skip
