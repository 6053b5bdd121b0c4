"""The ``sqs:*`` operations (botocore's sqs shapes) over the embedded queues in ``queues``.

SendMessage and SendMessageBatch wake the event-source-mapping worker once per call when a
message was enqueued (the storage layer never starts processes).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from lambdactl import errors
from lambdactl.plane import ControlPlane, operation
from lambdactl.services.sqs import queues

EmptyBatchRequest = errors.service_error(
    "AWS.SimpleQueueService.EmptyBatchRequest", 400, name="EmptyBatchRequest"
)
TooManyEntriesInBatchRequest = errors.service_error(
    "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400, name="TooManyEntriesInBatchRequest"
)
BatchEntryIdsNotDistinct = errors.service_error(
    "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, name="BatchEntryIdsNotDistinct"
)
InvalidBatchEntryId = errors.service_error(
    "AWS.SimpleQueueService.InvalidBatchEntryId", 400, name="InvalidBatchEntryId"
)
BATCH_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,80}")


@operation("sqs:CreateQueue")
def create_queue(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = queues.create_queue(plane, params["QueueName"], params.get("Attributes"))
    return {"QueueUrl": queues.queue_url(plane, arn)}


@operation("sqs:DeleteQueue")
def delete_queue(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    queues.delete_queue(plane, queues.resolve(plane, params["QueueUrl"]))
    return {}


@operation("sqs:GetQueueUrl")
def get_queue_url(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    account = params.get("QueueOwnerAWSAccountId") or plane.settings.account_id
    arn = f"arn:aws:sqs:{plane.settings.region}:{account}:{params['QueueName']}"
    return {"QueueUrl": queues.queue_url(plane, queues.resolve(plane, arn))}


@operation("sqs:ListQueues")
def list_queues(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arns = queues.list_queues(plane, params.get("QueueNamePrefix") or "")
    if params.get("NextToken"):
        try:
            after = base64.b64decode(params["NextToken"], validate=True).decode()
        except (binascii.Error, ValueError):
            raise queues.InvalidParameterValue("Invalid NextToken value.") from None
        arns = [arn for arn in arns if arn > after]
    limit = params.get("MaxResults")
    if limit is not None and not 1 <= limit <= 1000:
        raise queues.InvalidParameterValue("Value for parameter MaxResults is invalid. Reason: must be between 1 and 1000.")
    result: dict[str, Any] = {}
    page = arns[:limit] if limit else arns
    if page:
        result["QueueUrls"] = [queues.queue_url(plane, arn) for arn in page]
    if limit and len(arns) > limit:
        result["NextToken"] = base64.b64encode(page[-1].encode()).decode()
    return result


@operation("sqs:GetQueueAttributes")
def get_queue_attributes(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    attributes = queues.queue_attributes(plane, queues.resolve(plane, params["QueueUrl"]))
    names = params.get("AttributeNames") or []
    for name in names:
        if name != "All" and name not in queues.SETTABLE and name not in queues.COMPUTED:
            raise queues.InvalidAttributeName(f"Unknown Attribute {name}.")
    if "All" not in names:
        attributes = {key: value for key, value in attributes.items() if key in names}
    return {"Attributes": attributes} if attributes else {}


@operation("sqs:SetQueueAttributes")
def set_queue_attributes(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    queues.set_attributes(plane, queues.resolve(plane, params["QueueUrl"]), params.get("Attributes") or {})
    return {}


@operation("sqs:PurgeQueue")
def purge_queue(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    queues.purge(plane, queues.resolve(plane, params["QueueUrl"]))
    return {}


def _send(plane: ControlPlane, arn: str, entry: dict[str, Any]) -> dict[str, Any]:
    return queues.send(
        plane,
        arn,
        entry.get("MessageBody") or "",
        entry.get("MessageAttributes"),
        entry.get("DelaySeconds"),
        entry.get("MessageGroupId"),
        entry.get("MessageDeduplicationId"),
    )



@operation("sqs:SendMessage")
def send_message(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = queues.resolve(plane, params["QueueUrl"])
    result = _send(plane, arn, params)
    plane.async_work.records_added(arn)
    return result


@operation("sqs:ReceiveMessage")
def receive_message(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = queues.resolve(plane, params["QueueUrl"])
    count = params.get("MaxNumberOfMessages", 1)
    if not 1 <= count <= 10:
        raise queues.InvalidParameterValue(
            f"Value {count} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."
        )
    wait = params.get("WaitTimeSeconds")
    if wait is None:
        wait = int(queues.queue_attributes(plane, arn)["ReceiveMessageWaitTimeSeconds"])
    if not 0 <= wait <= 20:
        raise queues.InvalidParameterValue(
            f"Value {wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."
        )
    messages = queues.receive(plane, arn, count, params.get("VisibilityTimeout"), wait)
    wanted_system = {*(params.get("AttributeNames") or []), *(params.get("MessageSystemAttributeNames") or [])}
    wanted_user = params.get("MessageAttributeNames") or []
    return {"Messages": [_api_message(m, wanted_system, wanted_user) for m in messages]} if messages else {}


def _api_message(message: queues.Message, system: set[str], user: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": message.md5_of_body,
        "Body": message.body,
    }
    attributes = {k: v for k, v in message.attributes.items() if "All" in system or k in system}
    if attributes:
        out["Attributes"] = attributes
    selected = {k: v for k, v in message.api_message_attributes.items() if _attribute_wanted(k, user)}
    if selected:
        out["MD5OfMessageAttributes"] = message.md5_of_message_attributes
        out["MessageAttributes"] = selected
    return out


def _attribute_wanted(name: str, patterns: list[str]) -> bool:
    return any(
        p in ("All", ".*") or p == name or (p.endswith(".*") and name.startswith(p[:-1])) for p in patterns
    )


@operation("sqs:DeleteMessage")
def delete_message(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    queues.delete(plane, queues.resolve(plane, params["QueueUrl"]), [params["ReceiptHandle"]])
    return {}


@operation("sqs:ChangeMessageVisibility")
def change_message_visibility(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = queues.resolve(plane, params["QueueUrl"])
    queues.change_visibility(plane, arn, params["ReceiptHandle"], params["VisibilityTimeout"])
    return {}


def _batch(
    params: dict[str, Any], entry_shape: str, run: Callable[[dict[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    """Run each entry; per-entry service errors become Failed entries."""
    entries = params.get("Entries") or []
    if not entries:
        raise EmptyBatchRequest(f"There should be at least one {entry_shape} in the request.")
    if len(entries) > 10:
        raise TooManyEntriesInBatchRequest(f"Maximum number of entries per request are 10. You have sent {len(entries)}.")
    seen: set[str] = set()
    for entry in entries:
        if not BATCH_ID_RE.fullmatch(entry.get("Id") or ""):
            raise InvalidBatchEntryId(
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                "It can be at most 80 letters long."
            )
        if entry["Id"] in seen:
            raise BatchEntryIdsNotDistinct(f"Id {entry['Id']} repeated.")
        seen.add(entry["Id"])
    successful, failed = [], []
    for entry in entries:
        try:
            successful.append({"Id": entry["Id"], **run(entry)})
        except errors.ServiceError as exc:
            failed.append({"Id": entry["Id"], "SenderFault": exc.status < 500, "Code": exc.code, "Message": exc.message})
    return {"Successful": successful, "Failed": failed}


@operation("sqs:SendMessageBatch")
def send_message_batch(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = queues.resolve(plane, params["QueueUrl"])
    result = _batch(params, "SendMessageBatchRequestEntry", lambda entry: _send(plane, arn, entry))
    if result["Successful"]:
        plane.async_work.records_added(arn)
    return result


@operation("sqs:DeleteMessageBatch")
def delete_message_batch(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = queues.resolve(plane, params["QueueUrl"])

    def run(entry: dict[str, Any]) -> dict[str, Any]:
        queues.delete(plane, arn, [entry["ReceiptHandle"]])
        return {}

    return _batch(params, "DeleteMessageBatchRequestEntry", run)


@operation("sqs:ChangeMessageVisibilityBatch")
def change_message_visibility_batch(plane: ControlPlane, params: dict[str, Any]) -> dict[str, Any]:
    arn = queues.resolve(plane, params["QueueUrl"])

    def run(entry: dict[str, Any]) -> dict[str, Any]:
        queues.change_visibility(plane, arn, entry["ReceiptHandle"], entry.get("VisibilityTimeout", 0))
        return {}

    return _batch(params, "ChangeMessageVisibilityBatchRequestEntry", run)
