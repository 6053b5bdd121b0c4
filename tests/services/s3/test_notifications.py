"""Bucket notifications: S3's validation, filters, and the exact event record delivered asynchronously."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.services.s3.conftest import allow_s3, events_in, notify


def setup_bucket(cli, bucket: str, config: str) -> None:
    cli("s3api", "create-bucket", "--bucket", bucket)
    allow_s3(cli, bucket)
    cli("s3api", "put-bucket-notification-configuration", "--bucket", bucket, "--notification-configuration", config)


def test_a_function_without_s3_permission_is_refused_until_add_permission(cli, recorder: Path) -> None:
    cli("s3api", "create-bucket", "--bucket", "perm-bkt")
    refused = cli("s3api", "put-bucket-notification-configuration", "--bucket", "perm-bkt",
                  "--notification-configuration", notify(), rc=254)  # fmt: skip
    assert refused.stderr.strip() == (
        "An error occurred (InvalidArgument) when calling the PutBucketNotificationConfiguration operation: "
        "Unable to validate the following destination configurations"
    )
    allow_s3(cli, "other-bkt")  # a permission for another bucket's ARN does not count
    cli("s3api", "put-bucket-notification-configuration", "--bucket", "perm-bkt",
        "--notification-configuration", notify(), rc=254)  # fmt: skip
    allow_s3(cli, "perm-bkt")
    cli("s3api", "put-bucket-notification-configuration", "--bucket", "perm-bkt", "--notification-configuration", notify())
    got = cli("s3api", "get-bucket-notification-configuration", "--bucket", "perm-bkt").json
    assert got["LambdaFunctionConfigurations"][0]["Id"] == "cfg"


def test_a_missing_function_and_skip_validation(cli) -> None:
    cli("s3api", "create-bucket", "--bucket", "skip-bkt")
    cli("s3api", "put-bucket-notification-configuration", "--bucket", "skip-bkt",
        "--notification-configuration", notify("ghost"), rc=254)  # fmt: skip
    cli("s3api", "put-bucket-notification-configuration", "--bucket", "skip-bkt",
        "--notification-configuration", notify("ghost"), "--skip-destination-validation")  # fmt: skip


def test_malformed_and_overlapping_configurations_are_refused(cli, recorder: Path) -> None:
    cli("s3api", "create-bucket", "--bucket", "bad-cfg-bkt")
    allow_s3(cli, "bad-cfg-bkt")
    bad_rule = cli("s3api", "put-bucket-notification-configuration", "--bucket", "bad-cfg-bkt",
                   "--notification-configuration", notify(rules={"middle": "x"}), rc=254)  # fmt: skip
    assert "filter rule name must be either prefix or suffix" in bad_rule.stderr
    bad_arn = json.loads(notify())
    bad_arn["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"] = "not-an-arn"
    parsed = cli("s3api", "put-bucket-notification-configuration", "--bucket", "bad-cfg-bkt",
                 "--notification-configuration", json.dumps(bad_arn), rc=254)  # fmt: skip
    assert "The ARN could not be parsed" in parsed.stderr
    both = json.loads(notify(rules={"prefix": "in/"}))
    second = dict(both["LambdaFunctionConfigurations"][0], Id="two", Events=["s3:ObjectCreated:Put"])
    second["Filter"] = {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "in/deep/"}]}}
    both["LambdaFunctionConfigurations"].append(second)
    overlap = cli("s3api", "put-bucket-notification-configuration", "--bucket", "bad-cfg-bkt",
                  "--notification-configuration", json.dumps(both), rc=254)  # fmt: skip
    assert "Configurations overlap" in overlap.stderr
    assert cli("s3api", "get-bucket-notification-configuration", "--bucket", "bad-cfg-bkt").stdout.strip() in ("", "{}")


def test_the_event_record_field_by_field(cli, recorder: Path, tmp_path: Path) -> None:
    setup_bucket(cli, "rec-bkt", notify(events=("s3:ObjectCreated:*", "s3:ObjectRemoved:*")))
    body = tmp_path / "file.txt"
    body.write_bytes(b"some content\n")
    cli("s3api", "put-object", "--bucket", "rec-bkt", "--key", "photos/red flower@1.txt", "--body", str(body))
    cli("s3api", "delete-object", "--bucket", "rec-bkt", "--key", "photos/red flower@1.txt")
    cli("drain")
    # asynchronous delivery is unordered, as on AWS: the sequencer orders changes of one key
    created, removed = sorted((event["Records"] for event in events_in(recorder)), key=lambda r: r[0]["eventName"])
    assert len(created) == len(removed) == 1
    record = created[0]
    assert set(record) == {"eventVersion", "eventSource", "awsRegion", "eventTime", "eventName", "userIdentity",
                           "requestParameters", "responseElements", "s3"}  # fmt: skip
    assert (record["eventVersion"], record["eventSource"], record["awsRegion"]) == ("2.1", "aws:s3", "us-east-1")
    assert record["eventName"] == "ObjectCreated:Put"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["eventTime"])
    assert record["userIdentity"]["principalId"].startswith("AWS:")
    assert set(record["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    s3 = record["s3"]
    assert s3["s3SchemaVersion"] == "1.0" and s3["configurationId"] == "cfg"
    assert s3["bucket"]["name"] == "rec-bkt" and s3["bucket"]["arn"] == "arn:aws:s3:::rec-bkt"
    assert set(s3["bucket"]["ownerIdentity"]) == {"principalId"}
    obj = s3["object"]
    assert obj["key"] == "photos/red+flower%401.txt"
    assert obj["size"] == 13 and obj["eTag"] == hashlib.md5(b"some content\n").hexdigest()
    assert re.fullmatch(r"[0-9A-F]{18}", obj["sequencer"]) and "versionId" not in obj
    gone = removed[0]
    assert gone["eventName"] == "ObjectRemoved:Delete"
    assert gone["s3"]["object"].keys() == {"key", "sequencer"}
    assert gone["s3"]["object"]["sequencer"] > obj["sequencer"]


def test_prefix_and_suffix_filters_and_event_types(cli, recorder: Path, tmp_path: Path) -> None:
    setup_bucket(cli, "filter-bkt", notify(events=("s3:ObjectCreated:Put",), rules={"prefix": "in/", "suffix": ".csv"}))
    body = tmp_path / "b.csv"
    body.write_text("a,b\n")
    for key in ("in/yes.csv", "in/no.txt", "out/no.csv", "IN/no.csv", "in/sub/yes.csv"):
        cli("s3api", "put-object", "--bucket", "filter-bkt", "--key", key, "--body", str(body))
    cli("s3api", "copy-object", "--bucket", "filter-bkt", "--key", "in/copy.csv", "--copy-source", "filter-bkt/in/yes.csv")
    cli("s3api", "delete-object", "--bucket", "filter-bkt", "--key", "in/yes.csv")  # not an ObjectCreated:Put
    cli("drain")
    keys = sorted(event["Records"][0]["s3"]["object"]["key"] for event in events_in(recorder))
    assert keys == ["in/sub/yes.csv", "in/yes.csv"]


def test_multipart_and_copy_event_names(plane, cli, recorder: Path) -> None:
    setup_bucket(cli, "names-bkt", notify())
    upload = plane.call("s3:CreateMultipartUpload", {"Bucket": "names-bkt", "Key": "mp"})["UploadId"]
    etag = plane.call("s3:UploadPart", {"Bucket": "names-bkt", "Key": "mp", "UploadId": upload, "PartNumber": 1,
                                        "Body": b"part"})["ETag"]  # fmt: skip
    plane.call("s3:CompleteMultipartUpload", {"Bucket": "names-bkt", "Key": "mp", "UploadId": upload,
                                              "MultipartUpload": {"Parts": [{"PartNumber": 1, "ETag": etag}]}})  # fmt: skip
    plane.call("s3:CopyObject", {"Bucket": "names-bkt", "Key": "cp", "CopySource": "names-bkt/mp"})
    cli("drain")
    names = sorted(event["Records"][0]["eventName"] for event in events_in(recorder))
    assert names == ["ObjectCreated:CompleteMultipartUpload", "ObjectCreated:Copy"]
    multipart_etag = plane.call("s3:HeadObject", {"Bucket": "names-bkt", "Key": "mp"})["ETag"].strip('"')
    assert multipart_etag.endswith("-1")
    assert {event["Records"][0]["s3"]["object"]["eTag"] for event in events_in(recorder)} == {multipart_etag}


def test_the_invocation_is_asynchronous_with_the_functions_retries(cli, make_zip, tmp_path: Path) -> None:
    out = tmp_path / "attempts.jsonl"
    failing = 'import json, os\ndef handler(e, c):\n    open(os.environ["OUT"], "a").write(json.dumps(e) + "\\n")\n    raise Exception("no")\n'
    cli.create("rec", make_zip({"app.py": failing}), "--environment", f"Variables={{OUT={out}}}")
    cli("put-function-event-invoke-config", "--function-name", "rec", "--maximum-retry-attempts", "1")
    setup_bucket(cli, "retry-bkt", notify())
    cli("s3api", "put-object", "--bucket", "retry-bkt", "--key", "k", "--body", str(out.parent / "none"), rc=252)
    (tmp_path / "k").write_text("x")
    put = cli("s3api", "put-object", "--bucket", "retry-bkt", "--key", "k", "--body", str(tmp_path / "k"))
    assert "ETag" in put.json  # answered before the function ran
    cli("drain", env={"LAMBDACTL_RETRY_DELAY_SCALE": "0"})
    attempts = events_in(out)
    assert len(attempts) == 2 and attempts[0] == attempts[1]
    listed = cli("list-async-events", "--function-name", "rec").json
    assert [e["Status"] for e in listed["AsyncEvents"]] == ["failed"]


def test_queue_destination_gets_the_test_event_and_records(cli) -> None:
    cli("sqs", "create-queue", "--queue-name", "s3-events")
    cli("s3api", "create-bucket", "--bucket", "queue-bkt")
    arn = "arn:aws:sqs:us-east-1:123456789012:s3-events"
    config = {"QueueConfigurations": [{"Id": "q", "QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]}]}
    cli("s3api", "put-bucket-notification-configuration", "--bucket", "queue-bkt",
        "--notification-configuration", json.dumps(config))  # fmt: skip
    missing = dict(config["QueueConfigurations"][0], QueueArn=arn + "-nope")
    cli("s3api", "put-bucket-notification-configuration", "--bucket", "queue-bkt",
        "--notification-configuration", json.dumps({"QueueConfigurations": [missing]}), rc=254)  # fmt: skip
    (cli.cwd / "f").write_text("x")
    cli("s3api", "put-object", "--bucket", "queue-bkt", "--key", "k", "--body", "f")
    cli("s3api", "delete-object", "--bucket", "queue-bkt", "--key", "k")
    url = cli("sqs", "get-queue-url", "--queue-name", "s3-events").json["QueueUrl"]
    got = cli("sqs", "receive-message", "--queue-url", url, "--max-number-of-messages", "10").json["Messages"]
    bodies = [json.loads(m["Body"]) for m in got]
    assert bodies[0]["Event"] == "s3:TestEvent" and bodies[0]["Service"] == "Amazon S3" and bodies[0]["Bucket"] == "queue-bkt"
    assert [b["Records"][0]["eventName"] for b in bodies[1:]] == ["ObjectRemoved:Delete"]
    assert bodies[1]["Records"][0]["s3"]["configurationId"] == "q"


def test_removing_the_permission_stops_delivery_silently(cli, recorder: Path, tmp_path: Path) -> None:
    setup_bucket(cli, "revoke-bkt", notify())
    cli("remove-permission", "--function-name", "rec", "--statement-id", "s3-revoke-bkt")
    (tmp_path / "f").write_text("x")
    cli("s3api", "put-object", "--bucket", "revoke-bkt", "--key", "k", "--body", str(tmp_path / "f"))
    cli("drain")
    assert events_in(recorder) == []
    assert cli("list-async-events").json.get("AsyncEvents", []) == []


@pytest.mark.parametrize("event", ["s3:ObjectCreated", "s3:Nothing:*", "ObjectCreated:*"])
def test_unknown_event_names_are_refused(cli, recorder: Path, event: str) -> None:
    cli("s3api", "create-bucket", "--bucket", "event-bkt")
    allow_s3(cli, "event-bkt")
    refused = cli("s3api", "put-bucket-notification-configuration", "--bucket", "event-bkt",
                  "--notification-configuration", notify(events=(event,)), rc=254)  # fmt: skip
    assert "(InvalidArgument)" in refused.stderr


def test_eventbridge_configuration_puts_s3_events_on_the_default_bus(cli) -> None:
    cli("sqs", "create-queue", "--queue-name", "bus-events")
    cli("events", "put-rule", "--name", "s3-created", "--event-pattern",
        '{"source": ["aws.s3"], "detail-type": ["Object Created"]}')  # fmt: skip
    cli("events", "put-targets", "--rule", "s3-created", "--targets",
        "Id=q,Arn=arn:aws:sqs:us-east-1:123456789012:bus-events")  # fmt: skip
    cli("s3api", "create-bucket", "--bucket", "bus-bkt")
    cli("s3api", "put-bucket-notification-configuration", "--bucket", "bus-bkt",
        "--notification-configuration", '{"EventBridgeConfiguration": {}}')  # fmt: skip
    assert cli("s3api", "get-bucket-notification-configuration", "--bucket", "bus-bkt").json == {
        "EventBridgeConfiguration": {}
    }
    (cli.cwd / "f").write_text("abc")
    cli("s3api", "put-object", "--bucket", "bus-bkt", "--key", "a b.txt", "--body", "f")
    cli("s3api", "delete-object", "--bucket", "bus-bkt", "--key", "a b.txt")  # "Object Deleted": no rule matches
    url = cli("sqs", "get-queue-url", "--queue-name", "bus-events").json["QueueUrl"]
    got = cli("sqs", "receive-message", "--queue-url", url, "--max-number-of-messages", "10").json["Messages"]
    assert len(got) == 1
    event = json.loads(got[0]["Body"])
    assert (event["source"], event["detail-type"], event["resources"]) == ("aws.s3", "Object Created", ["arn:aws:s3:::bus-bkt"])
    detail = event["detail"]
    assert detail["bucket"] == {"name": "bus-bkt"} and detail["reason"] == "PutObject"
    assert detail["object"]["key"] == "a b.txt" and detail["object"]["size"] == 3
    assert detail["object"]["etag"] == hashlib.md5(b"abc").hexdigest()
