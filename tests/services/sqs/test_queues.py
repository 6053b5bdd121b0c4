"""Embedded SQS queues through the control plane (and a few cases through the CLI)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from lambdactl.sources import kind_of
from lambdactl.services.sqs import queues as sqs

URL = "http://sqs.us-east-1.localhost/123456789012/"


def create(plane, name: str, **attributes: str) -> str:
    return plane.call("sqs:CreateQueue", {"QueueName": name, "Attributes": attributes})["QueueUrl"]


def send(plane, url: str, body: str, **extra) -> dict:
    return plane.call("sqs:SendMessage", {"QueueUrl": url, "MessageBody": body, **extra})


def receive(plane, url: str, count: int = 10, **extra) -> list[dict]:
    params = {"QueueUrl": url, "MaxNumberOfMessages": count, "MessageSystemAttributeNames": ["All"], **extra}
    return plane.call("sqs:ReceiveMessage", params).get("Messages", [])


def attributes(plane, url: str) -> dict[str, str]:
    return plane.call("sqs:GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})["Attributes"]


def test_create_list_url_attributes(plane):
    url = create(plane, "orders", VisibilityTimeout="45")
    assert url == URL + "orders"
    assert create(plane, "orders", VisibilityTimeout="45") == url  # idempotent
    with pytest.raises(sqs.QueueAlreadyExists):
        create(plane, "orders", VisibilityTimeout="46")
    create(plane, "other")
    assert plane.call("sqs:ListQueues", {"QueueNamePrefix": "ord"}) == {"QueueUrls": [url]}
    assert plane.call("sqs:GetQueueUrl", {"QueueName": "orders"}) == {"QueueUrl": url}
    attrs = attributes(plane, url)
    assert attrs["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:orders"
    assert attrs["VisibilityTimeout"] == "45" and attrs["ApproximateNumberOfMessages"] == "0"
    picked = plane.call("sqs:GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["DelaySeconds"]})
    assert picked == {"Attributes": {"DelaySeconds": "0"}}
    plane.call("sqs:SetQueueAttributes", {"QueueUrl": url, "Attributes": {"DelaySeconds": "5"}})
    assert attributes(plane, url)["DelaySeconds"] == "5"
    with pytest.raises(sqs.InvalidAttributeValue):
        create(plane, "bad", VisibilityTimeout="99999")
    with pytest.raises(sqs.InvalidParameterValue):
        create(plane, "bad", FifoQueue="true")
    assert kind_of(plane, attrs["QueueArn"]) == "sqs"
    plane.call("sqs:DeleteQueue", {"QueueUrl": url})
    with pytest.raises(sqs.QueueDoesNotExist):
        plane.call("sqs:GetQueueUrl", {"QueueName": "orders"})
    assert kind_of(plane, attrs["QueueArn"]) is None


def test_send_receive_delete_and_md5s_match_moto(plane):
    from moto.sqs.models import Message as MotoMessage

    url = create(plane, "q")
    message_attributes = {
        "name": {"DataType": "String", "StringValue": "héllo"},
        "n": {"DataType": "Number", "StringValue": "42"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01bin"},
    }
    sent = send(plane, url, "body ✓", MessageAttributes=message_attributes)
    reference = MotoMessage("x", "body ✓")
    reference.message_attributes = message_attributes
    assert sent["MD5OfMessageBody"] == reference.body_md5
    assert sent["MD5OfMessageAttributes"] == reference.attribute_md5
    [got] = receive(plane, url, MessageAttributeNames=["All"])
    assert got["Body"] == "body ✓" and got["MessageId"] == sent["MessageId"]
    assert got["MD5OfMessageAttributes"] == reference.attribute_md5
    assert got["MessageAttributes"]["b"] == {"DataType": "Binary", "BinaryValue": "AAFiaW4="}
    assert got["Attributes"]["ApproximateReceiveCount"] == "1"
    assert receive(plane, url) == []  # in flight
    plane.call("sqs:DeleteMessage", {"QueueUrl": url, "ReceiptHandle": got["ReceiptHandle"]})
    assert attributes(plane, url)["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_visibility_timeout_expiry_redelivers_with_count_2(plane, clock):
    url = create(plane, "q", VisibilityTimeout="30")
    send(plane, url, "m")
    [first] = receive(plane, url)
    clock.advance(29)
    assert receive(plane, url) == []
    clock.advance(2)
    [again] = receive(plane, url)
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    assert again["ReceiptHandle"] != first["ReceiptHandle"]
    assert again["Attributes"]["ApproximateFirstReceiveTimestamp"] == first["Attributes"]["ApproximateFirstReceiveTimestamp"]
    plane.call("sqs:ChangeMessageVisibility", {"QueueUrl": url, "ReceiptHandle": again["ReceiptHandle"], "VisibilityTimeout": 0})
    assert len(receive(plane, url)) == 1


def test_redrive_to_dlq_after_max_receive_count(plane, clock):
    dlq = create(plane, "dlq")
    dlq_arn = attributes(plane, dlq)["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    url = create(plane, "q", VisibilityTimeout="10", RedrivePolicy=policy)
    assert json.loads(attributes(plane, url)["RedrivePolicy"]) == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}
    sent = send(plane, url, "poison")
    for _ in range(2):
        assert len(receive(plane, url)) == 1
        clock.advance(11)
    assert receive(plane, url) == []
    [dead] = receive(plane, dlq)
    assert dead["MessageId"] == sent["MessageId"] and dead["Body"] == "poison"
    assert sqs.pending(plane, attributes(plane, url)["QueueArn"]) == 0


def test_fifo_order_per_group_one_batch_in_flight_and_dedup(plane):
    url = create(plane, "jobs.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    seqs = [send(plane, url, f"{g}{i}", MessageGroupId=g)["SequenceNumber"] for i in range(3) for g in "ab"]
    assert seqs == sorted(seqs)
    dup = send(plane, url, "a0", MessageGroupId="a")
    assert dup["SequenceNumber"] == seqs[0]
    first = receive(plane, url, count=2)
    assert [m["Body"] for m in first] == ["a0", "a1"]
    assert first[0]["Attributes"]["MessageGroupId"] == "a"
    rest = receive(plane, url, count=10)  # group a is in flight: only b
    assert [m["Body"] for m in rest] == ["b0", "b1", "b2"]
    assert receive(plane, url) == []
    for message in first:
        plane.call("sqs:DeleteMessage", {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]})
    assert [m["Body"] for m in receive(plane, url)] == ["a2"]
    with pytest.raises(sqs.MissingParameter):
        send(plane, url, "x")
    explicit = create(plane, "e.fifo", FifoQueue="true")
    with pytest.raises(sqs.InvalidParameterValue):
        send(plane, explicit, "x", MessageGroupId="g")
    one = send(plane, explicit, "x", MessageGroupId="g", MessageDeduplicationId="d")
    assert send(plane, explicit, "y", MessageGroupId="g", MessageDeduplicationId="d")["MessageId"] == one["MessageId"]


def test_delay_seconds(plane, clock):
    url = create(plane, "q")
    send(plane, url, "later", DelaySeconds=5)
    assert attributes(plane, url)["ApproximateNumberOfMessagesDelayed"] == "1"
    assert receive(plane, url) == []
    clock.advance(6)
    assert [m["Body"] for m in receive(plane, url)] == ["later"]


def test_retention_drops_old_messages(plane, clock):
    url = create(plane, "q", MessageRetentionPeriod="60")
    send(plane, url, "old")
    clock.advance(61)
    assert attributes(plane, url)["ApproximateNumberOfMessages"] == "0"
    assert receive(plane, url) == []


def test_purge_and_batches(plane):
    url = create(plane, "q")
    entries = [{"Id": f"m{i}", "MessageBody": f"b{i}"} for i in range(3)] + [{"Id": "bad", "MessageBody": ""}]
    result = plane.call("sqs:SendMessageBatch", {"QueueUrl": url, "Entries": entries})
    assert [s["Id"] for s in result["Successful"]] == ["m0", "m1", "m2"]
    assert result["Failed"] == [{"Id": "bad", "SenderFault": True, "Code": "MissingParameter",
                                 "Message": "The request must contain the parameter MessageBody."}]  # fmt: skip
    got = receive(plane, url)
    assert len(got) == 3
    handles = [{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got[:2])]
    deleted = plane.call("sqs:DeleteMessageBatch", {"QueueUrl": url, "Entries": handles})
    assert [s["Id"] for s in deleted["Successful"]] == ["d0", "d1"] and deleted["Failed"] == []
    send(plane, url, "x")
    plane.call("sqs:PurgeQueue", {"QueueUrl": url})
    assert sqs.pending(plane, attributes(plane, url)["QueueArn"]) == 0


def test_long_poll_returns_early_when_a_message_arrives(plane):
    url = create(plane, "q")

    def later() -> None:
        time.sleep(0.3)
        send(plane, url, "wake")

    threading.Thread(target=later).start()
    started = time.monotonic()
    got = receive(plane, url, WaitTimeSeconds=10)
    assert [m["Body"] for m in got] == ["wake"]
    assert time.monotonic() - started < 3


def test_storage_api_message_shape(plane):
    arn = sqs.queue_arn(plane, "api.fifo")
    sqs.create_queue(plane, "api.fifo", {"FifoQueue": "true"})
    assert sqs.exists(plane, arn)
    sqs.send(plane, arn, "test", {"k": {"DataType": "String", "StringValue": "v"}}, group_id="g", dedup_id="d")
    [message] = sqs.receive(plane, arn, 10, 30)
    assert message.md5_of_body == "098f6bcd4621d373cade4e832627b4f6"
    assert message.message_attributes == {
        "k": {"stringValue": "v", "stringListValues": [], "binaryListValues": [], "dataType": "String"}
    }
    assert set(message.attributes) == {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                       "ApproximateFirstReceiveTimestamp", "MessageGroupId",
                                       "MessageDeduplicationId", "SequenceNumber"}  # fmt: skip
    assert sqs.pending(plane, arn) == 1
    sqs.change_visibility(plane, arn, message.receipt_handle, 0)
    [again] = sqs.receive(plane, arn, 10, 30)
    sqs.delete(plane, arn, [again.receipt_handle])
    assert sqs.pending(plane, arn) == 0
    with pytest.raises(sqs.ReceiptHandleIsInvalid):
        sqs.delete(plane, arn, ["garbage"])


def test_cli_send_message_output_shape(cli):
    import botocore.session

    cli("sqs", "create-queue", "--queue-name", "q")
    out = cli("sqs", "send-message", "--queue-url", URL + "q", "--message-body", "hi").json
    shape = botocore.session.get_session().get_service_model("sqs").operation_model("SendMessage").output_shape
    assert set(out) <= set(shape.members) and {"MD5OfMessageBody", "MessageId"} <= set(out)
    assert out["MD5OfMessageBody"] == "49f68a5c8493ec2c0bf489821c21fc3b"
    got = cli("sqs", "receive-message", "--queue-url", URL + "q").json["Messages"]
    assert got[0]["Body"] == "hi"
    failed = cli("sqs", "get-queue-url", "--queue-name", "missing", rc=254)
    assert "An error occurred (AWS.SimpleQueueService.NonExistentQueue)" in failed.stderr
