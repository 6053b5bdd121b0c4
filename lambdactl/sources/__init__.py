"""Where a mapping's records come from: an embedded source, or one at a configured AWS-compatible endpoint.

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
from typing import Any

from lambdactl import errors, settings
from lambdactl.control.plane import ControlPlane
from lambdactl.events.pollers.base import Mapping

SERVICE_ENV = {"sqs": "AWS_ENDPOINT_URL_SQS", "kinesis": "AWS_ENDPOINT_URL_KINESIS",
               "dynamodb": "AWS_ENDPOINT_URL_DYNAMODBSTREAMS"}  # fmt: skip


def configured_endpoint(kind: str) -> str | None:
    """The endpoint for external sources of ``kind``: a URL, "" for AWS itself, None when not configured."""
    url = settings.SOURCE_ENDPOINT_URL.get() or os.environ.get(SERVICE_ENV[kind]) or os.environ.get("AWS_ENDPOINT_URL")
    if url:
        return url
    return "" if settings.SOURCE_AWS.get() else None


def kind_of(plane: ControlPlane, arn: str) -> str | None:
    """What an event source ARN names, if it exists here: "sqs", "kinesis", "dynamodb" or None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    service = parts[2]
    if service == "sqs":
        from lambdactl.services.sqs import queues

        return "sqs" if queues.exists(plane, arn) else None
    if service in ("kinesis", "dynamodb"):
        row = plane.store.read_one("SELECT kind FROM streams WHERE arn = ?", (arn,))
        return row["kind"] if row else None
    return None


def embedded(plane: ControlPlane, arn: str) -> bool:
    return kind_of(plane, arn) is not None


def locate(plane: ControlPlane, arn: str, kind: str) -> str | None:
    """None for an embedded source, else the external endpoint to keep with the mapping."""
    if embedded(plane, arn):
        return None
    endpoint = configured_endpoint(kind)
    if endpoint is None:
        what = {"sqs": "queue", "kinesis": "stream", "dynamodb": "stream"}[kind]
        raise errors.InvalidParameterValueException(
            f"The {what} {arn} does not exist. Create it with lambdactl, or point lambdactl at an AWS-compatible "
            "endpoint (LAMBDACTL_SOURCE_ENDPOINT_URL) to poll an external one."
        )
    return endpoint


def queue(plane: ControlPlane, mapping: Mapping) -> Any:
    from lambdactl.events.pollers import external, sqs

    if "_Endpoint" in mapping.config:
        return external.ExternalQueue(mapping.arn, mapping.config["_Endpoint"])
    return sqs.EmbeddedQueue(plane, mapping.arn)


def stream(plane: ControlPlane, mapping: Mapping, kind: str) -> Any:
    from lambdactl.events.pollers import external, streams

    if "_Endpoint" in mapping.config:
        return external.ExternalStream(mapping.arn, mapping.config["_Endpoint"], kind)
    return streams.EmbeddedStream(plane, mapping.arn, kind)


def deliver(plane: ControlPlane, target: str, body: str) -> str | None:
    """Send an on-failure record to an SQS queue (embedded or external) or a function (async); an error text or None."""
    from lambdactl.control.mappings import source_kind

    try:
        if ":function:" in target:
            from lambdactl.events import destinations, worker

            with plane.store.write() as conn:
                problem = destinations.deliver(conn, plane, target, body.encode())
            worker.ensure_running(plane)
            return problem
        if source_kind(target) == "sqs":
            if embedded(plane, target):
                from lambdactl.events.pollers.manager import wake
                from lambdactl.services.sqs import queues

                queues.send(plane, target, body)
                wake(plane, target)
                return None
            endpoint = configured_endpoint("sqs")
            if endpoint is not None:
                from lambdactl.events.pollers import external

                external.ExternalQueue(target, endpoint).send(body)
                return None
    except Exception as exc:  # noqa: BLE001 - boto3, the store, a missing queue: reported, never raised
        return f"destination {target} not reached: {exc}"
    return f"destination {target} not reached: not an existing queue or function"
