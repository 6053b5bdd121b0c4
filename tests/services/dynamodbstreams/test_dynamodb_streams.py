"""DynamoDB-stream-shaped sources: appending INSERT/MODIFY/REMOVE and reading them back."""

from __future__ import annotations

import re

from lambdactl.sources import kind_of
from lambdactl.services.dynamodbstreams import streams as dynamodb_streams
from lambdactl.services.kinesis import streams as kinesis


def test_records_format_and_read_ops(plane):
    keys = {"Id": {"N": "101"}}
    new = {"Id": {"N": "101"}, "Message": {"S": "New item!"}}
    inserted = dynamodb_streams.put_record(plane, "T", "INSERT", keys, new_image=new)
    [arn] = dynamodb_streams.table_streams(plane, "T")
    assert re.fullmatch(r"arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", arn)
    assert kind_of(plane, arn) == "dynamodb"
    dynamodb_streams.put_record(plane, arn, "MODIFY", keys, new_image={**new, "Message": {"S": "x"}}, old_image=new)
    dynamodb_streams.put_record(plane, "T", "REMOVE", keys, old_image=new)
    assert inserted["eventVersion"] == "1.1" and inserted["eventSource"] == "aws:dynamodb"
    assert inserted["awsRegion"] == "us-east-1" and re.fullmatch(r"[0-9a-f]{32}", inserted["eventID"])
    change = inserted["dynamodb"]
    assert list(change) == ["ApproximateCreationDateTime", "Keys", "NewImage", "SequenceNumber", "SizeBytes",
                            "StreamViewType"]  # fmt: skip
    assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES" and isinstance(change["ApproximateCreationDateTime"], int)

    listed = plane.call("dynamodbstreams:ListStreams", {"TableName": "T"})["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": "T", "StreamLabel": arn.rsplit("/", 1)[1]}]
    [shard] = plane.call("dynamodbstreams:DescribeStream", {"StreamArn": arn})["StreamDescription"]["Shards"]
    token = plane.call("dynamodbstreams:GetShardIterator", {"StreamArn": arn, "ShardId": shard["ShardId"],
                                                            "ShardIteratorType": "TRIM_HORIZON"})["ShardIterator"]  # fmt: skip
    got = plane.call("dynamodbstreams:GetRecords", {"ShardIterator": token})["Records"]
    assert [r["eventName"] for r in got] == ["INSERT", "MODIFY", "REMOVE"]
    assert got[0] == inserted
    assert "NewImage" not in got[2]["dynamodb"] and got[2]["dynamodb"]["OldImage"] == new
    assert dynamodb_streams.read(plane, arn, shard["ShardId"], got[0]["dynamodb"]["SequenceNumber"], 10) == got[1:]
    assert kinesis.latest_sequence(plane, arn, shard["ShardId"]) == got[2]["dynamodb"]["SequenceNumber"]
